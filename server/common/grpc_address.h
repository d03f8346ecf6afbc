// gRPC addresses given on the command line (--listen, --admin-listen, powerviewctl --address),
// checked where they enter so that a typo is a usage error naming the flag, never a socket with a
// strange name or a gRPC log line.
#ifndef POWERVIEW_SERVER_COMMON_GRPC_ADDRESS_H_
#define POWERVIEW_SERVER_COMMON_GRPC_ADDRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace powerview {

struct GrpcAddress {
  bool unix_socket = false;
  std::string path;  // unix_socket: absolute path
  std::string host;  // otherwise: name, IPv4, or [IPv6] with its brackets
  int port = 0;

  // The gRPC target: "unix:///path" or "host:port".
  std::string Target() const;
};

// Parses one address for `flag`: unix:///absolute/path (or unix:/absolute/path), host:port or
// [v6]:port. `listening`: the port may be 0 (any free port); otherwise it is 1-65535 and
// http://host:port is read as host:port. InvalidArgument naming the flag, with a hint, for a
// relative socket path, several addresses in one value, a URL, a missing or out-of-range port.
absl::StatusOr<GrpcAddress> ParseGrpcAddress(absl::string_view flag, absl::string_view text,
                                             bool listening);

}  // namespace powerview

#endif  // POWERVIEW_SERVER_COMMON_GRPC_ADDRESS_H_
