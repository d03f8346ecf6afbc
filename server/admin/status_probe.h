// What GetStatus reports beyond the journal: the workers and the services PowerView depends
// on, probed when asked.
#ifndef POWERVIEW_SERVER_ADMIN_STATUS_PROBE_H_
#define POWERVIEW_SERVER_ADMIN_STATUS_PROBE_H_

#include <string>

#include "absl/time/time.h"
#include "server/common/http_client.h"
#include "server/pipeline/worker_pool.h"
#include "server/sink/influx_writer.h"

namespace powerview::admin {

struct DependencyHealth {
  bool configured = false;
  bool reachable = false;
  std::string url;
  std::string version;
  std::string error;
  absl::Duration latency;
  // Since when the service has been in its current state (reachable or not), as far as
  // PowerView saw it; InfinitePast when unknown.
  absl::Time since = absl::InfinitePast();
};

struct WorkerLoad {
  int workers = 0;
  int busy = 0;
};

class StatusProbe {
 public:
  virtual ~StatusProbe() = default;
  virtual DependencyHealth InfluxDb() = 0;
  virtual DependencyHealth Grafana() = 0;
  virtual WorkerLoad Workers() = 0;
};

// Probes the daemon's own InfluxDB writer (GET /ping) and Grafana (GET /api/health, which needs
// no credentials), and reads the worker pool's load.
class LiveStatusProbe : public StatusProbe {
 public:
  // Nothing is owned; each pointer must outlive the probe. `http` is used for Grafana only;
  // `grafana_url` empty means Grafana is not configured. `workers` may be null.
  LiveStatusProbe(sink::InfluxWriter* influx, HttpClient* http, std::string grafana_url,
                  const pipeline::WorkerPool* workers,
                  absl::Duration grafana_connect_timeout = absl::Seconds(5));

  DependencyHealth InfluxDb() override;
  DependencyHealth Grafana() override;
  WorkerLoad Workers() override;

 private:
  sink::InfluxWriter* influx_;
  HttpClient* http_;
  std::string grafana_url_;
  const pipeline::WorkerPool* workers_;
  absl::Duration grafana_connect_timeout_;
};

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_STATUS_PROBE_H_
