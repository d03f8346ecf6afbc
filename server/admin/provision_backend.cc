#include "server/admin/provision_backend.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/admin/names.h"
#include "server/provision/plan_render.h"

namespace powerview::admin {

absl::Status ProvisioningNotConfigured() {
  return absl::FailedPreconditionError(
      "provisioning is not configured: start powerviewd with --grafana-url (and --provision "
      "left on) besides its InfluxDB settings");
}

absl::StatusOr<v1::ProvisionScope> NormalizeScope(v1::ProvisionScope scope) {
  if (!scope.company().empty()) {
    if (absl::Status s = CheckName("company", scope.company()); !s.ok()) return s;
  }
  if (!scope.campaign().empty()) {
    if (absl::Status s = CheckName("campaign", scope.campaign()); !s.ok()) return s;
    if (scope.company().empty()) {
      return absl::InvalidArgumentError("a campaign scope needs its company as well");
    }
  }
  switch (scope.kind()) {
    case v1::PROVISION_SCOPE_KIND_UNSPECIFIED:
      scope.set_kind(scope.company().empty()    ? v1::PROVISION_SCOPE_KIND_ALL
                     : scope.campaign().empty() ? v1::PROVISION_SCOPE_KIND_COMPANY
                                                : v1::PROVISION_SCOPE_KIND_CAMPAIGN);
      break;
    case v1::PROVISION_SCOPE_KIND_ALL:
      if (!scope.company().empty()) {
        return absl::InvalidArgumentError(
            "scope kind ALL takes no company; use COMPANY or CAMPAIGN to narrow it");
      }
      break;
    case v1::PROVISION_SCOPE_KIND_COMPANY:
      if (scope.company().empty() || !scope.campaign().empty()) {
        return absl::InvalidArgumentError("scope kind COMPANY needs a company and no campaign");
      }
      break;
    case v1::PROVISION_SCOPE_KIND_CAMPAIGN:
      if (scope.campaign().empty()) {
        return absl::InvalidArgumentError("scope kind CAMPAIGN needs a company and a campaign");
      }
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown provisioning scope kind ", static_cast<int>(scope.kind())));
  }
  return scope;
}

absl::StatusOr<v1::ApplyResult> ApplyShownPlan(ProvisionBackend* backend,
                                               const v1::ProvisionScope& scope,
                                               const std::string& fingerprint,
                                               const ProvisionBackend::Progress& progress,
                                               pipeline::EventBus* bus) {
  if (fingerprint.empty()) {
    return absl::InvalidArgumentError(
        "apply needs the fingerprint of the plan you reviewed: run PlanProvisioning first");
  }
  auto on_action = [&](const v1::ActionOutcome& outcome, int total) {
    if (bus != nullptr) {
      pipeline::PipelineEvent e;
      e.type = pipeline::EventType::kProvisionAction;
      e.time = absl::Now();
      e.company = outcome.company();
      e.message = provision::DescribeOutcome(outcome);
      bus->Publish(std::move(e));
    }
    if (progress) progress(outcome, total);
  };
  absl::StatusOr<v1::ApplyResult> result = backend->ApplyIfUnchanged(scope, fingerprint, on_action);
  if (bus != nullptr && (result.ok() || !absl::IsAborted(result.status()))) {
    pipeline::PipelineEvent e;
    e.type = pipeline::EventType::kProvisionDone;
    e.time = absl::Now();
    e.company = scope.company();
    e.campaign = scope.campaign();
    e.message = result.ok() ? absl::StrCat(result->applied(), " applied, ", result->failed(),
                                           " failed, ", result->skipped(), " skipped")
                            : absl::StrCat("apply failed: ", result.status().message());
    bus->Publish(std::move(e));
  }
  return result;
}

}  // namespace powerview::admin
