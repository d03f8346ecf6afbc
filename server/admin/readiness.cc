#include "server/admin/readiness.h"

#include "absl/time/clock.h"
#include "server/common/log.h"

namespace powerview::admin {
namespace {

bool Serving(bool known, bool configured, bool reachable) {
  return !known || !configured || reachable;
}

}  // namespace

ReadinessMonitor::ReadinessMonitor(StatusProbe* inner, absl::Duration interval)
    : inner_(inner), interval_(interval) {}

ReadinessMonitor::~ReadinessMonitor() { Stop(absl::ZeroDuration()); }

void ReadinessMonitor::SetListener(Listener listener) {
  absl::MutexLock lock(&mu_);
  listener_ = std::move(listener);
  if (!listener_) return;
  auto serving = [](const Record& r) { return Serving(r.known, r.configured, r.reachable); };
  listener_(kReadinessInfluxDb, serving(influx_));
  listener_(kReadinessGrafana, serving(grafana_));
  listener_(kReadinessService, serving(influx_) && serving(grafana_));
}

void ReadinessMonitor::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

bool ReadinessMonitor::Stop(absl::Duration grace) {
  if (!thread_.joinable()) return true;
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    auto exited = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return exited_; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&exited), grace)) {
      thread_.detach();  // in a probe; it ends by the probe's own timeout
      return false;
    }
  }
  thread_.join();
  return true;
}

void ReadinessMonitor::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) {
        exited_ = true;
        return;
      }
    }
    InfluxDb();
    Grafana();
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), interval_)) {
      exited_ = true;
      return;
    }
  }
}

DependencyHealth ReadinessMonitor::InfluxDb() {
  return Observe(inner_->InfluxDb(), &influx_, "InfluxDB", kReadinessInfluxDb);
}

DependencyHealth ReadinessMonitor::Grafana() {
  return Observe(inner_->Grafana(), &grafana_, "Grafana", kReadinessGrafana);
}

DependencyHealth ReadinessMonitor::Observe(DependencyHealth health, Record* record,
                                           const char* name, const char* service) {
  absl::MutexLock lock(&mu_);
  auto ok = [](const Record& r) { return Serving(r.known, r.configured, r.reachable); };
  const bool changed = !record->known || record->reachable != health.reachable ||
                       record->configured != health.configured;
  if (changed) {
    absl::Time now = absl::Now();
    const bool was_ready = ok(influx_) && ok(grafana_);
    if (health.configured && !health.reachable) {
      PV_LOG_WARN("health", "%s (%s) is unreachable: %s", name, health.url, health.error);
    } else if (health.configured && record->known) {
      PV_LOG_INFO("health", "%s (%s) answers again after %s", name, health.url,
                  absl::FormatDuration(absl::Trunc(now - record->since, absl::Seconds(1))));
    }
    record->known = true;
    record->configured = health.configured;
    record->reachable = health.reachable;
    record->since = now;
    const bool ready = ok(influx_) && ok(grafana_);
    if (listener_) {
      listener_(service, ok(*record));
      if (ready != was_ready) listener_(kReadinessService, ready);
    }
  }
  health.since = record->since;
  return health;
}

bool ReadinessMonitor::Ready() const {
  absl::MutexLock lock(&mu_);
  auto ok = [](const Record& r) { return Serving(r.known, r.configured, r.reachable); };
  return ok(influx_) && ok(grafana_);
}

}  // namespace powerview::admin
