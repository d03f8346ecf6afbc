// The inventory of objects PowerView created or changed, kept in the ProvisionStore, so that
// prune deletes only PowerView's own objects and never an operator's.
#ifndef POWERVIEW_SERVER_PROVISION_INVENTORY_H_
#define POWERVIEW_SERVER_PROVISION_INVENTORY_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "powerview/v1/provision.pb.h"
#include "server/provision/provision_store.h"

namespace powerview::provision {

// Records the object an applied create or update action made (its identity, not its content).
absl::Status RecordInventory(ProvisionStore& store, const v1::PlanAction& action);
// Forgets the object of an applied delete action.
absl::Status ForgetInventory(ProvisionStore& store, const v1::PlanAction& action);
// The company's recorded objects (identity fields of the actions that made them).
absl::StatusOr<std::vector<v1::PlanAction>> LoadInventory(ProvisionStore& store,
                                                          const std::string& company);
// Companies with at least one recorded object.
absl::StatusOr<std::set<std::string>> InventoryCompanies(ProvisionStore& store);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_INVENTORY_H_
