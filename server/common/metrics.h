// PowerView's Prometheus metrics: a small process-wide registry and the text exposition format
// (version 0.0.4). Every metric is declared once, with its type and help, in the table in
// metrics.cc; the points that count call Add/Set/Observe in one line. Values that have a source
// of their own (the journal's queue, InfluxDB and Grafana reachability) are read at scrape time
// by collectors instead.
#ifndef POWERVIEW_SERVER_COMMON_METRICS_H_
#define POWERVIEW_SERVER_COMMON_METRICS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace powerview::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Counter `name` (declared in metrics.cc, ending in _total) with `labels` grows by `delta`.
// Undeclared names are ignored. Thread-safe, lock held for a map lookup only.
void Add(absl::string_view name, const Labels& labels = {}, double delta = 1);
// Gauge `name` with `labels` is now `value`.
void Set(absl::string_view name, const Labels& labels, double value);
// Histogram `name` with `labels` records `value` (seconds for latencies).
void Observe(absl::string_view name, const Labels& labels, double value);

// The usual one-line calls, so that call sites need no label names.
// An SFTPGo event of `action` ended with `outcome` (the intake's outcome text; its first word,
// "queued", "duplicate", "ignored", "recorded", ... becomes the label).
void CountEvent(absl::string_view action, absl::string_view outcome);

// Runs `collect` before each rendering, until the returned handle is destroyed. `collect` sets
// gauges from their source (journal counts, dependency probes).
class Collector {
 public:
  explicit Collector(std::function<void()> collect);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

 private:
  int id_;
};

// Runs the collectors and renders every declared metric in the text exposition format.
std::string Render();

}  // namespace powerview::metrics

#endif  // POWERVIEW_SERVER_COMMON_METRICS_H_
