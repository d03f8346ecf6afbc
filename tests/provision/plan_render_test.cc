#include "server/provision/plan_render.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/provision/planner.h"

namespace powerview::provision {
namespace {

using ::testing::HasSubstr;

v1::Plan SamplePlan() {
  v1::Plan plan;
  plan.mutable_scope()->set_kind(v1::PROVISION_SCOPE_KIND_COMPANY);
  plan.mutable_scope()->set_company("acme");
  *plan.add_actions() = MakeAction(v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_TEAM, "acme",
                                   "acme", "missing in Grafana");
  v1::PlanAction update = MakeAction(v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_DATASOURCE,
                                     "acme", "pv-ds-acme", "differs in Grafana: url");
  AddChange(&update, "url", "\"http://old:8086\"", "\"http://influxdb:8086\"");
  *plan.add_actions() = update;
  *plan.add_actions() = MakeAction(v1::ACTION_TYPE_DELETE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD,
                                   "acme", "pv-acme-old", "campaign no longer in the catalog");
  plan.set_fingerprint(PlanFingerprint(plan));
  return plan;
}

TEST(RenderPlanTest, ReadsLikeADiff) {
  std::string text = RenderPlan(SamplePlan());
  EXPECT_THAT(text, HasSubstr("Plan for company \"acme\", prune off\n"));
  EXPECT_THAT(text, HasSubstr("  + grafana team \"acme\"  (missing in Grafana)\n"));
  EXPECT_THAT(text, HasSubstr("  ~ grafana datasource \"pv-ds-acme\"  (differs in Grafana: url)\n"
                              "      url: \"http://old:8086\" -> \"http://influxdb:8086\"\n"));
  EXPECT_THAT(text, HasSubstr("  - grafana dashboard \"pv-acme-old\"  (campaign no longer in the "
                              "catalog)\n"));
  EXPECT_THAT(text, HasSubstr("1 to create, 1 to update, 1 to delete.\n"));
}

TEST(RenderPlanTest, EmptyPlan) {
  v1::Plan plan;
  plan.mutable_scope()->set_kind(v1::PROVISION_SCOPE_KIND_ALL);
  plan.mutable_scope()->set_prune(true);
  EXPECT_EQ(RenderPlan(plan), "Plan for all companies, prune on\nNo changes.\n");
}

TEST(PlanFingerprintTest, StableAndSensitiveToContentNotTime) {
  v1::Plan a = SamplePlan();
  v1::Plan b = SamplePlan();
  b.mutable_created_time()->set_seconds(12345);
  EXPECT_EQ(PlanFingerprint(a), PlanFingerprint(b));
  EXPECT_EQ(PlanFingerprint(a).size(), 64u);
  b.mutable_actions(1)->mutable_changes(0)->set_new_value("\"http://other:8086\"");
  EXPECT_NE(PlanFingerprint(a), PlanFingerprint(b));
  v1::Plan c = SamplePlan();
  c.mutable_scope()->set_prune(true);
  EXPECT_NE(PlanFingerprint(a), PlanFingerprint(c));
}

}  // namespace
}  // namespace powerview::provision
