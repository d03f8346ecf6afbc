#include "tests/provision/provision_test_util.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "server/provision/plan_render.h"

namespace powerview::provision::testing {

v1::Device MakeDevice(const std::string& master_sn, const std::vector<ChannelDef>& channels) {
  v1::Device device;
  device.set_master_sn(master_sn);
  device.add_folder_serials(master_sn);
  device.set_subtype("tri");
  for (const auto& [label, name, unit] : channels) {
    v1::Channel* c = device.add_channels();
    c->set_channel_id("M" + master_sn + "_" + label);
    c->set_label(label);
    c->set_name(name);
    c->set_unit(unit);
    c->set_field_key(c->channel_id() + "_" + unit);
    c->set_device_sn(master_sn);
    c->set_device_type(v1::DEVICE_TYPE_MASTER);
  }
  return device;
}

v1::Device TriDevice(const std::string& master_sn) {
  return MakeDevice(
      master_sn,
      {{"U1", "Ph 1", "V"}, {"U2", "Ph 2", "V"}, {"U3", "Ph 3", "V"}, {"Ch1", "Total", "W"}});
}

v1::Campaign MakeCampaign(const std::string& company, const std::string& name,
                          const std::vector<v1::Device>& devices) {
  v1::Campaign campaign;
  campaign.set_company(company);
  campaign.set_name(name);
  for (const v1::Device& d : devices) *campaign.add_devices() = d;
  return campaign;
}

v1::Company MakeCompany(const std::string& name, const std::vector<v1::Campaign>& campaigns) {
  v1::Company company;
  company.set_name(name);
  company.set_bucket(name);
  for (const v1::Campaign& c : campaigns) *company.add_campaigns() = c;
  return company;
}

v1::ProvisionScope AllScope(bool prune) {
  v1::ProvisionScope scope;
  scope.set_kind(v1::PROVISION_SCOPE_KIND_ALL);
  scope.set_prune(prune);
  return scope;
}

v1::ProvisionScope CompanyScope(const std::string& company, bool prune) {
  v1::ProvisionScope scope;
  scope.set_kind(v1::PROVISION_SCOPE_KIND_COMPANY);
  scope.set_company(company);
  scope.set_prune(prune);
  return scope;
}

v1::ProvisionScope CampaignScope(const std::string& company, const std::string& campaign) {
  v1::ProvisionScope scope;
  scope.set_kind(v1::PROVISION_SCOPE_KIND_CAMPAIGN);
  scope.set_company(company);
  scope.set_campaign(campaign);
  return scope;
}

int CountActions(const v1::Plan& plan, v1::ActionType type, v1::ResourceKind kind) {
  int n = 0;
  for (const v1::PlanAction& a : plan.actions()) n += a.type() == type && a.kind() == kind;
  return n;
}

const v1::PlanAction* OnlyAction(const v1::Plan& plan, v1::ActionType type, v1::ResourceKind kind) {
  const v1::PlanAction* found = nullptr;
  for (const v1::PlanAction& a : plan.actions()) {
    if (a.type() != type || a.kind() != kind) continue;
    if (found != nullptr) return nullptr;
    found = &a;
  }
  return found;
}

std::string TestDir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir = ::testing::TempDir() + "/pv_provision_" + info->test_suite_name() + "_" +
                    info->name() + "_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

Harness::Harness() : http_(NewCurlHttpClient()) {}

Harness::Harness(::powerview::testing::FakeInfluxV2::Options influx_options)
    : influx_(std::move(influx_options)), http_(NewCurlHttpClient()) {}

absl::Status Harness::Start() {
  if (absl::Status s = grafana_.Start(); !s.ok()) return s;
  if (absl::Status s = influx_.Start(); !s.ok()) return s;
  grafana_.AddUser("viewer", "viewer@example.com");
  grafana_.AddUser("ops", "ops@example.com");
  absl::StatusOr<std::unique_ptr<SqliteProvisionStore>> store =
      SqliteProvisionStore::Open(TestDir("store") + "/state.db");
  if (!store.ok()) return store.status();
  store_ = *std::move(store);
  return Use(DefaultSettings());
}

ProvisionSettings Harness::DefaultSettings() const {
  ProvisionSettings s;
  s.influx.api = InfluxApiVersion::kV2;
  s.influx.url = influx_.url();
  s.influx.org = influx_.options().org;
  s.influx.admin_token = influx_.options().admin_token;
  s.influx.retention = absl::Hours(24 * 30);
  s.influx.downsampled = {{"_1h", absl::Hours(24 * 365)}};
  s.grafana.url = grafana_.url();
  s.grafana.token = grafana_.options().service_account_token;
  s.grafana.datasource_url = "http://influxdb:8086";
  s.team_members = {"viewer", "ops@example.com"};
  s.retry.initial_backoff = absl::Milliseconds(1);
  s.retry.max_backoff = absl::Milliseconds(10);
  return s;
}

absl::Status Harness::Use(const ProvisionSettings& settings) {
  absl::StatusOr<std::unique_ptr<Provisioner>> p =
      Provisioner::Create(settings, http_.get(), store_.get());
  if (!p.ok()) return p.status();
  provisioner_ = *std::move(p);
  return absl::OkStatus();
}

v1::Plan Harness::PlanOf(const v1::ProvisionScope& scope,
                         const std::vector<v1::Company>& companies) {
  absl::StatusOr<v1::Plan> plan = provisioner_->PlanFor(scope, companies);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : v1::Plan();
}

v1::ApplyResult Harness::PlanAndApply(const v1::ProvisionScope& scope,
                                      const std::vector<v1::Company>& companies) {
  v1::Plan plan = PlanOf(scope, companies);
  absl::StatusOr<v1::ApplyResult> result = provisioner_->Apply(plan);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return v1::ApplyResult();
  EXPECT_EQ(result->failed(), 0) << RenderPlan(plan) << result->DebugString();
  EXPECT_EQ(result->applied(), plan.actions_size());
  return *result;
}

}  // namespace powerview::provision::testing
