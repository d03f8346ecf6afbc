// The admin calls that change things or stream: reprocess with its progress, the Watch stream
// and provisioning plan/apply (against a fake provisioning backend).
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/admin/admin_harness.h"

namespace powerview::admin {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Plans a fixed list of actions; `fingerprint` stands for the state of the world.
class FakeProvision : public ProvisionBackend {
 public:
  absl::StatusOr<v1::Plan> Plan(const v1::ProvisionScope& scope) override {
    last_scope = scope;
    v1::Plan plan;
    *plan.mutable_scope() = scope;
    plan.set_fingerprint(fingerprint);
    for (const char* key : {"acme", "pv-acme-north"}) {
      v1::PlanAction* a = plan.add_actions();
      a->set_type(v1::ACTION_TYPE_CREATE);
      a->set_kind(absl::StartsWith(key, "pv-") ? v1::RESOURCE_KIND_GRAFANA_DASHBOARD
                                               : v1::RESOURCE_KIND_GRAFANA_FOLDER);
      a->set_company("acme");
      a->set_key(key);
      a->set_reason("missing in Grafana");
    }
    return plan;
  }
  absl::StatusOr<v1::ApplyResult> ApplyIfUnchanged(const v1::ProvisionScope& scope,
                                                   const std::string& shown,
                                                   const Progress& progress) override {
    absl::StatusOr<v1::Plan> plan = Plan(scope);
    if (plan->fingerprint() != shown) {
      return absl::FailedPreconditionError("the state changed since the plan was shown");
    }
    ++applies;
    v1::ApplyResult result;
    result.set_plan_fingerprint(plan->fingerprint());
    for (int i = 0; i < plan->actions_size(); ++i) {
      v1::ActionOutcome* o = result.add_outcomes();
      o->set_index(i);
      o->set_kind(plan->actions(i).kind());
      o->set_type(plan->actions(i).type());
      o->set_company(plan->actions(i).company());
      o->set_key(plan->actions(i).key());
      o->set_status(v1::ACTION_STATUS_APPLIED);
      progress(*o, plan->actions_size());
    }
    result.set_applied(plan->actions_size());
    return result;
  }

