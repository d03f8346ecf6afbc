// What the admin API needs from provisioning: a plan for a scope, and the apply of a plan. The
// daemon plugs the provisioning stage in through an adapter; without one, the provisioning
// calls answer FAILED_PRECONDITION.
#ifndef POWERVIEW_SERVER_ADMIN_PROVISION_BACKEND_H_
#define POWERVIEW_SERVER_ADMIN_PROVISION_BACKEND_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "powerview/v1/provision.pb.h"
#include "server/pipeline/event_bus.h"

namespace powerview::admin {

class ProvisionBackend {
 public:
  using Progress = std::function<void(const v1::ActionOutcome&)>;

  virtual ~ProvisionBackend() = default;

  // Computes the plan that brings InfluxDB and Grafana to the desired state of `scope` (kind
  // set, names validated); changes nothing.
  virtual absl::StatusOr<v1::Plan> Plan(const v1::ProvisionScope& scope) = 0;
  // Executes `plan` in its order and records the result. `progress` is called on the calling
  // thread after each action.
  virtual absl::StatusOr<v1::ApplyResult> Apply(const v1::Plan& plan, const Progress& progress) = 0;
};

// Checks `scope` and fills in its kind when unspecified (ALL without a company, COMPANY with a
// company, CAMPAIGN with both). InvalidArgument when the fields do not fit the kind.
absl::StatusOr<v1::ProvisionScope> NormalizeScope(v1::ProvisionScope scope);

// Applies what an operator was shown, or nothing: plans `scope` again and applies that plan
// only when its fingerprint is `fingerprint` (FailedPrecondition otherwise, naming both).
// `on_plan` sees the plan before the first action runs; `progress` follows each action. Each
// action and the end of the run are published on `bus` (may be null).
absl::StatusOr<v1::ApplyResult> ApplyShownPlan(ProvisionBackend* backend,
                                               const v1::ProvisionScope& scope,
                                               const std::string& fingerprint,
                                               const std::function<void(const v1::Plan&)>& on_plan,
                                               const ProvisionBackend::Progress& progress,
                                               pipeline::EventBus* bus);

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_PROVISION_BACKEND_H_
