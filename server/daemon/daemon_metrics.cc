#include "server/daemon/daemon_metrics.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/log.h"

namespace powerview::daemon {
namespace {

// "... N failed ..." in a provisioning summary ("3 applied, 1 failed, 0 skipped").
bool SummaryHasFailures(const std::string& message) {
  size_t at = message.find(" failed");
  if (at == std::string::npos) return true;  // an error, not a summary
  size_t start = message.rfind(' ', at - 1);
  start = start == std::string::npos ? 0 : start + 1;
  int failed = 0;
  return !absl::SimpleAtoi(message.substr(start, at - start), &failed) || failed > 0;
}

}  // namespace

DaemonMetrics::DaemonMetrics(Daemon* daemon) : daemon_(daemon) {}

absl::StatusOr<std::unique_ptr<DaemonMetrics>> DaemonMetrics::Start(Daemon* daemon,
                                                                    const std::string& listen) {
  size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("--metrics-listen '", listen, "': host:port"));
  }
  std::unique_ptr<DaemonMetrics> m(new DaemonMetrics(daemon));
  m->http_client_ = NewCurlHttpClient();
  m->probe_ = std::make_unique<admin::LiveStatusProbe>(
      daemon->influx(), m->http_client_.get(), daemon->config().grafana_url, daemon->workers());
  metrics::Set("powerview_build_info", {{"version", POWERVIEW_VERSION}}, 1);
  metrics::Set("powerview_start_time_seconds", {},
               static_cast<double>(absl::ToUnixSeconds(daemon->started())));
  m->events_ = daemon->bus()->Subscribe(1 << 16);
  m->counter_ = std::thread([p = m.get()] { p->Count(); });
  m->collector_ = std::make_unique<metrics::Collector>([p = m.get()] { p->Collect(); });
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http =
      MetricsHttpServer::Start(listen.substr(0, colon), port);
  if (!http.ok()) return http.status();
  m->http_ = std::move(*http);
  PV_LOG_INFO("daemon", "metrics listening on %s:%d (GET /metrics)", listen.substr(0, colon),
              m->http_->port());
  return m;
}

DaemonMetrics::~DaemonMetrics() {
  http_.reset();
  collector_.reset();
  stop_ = true;
  if (events_ != nullptr) events_->Close();
  if (counter_.joinable()) counter_.join();
}

void DaemonMetrics::Count() {
  using pipeline::EventType;
  while (!stop_.load()) {
    std::optional<pipeline::PipelineEvent> e = events_->Next(absl::Seconds(1));
    if (!e.has_value()) continue;
    switch (e->type) {
      case EventType::kFileIngested:
        metrics::Add("powerview_files_total", {{"company", e->company}, {"outcome", "ingested"}});
        metrics::Add("powerview_points_written_total", {{"company", e->company}},
                     static_cast<double>(e->points));
        break;
      case EventType::kFileRejected:
        metrics::Add("powerview_files_total", {{"company", e->company}, {"outcome", "rejected"}});
        break;
      case EventType::kJobRetry:
        metrics::Add("powerview_retries_total", {{"stage", "job"}, {"cause", "ingest"}});
        break;
      case EventType::kProvisionDone:
        metrics::Add("powerview_provisioning_runs_total");
        if (SummaryHasFailures(e->message)) {
          metrics::Add("powerview_provisioning_failures_total");
          if (e->job_id != 0) {
            metrics::Add("powerview_retries_total", {{"stage", "job"}, {"cause", "provisioning"}});
          }
        }
        break;
      default:
        break;
    }
  }
}

void DaemonMetrics::Collect() {
  absl::Time now = absl::Now();
  if (absl::StatusOr<journal::JobCounts> c = daemon_->journal()->Counts(now); c.ok()) {
    metrics::Set("powerview_jobs", {{"state", "pending"}}, static_cast<double>(c->pending));
    metrics::Set("powerview_jobs", {{"state", "waiting_retry"}},
                 static_cast<double>(c->waiting_retry));
    metrics::Set("powerview_jobs", {{"state", "running"}}, static_cast<double>(c->running));
    metrics::Set("powerview_jobs", {{"state", "done"}}, static_cast<double>(c->done));
    metrics::Set("powerview_jobs", {{"state", "failed"}}, static_cast<double>(c->failed));
    metrics::Set("powerview_queue_depth", {}, static_cast<double>(c->pending));
  }
  // The oldest of (at most) the 10000 newest pending jobs.
  double oldest = 0;
  if (auto pending = daemon_->journal()->ListJobs(journal::JobState::kPending, 10000);
      pending.ok()) {
    for (const journal::Job& job : *pending) {
      if (job.created != absl::InfinitePast()) {
        oldest = std::max(oldest, absl::ToDoubleSeconds(now - job.created));
      }
    }
  }
  metrics::Set("powerview_oldest_pending_job_age_seconds", {}, oldest);
  for (const auto& [name, health] :
       {std::pair<std::string, admin::DependencyHealth>{"influxdb", probe_->InfluxDb()},
        std::pair<std::string, admin::DependencyHealth>{"grafana", probe_->Grafana()}}) {
    metrics::Set("powerview_dependency_configured", {{"service", name}}, health.configured);
    metrics::Set("powerview_dependency_up", {{"service", name}},
                 health.configured && health.reachable);
    metrics::Set("powerview_dependency_probe_duration_seconds", {{"service", name}},
                 absl::ToDoubleSeconds(health.latency));
  }
}

}  // namespace powerview::daemon
