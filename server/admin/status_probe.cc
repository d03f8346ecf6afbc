#include "server/admin/status_probe.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "rapidjson/document.h"

namespace powerview::admin {

LiveStatusProbe::LiveStatusProbe(sink::InfluxWriter* influx, HttpClient* http,
                                 std::string grafana_url, const pipeline::WorkerPool* workers,
                                 absl::Duration grafana_connect_timeout)
    : influx_(influx),
      http_(http),
      grafana_url_(absl::StripSuffix(grafana_url, "/")),
      workers_(workers),
      grafana_connect_timeout_(grafana_connect_timeout) {}

DependencyHealth LiveStatusProbe::InfluxDb() {
  DependencyHealth health;
  if (influx_ == nullptr) return health;
  health.configured = true;
  health.url = influx_->config().url;
  absl::Time start = absl::Now();
  absl::Status ping = influx_->Ping();
  health.latency = absl::Now() - start;
  health.reachable = ping.ok();
  if (!ping.ok()) health.error = std::string(ping.message());
  health.version = influx_->server_version();
  return health;
}

DependencyHealth LiveStatusProbe::Grafana() {
  DependencyHealth health;
  if (grafana_url_.empty() || http_ == nullptr) return health;
  health.configured = true;
  health.url = grafana_url_;
  HttpRequest request;
  request.url = grafana_url_ + "/api/health";
  request.timeout = absl::Seconds(5);
  request.connect_timeout = std::min(grafana_connect_timeout_, request.timeout);
  absl::Time start = absl::Now();
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  health.latency = absl::Now() - start;
  if (!response.ok()) {
    health.error = std::string(response.status().message());
    return health;
  }
  rapidjson::Document doc;
  doc.Parse(response->body.c_str());
  if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("version") &&
      doc["version"].IsString()) {
    health.version = doc["version"].GetString();
  }
  if (response->status != 200) {
    health.error = absl::StrCat("GET /api/health answered HTTP ", response->status);
    return health;
  }
  health.reachable = true;
  return health;
}

WorkerLoad LiveStatusProbe::Workers() {
  if (workers_ == nullptr) return {};
  return {workers_->workers(), workers_->busy()};
}

}  // namespace powerview::admin
