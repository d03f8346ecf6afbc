// Drift and change over time: edits made in Grafana or InfluxDB by hand, catalog changes (new
// campaign, new channel, removed campaign or company), settings changes, lost tokens.
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/provision/plan_render.h"
#include "server/provision/state_keys.h"
#include "server/provision/stored_token.h"
#include "tests/provision/provision_test_util.h"

namespace powerview::provision::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::vector<v1::Company> Catalog() {
  return {MakeCompany("acme", {MakeCampaign("acme", "spring", {TriDevice("02000800")}),
                               MakeCampaign("acme", "autumn", {TriDevice("02000900")})}),
          MakeCompany("beta", {MakeCampaign("beta", "pilot", {TriDevice("03000100")})})};
}

class DriftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h_.Start().ok());
    h_.PlanAndApply(AllScope(), Catalog());
    ASSERT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
  }

  const v1::FieldChange* Change(const v1::PlanAction& action, const std::string& field) {
    for (const v1::FieldChange& c : action.changes()) {
      if (c.field() == field) return &c;
    }
    return nullptr;
  }

  Harness h_;
};

TEST_F(DriftTest, HandEditsShowUpWithTheirReasonAndAreRepaired) {
  ASSERT_TRUE(h_.grafana().EditDashboard("pv-acme-spring", [](std::string& model) {
    size_t at = model.find("\"title\":\"acme / spring\"");
    ASSERT_NE(at, std::string::npos);
    model.replace(at, 23, "\"title\":\"my own title\"");
  }));
  ASSERT_TRUE(h_.grafana().RemoveTeamMember("acme", "viewer"));
  ASSERT_TRUE(h_.grafana().SetDatasourceUrl("pv-ds-beta", "http://elsewhere:8086"));

  v1::Plan plan = h_.PlanOf(AllScope(), Catalog());
  ASSERT_EQ(plan.actions_size(), 3) << RenderPlan(plan);
  const v1::PlanAction* dashboard =
      OnlyAction(plan, v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD);
  ASSERT_NE(dashboard, nullptr);
  EXPECT_EQ(dashboard->key(), "pv-acme-spring");
  EXPECT_EQ(dashboard->reason(), "edited in Grafana");
  ASSERT_NE(Change(*dashboard, "title"), nullptr);
  EXPECT_EQ(Change(*dashboard, "title")->old_value(), "\"my own title\"");
  EXPECT_EQ(Change(*dashboard, "title")->new_value(), "\"acme / spring\"");
  const v1::PlanAction* member =
      OnlyAction(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_TEAM_MEMBER);
  ASSERT_NE(member, nullptr);
  EXPECT_EQ(member->key(), "acme/viewer");
  EXPECT_EQ(member->reason(), "not a member of team 'acme'");
  const v1::PlanAction* ds =
      OnlyAction(plan, v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_DATASOURCE);
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(ds->reason(), "differs in Grafana: url");
  ASSERT_EQ(ds->changes_size(), 1);
  EXPECT_EQ(ds->changes(0).old_value(), "\"http://elsewhere:8086\"");
  EXPECT_EQ(ds->changes(0).new_value(), "\"http://influxdb:8086\"");
  std::string text = RenderPlan(plan);
  EXPECT_THAT(text, HasSubstr("~ grafana dashboard \"pv-acme-spring\"  (edited in Grafana)"));
  EXPECT_THAT(text, HasSubstr("      title: \"my own title\" -> \"acme / spring\""));
  EXPECT_THAT(text, HasSubstr("+ grafana team member \"acme/viewer\""));
  EXPECT_THAT(text, HasSubstr("      url: \"http://elsewhere:8086\" -> \"http://influxdb:8086\""));

  absl::StatusOr<v1::ApplyResult> result = h_.provisioner().Apply(plan);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->applied(), 3) << result->DebugString();
  EXPECT_EQ(h_.grafana().GetDashboard("pv-acme-spring")->title, "acme / spring");
  EXPECT_THAT(h_.grafana().TeamMemberLogins("acme"), UnorderedElementsAre("viewer", "ops"));
  std::optional<::powerview::testing::FakeGrafana::Datasource> beta_ds =
      h_.grafana().GetDatasource("pv-ds-beta");
  EXPECT_EQ(beta_ds->url, "http://influxdb:8086");
  EXPECT_EQ(beta_ds->secure["token"], (*LoadStoredToken(h_.store(), "beta"))->token);
  EXPECT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

