// Plan and apply against the fake Grafana and the fake InfluxDB 2.x: a fresh apply, idempotence,
// a Grafana that fails and recovers, token isolation between companies, templates, scopes,
// apply-if-unchanged and failure isolation.
#include <set>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/provision/plan_render.h"
#include "server/provision/state_keys.h"
#include "server/provision/stored_token.h"
#include "tests/provision/provision_test_util.h"

namespace powerview::provision::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::UnorderedElementsAre;

const char kBeta[] = "Bêta \"Labs\"";

std::vector<v1::Company> Catalog() {
  return {MakeCompany("acme", {MakeCampaign("acme", "spring",
                                            {TriDevice("02000800"), TriDevice("02000900")}),
                               MakeCampaign("acme", "autumn", {TriDevice("02000800")})}),
          MakeCompany(kBeta, {MakeCampaign(kBeta, "été 2025", {TriDevice("03000100")})})};
}

class ProvisionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h_.Start().ok()); }
  Harness h_;
};

TEST_F(ProvisionTest, FreshApplyCreatesEverythingAndASecondPlanIsEmpty) {
  v1::Plan plan = h_.PlanOf(AllScope(), Catalog());
  EXPECT_EQ(plan.actions_size(), 21) << RenderPlan(plan);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_INFLUX_BUCKET), 4);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD), 3);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_TEAM_MEMBER), 4);
  EXPECT_THAT(plan.companies(), ElementsAre(kBeta, "acme"));  // byte order
  int progress_calls = 0;
  absl::StatusOr<v1::ApplyResult> result =
      h_.provisioner().Apply(plan, [&](const v1::ActionOutcome& outcome, int total) {
        ++progress_calls;
        EXPECT_EQ(total, 21);
        EXPECT_EQ(outcome.status(), v1::ACTION_STATUS_APPLIED) << outcome.error();
      });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->applied(), 21);
  EXPECT_EQ(result->failed(), 0);
  EXPECT_EQ(progress_calls, 21);

  // InfluxDB: raw and downsampled buckets with their retention, one token per company.
  EXPECT_THAT(h_.influx().BucketNames(),
              UnorderedElementsAre("acme", "acme_1h", kBeta, std::string(kBeta) + "_1h"));
  EXPECT_EQ(h_.influx().GetBucket("acme")->retention_seconds, 30 * 86400);
  EXPECT_EQ(h_.influx().GetBucket("acme_1h")->retention_seconds, 365 * 86400);
  EXPECT_EQ(h_.influx().Authorizations().size(), 2u);

  // Grafana: team with its members, folder visible to the team only, datasource with the
  // token, one dashboard per campaign in the company's folder.
  EXPECT_THAT(h_.grafana().TeamNames(), UnorderedElementsAre("acme", kBeta));
  EXPECT_THAT(h_.grafana().TeamMemberLogins("acme"), UnorderedElementsAre("viewer", "ops"));
  std::map<std::string, std::string> folders = h_.grafana().Folders();
  ASSERT_EQ(folders.size(), 2u);
  EXPECT_EQ(folders["pv-acme"], "acme");
  std::string beta_folder;
  for (const auto& [uid, title] : folders) {
    if (title == kBeta) beta_folder = uid;
  }
  EXPECT_THAT(beta_folder, MatchesRegex("pv-b-ta-labs-[0-9a-f]{8}"));
  std::vector<::powerview::testing::FakeGrafana::Permission> perms =
      h_.grafana().FolderPermissions("pv-acme");
  ASSERT_EQ(perms.size(), 1u);  // Editor and Viewer defaults removed
  EXPECT_EQ(perms[0].team_id, *h_.grafana().TeamId("acme"));
  EXPECT_EQ(perms[0].permission, "View");
  std::optional<::powerview::testing::FakeGrafana::Datasource> ds =
      h_.grafana().GetDatasource("pv-ds-acme");
  ASSERT_TRUE(ds.has_value());
  EXPECT_EQ(ds->name, "influxdb_acme");
  EXPECT_EQ(ds->url, "http://influxdb:8086");
  EXPECT_THAT(ds->json_data, HasSubstr("\"defaultBucket\":\"acme\""));
  EXPECT_THAT(ds->json_data, HasSubstr("\"version\":\"Flux\""));
  auto acme_token = LoadStoredToken(h_.store(), "acme");
  ASSERT_TRUE(acme_token.ok() && acme_token->has_value());
  EXPECT_EQ(ds->secure["token"], (*acme_token)->token);
  EXPECT_THAT(h_.grafana().DashboardUids(), ::testing::SizeIs(3));
  std::optional<::powerview::testing::FakeGrafana::Dashboard> spring =
      h_.grafana().GetDashboard("pv-acme-spring");
  ASSERT_TRUE(spring.has_value());
  EXPECT_EQ(spring->title, "acme / spring");
  EXPECT_EQ(spring->folder_uid, "pv-acme");
  EXPECT_EQ(spring->version, 1);
  EXPECT_THAT(spring->tags, ::testing::Contains("managed-by:powerview"));
  bool beta_dashboard = false;
  for (const std::string& uid : h_.grafana().DashboardUids()) {
    std::optional<::powerview::testing::FakeGrafana::Dashboard> d = h_.grafana().GetDashboard(uid);
    if (d->title != std::string(kBeta) + " / été 2025") continue;
    beta_dashboard = true;
    EXPECT_EQ(d->folder_uid, beta_folder);
    EXPECT_LE(uid.size(), 40u);
    EXPECT_THAT(uid, MatchesRegex("[a-z0-9-]+"));
    EXPECT_THAT(d->model, HasSubstr("from(bucket: \\\"Bêta \\\\\\\"Labs\\\\\\\"\\\")"));
  }
  EXPECT_TRUE(beta_dashboard);

  // Nothing left to do; nothing written by planning.
  int writes = h_.grafana().successful_writes();
  v1::Plan second = h_.PlanOf(AllScope(), Catalog());
  EXPECT_EQ(second.actions_size(), 0) << RenderPlan(second);
  EXPECT_THAT(RenderPlan(second), HasSubstr("No changes."));
  EXPECT_EQ(second.fingerprint(), h_.PlanOf(AllScope(), Catalog()).fingerprint());
  EXPECT_EQ(h_.grafana().successful_writes(), writes);

  auto last = h_.provisioner().LastResult();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->plan_fingerprint(), plan.fingerprint());
  EXPECT_EQ((*last)->applied(), 21);
  auto last_plan = h_.provisioner().LastPlan();
  ASSERT_TRUE(last_plan.ok() && last_plan->has_value());
  EXPECT_EQ((*last_plan)->actions_size(), 21);
}

