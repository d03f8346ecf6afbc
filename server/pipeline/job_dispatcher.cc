#include "server/pipeline/job_dispatcher.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/common/log.h"
#include "server/provision/plan_render.h"

namespace powerview::pipeline {

namespace fs = std::filesystem;

JobDispatcher::JobDispatcher(IngestProcessor* ingest, provision::Provisioner* provisioner,
                             catalog::Catalog* catalog, journal::JobQueue* queue, EventBus* bus,
                             std::function<void()> on_queued)
    : ingest_(ingest),
      provisioner_(provisioner),
      catalog_(catalog),
      queue_(queue),
      bus_(bus),
      on_queued_(std::move(on_queued)) {}

JobResult JobDispatcher::Run(const journal::Job& job) {
  PipelineEvent started;
  started.type = EventType::kJobStarted;
  started.job_id = job.id;
  started.path = job.path;
  started.company = job.company;
  bus_->Publish(started);
  return job.kind == journal::JobKind::kProvision ? RunProvision(job) : RunIngest(job);
}

void JobDispatcher::QueueProvision(const std::string& company, const std::string& reason) {
  if (provisioner_ == nullptr) return;
  journal::NewJob job;
  job.kind = journal::JobKind::kProvision;
  job.path = company;
  job.company = company;
  job.source = reason;
  job.dedupe_key = absl::StrCat("provision:", company);
  job.release_key_when_finished = true;
  absl::StatusOr<journal::EnqueueResult> queued = queue_->Enqueue(job);
  if (!queued.ok()) {
    PV_LOG_ERROR("provision", "cannot queue provisioning of '%s': %s", company,
                 queued.status().message());
    return;
  }
  if (queued->created) {
    PV_LOG_INFO("provision", "queued provisioning of '%s' (job %d): %s", company, queued->id,
                reason);
    if (on_queued_) on_queued_();
  }
}

JobResult JobDispatcher::RunProvision(const journal::Job& job) {
  using Kind = JobResult::Kind;
  if (provisioner_ == nullptr) {
    return {Kind::kFailed, "provisioning is not configured (--grafana-url, --provision)"};
  }
  absl::StatusOr<std::vector<v1::Company>> companies = catalog_->ListCompanies(job.company, false);
  if (!companies.ok()) return {Kind::kFailed, std::string(companies.status().message())};
  v1::ProvisionScope scope;
  scope.set_kind(v1::PROVISION_SCOPE_KIND_COMPANY);
  scope.set_company(job.company);
  absl::StatusOr<v1::ApplyResult> result =
      provisioner_->Reconcile(scope, *companies, [&](const v1::ActionOutcome& outcome, int total) {
        PipelineEvent e;
        e.type = EventType::kProvisionAction;
        e.job_id = job.id;
        e.company = outcome.company();
        e.message = provision::DescribeOutcome(outcome);
        bus_->Publish(std::move(e));
      });
  PipelineEvent done;
  done.type = EventType::kProvisionDone;
  done.job_id = job.id;
  done.company = job.company;
  if (!result.ok()) {
    // Grafana or InfluxDB unreachable, or refusing: the job waits and runs again; ingest
    // goes on meanwhile.
    done.message = std::string(result.status().message());
    bus_->Publish(done);
    return {Kind::kRetry, std::string(result.status().message())};
  }
  std::string summary =
      absl::StrFormat("provisioned: %d applied, %d failed, %d skipped after a failure",
                      result->applied(), result->failed(), result->skipped());
  done.message = summary;
  bus_->Publish(done);
  PV_LOG_INFO("provision", "'%s': %s", job.company, summary);
  if (result->failed() > 0) return {Kind::kRetry, summary};
  return {Kind::kDone, summary};
}

JobResult JobDispatcher::RunIngest(const journal::Job& job) {
  using Kind = JobResult::Kind;
  absl::StatusOr<IngestOutcome> outcome = ingest_->Process(job);
  PipelineEvent e;
  e.job_id = job.id;
  e.path = job.path;
  e.company = job.company;
  if (!outcome.ok()) {
    e.type = EventType::kJobRetry;
    e.message = std::string(outcome.status().message());
    bus_->Publish(e);
    return {Kind::kRetry, std::string(outcome.status().message())};
  }
  const v1::IngestReport& report = outcome->report;
  e.campaign = report.campaign();
  e.device = report.folder_serial();
  e.message = outcome->summary;
  e.points = report.counts().points();
  if (outcome->ignored) {
    e.type = EventType::kEventIgnored;
    PV_LOG_INFO("ingest", "job %d %s: %s", job.id, job.path, outcome->summary);
  } else if (report.status() == v1::INGEST_STATUS_INGESTED) {
    e.type = EventType::kFileIngested;
    PV_LOG_INFO("ingest", "%s/%s/%s/%s: %s -> %s", report.company(), report.campaign(),
                report.folder_serial(), fs::path(report.path()).filename().string(),
                outcome->summary, report.final_path());
  } else {
    e.type = EventType::kFileRejected;
    PV_LOG_WARN("ingest", "%s/%s/%s/%s: %s -> %s", report.company(), report.campaign(),
                report.folder_serial(), fs::path(report.path()).filename().string(),
                outcome->summary, report.final_path());
  }
  bus_->Publish(e);
  if (outcome->new_channels > 0) {
    QueueProvision(report.company(),
                   absl::StrCat(outcome->new_channels, " new channel(s) in ", report.campaign()));
  }
  return {Kind::kDone, outcome->summary};
}

}  // namespace powerview::pipeline
