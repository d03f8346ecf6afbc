#include "server/admin/provisioner_backend.h"

namespace powerview::admin {

ProvisionerBackend::ProvisionerBackend(provision::Provisioner* provisioner,
                                       catalog::Catalog* catalog)
    : provisioner_(provisioner), catalog_(catalog) {}

absl::StatusOr<std::vector<v1::Company>> ProvisionerBackend::Companies(
    const v1::ProvisionScope& scope) {
  // Removed campaigns are left out: they are not desired, so prune can act on them.
  return catalog_->ListCompanies(scope.company(), /*include_removed=*/false);
}

absl::StatusOr<v1::Plan> ProvisionerBackend::Plan(const v1::ProvisionScope& scope) {
  absl::StatusOr<std::vector<v1::Company>> companies = Companies(scope);
  if (!companies.ok()) return companies.status();
  return provisioner_->PlanFor(scope, *companies);
}

absl::StatusOr<v1::ApplyResult> ProvisionerBackend::ApplyIfUnchanged(
    const v1::ProvisionScope& scope, const std::string& fingerprint, const Progress& progress) {
  absl::StatusOr<std::vector<v1::Company>> companies = Companies(scope);
  if (!companies.ok()) return companies.status();
  return provisioner_->ApplyIfUnchanged(scope, *companies, fingerprint, progress);
}

}  // namespace powerview::admin
