#include "server/provision/provisioner.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "server/provision/dashboard_template.h"
#include "server/provision/state_keys.h"

namespace powerview::provision {
namespace {

template <typename Message>
absl::StatusOr<std::optional<Message>> LoadJson(ProvisionStore& store, const std::string& key) {
  absl::StatusOr<std::optional<std::string>> raw = store.Get(key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<Message>();
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(**raw, &message);
  if (!status.ok()) {
    return absl::DataLossError(absl::StrCat("provision store '", key, "': ", status.ToString()));
  }
  return std::optional<Message>(std::move(message));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Provisioner>> Provisioner::Create(const ProvisionSettings& settings,
                                                                 HttpClient* http,
                                                                 ProvisionStore* store) {
  if (absl::Status s = ValidateSettings(settings); !s.ok()) return s;
  std::string dashboard_template;
  if (!settings.dashboard_template_path.empty()) {
    absl::StatusOr<std::string> loaded = LoadDashboardTemplate(settings.dashboard_template_path);
    if (!loaded.ok()) return loaded.status();
    dashboard_template = *std::move(loaded);
  }
  return std::unique_ptr<Provisioner>(
      new Provisioner(settings, std::move(dashboard_template), http, store));
}

Provisioner::Provisioner(const ProvisionSettings& settings, std::string dashboard_template,
                         HttpClient* http, ProvisionStore* store)
    : settings_(settings),
      store_(store),
      builder_(settings, std::move(dashboard_template)),
      grafana_(http, settings.grafana, settings.retry),
      influx_(NewInfluxAdmin(http, settings.influx, settings.retry)),
      planner_(settings, &grafana_, influx_.get(), store),
      applier_(settings, &grafana_, influx_.get(), store) {}

absl::StatusOr<v1::DesiredState> Provisioner::DesiredStateFor(
    const v1::ProvisionScope& scope, const std::vector<v1::Company>& companies) const {
  if (scope.kind() == v1::PROVISION_SCOPE_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError("provisioning scope kind is unspecified");
  }
  if (scope.kind() != v1::PROVISION_SCOPE_KIND_ALL && scope.company().empty()) {
    return absl::InvalidArgumentError("provisioning scope names no company");
  }
  if (scope.kind() == v1::PROVISION_SCOPE_KIND_CAMPAIGN && scope.campaign().empty()) {
    return absl::InvalidArgumentError("provisioning scope names no campaign");
  }
  return builder_.Build(companies, scope);
}

absl::StatusOr<v1::Plan> Provisioner::PlanFor(const v1::ProvisionScope& scope,
                                              const std::vector<v1::Company>& companies) {
  absl::StatusOr<v1::DesiredState> desired = DesiredStateFor(scope, companies);
  if (!desired.ok()) return desired.status();
  return planner_.MakePlan(*desired, scope);
}

absl::StatusOr<v1::ApplyResult> Provisioner::Apply(const v1::Plan& plan,
                                                   const ProgressCallback& progress) {
  absl::MutexLock lock(&apply_mu_);
  return applier_.Apply(plan, progress);
}

absl::StatusOr<v1::ApplyResult> Provisioner::ApplyIfUnchanged(
    const v1::ProvisionScope& scope, const std::vector<v1::Company>& companies,
    const std::string& expected_fingerprint, const ProgressCallback& progress) {
  absl::MutexLock lock(&apply_mu_);
  absl::StatusOr<v1::Plan> plan = PlanFor(scope, companies);
  if (!plan.ok()) return plan.status();
  if (plan->fingerprint() != expected_fingerprint) {
    return absl::AbortedError(
        absl::StrCat("the state changed since the plan was shown (fingerprint ",
                     expected_fingerprint.substr(0, 12), ", now ",
                     plan->fingerprint().substr(0, 12), "); review the new plan"));
  }
  return applier_.Apply(*plan, progress);
}

absl::StatusOr<v1::ApplyResult> Provisioner::Reconcile(const v1::ProvisionScope& scope,
                                                       const std::vector<v1::Company>& companies,
                                                       const ProgressCallback& progress) {
  absl::MutexLock lock(&apply_mu_);
  absl::StatusOr<v1::Plan> plan = PlanFor(scope, companies);
  if (!plan.ok()) return plan.status();
  return applier_.Apply(*plan, progress);
}

absl::StatusOr<std::optional<v1::Plan>> Provisioner::LastPlan() {
  return LoadJson<v1::Plan>(*store_, kLastPlanKey);
}

absl::StatusOr<std::optional<v1::ApplyResult>> Provisioner::LastResult() {
  return LoadJson<v1::ApplyResult>(*store_, kLastResultKey);
}

}  // namespace powerview::provision
