// What the admin API needs from provisioning: a plan for a scope, and the apply of the plan an
// operator was shown. The daemon plugs the provisioning stage in (ProvisionerBackend); without
// one, the provisioning calls answer FAILED_PRECONDITION.
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
  // Called after each action with its outcome and the number of actions in the plan.
  using Progress = std::function<void(const v1::ActionOutcome& outcome, int total)>;

  virtual ~ProvisionBackend() = default;

  // Computes the plan that brings InfluxDB and Grafana to the desired state of `scope` (kind
  // set, names validated); changes nothing. NotFound for an unknown company.
  virtual absl::StatusOr<v1::Plan> Plan(const v1::ProvisionScope& scope) = 0;
  // Plans `scope` again and applies that plan only when its fingerprint is `fingerprint`;
  // Aborted otherwise, with nothing changed. `progress` runs on the calling thread.
  virtual absl::StatusOr<v1::ApplyResult> ApplyIfUnchanged(const v1::ProvisionScope& scope,
                                                           const std::string& fingerprint,
                                                           const Progress& progress) = 0;
};

// What the provisioning calls answer when the daemon has no provisioning backend.
absl::Status ProvisioningNotConfigured();

// Checks `scope` and fills in its kind when unspecified (ALL without a company, COMPANY with a
// company, CAMPAIGN with both). InvalidArgument when the fields do not fit the kind.
absl::StatusOr<v1::ProvisionScope> NormalizeScope(v1::ProvisionScope scope);

// Applies what an operator was shown, or nothing (see ApplyIfUnchanged); InvalidArgument
// without a fingerprint. Each action and the end of the run are published on `bus` (may be
// null) for Watch streams.
absl::StatusOr<v1::ApplyResult> ApplyShownPlan(ProvisionBackend* backend,
                                               const v1::ProvisionScope& scope,
                                               const std::string& fingerprint,
                                               const ProvisionBackend::Progress& progress,
                                               pipeline::EventBus* bus);

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_PROVISION_BACKEND_H_
