// The InfluxDB 2.x read token PowerView minted for a company, as kept in the ProvisionStore
// (InfluxDB shows a token only in the answer that creates it).
#ifndef POWERVIEW_SERVER_PROVISION_STORED_TOKEN_H_
#define POWERVIEW_SERVER_PROVISION_STORED_TOKEN_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "server/provision/provision_store.h"

namespace powerview::provision {

struct StoredToken {
  std::string authorization_id;
  std::string token;
  std::string description;
};

// The token kept for the company whose raw bucket is `bucket`, or nullopt.
absl::StatusOr<std::optional<StoredToken>> LoadStoredToken(ProvisionStore& store,
                                                           const std::string& bucket);
absl::Status SaveStoredToken(ProvisionStore& store, const std::string& bucket,
                             const StoredToken& token);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_STORED_TOKEN_H_
