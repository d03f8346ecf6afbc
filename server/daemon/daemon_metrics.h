// powerviewd's Prometheus endpoint (--metrics-listen): the HTTP listener, the counters fed from
// the pipeline's event bus (files, points, job retries, provisioning runs), and the gauges read
// at scrape time from their source (journal queue, InfluxDB and Grafana probes).
#ifndef POWERVIEW_SERVER_DAEMON_DAEMON_METRICS_H_
#define POWERVIEW_SERVER_DAEMON_DAEMON_METRICS_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/admin/status_probe.h"
#include "server/common/http_client.h"
#include "server/common/metrics.h"
#include "server/common/metrics_http.h"
#include "server/daemon/daemon.h"
#include "server/pipeline/event_bus.h"

namespace powerview::daemon {

class DaemonMetrics {
 public:
  // Serves `listen` (host:port, port 0: a free one) for `daemon`, which must outlive the
  // returned object. Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<DaemonMetrics>> Start(Daemon* daemon,
                                                              const std::string& listen);
  ~DaemonMetrics();

  int port() const { return http_->port(); }

 private:
  explicit DaemonMetrics(Daemon* daemon);
  void Count();    // the event-bus thread
  void Collect();  // scrape time

  Daemon* daemon_;
  std::unique_ptr<HttpClient> http_client_;
  std::unique_ptr<admin::LiveStatusProbe> probe_;
  std::unique_ptr<pipeline::Subscription> events_;
  std::atomic<bool> stop_{false};
  std::thread counter_;
  std::unique_ptr<metrics::Collector> collector_;
  std::unique_ptr<MetricsHttpServer> http_;
};

}  // namespace powerview::daemon

#endif  // POWERVIEW_SERVER_DAEMON_DAEMON_METRICS_H_
