// The provisioning stage behind the admin API: plans and applies through a
// provision::Provisioner, with the companies the catalog knows now.
#ifndef POWERVIEW_SERVER_ADMIN_PROVISIONER_BACKEND_H_
#define POWERVIEW_SERVER_ADMIN_PROVISIONER_BACKEND_H_

#include <string>
#include <vector>

#include "server/admin/provision_backend.h"
#include "server/catalog/catalog.h"
#include "server/provision/provisioner.h"

namespace powerview::admin {

class ProvisionerBackend : public ProvisionBackend {
 public:
  // Neither pointer is owned; both must outlive the backend.
  ProvisionerBackend(provision::Provisioner* provisioner, catalog::Catalog* catalog);

  absl::StatusOr<v1::Plan> Plan(const v1::ProvisionScope& scope) override;
  absl::StatusOr<v1::ApplyResult> ApplyIfUnchanged(const v1::ProvisionScope& scope,
                                                   const std::string& fingerprint,
                                                   const Progress& progress) override;

 private:
  // The catalog's companies for `scope`: all of them, or the one named (NotFound if unknown).
  absl::StatusOr<std::vector<v1::Company>> Companies(const v1::ProvisionScope& scope);

  provision::Provisioner* provisioner_;
  catalog::Catalog* catalog_;
};

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_PROVISIONER_BACKEND_H_