TEST_F(DriftTest, PanelEditsAndDeletedDashboardsAndPermissionsAreRepaired) {
  ASSERT_TRUE(h_.grafana().EditDashboard("pv-acme-autumn", [](std::string& model) {
    size_t at = model.find("\"panels\":[");
    model.insert(at + 10, "{\"id\":99,\"type\":\"text\",\"title\":\"mine\"},");
  }));
  ASSERT_TRUE(h_.grafana().DeleteDashboardDirect("pv-beta-pilot"));
  v1::Plan plan = h_.PlanOf(AllScope(), Catalog());
  ASSERT_EQ(plan.actions_size(), 2) << RenderPlan(plan);
  const v1::PlanAction* edited =
      OnlyAction(plan, v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD);
  ASSERT_NE(edited, nullptr);
  ASSERT_NE(Change(*edited, "panels"), nullptr);
  EXPECT_EQ(Change(*edited, "panels")->old_value(), "[3 items]");
  EXPECT_EQ(Change(*edited, "panels")->new_value(), "[2 items]");
  const v1::PlanAction* recreated =
      OnlyAction(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD);
  ASSERT_NE(recreated, nullptr);
  EXPECT_EQ(recreated->reason(), "deleted in Grafana");
  h_.PlanAndApply(AllScope(), Catalog());
  EXPECT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

TEST_F(DriftTest, NewCampaignAddsExactlyOneDashboard) {
  std::vector<v1::Company> catalog = Catalog();
  *catalog[0].add_campaigns() = MakeCampaign("acme", "winter", {});
  v1::Plan plan = h_.PlanOf(CompanyScope("acme"), catalog);
  ASSERT_EQ(plan.actions_size(), 1) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_CREATE);
  EXPECT_EQ(plan.actions(0).kind(), v1::RESOURCE_KIND_GRAFANA_DASHBOARD);
  EXPECT_EQ(plan.actions(0).key(), "pv-acme-winter");
  EXPECT_EQ(plan.actions(0).reason(), "new campaign");
  size_t before = h_.grafana().DashboardUids().size();
  h_.PlanAndApply(CompanyScope("acme"), catalog);
  EXPECT_EQ(h_.grafana().DashboardUids().size(), before + 1);
  EXPECT_EQ(h_.PlanOf(AllScope(), catalog).actions_size(), 0);
}

TEST_F(DriftTest, ANewChannelOfAKnownUnitNeedsNoDashboardChange) {
  // Flux panels select a device's channels by unit, so the new channel shows by itself.
  std::vector<v1::Company> catalog = Catalog();
  v1::Device* device = catalog[0].mutable_campaigns(0)->mutable_devices(0);
  *device->add_channels() = MakeDevice("02000800", {{"Ch2", "Pompe", "W"}}).channels(0);
  EXPECT_EQ(h_.PlanOf(AllScope(), catalog).actions_size(), 0);
}

TEST_F(DriftTest, NewChannelUpdatesItsCampaignDashboardOnly) {
  std::vector<v1::Company> catalog = Catalog();
  v1::Device* device = catalog[0].mutable_campaigns(0)->mutable_devices(0);
  *device->add_channels() = MakeDevice("02000800", {{"Ch2", "Pompe", "A"}}).channels(0);
  v1::Plan plan = h_.PlanOf(CampaignScope("acme", "spring"), catalog);
  ASSERT_EQ(plan.actions_size(), 1) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_UPDATE);
  EXPECT_EQ(plan.actions(0).key(), "pv-acme-spring");
  EXPECT_EQ(plan.actions(0).reason(),
            "desired dashboard changed (devices, channels, settings or template)");
  h_.PlanAndApply(CampaignScope("acme", "spring"), catalog);
  EXPECT_THAT(h_.grafana().GetDashboard("pv-acme-spring")->model,
              HasSubstr("02000800 / Channels in A"));
  EXPECT_EQ(h_.grafana().GetDashboard("pv-acme-spring")->version, 2);
}

TEST_F(DriftTest, PruneRemovesTheDashboardOfARemovedCampaignOnlyWhenAsked) {
  std::vector<v1::Company> catalog = Catalog();
  catalog[0].mutable_campaigns()->RemoveLast();  // autumn
  EXPECT_EQ(h_.PlanOf(CompanyScope("acme"), catalog).actions_size(), 0);
  EXPECT_EQ(h_.PlanOf(CampaignScope("acme", "spring"), catalog).actions_size(), 0);
  v1::Plan plan = h_.PlanOf(CompanyScope("acme", /*prune=*/true), catalog);
  ASSERT_EQ(plan.actions_size(), 1) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_DELETE);
  EXPECT_EQ(plan.actions(0).key(), "pv-acme-autumn");
  EXPECT_EQ(plan.actions(0).reason(), "campaign no longer in the catalog");
  h_.PlanAndApply(CompanyScope("acme", true), catalog);
  EXPECT_FALSE(h_.grafana().GetDashboard("pv-acme-autumn").has_value());
  EXPECT_TRUE(h_.grafana().GetDashboard("pv-acme-spring").has_value());
  EXPECT_EQ(h_.PlanOf(AllScope(true), catalog).actions_size(), 0);
}

