// Provisioning through the admin API with the real provisioning stage (ProvisionerBackend over
// provision::Provisioner) against the fake Grafana and the fake InfluxDB 2.x: the plan comes
// from the catalog as it is now, apply takes exactly the plan shown, and refuses once the state
// has moved on.
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/admin/provisioner_backend.h"
#include "tests/admin/admin_harness.h"
#include "tests/provision/provision_test_util.h"

namespace powerview::admin {
namespace {

using ::testing::HasSubstr;

// The catalog learns of a campaign with one tri-phase logger, as an ingest would record it.
void RecordCampaign(catalog::Catalog* catalog, const std::string& company,
                    const std::string& campaign, const std::string& master) {
  ASSERT_TRUE(catalog->RecordCampaign(company, campaign, absl::Now()).ok());
  v1::IngestReport report;
  report.set_company(company);
  report.set_campaign(campaign);
  report.set_folder_serial(master);
  report.set_master_sn(master);
  v1::Device device = provision::testing::TriDevice(master);
  std::vector<v1::Channel> channels(device.channels().begin(), device.channels().end());
  ASSERT_TRUE(catalog->RecordChannels(report, "tri", channels).ok());
}

class AdminProvisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fakes_.Start().ok());
    backend_ = std::make_unique<ProvisionerBackend>(&fakes_.provisioner(), h_.catalog.get());
    RecordCampaign(h_.catalog.get(), "acme", "north", "02000800");
    h_.Start("tcp", "s3cret", backend_.get());
    stub_ = h_.Stub();
  }

  v1::Plan Plan(const std::string& company) {
    v1::PlanProvisioningRequest request;
    request.mutable_scope()->set_company(company);
    v1::PlanProvisioningResponse response;
    grpc::Status s = stub_->PlanProvisioning(h_.Context().get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.plan();
  }

  grpc::Status Apply(const std::string& company, const std::string& fingerprint,
                     std::vector<v1::ApplyProvisioningResponse>* messages) {
    v1::ApplyProvisioningRequest request;
    request.mutable_scope()->set_company(company);
    request.set_plan_fingerprint(fingerprint);
    auto context = h_.Context();
    auto reader = stub_->ApplyProvisioning(context.get(), request);
    v1::ApplyProvisioningResponse message;
    while (reader->Read(&message)) messages->push_back(message);
    return reader->Finish();
  }

  provision::testing::Harness fakes_;
  AdminHarness h_;
  std::unique_ptr<ProvisionerBackend> backend_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

TEST_F(AdminProvisionTest, PlanApplyThenNothingLeft) {
  v1::Plan plan = Plan("acme");
  ASSERT_GT(plan.actions_size(), 0);
  EXPECT_EQ(plan.scope().kind(), v1::PROVISION_SCOPE_KIND_COMPANY);
  EXPECT_FALSE(plan.fingerprint().empty());
  EXPECT_TRUE(fakes_.grafana().Folders().empty()) << "planning changes nothing";

  std::vector<v1::ApplyProvisioningResponse> messages;
  grpc::Status applied = Apply("acme", plan.fingerprint(), &messages);
  ASSERT_TRUE(applied.ok()) << applied.error_message();
  ASSERT_EQ(static_cast<int>(messages.size()), plan.actions_size() + 1);
  for (int i = 0; i < plan.actions_size(); ++i) {
    EXPECT_EQ(messages[i].total_actions(), plan.actions_size());
    EXPECT_EQ(messages[i].finished_actions(), i + 1);
    EXPECT_EQ(messages[i].outcome().status(), v1::ACTION_STATUS_APPLIED)
        << messages[i].outcome().error();
  }
  const v1::ApplyResult& result = messages.back().result();
  EXPECT_EQ(result.applied(), plan.actions_size());
  EXPECT_EQ(result.failed(), 0);
  EXPECT_EQ(fakes_.grafana().Folders().size(), 1u);

  EXPECT_EQ(Plan("acme").actions_size(), 0) << "a second plan is empty";

  // The plan shown earlier is no longer what the state gives: refused, nothing applied.
  messages.clear();
  grpc::Status stale = Apply("acme", plan.fingerprint(), &messages);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(stale.error_message(), HasSubstr("review the new plan"));
}

TEST_F(AdminProvisionTest, NewCampaignAddsItsDashboardOnly) {
  std::vector<v1::ApplyProvisioningResponse> messages;
  ASSERT_TRUE(Apply("acme", Plan("acme").fingerprint(), &messages).ok());
  RecordCampaign(h_.catalog.get(), "acme", "south", "02000900");
  v1::Plan plan = Plan("acme");
  ASSERT_EQ(plan.actions_size(), 1);
  EXPECT_EQ(plan.actions(0).kind(), v1::RESOURCE_KIND_GRAFANA_DASHBOARD);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_CREATE);
}

TEST_F(AdminProvisionTest, UnknownCompanyIsNotFound) {
  v1::PlanProvisioningRequest request;
  request.mutable_scope()->set_company("nobody");
  v1::PlanProvisioningResponse response;
  grpc::Status s = stub_->PlanProvisioning(h_.Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("nobody"));
}

}  // namespace
}  // namespace powerview::admin
