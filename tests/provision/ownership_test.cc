// Ownership: PowerView changes and prunes only what it created (its inventory), never a copy a
// user saved from a managed dashboard (tags included), and takes over an object it did not
// create only when told to, showing it as such in the plan.
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/common/http_client.h"
#include "server/provision/plan_render.h"
#include "tests/provision/provision_test_util.h"

namespace powerview::provision::testing {
namespace {

using ::testing::HasSubstr;

std::vector<v1::Company> Catalog() {
  return {MakeCompany("acme", {MakeCampaign("acme", "spring", {TriDevice("02000800")}),
                               MakeCampaign("acme", "autumn", {TriDevice("02000900")})})};
}

// Calls the fake Grafana's HTTP API as a user of its UI would (service-account token).
HttpResponse GrafanaCall(Harness& h, const std::string& method, const std::string& path,
                         const std::string& body) {
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  HttpRequest r;
  r.method = method;
  r.url = h.grafana().url() + path;
  r.headers = {{"Authorization", "Bearer " + h.grafana().options().service_account_token},
               {"Content-Type", "application/json"}};
  r.body = body;
  absl::StatusOr<HttpResponse> response = http->Send(r);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? *response : HttpResponse();
}

// "Save as": a copy of `uid` with a new uid and title, in the same folder, tags kept.
void SaveAs(Harness& h, const std::string& uid, const std::string& copy_uid) {
  std::optional<::powerview::testing::FakeGrafana::Dashboard> d = h.grafana().GetDashboard(uid);
  ASSERT_TRUE(d.has_value());
  rapidjson::Document model;
  model.Parse(d->model.c_str());
  model["uid"].SetString(copy_uid.c_str(), model.GetAllocator());
  model["title"].SetString("my copy", model.GetAllocator());
  model["id"].SetNull();
  model.RemoveMember("version");
  rapidjson::Document body;
  body.SetObject();
  body.AddMember("dashboard", model, body.GetAllocator());
  body.AddMember("folderUid", rapidjson::Value(d->folder_uid.c_str(), body.GetAllocator()),
                 body.GetAllocator());
  body.AddMember("overwrite", false, body.GetAllocator());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  body.Accept(writer);
  HttpResponse r = GrafanaCall(h, "POST", "/api/dashboards/db", buffer.GetString());
  ASSERT_EQ(r.status, 200) << r.body;
}

TEST(OwnershipTest, ASaveAsCopyOfAManagedDashboardIsNeverPruned) {
  Harness h;
  ASSERT_TRUE(h.Start().ok());
  h.PlanAndApply(AllScope(), Catalog());
  SaveAs(h, "pv-acme-spring", "my-spring-copy");
  std::optional<::powerview::testing::FakeGrafana::Dashboard> copy =
      h.grafana().GetDashboard("my-spring-copy");
  ASSERT_TRUE(copy.has_value());
  EXPECT_TRUE(absl::StrContains(copy->model, "managed-by:powerview")) << "the copy keeps the tag";
  // Nothing to do, prune or not, while every campaign is in the catalog.
  v1::Plan plan = h.PlanOf(AllScope(/*prune=*/true), Catalog());
  EXPECT_EQ(plan.actions_size(), 0) << RenderPlan(plan);
  // A campaign leaves: only PowerView's own dashboard of it goes, the copy stays.
  std::vector<v1::Company> catalog = Catalog();
  catalog[0].mutable_campaigns()->RemoveLast();
  plan = h.PlanOf(AllScope(true), catalog);
  ASSERT_EQ(plan.actions_size(), 1) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).key(), "pv-acme-autumn");
  h.PlanAndApply(AllScope(true), catalog);
  EXPECT_TRUE(h.grafana().GetDashboard("my-spring-copy").has_value());
  // Even when the campaign the copy was made from leaves.
  catalog[0].mutable_campaigns()->Clear();
  h.PlanAndApply(AllScope(true), catalog);
  EXPECT_FALSE(h.grafana().GetDashboard("pv-acme-spring").has_value());
  EXPECT_TRUE(h.grafana().GetDashboard("my-spring-copy").has_value());
}

TEST(OwnershipTest, TakingOverAnObjectPowerViewDidNotCreateIsExplicit) {
  Harness h;
  ASSERT_TRUE(h.Start().ok());
  // An operator made the team and a dashboard with PowerView's uid by hand.
  ASSERT_EQ(GrafanaCall(h, "POST", "/api/teams", R"({"name":"acme"})").status, 200);
  ASSERT_EQ(GrafanaCall(h, "POST", "/api/dashboards/db",
                        R"({"dashboard":{"uid":"pv-acme-spring","title":"hand made"}})")
                .status,
            200);
  v1::Plan plan = h.PlanOf(AllScope(), Catalog());
  std::string text = RenderPlan(plan);
  const v1::PlanAction* team =
      OnlyAction(plan, v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_TEAM);
  ASSERT_NE(team, nullptr) << text;
  EXPECT_TRUE(team->takeover());
  EXPECT_THAT(team->reason(), HasSubstr("not created by PowerView"));
  EXPECT_THAT(text, HasSubstr("grafana team \"acme\" [take over]"));
  EXPECT_THAT(text, HasSubstr("grafana dashboard \"pv-acme-spring\" [take over]"));

  // Without --provision-takeover the apply refuses, says how to proceed, and changes nothing.
  absl::StatusOr<v1::ApplyResult> result = h.provisioner().Apply(plan);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->failed(), 0);
  bool said = false;
  for (const v1::ActionOutcome& o : result->outcomes()) {
    if (absl::StrContains(o.error(), "--provision-takeover")) said = true;
  }
  EXPECT_TRUE(said) << result->DebugString();
  EXPECT_EQ(h.grafana().GetDashboard("pv-acme-spring")->title, "hand made");

  // With it, the objects are taken over, and PowerView owns them from then on.
  ProvisionSettings settings = h.DefaultSettings();
  settings.takeover = true;
  ASSERT_TRUE(h.Use(settings).ok());
  h.PlanAndApply(AllScope(), Catalog());
  EXPECT_EQ(h.grafana().GetDashboard("pv-acme-spring")->title, "acme / spring");
  EXPECT_EQ(h.PlanOf(AllScope(), Catalog()).actions_size(), 0);
  ASSERT_TRUE(h.Use(h.DefaultSettings()).ok());
  EXPECT_EQ(h.PlanOf(AllScope(), Catalog()).actions_size(), 0);
}

}  // namespace
}  // namespace powerview::provision::testing
