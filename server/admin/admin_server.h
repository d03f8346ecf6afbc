// The admin listener: AdminService, grpc.health.v1.Health and server reflection on one gRPC
// server of their own (the notifier service is never on it). A Unix socket by default; on TCP
// a bearer token is required and TLS is available.
#ifndef POWERVIEW_SERVER_ADMIN_ADMIN_SERVER_H_
#define POWERVIEW_SERVER_ADMIN_ADMIN_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/admin/admin_service.h"
#include "server/intake/health_service.h"

namespace powerview::admin {

struct AdminServerOptions {
  // `unix:///absolute/path` (its folder must exist) or `host:port` (port 0 picks one).
  std::string address;
  // Required on TCP: callers send `authorization: Bearer <token>`.
  std::string token;
  // PEM files; when set on TCP the listener speaks TLS.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class AdminServer {
 public:
  // Listens on `options.address` and serves the admin service over `backends` (nothing owned;
  // all must outlive the server). FailedPrecondition for TCP without a token, InvalidArgument
  // for unreadable or half-given TLS files, Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const AdminServerOptions& options,
                                                            AdminBackends backends);
  ~AdminServer();

  // Ends the open streams, stops accepting calls and waits up to `grace` for running ones.
  void Shutdown(absl::Duration grace);

  // The TCP port listened on (the chosen one for port 0); 0 on a Unix socket.
  int port() const { return port_; }

  // The grpc.health.v1 service, for readiness names set by the daemon.
  intake::HealthService* health() { return health_.get(); }

 private:
  AdminServer() = default;

  std::unique_ptr<AdminService> service_;
  std::unique_ptr<intake::HealthService> health_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_ADMIN_SERVER_H_
