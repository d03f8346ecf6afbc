// Readiness: whether the services PowerView depends on (InfluxDB, Grafana when configured)
// answer, and since when they do or do not. A thread of its own probes them every `interval`
// (never an ingest worker), logs each change, and tells a listener (the gRPC health service's
// "readiness" names); GetStatus probes through it too, so both see the same history.
#ifndef POWERVIEW_SERVER_ADMIN_READINESS_H_
#define POWERVIEW_SERVER_ADMIN_READINESS_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/admin/status_probe.h"

namespace powerview::admin {

// Health service names: the whole (every configured dependency answers) and each dependency.
inline constexpr char kReadinessService[] = "readiness";
inline constexpr char kReadinessInfluxDb[] = "readiness/influxdb";
inline constexpr char kReadinessGrafana[] = "readiness/grafana";

class ReadinessMonitor : public StatusProbe {
 public:
  // Called with a health service name and whether it is serving, on every change (and once for
  // each name when set).
  using Listener = std::function<void(const std::string& service, bool serving)>;

  // `inner` is not owned and must outlive the monitor.
  ReadinessMonitor(StatusProbe* inner, absl::Duration interval);
  ~ReadinessMonitor() override;  // Stop(absl::ZeroDuration())

  ReadinessMonitor(const ReadinessMonitor&) = delete;
  ReadinessMonitor& operator=(const ReadinessMonitor&) = delete;

  void SetListener(Listener listener);
  // Probes at once, then every interval. A probe takes at most its calls' timeouts.
  void Start();
  // Ends the probing thread, waiting up to `grace` for a probe in flight. Returns false when it
  // was still in an HTTP call: the process must then end without destroying the monitor.
  bool Stop(absl::Duration grace);

  // Probe now (through `inner`), record, and return the result with its `since`.
  DependencyHealth InfluxDb() override;
  DependencyHealth Grafana() override;
  WorkerLoad Workers() override { return inner_->Workers(); }

  // Every configured dependency answered at its last probe (true before the first one).
  bool Ready() const;

 private:
  struct Record {
    bool known = false;
    bool configured = false;
    bool reachable = false;
    absl::Time since = absl::InfinitePast();
  };
  DependencyHealth Observe(DependencyHealth health, Record* record, const char* name,
                           const char* service);
  void Loop();

  StatusProbe* const inner_;
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  Record influx_ ABSL_GUARDED_BY(mu_);
  Record grafana_ ABSL_GUARDED_BY(mu_);
  Listener listener_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool exited_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_READINESS_H_
