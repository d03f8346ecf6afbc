#include "server/admin/bearer_auth.h"

#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace powerview::admin {

grpc::Status BearerAuth::Check(const grpc::ServerContext& context) const {
  if (!required_) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the admin API on TCP needs 'authorization: Bearer <token>' metadata "
                        "(powerviewctl --token or POWERVIEW_ADMIN_TOKEN)");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the authorization metadata must read 'Bearer <token>'");
  }
  absl::string_view presented = absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  // Constant time, so the comparison does not tell how much of a guess was right.
  bool match = presented.size() == token_.size() &&
               CRYPTO_memcmp(presented.data(), token_.data(), token_.size()) == 0;
  if (!match) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the bearer token is not valid");
  }
  return grpc::Status::OK;
}

bool IsUnixAddress(const std::string& address) { return absl::StartsWith(address, "unix:"); }

}  // namespace powerview::admin
