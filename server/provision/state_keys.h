// Keys under which provisioning keeps its state in the ProvisionStore.
#ifndef POWERVIEW_SERVER_PROVISION_STATE_KEYS_H_
#define POWERVIEW_SERVER_PROVISION_STATE_KEYS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "powerview/v1/provision.pb.h"

namespace powerview::provision {

inline constexpr char kLastPlanKey[] = "plan/last";
inline constexpr char kLastResultKey[] = "result/last";

// The read token minted for a company, by its raw bucket: JSON
// {"authorization_id","token","description"}.
inline std::string TokenKey(absl::string_view bucket) {
  return absl::StrCat("influx/token/", bucket);
}

// Where a datasource's secret comes from (GrafanaDatasourceSpec.secret_ref).
inline std::string TokenSecretRef(absl::string_view bucket) {
  return absl::StrCat("store:", TokenKey(bucket));
}
inline constexpr char kV1PasswordSecretRef[] = "setting:influx.v1_read_password";

// SHA-256 of the secret last applied to a datasource.
inline std::string SecretHashKey(absl::string_view datasource_uid) {
  return absl::StrCat("grafana/secret/", datasource_uid);
}

// The inventory: one entry per object PowerView created, so prune deletes only its own.
// The separator 0x1f cannot appear in folder names.
inline std::string InventoryPrefix() { return "inventory/"; }
inline std::string InventoryPrefix(absl::string_view company) {
  return absl::StrCat("inventory/", company, "\x1f");
}
inline std::string InventoryKey(absl::string_view company, v1::ResourceKind kind,
                                absl::string_view key) {
  return absl::StrCat(InventoryPrefix(company), v1::ResourceKind_Name(kind), "\x1f", key);
}

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_STATE_KEYS_H_