  std::string fingerprint = "fp-1";
  v1::ProvisionScope last_scope;
  int applies = 0;
};

TEST(AdminProvision, NotConfiguredIsAFailedPrecondition) {
  AdminHarness h;
  h.Start();
  v1::PlanProvisioningResponse plan;
  grpc::Status s = h.Stub()->PlanProvisioning(h.Context().get(), {}, &plan);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("provisioning is not configured"));
  auto context = h.Context();
  v1::ApplyProvisioningRequest request;
  request.set_plan_fingerprint("x");
  auto apply = h.Stub()->ApplyProvisioning(context.get(), request);
  v1::ApplyProvisioningResponse message;
  while (apply->Read(&message)) {
  }
  EXPECT_EQ(apply->Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST(AdminProvision, PlanThenApplyThatPlanOnly) {
  AdminHarness h;
  FakeProvision provision;
  h.Start("tcp", "s3cret", &provision);
  auto stub = h.Stub();
  std::unique_ptr<pipeline::Subscription> events = h.bus.Subscribe();

  v1::PlanProvisioningRequest plan_request;
  plan_request.mutable_scope()->set_company("acme");
  v1::PlanProvisioningResponse plan;
  ASSERT_TRUE(stub->PlanProvisioning(h.Context().get(), plan_request, &plan).ok());
  EXPECT_EQ(provision.last_scope.kind(), v1::PROVISION_SCOPE_KIND_COMPANY) << "kind inferred";
  EXPECT_EQ(plan.plan().actions_size(), 2);

  // Bad scopes are the caller's mistake.
  v1::PlanProvisioningRequest bad;
  bad.mutable_scope()->set_campaign("north");
  EXPECT_EQ(stub->PlanProvisioning(h.Context().get(), bad, &plan).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  bad.mutable_scope()->set_company("acme");
  bad.mutable_scope()->set_kind(v1::PROVISION_SCOPE_KIND_ALL);
  EXPECT_EQ(stub->PlanProvisioning(h.Context().get(), bad, &plan).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  auto apply = [&](const std::string& fingerprint,
                   std::vector<v1::ApplyProvisioningResponse>* out) {
    v1::ApplyProvisioningRequest request;
    *request.mutable_scope() = plan_request.scope();
    request.set_plan_fingerprint(fingerprint);
    auto context = h.Context();
    auto reader = stub->ApplyProvisioning(context.get(), request);
    v1::ApplyProvisioningResponse message;
    while (reader->Read(&message)) out->push_back(message);
    return reader->Finish();
  };
  // The state changed since the plan was shown: nothing is applied.
  provision.fingerprint = "fp-2";
  std::vector<v1::ApplyProvisioningResponse> messages;
  grpc::Status refused = apply("fp-1", &messages);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("changed since the plan was shown"));
  EXPECT_EQ(provision.applies, 0);
  EXPECT_EQ(apply("", &messages).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // The plan shown is the plan applied, with one message per action.
  provision.fingerprint = "fp-1";
  messages.clear();
  grpc::Status applied = apply("fp-1", &messages);
  ASSERT_TRUE(applied.ok()) << applied.error_message();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].total_actions(), 2);
  EXPECT_EQ(messages[0].finished_actions(), 1);
  EXPECT_EQ(messages[1].outcome().key(), "pv-acme-north");
  EXPECT_EQ(messages[1].finished_actions(), 2);
  EXPECT_TRUE(messages[2].has_result());
  EXPECT_EQ(messages[2].result().applied(), 2);
  EXPECT_EQ(provision.applies, 1);

  // Provisioning actions reach the Watch stream's bus.
  int actions = 0, done = 0;
  while (auto e = events->Next(absl::ZeroDuration())) {
    actions += e->type == pipeline::EventType::kProvisionAction;
    done += e->type == pipeline::EventType::kProvisionDone;
  }
  EXPECT_EQ(actions, 2);
  EXPECT_EQ(done, 1);
}

TEST(AdminWatch, FilteredLiveEvents) {
  AdminHarness h;
  h.Start();
  auto stub = h.Stub();
  v1::WatchRequest request;
  request.set_company("acme");
  request.set_campaign("north");
  request.add_types(v1::PIPELINE_EVENT_TYPE_FILE_INGESTED);
  request.add_types(v1::PIPELINE_EVENT_TYPE_JOB_STARTED);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer s3cret");
  auto reader = stub->Watch(&context, request);
  reader->WaitForInitialMetadata();  // subscribed from here on

  auto publish = [&](pipeline::EventType type, std::string path, std::string company,
                     std::string campaign) {
    pipeline::PipelineEvent e;
    e.type = type;
    e.time = absl::Now();
    e.path = std::move(path);
    e.company = std::move(company);
    e.campaign = std::move(campaign);
    e.message = "m";
    h.bus.Publish(std::move(e));
  };
  std::string north = h.root + "/acme/north/02001171/a.tsv";
  publish(pipeline::EventType::kFileIngested, h.root + "/zenith/north/1/a.tsv", "zenith", "north");
  publish(pipeline::EventType::kFileRejected, north, "acme", "north");
  publish(pipeline::EventType::kFileIngested, h.root + "/acme/south/1/b.tsv", "acme", "south");
  // Job-started events carry only a path: the location comes from it.
  publish(pipeline::EventType::kJobStarted, north, "", "");
  publish(pipeline::EventType::kFileIngested, north, "acme", "north");

  v1::WatchResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.event().type(), v1::PIPELINE_EVENT_TYPE_JOB_STARTED);
  EXPECT_EQ(message.event().company(), "acme");
  EXPECT_EQ(message.event().campaign(), "north");
  EXPECT_EQ(message.event().device(), "02001171");
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.event().type(), v1::PIPELINE_EVENT_TYPE_FILE_INGESTED);
  EXPECT_EQ(message.event().path(), north);
  EXPECT_EQ(message.dropped_events(), 0);
  context.TryCancel();
  while (reader->Read(&message)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // Malformed filters are refused.
  grpc::ClientContext bad_context;
  bad_context.AddMetadata("authorization", "Bearer s3cret");
  v1::WatchRequest bad;
  bad.set_campaign("north");
  auto bad_reader = stub->Watch(&bad_context, bad);
  while (bad_reader->Read(&message)) {
  }
  EXPECT_EQ(bad_reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(AdminWatch, ServerShutdownEndsTheStream) {
  AdminHarness h;
  h.Start();
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer s3cret");
  auto reader = h.Stub()->Watch(&context, v1::WatchRequest());
  reader->WaitForInitialMetadata();
  absl::Time start = absl::Now();
  h.server->Shutdown(absl::Seconds(5));
  v1::WatchResponse message;
  while (reader->Read(&message)) {
  }
  EXPECT_FALSE(reader->Finish().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3)) << "streams end before the grace period";
}

// Claims and completes every runnable job, as workers would.
int RunAllJobs(journal::JobQueue* journal) {
  int ran = 0;
  while (true) {
    auto job = journal->Claim(absl::Now());
    if (!job.ok() || !job->has_value()) return ran;
    EXPECT_TRUE(journal->Complete(**job, "ingested: 1 points, 1 rows").ok());
    ++ran;
  }
}

TEST(AdminReprocess, CampaignGoesBackAsOneBatchWithProgress) {
  AdminHarness h;
  std::string a = h.WriteFile("acme/north/02001171/parsed/a.tsv", "A");
  h.WriteFile("acme/north/02001171/parsed/a.tsv.report.json", "{}");
  std::string b = h.WriteFile("acme/north/02001171/error/b.tsv", "B");
  std::string c = h.WriteFile("acme/north/02001283/parsed/c.tsv", "C");
  std::string other = h.WriteFile("acme/south/02001171/parsed/d.tsv", "D");
  h.Start();
  auto stub = h.Stub();
  std::unique_ptr<pipeline::Subscription> events = h.bus.Subscribe();

  v1::ReprocessRequest request;
  request.set_company("acme");
  request.set_campaign("north");
  v1::ReprocessResponse response;
  grpc::Status s = stub->Reprocess(h.Context().get(), request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_GT(response.batch_id(), 0);
  EXPECT_EQ(response.files_queued(), 3);
  std::string device = h.root + "/acme/north/02001171/";
  EXPECT_TRUE(fs::exists(device + "a.tsv"));
  EXPECT_TRUE(fs::exists(device + "b.tsv"));
  EXPECT_TRUE(fs::exists(h.root + "/acme/north/02001283/c.tsv"));
  EXPECT_FALSE(fs::exists(a));
  EXPECT_FALSE(fs::exists(a + ".report.json")) << "the old report describes the old run";
  EXPECT_TRUE(fs::exists(other)) << "another campaign is left alone";
  EXPECT_EQ(h.wakes, 1);

  auto jobs = h.journal->ListJobs(journal::JobState::kPending, 10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 3u);
  for (const journal::Job& job : *jobs) {
    EXPECT_EQ(job.source, "reprocess");
    EXPECT_EQ(job.batch_id, response.batch_id());
    EXPECT_EQ(job.company, "acme");
  }
  int queued_events = 0;
  while (auto e = events->Next(absl::ZeroDuration())) {
    queued_events += e->type == pipeline::EventType::kJobQueued && e->campaign == "north";
  }
  EXPECT_EQ(queued_events, 3);

  v1::GetReprocessProgressRequest get;
  get.set_batch_id(response.batch_id());
  v1::GetReprocessProgressResponse now;
  ASSERT_TRUE(stub->GetReprocessProgress(h.Context().get(), get, &now).ok());
  EXPECT_EQ(now.progress().total(), 3);
  EXPECT_EQ(now.progress().pending(), 3);
  EXPECT_FALSE(now.progress().complete());

  // The stream follows the batch to completion while "workers" run the jobs.
  v1::WatchReprocessProgressRequest watch;
  watch.set_batch_id(response.batch_id());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer s3cret");
  auto reader = stub->WatchReprocessProgress(&context, watch);
  v1::WatchReprocessProgressResponse update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.progress().done(), 0);
  std::thread workers([&] { RunAllJobs(h.journal.get()); });
  v1::ReprocessProgress last = update.progress();
  while (reader->Read(&update)) last = update.progress();
  workers.join();
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(last.complete());
  EXPECT_EQ(last.done(), 3);
  EXPECT_EQ(last.total(), 3);

  get.set_batch_id(response.batch_id() + 7);
  EXPECT_EQ(stub->GetReprocessProgress(h.Context().get(), get, &now).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(AdminReprocess, OneFileByPathOrReport) {
  AdminHarness h;
  std::string parsed = h.WriteFile("acme/north/02001171/parsed/a.tsv", "old");
  h.WriteFile("acme/north/02001171/error/a.tsv", "newer");
  fs::last_write_time(parsed, fs::last_write_time(parsed) - std::chrono::hours(1));
  h.Start();
  auto stub = h.Stub();
  v1::ReprocessRequest request;
  // The path it was uploaded to finds the newer of parsed/ and error/.
  request.set_file("acme/north/02001171/a.tsv");
  v1::ReprocessResponse response;
  ASSERT_TRUE(stub->Reprocess(h.Context().get(), request, &response).ok());
  ASSERT_EQ(response.files_queued(), 1);
  std::ifstream back(h.root + "/acme/north/02001171/a.tsv");
  std::string content((std::istreambuf_iterator<char>(back)), {});
  EXPECT_EQ(content, "newer");

  // Still waiting in the device folder: nothing to move.
  grpc::Status waiting = stub->Reprocess(h.Context().get(), request, &response);
  EXPECT_EQ(waiting.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // And the file in parsed/ cannot replace it.
  request.set_file(parsed);
  ASSERT_TRUE(stub->Reprocess(h.Context().get(), request, &response).ok());
  EXPECT_EQ(response.files_queued(), 0);
  ASSERT_EQ(response.skipped_size(), 1);
  EXPECT_THAT(response.skipped(0).reason(), HasSubstr("waits in"));
  EXPECT_TRUE(fs::exists(parsed));

  // By report id: the report's final path.
  v1::IngestReport report;
  report.set_path(h.root + "/acme/north/02001283/r.tsv");
  report.set_final_path(h.WriteFile("acme/north/02001283/error/r.tsv", "R"));
  report.set_company("acme");
  report.set_campaign("north");
  report.set_status(v1::INGEST_STATUS_REJECTED);
  auto id = h.catalog->AddReport(report);
  ASSERT_TRUE(id.ok());
  request.Clear();
  request.set_report_id(*id);
  ASSERT_TRUE(stub->Reprocess(h.Context().get(), request, &response).ok());
  EXPECT_EQ(response.files_queued(), 1);
  EXPECT_TRUE(fs::exists(h.root + "/acme/north/02001283/r.tsv"));
}

TEST(AdminReprocess, ErrorsAnOperatorCanActOn) {
  AdminHarness h;
  h.WriteFile("acme/north/02001171/parsed/a.tsv", "A");
  h.WriteFile("acme/north/02001171/error/b.tsv", "B");
  h.Start();
  auto stub = h.Stub();
  auto code = [&](v1::ReprocessRequest request, v1::ReprocessResponse* response = nullptr) {
    v1::ReprocessResponse ignored;
    return stub->Reprocess(h.Context().get(), request, response ? response : &ignored).error_code();
  };
  v1::ReprocessRequest r;
  EXPECT_EQ(code(r), grpc::StatusCode::INVALID_ARGUMENT) << "nothing named";
  r.set_company("acme");
  r.set_file("acme/north/02001171/a.tsv");
  EXPECT_EQ(code(r), grpc::StatusCode::INVALID_ARGUMENT) << "two things named";
  r.Clear();
  r.set_campaign("north");
  EXPECT_EQ(code(r), grpc::StatusCode::INVALID_ARGUMENT) << "campaign without company";
  r.Clear();
  r.set_company("..");
  EXPECT_EQ(code(r), grpc::StatusCode::INVALID_ARGUMENT);
  r.set_company("nobody");
  EXPECT_EQ(code(r), grpc::StatusCode::NOT_FOUND);
  r.set_company("acme");
  r.set_campaign("west");
  EXPECT_EQ(code(r), grpc::StatusCode::NOT_FOUND);
  r.Clear();
  r.set_file("acme/north/02001171/zzz.tsv");
  EXPECT_EQ(code(r), grpc::StatusCode::NOT_FOUND);
  r.set_file("../outside/x/y/z.tsv");
  EXPECT_EQ(code(r), grpc::StatusCode::INVALID_ARGUMENT);
  r.Clear();
  r.set_report_id(999);
  EXPECT_EQ(code(r), grpc::StatusCode::NOT_FOUND);

  // errors_only leaves parsed/ alone.
  r.Clear();
  r.set_company("acme");
  r.set_errors_only(true);
  v1::ReprocessResponse response;
  ASSERT_EQ(code(r, &response), grpc::StatusCode::OK);
  EXPECT_EQ(response.files_queued(), 1);
  EXPECT_THAT(response.files(0), HasSubstr("b.tsv"));
  EXPECT_TRUE(fs::exists(h.root + "/acme/north/02001171/parsed/a.tsv"));
  // Nothing left in error/: an empty answer, no batch.
  ASSERT_EQ(code(r, &response), grpc::StatusCode::OK);
  EXPECT_EQ(response.batch_id(), 0);
  EXPECT_EQ(response.files_queued(), 0);
}

}  // namespace
}  // namespace powerview::admin