TEST_F(DriftTest, PruneRemovesACompanyButNeverItsData) {
  std::vector<v1::Company> catalog = Catalog();
  catalog.erase(catalog.begin());  // acme leaves the catalog
  EXPECT_EQ(h_.PlanOf(AllScope(), catalog).actions_size(), 0);
  v1::Plan plan = h_.PlanOf(AllScope(/*prune=*/true), catalog);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_DELETE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD), 2);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_DELETE, v1::RESOURCE_KIND_GRAFANA_DATASOURCE), 1);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_DELETE, v1::RESOURCE_KIND_GRAFANA_FOLDER), 1);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_DELETE, v1::RESOURCE_KIND_GRAFANA_TEAM), 1);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_DELETE, v1::RESOURCE_KIND_INFLUX_READ_TOKEN), 1);
  EXPECT_EQ(plan.actions_size(), 6) << RenderPlan(plan);
  for (const v1::PlanAction& a : plan.actions()) {
    EXPECT_EQ(a.company(), "acme");
    EXPECT_EQ(a.reason(), "company no longer in the catalog");
  }
  // Dependents first: dashboards before the datasource, folder and team; the token last.
  EXPECT_EQ(plan.actions(0).kind(), v1::RESOURCE_KIND_GRAFANA_DASHBOARD);
  EXPECT_EQ(plan.actions(5).kind(), v1::RESOURCE_KIND_INFLUX_READ_TOKEN);
  std::string old_token = (*LoadStoredToken(h_.store(), "acme"))->token;
  h_.PlanAndApply(AllScope(true), catalog);
  EXPECT_THAT(h_.grafana().TeamNames(), UnorderedElementsAre("beta"));
  EXPECT_EQ(h_.grafana().Folders().count("pv-acme"), 0u);
  EXPECT_FALSE(h_.grafana().GetDatasource("pv-ds-acme").has_value());
  EXPECT_FALSE(h_.grafana().GetDashboard("pv-acme-spring").has_value());
  EXPECT_FALSE(h_.influx().CanRead(old_token, "acme"));
  EXPECT_FALSE(LoadStoredToken(h_.store(), "acme")->has_value());
  EXPECT_TRUE(h_.influx().GetBucket("acme").has_value());  // measurements are kept
  EXPECT_TRUE(h_.grafana().GetDashboard("pv-beta-pilot").has_value());
  EXPECT_EQ(h_.PlanOf(AllScope(true), catalog).actions_size(), 0);
}

TEST_F(DriftTest, PruneRemovesMembersDroppedFromSettingsButNotHandAddedOnes) {
  int64_t carol = h_.grafana().AddUser("carol", "carol@example.com");
  GrafanaSettings gs;
  gs.url = h_.grafana().url();
  gs.token = h_.grafana().options().service_account_token;
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  GrafanaClient client(http.get(), gs, RetryPolicy());
  ASSERT_TRUE(client.AddTeamMember(*h_.grafana().TeamId("acme"), carol).ok());
  ProvisionSettings settings = h_.DefaultSettings();
  settings.team_members = {"viewer"};
  ASSERT_TRUE(h_.Use(settings).ok());
  EXPECT_EQ(h_.PlanOf(CompanyScope("acme"), Catalog()).actions_size(), 0);
  v1::Plan plan = h_.PlanOf(CompanyScope("acme", true), Catalog());
  ASSERT_EQ(plan.actions_size(), 1) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_DELETE);
  EXPECT_EQ(plan.actions(0).key(), "acme/ops@example.com");
  EXPECT_EQ(plan.actions(0).reason(), "no longer in the team_members setting");
  h_.PlanAndApply(CompanyScope("acme", true), Catalog());
  EXPECT_THAT(h_.grafana().TeamMemberLogins("acme"), UnorderedElementsAre("viewer", "carol"));
}

