#include "server/common/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace powerview::metrics {
namespace {

enum class Type { kCounter, kGauge, kHistogram };

struct Family {
  const char* name;
  Type type;
  const char* help;
  std::vector<double> buckets;  // histograms: upper bounds, +Inf added
};

// Every metric PowerView exports. Names follow Prometheus' conventions (base units, _total for
// counters); label values are bounded sets or company names.
const std::vector<Family>& Families() {
  static const auto* families = new std::vector<Family>{
      {"powerview_build_info", Type::kGauge, "PowerView's version (value 1)", {}},
      {"powerview_start_time_seconds", Type::kGauge, "When powerviewd started (Unix time)", {}},
      {"powerview_events_received_total",
       Type::kCounter,
       "SFTPGo file events received, by action and outcome (queued, duplicate, ignored, ...)",
       {}},
      {"powerview_jobs",
       Type::kGauge,
       "Journal jobs by state (pending includes waiting_retry; done and failed: last 30 days)",
       {}},
      {"powerview_queue_depth", Type::kGauge, "Jobs waiting to run (the queue depth)", {}},
      {"powerview_oldest_pending_job_age_seconds",
       Type::kGauge,
       "Age of the oldest job waiting to run (0 when none)",
       {}},
      {"powerview_files_total",
       Type::kCounter,
       "Files handled, by company and outcome (ingested, rejected)",
       {}},
      {"powerview_points_written_total",
       Type::kCounter,
       "Points written to InfluxDB, by company",
       {}},
      {"powerview_influxdb_write_duration_seconds",
       Type::kHistogram,
       "Time to write one batch of points to InfluxDB, retries included",
       {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}},
      {"powerview_retries_total",
       Type::kCounter,
       "Retries by stage and cause: influxdb_write (one HTTP attempt again; cause http_<status> "
       "or transport) and job (a job put back to wait; cause ingest or provisioning)",
       {}},
      {"powerview_provisioning_runs_total",
       Type::kCounter,
       "Provisioning applies finished (automatic and from the admin API)",
       {}},
      {"powerview_provisioning_failures_total",
       Type::kCounter,
       "Provisioning applies that failed or had a failed action",
       {}},
      {"powerview_dependency_configured",
       Type::kGauge,
       "Whether PowerView is set up to use the service (influxdb, grafana)",
       {}},
      {"powerview_dependency_up",
       Type::kGauge,
       "Whether the service answered its probe at scrape time (1) or not (0)",
       {}},
      {"powerview_dependency_probe_duration_seconds",
       Type::kGauge,
       "Round trip of the service's probe at scrape time",
       {}},
  };
  return *families;
}

const Family* FindFamily(absl::string_view name) {
  for (const Family& f : Families()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

struct Series {
  double value = 0;              // counters and gauges
  std::vector<uint64_t> counts;  // histograms: per bucket (not cumulative), +Inf last
  double sum = 0;
  uint64_t count = 0;
};

struct Registry {
  absl::Mutex mu;
  std::map<std::string, std::map<Labels, Series>> series;  // by family name
  std::map<int, std::function<void()>> collectors;
  int next_collector = 0;
  absl::Mutex collect_mu;  // one scrape's collectors at a time
};

Registry& Global() {
  static auto* registry = new Registry;
  return *registry;
}

// Label values are escaped as the format asks (\\, \", \n); bytes that are not UTF-8 are
// written as \xNN so that the page stays valid UTF-8 whatever a company folder is called.
std::string EscapeLabel(const std::string& value) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    unsigned char c = value[i];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool valid = len > 0 && i + len <= value.size();
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(value[i + k]) & 0xC0) == 0x80;
    }
    if (!valid) {
      absl::StrAppend(&out, absl::StrFormat("\\\\x%02X", c));
      ++i;
      continue;
    }
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.append(value, i, len);
    }
    i += len;
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra = "") {
  if (labels.empty() && extra.empty()) return "";
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    absl::StrAppend(&out, out.size() > 1 ? "," : "", k, "=\"", EscapeLabel(v), "\"");
  }
  if (!extra.empty()) absl::StrAppend(&out, out.size() > 1 ? "," : "", extra);
  return out + "}";
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return absl::StrCat(static_cast<int64_t>(v));
  return absl::StrFormat("%.9g", v);
}

