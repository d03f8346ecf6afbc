// One unary gRPC call over HTTP/2 without TLS (libnghttp2 does the framing), for
// powerview-notify: see hook_request.h for why it does not use the gRPC library.
#ifndef POWERVIEW_CLIENT_NOTIFY_GRPC_UNARY_H_
#define POWERVIEW_CLIENT_NOTIFY_GRPC_UNARY_H_

#include <chrono>
#include <string>

namespace powerview::notify {

struct UnaryResult {
  bool ok = false;
  int grpc_status = -1;  // -1: no answer (could not connect, connection lost, deadline)
  std::string error;     // why it is not ok
};

// Calls `method` ("/package.Service/Method") at `address` (unix:///path, unix:/path or
// host:port) with the serialized request `message`, and returns once the server answered or
// `deadline` passed. While the server cannot be reached (socket missing, connection refused:
// a daemon restarting) it tries again every 50 ms until the deadline, as gRPC's wait_for_ready.
UnaryResult CallUnary(const std::string& address, const std::string& method,
                      const std::string& message, std::chrono::steady_clock::time_point deadline);

}  // namespace powerview::notify

#endif  // POWERVIEW_CLIENT_NOTIFY_GRPC_UNARY_H_