TEST_F(ProvisionTest, ApplyingTheSamePlanTwiceIsHarmless) {
  v1::Plan plan = h_.PlanOf(AllScope(), Catalog());
  ASSERT_TRUE(h_.provisioner().Apply(plan).ok());
  absl::StatusOr<v1::ApplyResult> again = h_.provisioner().Apply(plan);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->failed(), 0) << again->DebugString();
  EXPECT_THAT(h_.grafana().TeamNames(), ::testing::SizeIs(2));
  EXPECT_THAT(h_.grafana().DatasourceUids(), ::testing::SizeIs(2));
  EXPECT_THAT(h_.grafana().DashboardUids(), ::testing::SizeIs(3));
  // No second token either: the stored one already grants what the plan asks.
  EXPECT_EQ(h_.influx().Authorizations().size(), 2u);
  EXPECT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

TEST(ProvisionHashedTokensTest, WorksWhenInfluxNeverShowsATokenAgain) {
  // InfluxDB 2.9 hashes tokens: only the create answer carries one.
  ::powerview::testing::FakeInfluxV2::Options options;
  options.hashed_tokens = true;
  Harness h(options);
  ASSERT_TRUE(h.Start().ok());
  h.PlanAndApply(AllScope(), Catalog());
  auto token = LoadStoredToken(h.store(), "acme");
  ASSERT_TRUE(token.ok() && token->has_value());
  EXPECT_TRUE(h.influx().CanRead((*token)->token, "acme"));
  EXPECT_EQ(h.grafana().GetDatasource("pv-ds-acme")->secure["token"], (*token)->token);
  EXPECT_EQ(h.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

TEST_F(ProvisionTest, GrafanaAnswering503ThreeTimesGetsEverythingAppliedOnce) {
  v1::Plan plan = h_.PlanOf(AllScope(), Catalog());
  h_.grafana().FailNext(3, 503, "", "POST");
  absl::StatusOr<v1::ApplyResult> result = h_.provisioner().Apply(plan);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->failed(), 0) << result->DebugString();
  EXPECT_EQ(result->applied(), 21);
  int team_posts = 0;
  for (const std::string& r : h_.grafana().requests()) team_posts += r == "POST /api/teams";
  EXPECT_EQ(team_posts, 2 + 3);  // three refused, then one per company
  EXPECT_THAT(h_.grafana().TeamNames(), UnorderedElementsAre("acme", kBeta));
  EXPECT_THAT(h_.grafana().Folders(), ::testing::SizeIs(2));
  EXPECT_THAT(h_.grafana().DatasourceUids(), ::testing::SizeIs(2));
  EXPECT_THAT(h_.grafana().DashboardUids(), ::testing::SizeIs(3));
  EXPECT_EQ(h_.grafana().GetDashboard("pv-acme-spring")->version, 1);
  EXPECT_THAT(h_.grafana().TeamMemberLogins("acme"), UnorderedElementsAre("viewer", "ops"));
  EXPECT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

TEST_F(ProvisionTest, GrafanaUnavailableOnEveryKindOfRequestStillConverges) {
  v1::Plan plan = h_.PlanOf(AllScope(), Catalog());
  h_.grafana().FailNext(3, 503);  // whatever the next requests are (reads included)
  h_.influx().FailNext(2, 503);
  absl::StatusOr<v1::ApplyResult> result = h_.provisioner().Apply(plan);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->failed(), 0) << result->DebugString();
  EXPECT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
  EXPECT_EQ(h_.influx().Authorizations().size(), 2u);
}

TEST_F(ProvisionTest, CompaniesTokensCannotReadEachOthersBuckets) {
  h_.PlanAndApply(AllScope(), Catalog());
  auto acme = LoadStoredToken(h_.store(), "acme");
  auto beta = LoadStoredToken(h_.store(), kBeta);
  ASSERT_TRUE(acme.ok() && acme->has_value() && beta.ok() && beta->has_value());
  const std::string a = (*acme)->token, b = (*beta)->token;
  EXPECT_NE(a, b);
  // The fake's permission model.
  EXPECT_TRUE(h_.influx().CanRead(a, "acme"));
  EXPECT_TRUE(h_.influx().CanRead(a, "acme_1h"));
  EXPECT_FALSE(h_.influx().CanRead(a, kBeta));
  EXPECT_FALSE(h_.influx().CanRead(a, std::string(kBeta) + "_1h"));
  EXPECT_TRUE(h_.influx().CanRead(b, kBeta));
  EXPECT_FALSE(h_.influx().CanRead(b, "acme"));
  EXPECT_FALSE(h_.influx().CanWrite(a, "acme"));  // read-only, unlike the upstream token
  EXPECT_FALSE(h_.influx().CanWrite(b, kBeta));
  // The authorization payloads: read on exactly the company's bucket ids, in the org.
  std::map<std::string, std::set<std::string>> expected = {
      {"powerview read acme",
       {h_.influx().GetBucket("acme")->id, h_.influx().GetBucket("acme_1h")->id}},
      {std::string("powerview read ") + kBeta,
       {h_.influx().GetBucket(kBeta)->id, h_.influx().GetBucket(std::string(kBeta) + "_1h")->id}}};
  for (const auto& auth : h_.influx().Authorizations()) {
    rapidjson::Document body;
    body.Parse(auth.request_body.c_str());
    ASSERT_FALSE(body.HasParseError());
    std::string description = body["description"].GetString();
    ASSERT_TRUE(expected.count(description)) << description;
    std::set<std::string> ids;
    for (const auto& p : body["permissions"].GetArray()) {
      EXPECT_STREQ(p["action"].GetString(), "read");
      EXPECT_STREQ(p["resource"]["type"].GetString(), "buckets");
      EXPECT_STREQ(p["resource"]["orgID"].GetString(), h_.influx().options().org_id.c_str());
      ids.insert(p["resource"]["id"].GetString());
    }
    EXPECT_EQ(ids, expected[description]) << description;
  }
  // Each company's datasource holds its own token.
  EXPECT_EQ(h_.grafana().GetDatasource("pv-ds-acme")->secure["token"], a);
}

TEST_F(ProvisionTest, DashboardsFromAnOperatorTemplate) {
  ProvisionSettings settings = h_.DefaultSettings();
  settings.dashboard_template_path =
      std::string(POWERVIEW_SOURCE_DIR) + "/deploy/grafana/campaign-dashboard.flux.json";
  ASSERT_TRUE(h_.Use(settings).ok());
  h_.PlanAndApply(AllScope(), Catalog());
  std::optional<::powerview::testing::FakeGrafana::Dashboard> d =
      h_.grafana().GetDashboard("pv-acme-spring");
  ASSERT_TRUE(d.has_value());
  EXPECT_THAT(d->model, HasSubstr("Active power (W)"));
  EXPECT_THAT(d->model, HasSubstr("r.campaign == \\\"spring\\\""));
  EXPECT_THAT(d->tags, ::testing::Contains("powerview-template"));
  EXPECT_EQ(h_.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

TEST_F(ProvisionTest, CampaignScopeTouchesOnlyThatDashboard) {
  v1::Plan plan = h_.PlanOf(CampaignScope("acme", "spring"), Catalog());
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD), 1);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_TEAM), 1);
  EXPECT_THAT(plan.companies(), ElementsAre("acme"));
  ASSERT_TRUE(h_.provisioner().Apply(plan).ok());
  EXPECT_THAT(h_.grafana().DashboardUids(), ElementsAre("pv-acme-spring"));
  v1::Plan rest = h_.PlanOf(CompanyScope("acme"), Catalog());
  EXPECT_EQ(rest.actions_size(), 1) << RenderPlan(rest);  // the autumn dashboard
}

