#include "server/pipeline/job_dispatcher.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/common/log.h"

namespace powerview::pipeline {

namespace fs = std::filesystem;

JobDispatcher::JobDispatcher(IngestProcessor* ingest, EventBus* bus,
                             ProvisionRequest request_provision)
    : ingest_(ingest), bus_(bus), request_provision_(std::move(request_provision)) {}

JobResult JobDispatcher::Run(const journal::Job& job) {
  PipelineEvent started;
  started.type = EventType::kJobStarted;
  started.job_id = job.id;
  started.path = job.path;
  started.company = job.company;
  bus_->Publish(started);
  if (job.kind == journal::JobKind::kProvision) {
    // Left in the journal by an earlier version: provisioning has its own executor now.
    QueueProvision(job.company, job.source);
    return {JobResult::Kind::kDone, "handed to the provisioning executor"};
  }
  return RunIngest(job);
}

void JobDispatcher::QueueProvision(const std::string& company, const std::string& reason) {
  if (request_provision_) request_provision_(company, reason);
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
