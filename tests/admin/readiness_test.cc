// Readiness: since when a dependency is unreachable, and the health service's "readiness"
// names turning NOT_SERVING and back as InfluxDB or Grafana go away and come back.
#include "server/admin/readiness.h"

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/intake/health_service.h"

namespace powerview::admin {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class SwitchProbe : public StatusProbe {
 public:
  DependencyHealth InfluxDb() override {
    absl::MutexLock lock(&mu_);
    return Health(influx_up_, "http://influxdb:8086");
  }
  DependencyHealth Grafana() override {
    absl::MutexLock lock(&mu_);
    return Health(grafana_up_, "http://grafana:3000");
  }
  WorkerLoad Workers() override { return {2, 0}; }
  void Set(bool influx, bool grafana) {
    absl::MutexLock lock(&mu_);
    influx_up_ = influx;
    grafana_up_ = grafana;
  }

 private:
  static DependencyHealth Health(bool up, const std::string& url) {
    DependencyHealth h;
    h.configured = true;
    h.reachable = up;
    h.url = url;
    if (!up) h.error = "Connection refused";
    return h;
  }
  absl::Mutex mu_;
  bool influx_up_ ABSL_GUARDED_BY(mu_) = true;
  bool grafana_up_ ABSL_GUARDED_BY(mu_) = true;
};

HealthCheckResponse::ServingStatus Check(intake::HealthService& health, const std::string& name) {
  grpc::ServerContext context;
  HealthCheckRequest request;
  request.set_service(name);
  HealthCheckResponse response;
  grpc::Status s = health.Check(&context, &request, &response);
  EXPECT_TRUE(s.ok()) << name << ": " << s.error_message();
  return response.status();
}

TEST(ReadinessMonitor, HealthNamesFollowTheDependencies) {
  SwitchProbe probe;
  ReadinessMonitor monitor(&probe, absl::Hours(1));
  intake::HealthService health;
  monitor.SetListener([&](const std::string& service, bool serving) {
    health.SetStatus(service,
                     serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING);
  });
  EXPECT_EQ(Check(health, kReadinessService), HealthCheckResponse::SERVING);
  EXPECT_TRUE(monitor.InfluxDb().reachable);
  EXPECT_TRUE(monitor.Grafana().reachable);
  EXPECT_TRUE(monitor.Ready());

  // Grafana goes away: readiness and its own name turn NOT_SERVING; InfluxDB's stays.
  probe.Set(true, false);
  absl::Time before = absl::Now();
  DependencyHealth g = monitor.Grafana();
  EXPECT_FALSE(g.reachable);
  EXPECT_GE(g.since, before);
  EXPECT_FALSE(monitor.Ready());
  EXPECT_EQ(Check(health, kReadinessService), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(health, kReadinessGrafana), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(health, kReadinessInfluxDb), HealthCheckResponse::SERVING);

  // Later probes keep the time the outage was first seen.
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(monitor.Grafana().since, g.since);

  // InfluxDB too; then both come back.
  probe.Set(false, false);
  EXPECT_FALSE(monitor.InfluxDb().reachable);
  EXPECT_EQ(Check(health, kReadinessInfluxDb), HealthCheckResponse::NOT_SERVING);
  probe.Set(true, true);
  monitor.Grafana();
  EXPECT_EQ(Check(health, kReadinessService), HealthCheckResponse::NOT_SERVING);
  DependencyHealth i = monitor.InfluxDb();
  EXPECT_TRUE(i.reachable);
  EXPECT_GT(i.since, g.since);
  EXPECT_EQ(Check(health, kReadinessService), HealthCheckResponse::SERVING);
  EXPECT_TRUE(monitor.Ready());
}

TEST(ReadinessMonitor, ProbesOnItsOwnThread) {
  SwitchProbe probe;
  probe.Set(false, true);
  ReadinessMonitor monitor(&probe, absl::Milliseconds(10));
  monitor.Start();
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (monitor.Ready() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_FALSE(monitor.Ready());
  probe.Set(true, true);
  while (!monitor.Ready() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(monitor.Ready());
  EXPECT_TRUE(monitor.Stop(absl::Seconds(5)));
}

}  // namespace
}  // namespace powerview::admin