TEST_F(ProvisionTest, ApplyIfUnchangedRefusesAPlanTheStateNoLongerGives) {
  v1::Plan shown = h_.PlanOf(AllScope(), Catalog());
  // Someone creates the acme team meanwhile: the shown plan is stale.
  ASSERT_TRUE(h_.grafana().TeamNames().empty());
  h_.PlanAndApply(CampaignScope("acme", "spring"), Catalog());
  absl::StatusOr<v1::ApplyResult> refused =
      h_.provisioner().ApplyIfUnchanged(AllScope(), Catalog(), shown.fingerprint());
  EXPECT_TRUE(absl::IsAborted(refused.status())) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("review the new plan"));
  EXPECT_FALSE(h_.grafana().GetDashboard("pv-acme-autumn").has_value());
  v1::Plan fresh = h_.PlanOf(AllScope(), Catalog());
  absl::StatusOr<v1::ApplyResult> applied =
      h_.provisioner().ApplyIfUnchanged(AllScope(), Catalog(), fresh.fingerprint());
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->applied(), fresh.actions_size());
  EXPECT_TRUE(h_.grafana().GetDashboard("pv-acme-autumn").has_value());
}

TEST_F(ProvisionTest, AFailureStopsOnlyItsCompanyAndSaysWhy) {
  ProvisionSettings settings = h_.DefaultSettings();
  settings.team_members = {"ghost", "viewer"};
  ASSERT_TRUE(h_.Use(settings).ok());
  v1::Plan plan = h_.PlanOf(AllScope(), Catalog());
  absl::StatusOr<v1::ApplyResult> result = h_.provisioner().Apply(plan);
  ASSERT_TRUE(result.ok());
  // Per company: "ghost" fails, so "viewer" after it is skipped; the other company goes on.
  EXPECT_EQ(result->failed(), 2) << result->DebugString();
  EXPECT_EQ(result->skipped(), 2);
  EXPECT_EQ(result->applied(), plan.actions_size() - 4);
  std::string error;
  for (const v1::ActionOutcome& o : result->outcomes()) {
    if (o.status() == v1::ACTION_STATUS_FAILED) error = o.error();
    if (o.status() == v1::ACTION_STATUS_SKIPPED) {
      EXPECT_EQ(o.kind(), v1::RESOURCE_KIND_GRAFANA_TEAM_MEMBER);
    }
  }
  EXPECT_THAT(error, HasSubstr("user 'ghost' is not a member of org 1"));
  // Members come last, so the dashboards exist anyway.
  EXPECT_THAT(h_.grafana().DashboardUids(), ::testing::SizeIs(3));
}

TEST_F(ProvisionTest, InvalidSettingsAreRefusedAtStart) {
  ProvisionSettings settings = h_.DefaultSettings();
  settings.naming.dashboard_title = "{company} / {campain}";
  absl::Status status = h_.Use(settings);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(std::string(status.message()), HasSubstr("naming.dashboard_title"));
  settings = h_.DefaultSettings();
  settings.grafana.token.clear();
  EXPECT_FALSE(h_.Use(settings).ok());
  settings = h_.DefaultSettings();
  settings.dashboard_template_path = "/nonexistent.json";
  EXPECT_TRUE(absl::IsNotFound(h_.Use(settings)));
}

}  // namespace
}  // namespace powerview::provision::testing
