// The applier: executes a Plan's actions in order (the planner orders them by dependency),
// each idempotently (it looks resources up again rather than trusting the plan's snapshot),
// records what it created in the inventory, and returns what happened to every action. When an
// action fails, the rest of that company's actions are skipped; other companies go on.
// One Apply at a time per Applier (the Provisioner serialises them).
#ifndef POWERVIEW_SERVER_PROVISION_APPLIER_H_
#define POWERVIEW_SERVER_PROVISION_APPLIER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "powerview/v1/provision.pb.h"
#include "server/provision/grafana_client.h"
#include "server/provision/influx_admin.h"
#include "server/provision/provision_store.h"
#include "server/provision/settings.h"

namespace powerview::provision {

// Called after each action with its outcome and the number of actions in the plan.
using ProgressCallback = std::function<void(const v1::ActionOutcome& outcome, int total)>;

class Applier {
 public:
  // None of the pointers is owned; all must outlive the applier.
  Applier(const ProvisionSettings& settings, GrafanaClient* grafana, InfluxAdmin* influx,
          ProvisionStore* store);

  // Applies `plan`. Fails only when the store cannot record the result; a failed action is
  // reported in the result (ActionOutcome.error names the call and Grafana's or InfluxDB's
  // message).
  absl::StatusOr<v1::ApplyResult> Apply(const v1::Plan& plan, const ProgressCallback& progress);

 private:
  absl::Status ApplyAction(const v1::PlanAction& action);
  absl::Status ApplyBucket(const v1::PlanAction& action);
  absl::Status ApplyReadToken(const v1::PlanAction& action);
  absl::Status ApplyTeam(const v1::PlanAction& action);
  absl::Status ApplyTeamMember(const v1::PlanAction& action);
  absl::Status ApplyFolder(const v1::PlanAction& action);
  absl::Status ApplyFolderPermissions(const v1::PlanAction& action);
  absl::Status ApplyDatasource(const v1::PlanAction& action);
  absl::Status ApplyDashboard(const v1::PlanAction& action);
  absl::StatusOr<int64_t> TeamId(const std::string& team_name);
  absl::StatusOr<int64_t> UserId(const std::string& login_or_email);
  absl::StatusOr<std::string> Secret(const v1::GrafanaDatasourceSpec& spec);

  const ProvisionSettings settings_;
  GrafanaClient* const grafana_;
  InfluxAdmin* const influx_;
  ProvisionStore* const store_;
  // Org users, read once per apply when a member is added.
  std::optional<std::vector<GrafanaUser>> org_users_;
};

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_APPLIER_H_
