#include "server/provision/inventory.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "server/provision/state_keys.h"

namespace powerview::provision {
namespace {

// The inventory is keyed by identity; team members by `<team>/<login>`.
v1::PlanAction Identity(const v1::PlanAction& action) {
  v1::PlanAction id;
  id.set_kind(action.kind());
  id.set_company(action.company());
  id.set_campaign(action.campaign());
  id.set_key(action.key());
  id.set_remote_id(action.remote_id());
  if (action.has_team()) *id.mutable_team() = action.team();
  if (action.has_read_token()) *id.mutable_read_token() = action.read_token();
  return id;
}

}  // namespace

absl::Status RecordInventory(ProvisionStore& store, const v1::PlanAction& action) {
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(Identity(action), &json);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("inventory entry: ", status.ToString()));
  }
  return store.Put(InventoryKey(action.company(), action.kind(), action.key()), json);
}

absl::Status ForgetInventory(ProvisionStore& store, const v1::PlanAction& action) {
  return store.Delete(InventoryKey(action.company(), action.kind(), action.key()));
}

absl::StatusOr<std::vector<v1::PlanAction>> LoadInventory(ProvisionStore& store,
                                                          const std::string& company) {
  absl::StatusOr<std::map<std::string, std::string>> entries = store.List(InventoryPrefix(company));
  if (!entries.ok()) return entries.status();
  std::vector<v1::PlanAction> out;
  for (const auto& [key, json] : *entries) {
    v1::PlanAction action;
    auto status = google::protobuf::util::JsonStringToMessage(json, &action);
    if (!status.ok()) {
      return absl::DataLossError(
          absl::StrCat("provision store: inventory entry '", key, "': ", status.ToString()));
    }
    out.push_back(std::move(action));
  }
  return out;
}

absl::StatusOr<std::set<std::string>> InventoryCompanies(ProvisionStore& store) {
  absl::StatusOr<std::map<std::string, std::string>> entries = store.List(InventoryPrefix());
  if (!entries.ok()) return entries.status();
  std::set<std::string> companies;
  const size_t skip = InventoryPrefix().size();
  for (const auto& [key, json] : *entries) {
    size_t end = key.find('\x1f', skip);
    if (end != std::string::npos) companies.insert(key.substr(skip, end - skip));
  }
  return companies;
}

}  // namespace powerview::provision
