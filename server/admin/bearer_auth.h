// Who may call the admin API. On a Unix socket the socket's file permissions decide; on TCP
// every admin call must carry `authorization: Bearer <token>` metadata with the configured
// token.
#ifndef POWERVIEW_SERVER_ADMIN_BEARER_AUTH_H_
#define POWERVIEW_SERVER_ADMIN_BEARER_AUTH_H_

#include <string>

#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace powerview::admin {

class BearerAuth {
 public:
  // No token needed (Unix socket).
  BearerAuth() = default;
  // Every call must present `token`, which must not be empty.
  explicit BearerAuth(std::string token) : token_(std::move(token)), required_(true) {}

  // OK, or UNAUTHENTICATED with a message saying what is missing.
  grpc::Status Check(const grpc::ServerContext& context) const;
  bool required() const { return required_; }

 private:
  std::string token_;
  bool required_ = false;
};

// Whether `address` (as in --admin-listen) is a Unix socket address.
bool IsUnixAddress(const std::string& address);

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_BEARER_AUTH_H_
