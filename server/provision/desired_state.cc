#include "server/provision/desired_state.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "server/provision/dashboard_model.h"
#include "server/provision/dashboard_template.h"
#include "server/provision/json_util.h"
#include "server/provision/naming.h"
#include "server/provision/state_keys.h"

namespace powerview::provision {
namespace {

absl::StatusOr<std::string> Name(const std::string& name_template, const std::string& setting,
                                 const std::map<std::string, std::string>& values) {
  absl::StatusOr<std::string> name = ExpandNameTemplate(name_template, values);
  if (!name.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("setting ", setting, ": ", name.status().message()));
  }
  return name;
}

std::string DatasourceJsonData(const ProvisionSettings& s, const std::string& bucket) {
  rapidjson::Document data(rapidjson::kObjectType);
  auto& a = data.GetAllocator();
  data.AddMember("httpMode", "POST", a);
  if (s.influx.api == InfluxApiVersion::kV1) {
    data.AddMember("version", "InfluxQL", a);
    data.AddMember("dbName", JsonValue(bucket, a), a);
  } else {
    data.AddMember("version", "Flux", a);
    data.AddMember("organization", JsonValue(s.influx.org, a), a);
    data.AddMember("defaultBucket", JsonValue(bucket, a), a);
    data.AddMember("maxSeries", 1000, a);
  }
  return CanonicalJson(data);
}

}  // namespace

std::string CompanyBucket(const v1::Company& company) {
  return company.bucket().empty() ? company.name() : company.bucket();
}

DesiredStateBuilder::DesiredStateBuilder(const ProvisionSettings& settings,
                                         std::string dashboard_template)
    : settings_(settings), dashboard_template_(std::move(dashboard_template)) {}

absl::StatusOr<v1::DesiredState> DesiredStateBuilder::Build(
    const std::vector<v1::Company>& companies, const v1::ProvisionScope& scope) const {
  v1::DesiredState desired;
  std::vector<const v1::Company*> sorted;
  for (const v1::Company& c : companies) {
    if (scope.kind() != v1::PROVISION_SCOPE_KIND_ALL && c.name() != scope.company()) continue;
    sorted.push_back(&c);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* x, const auto* y) { return x->name() < y->name(); });
  for (const v1::Company* company : sorted) {
    std::string only =
        scope.kind() == v1::PROVISION_SCOPE_KIND_CAMPAIGN ? scope.campaign() : std::string();
    absl::StatusOr<v1::CompanyDesiredState> state = ForCompany(*company, only);
    if (!state.ok()) return state.status();
    *desired.add_companies() = *std::move(state);
  }
  return desired;
}