Series* Find(Registry& r, const Family& f, const Labels& labels) {
  Series& s = r.series[f.name][labels];
  if (f.type == Type::kHistogram && s.counts.empty()) s.counts.assign(f.buckets.size() + 1, 0);
  return &s;
}

}  // namespace

void Add(absl::string_view name, const Labels& labels, double delta) {
  const Family* f = FindFamily(name);
  if (f == nullptr || f->type != Type::kCounter || !(delta >= 0)) return;
  Registry& r = Global();
  absl::MutexLock lock(&r.mu);
  Find(r, *f, labels)->value += delta;
}

void Set(absl::string_view name, const Labels& labels, double value) {
  const Family* f = FindFamily(name);
  if (f == nullptr || f->type != Type::kGauge) return;
  Registry& r = Global();
  absl::MutexLock lock(&r.mu);
  Find(r, *f, labels)->value = value;
}

void Observe(absl::string_view name, const Labels& labels, double value) {
  const Family* f = FindFamily(name);
  if (f == nullptr || f->type != Type::kHistogram) return;
  size_t bucket =
      std::lower_bound(f->buckets.begin(), f->buckets.end(), value) - f->buckets.begin();
  Registry& r = Global();
  absl::MutexLock lock(&r.mu);
  Series* s = Find(r, *f, labels);
  ++s->counts[bucket];
  s->sum += value;
  ++s->count;
}

void CountEvent(absl::string_view action, absl::string_view outcome) {
  size_t end = outcome.find_first_of(" :");
  std::string word = absl::AsciiStrToLower(outcome.substr(0, end));
  if (word == "company" || word == "campaign") word = "recorded";
  Add("powerview_events_received_total", {{"action", std::string(action)}, {"outcome", word}});
}

Collector::Collector(std::function<void()> collect) {
  Registry& r = Global();
  absl::MutexLock lock(&r.mu);
  id_ = r.next_collector++;
  r.collectors[id_] = std::move(collect);
}

Collector::~Collector() {
  Registry& r = Global();
  absl::MutexLock collecting(&r.collect_mu);  // not while a scrape runs it
  absl::MutexLock lock(&r.mu);
  r.collectors.erase(id_);
}

std::string Render() {
  Registry& r = Global();
  {
    absl::MutexLock collecting(&r.collect_mu);
    std::vector<std::function<void()>> collectors;
    {
      absl::MutexLock lock(&r.mu);
      for (const auto& [id, c] : r.collectors) collectors.push_back(c);
    }
    for (const auto& c : collectors) c();
  }
  std::string out;
  absl::MutexLock lock(&r.mu);
  for (const Family& f : Families()) {
    const char* type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                                                : "histogram";
    absl::StrAppend(&out, "# HELP ", f.name, " ", f.help, "\n# TYPE ", f.name, " ", type, "\n");
    auto it = r.series.find(f.name);
    if (it == r.series.end()) continue;
    for (const auto& [labels, s] : it->second) {
      if (f.type != Type::kHistogram) {
        absl::StrAppend(&out, f.name, LabelText(labels), " ", Number(s.value), "\n");
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t b = 0; b <= f.buckets.size(); ++b) {
        cumulative += s.counts[b];
        std::string le = b < f.buckets.size() ? Number(f.buckets[b]) : "+Inf";
        absl::StrAppend(&out, f.name, "_bucket", LabelText(labels, "le=\"" + le + "\""), " ",
                        cumulative, "\n");
      }
      absl::StrAppend(&out, f.name, "_sum", LabelText(labels), " ", Number(s.sum), "\n");
      absl::StrAppend(&out, f.name, "_count", LabelText(labels), " ", s.count, "\n");
    }
  }
  return out;
}

}  // namespace powerview::metrics
