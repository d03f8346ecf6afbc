// The provisioning API the daemon and the admin service call: compute the plan for a scope
// from the catalog's companies, apply a plan, or apply only if the plan an operator saw is
// still the one the current state gives.
#ifndef POWERVIEW_SERVER_PROVISION_PROVISIONER_H_
#define POWERVIEW_SERVER_PROVISION_PROVISIONER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "powerview/v1/models.pb.h"
#include "powerview/v1/provision.pb.h"
#include "server/common/http_client.h"
#include "server/provision/applier.h"
#include "server/provision/desired_state.h"
#include "server/provision/grafana_client.h"
#include "server/provision/influx_admin.h"
#include "server/provision/planner.h"
#include "server/provision/provision_store.h"
#include "server/provision/settings.h"

namespace powerview::provision {

class Provisioner {
 public:
  // Validates the settings and loads the dashboard template (if any) once. `http` and `store`
  // are not owned and must outlive the provisioner.
  static absl::StatusOr<std::unique_ptr<Provisioner>> Create(const ProvisionSettings& settings,
                                                             HttpClient* http,
                                                             ProvisionStore* store);

  Provisioner(const Provisioner&) = delete;
  Provisioner& operator=(const Provisioner&) = delete;

  // The desired state for `scope` (no network access).
  absl::StatusOr<v1::DesiredState> DesiredStateFor(const v1::ProvisionScope& scope,
                                                   const std::vector<v1::Company>& companies) const;

  // Reads InfluxDB and Grafana and returns the plan for `scope`; changes nothing.
  absl::StatusOr<v1::Plan> PlanFor(const v1::ProvisionScope& scope,
                                   const std::vector<v1::Company>& companies);

  // Applies `plan` and records it and its result in the store. Applies are serialised.
  absl::StatusOr<v1::ApplyResult> Apply(const v1::Plan& plan,
                                        const ProgressCallback& progress = nullptr);

  // Plans again and applies only when the new plan's fingerprint is `expected_fingerprint`
  // (the plan an operator was shown); otherwise Aborted, and nothing is changed.
  absl::StatusOr<v1::ApplyResult> ApplyIfUnchanged(const v1::ProvisionScope& scope,
                                                   const std::vector<v1::Company>& companies,
                                                   const std::string& expected_fingerprint,
                                                   const ProgressCallback& progress = nullptr);

  // Plan and apply in one step (what a provisioning job does).
  absl::StatusOr<v1::ApplyResult> Reconcile(const v1::ProvisionScope& scope,
                                            const std::vector<v1::Company>& companies,
                                            const ProgressCallback& progress = nullptr);

  // The last plan applied and its result, as recorded in the store.
  absl::StatusOr<std::optional<v1::Plan>> LastPlan();
  absl::StatusOr<std::optional<v1::ApplyResult>> LastResult();

 private:
  Provisioner(const ProvisionSettings& settings, std::string dashboard_template, HttpClient* http,
              ProvisionStore* store);

  const ProvisionSettings settings_;
  ProvisionStore* const store_;
  DesiredStateBuilder builder_;
  GrafanaClient grafana_;
  std::unique_ptr<InfluxAdmin> influx_;
  Planner planner_;
  absl::Mutex apply_mu_;
  Applier applier_ ABSL_GUARDED_BY(apply_mu_);
};

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_PROVISIONER_H_