TEST_F(DriftTest, ATokenDeletedInInfluxIsMintedAgainAndPushedToGrafana) {
  std::string old_id = (*LoadStoredToken(h_.store(), "acme"))->authorization_id;
  ASSERT_TRUE(h_.influx().DeleteAuthorizationDirect(old_id));
  v1::Plan plan = h_.PlanOf(AllScope(), Catalog());
  ASSERT_EQ(plan.actions_size(), 2) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).kind(), v1::RESOURCE_KIND_INFLUX_READ_TOKEN);
  EXPECT_EQ(plan.actions(0).reason(), "the authorization PowerView minted is gone");
  EXPECT_EQ(plan.actions(1).kind(), v1::RESOURCE_KIND_GRAFANA_DATASOURCE);
  EXPECT_EQ(plan.actions(1).reason(), "secret differs from the one PowerView applied");
  EXPECT_EQ(plan.actions(1).changes(0).new_value(), "(new token)");
  h_.PlanAndApply(AllScope(), Catalog());
  std::string token = (*LoadStoredToken(h_.store(), "acme"))->token;
  EXPECT_EQ(h_.grafana().GetDatasource("pv-ds-acme")->secure["token"], token);
  EXPECT_TRUE(h_.influx().CanRead(token, "acme"));
  EXPECT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

TEST_F(DriftTest, ATokenPowerViewDoesNotKnowIsReplaced) {
  // As after losing the state database, with InfluxDB hashing tokens: the authorization
  // exists but its token can no longer be read.
  ASSERT_TRUE(h_.store().Delete(TokenKey("acme")).ok());
  v1::Plan plan = h_.PlanOf(CompanyScope("acme"), Catalog());
  ASSERT_EQ(plan.actions_size(), 3) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_CREATE);
  EXPECT_THAT(plan.actions(0).reason(), HasSubstr("token is unknown to PowerView"));
  EXPECT_EQ(plan.actions(2).type(), v1::ACTION_TYPE_DELETE);
  EXPECT_EQ(plan.actions(2).reason(), "superseded PowerView token");
  h_.PlanAndApply(CompanyScope("acme"), Catalog());
  int acme_auths = 0;
  for (const auto& a : h_.influx().Authorizations())
    acme_auths += a.description == "powerview read acme";
  EXPECT_EQ(acme_auths, 1);
  EXPECT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

TEST_F(DriftTest, ANewDownsampledBucketWidensTheTokenAndRetentionChangesApply) {
  std::string old_token = (*LoadStoredToken(h_.store(), "acme"))->token;
  ProvisionSettings settings = h_.DefaultSettings();
  settings.influx.downsampled.push_back({"_1d", absl::ZeroDuration()});
  settings.influx.retention = absl::Hours(24 * 7);
  ASSERT_TRUE(h_.Use(settings).ok());
  v1::Plan plan = h_.PlanOf(CompanyScope("acme"), Catalog());
  // retention of acme, bucket acme_1d, token replaced, datasource secret, old token deleted.
  ASSERT_EQ(plan.actions_size(), 5) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_UPDATE);
  EXPECT_EQ(plan.actions(0).changes(0).old_value(), "30d");
  EXPECT_EQ(plan.actions(0).changes(0).new_value(), "7d");
  EXPECT_EQ(plan.actions(1).key(), "acme_1d");
  EXPECT_EQ(plan.actions(2).kind(), v1::RESOURCE_KIND_INFLUX_READ_TOKEN);
  EXPECT_EQ(plan.actions(2).changes(0).old_value(), "read:acme, read:acme_1h");
  EXPECT_EQ(plan.actions(2).changes(0).new_value(), "read:acme, read:acme_1d, read:acme_1h");
  EXPECT_EQ(plan.actions(3).kind(), v1::RESOURCE_KIND_GRAFANA_DATASOURCE);
  EXPECT_EQ(plan.actions(4).type(), v1::ACTION_TYPE_DELETE);
  h_.PlanAndApply(CompanyScope("acme"), Catalog());
  std::string token = (*LoadStoredToken(h_.store(), "acme"))->token;
  EXPECT_TRUE(h_.influx().CanRead(token, "acme_1d"));
  EXPECT_FALSE(h_.influx().CanRead(old_token, "acme"));
  EXPECT_EQ(h_.influx().GetBucket("acme")->retention_seconds, 7 * 86400);
  EXPECT_EQ(h_.grafana().GetDatasource("pv-ds-acme")->secure["token"], token);
  EXPECT_EQ(h_.PlanOf(CompanyScope("acme"), Catalog()).actions_size(), 0);
}

}  // namespace
}  // namespace powerview::provision::testing