absl::StatusOr<v1::CompanyDesiredState> DesiredStateBuilder::ForCompany(
    const v1::Company& company, const std::string& only_campaign) const {
  if (company.name().empty()) {
    return absl::InvalidArgumentError("catalog company with an empty name");
  }
  const bool v1_api = settings_.influx.api == InfluxApiVersion::kV1;
  const std::string bucket = CompanyBucket(company);
  const std::map<std::string, std::string> values = {{"company", company.name()},
                                                     {"bucket", bucket}};
  v1::CompanyDesiredState state;
  state.set_company(company.name());
  state.set_influx_api(v1_api ? v1::INFLUX_API_V1 : v1::INFLUX_API_V2);

  v1::InfluxBucketSpec* raw = state.add_buckets();
  raw->set_name(bucket);
  raw->set_raw(true);
  raw->mutable_retention()->set_seconds(absl::ToInt64Seconds(settings_.influx.retention));
  for (const DownsampledBucket& ds : settings_.influx.downsampled) {
    v1::InfluxBucketSpec* b = state.add_buckets();
    b->set_name(absl::StrCat(bucket, ds.suffix));
    b->mutable_retention()->set_seconds(absl::ToInt64Seconds(ds.retention));
  }
  if (v1_api) {
    for (v1::InfluxBucketSpec& b : *state.mutable_buckets()) {
      b.set_retention_policy(settings_.influx.v1_retention_policy);
    }
  } else {
    absl::StatusOr<std::string> description =
        Name(settings_.naming.token_description, "naming.token_description", values);
    if (!description.ok()) return description.status();
    state.mutable_read_token()->set_description(*description);
    for (const v1::InfluxBucketSpec& b : state.buckets()) {
      state.mutable_read_token()->add_bucket_names(b.name());
    }
  }

  absl::StatusOr<std::string> team = Name(settings_.naming.team, "naming.team", values);
  if (!team.ok()) return team.status();
  state.mutable_team()->set_name(*team);
  for (const std::string& member : settings_.team_members) {
    absl::StatusOr<std::string> login = Name(member, "team_members", values);
    if (!login.ok()) return login.status();
    state.mutable_team()->add_member_logins(*login);
  }

  absl::StatusOr<std::string> folder_title =
      Name(settings_.naming.folder_title, "naming.folder_title", values);
  if (!folder_title.ok()) return folder_title.status();
  const std::string folder_uid = StableUid(settings_.naming.uid_prefix, {company.name()});
  state.mutable_folder()->set_uid(folder_uid);
  state.mutable_folder()->set_title(*folder_title);

  v1::GrafanaFolderPermissionsSpec* permissions = state.mutable_folder_permissions();
  permissions->set_folder_uid(folder_uid);
  v1::GrafanaPermissionEntry* team_entry = permissions->add_entries();
  team_entry->set_team_name(*team);
  team_entry->set_permission(settings_.grafana.team_folder_permission);
  if (settings_.grafana.isolate_folders) {
    for (const char* role : {"Viewer", "Editor"}) {
      v1::GrafanaPermissionEntry* entry = permissions->add_entries();
      entry->set_built_in_role(role);
      entry->set_permission("");
    }
  }

  absl::StatusOr<std::string> ds_name =
      Name(settings_.naming.datasource_name, "naming.datasource_name", values);
  if (!ds_name.ok()) return ds_name.status();
  v1::GrafanaDatasourceSpec* ds = state.mutable_datasource();
  ds->set_uid(StableUid(absl::StrCat(settings_.naming.uid_prefix, "-ds"), {company.name()}));
  ds->set_name(*ds_name);
  ds->set_url(settings_.grafana.datasource_url);
  ds->set_json_data(DatasourceJsonData(settings_, bucket));
  if (!v1_api) {
    ds->set_secret_key("token");
    ds->set_secret_ref(TokenSecretRef(bucket));
  } else if (!settings_.influx.v1_read_user.empty()) {
    absl::StatusOr<std::string> user =
        Name(settings_.influx.v1_read_user, "influx.v1_read_user", values);
    if (!user.ok()) return user.status();
    v1::InfluxReadUserSpec* read_user = state.mutable_read_user();
    read_user->set_name(*user);
    for (const v1::InfluxBucketSpec& b : state.buckets()) read_user->add_databases(b.name());
    read_user->set_exclusive(absl::StrContains(settings_.influx.v1_read_user, "{company}"));
    ds->set_user(*user);
    ds->set_secret_key("password");
    ds->set_secret_ref(kV1PasswordSecretRef);
    ds->set_secret_sha256(Sha256Hex(settings_.influx.v1_read_password));
  }

  std::vector<const v1::Campaign*> campaigns;
  for (const v1::Campaign& c : company.campaigns()) {
    if (only_campaign.empty() || c.name() == only_campaign) campaigns.push_back(&c);
  }
  std::sort(campaigns.begin(), campaigns.end(),
            [](const auto* x, const auto* y) { return x->name() < y->name(); });
  for (const v1::Campaign* campaign : campaigns) {
    absl::StatusOr<v1::GrafanaDashboardSpec> dashboard = Dashboard(company, *campaign, state);
    if (!dashboard.ok()) return dashboard.status();
    *state.add_dashboards() = *std::move(dashboard);
  }
  return state;
}

absl::StatusOr<v1::GrafanaDashboardSpec> DesiredStateBuilder::Dashboard(
    const v1::Company& company, const v1::Campaign& campaign,
    const v1::CompanyDesiredState& state) const {
  const std::map<std::string, std::string> values = {{"company", company.name()},
                                                     {"campaign", campaign.name()},
                                                     {"bucket", CompanyBucket(company)}};
  absl::StatusOr<std::string> title =
      Name(settings_.naming.dashboard_title, "naming.dashboard_title", values);
  if (!title.ok()) return title.status();
  DashboardContext context;
  context.api = state.influx_api();
  context.company = company.name();
  context.campaign = campaign.name();
  context.bucket = CompanyBucket(company);
  context.datasource_uid = state.datasource().uid();
  context.folder_uid = state.folder().uid();
  context.dashboard_uid = StableUid(settings_.naming.uid_prefix, {company.name(), campaign.name()});
  context.title = *title;

  v1::GrafanaDashboardSpec spec;
  spec.set_uid(context.dashboard_uid);
  spec.set_title(context.title);
  spec.set_folder_uid(context.folder_uid);
  spec.set_campaign(campaign.name());
  std::string model;
  if (dashboard_template_.empty()) {
    std::vector<v1::DashboardPanelSpec> panels = PanelsForCampaign(campaign);
    for (const v1::DashboardPanelSpec& p : panels) *spec.add_panels() = p;
    model = GenerateDashboardModel(context, panels);
  } else {
    absl::StatusOr<std::string> rendered = RenderDashboardTemplate(dashboard_template_, context);
    if (!rendered.ok()) return rendered.status();
    model = *std::move(rendered);
    spec.set_from_template(true);
  }
  if (absl::Status s = FinalizeDashboard(model, context, &spec); !s.ok()) return s;
  return spec;
}

}  // namespace powerview::provision
