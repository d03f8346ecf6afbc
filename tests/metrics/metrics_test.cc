// The metrics registry renders the text exposition format that Debian's promtool accepts
// (hostile company names included), and the HTTP listener serves it with bounded requests.
#include "server/common/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/metrics_http.h"

namespace powerview {
namespace {

using ::testing::HasSubstr;

// Runs `promtool check metrics` on `text`; returns its exit code and output.
int Promtool(const std::string& text, std::string* output) {
  std::string path = absl::StrCat(::testing::TempDir(), "/metrics-", getpid(), ".txt");
  std::ofstream(path) << text;
  std::string command = absl::StrCat("promtool check metrics < ", path, " 2>&1");
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), p)) > 0) output->append(buffer, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Get(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return "connect failed";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, n);
  ::close(fd);
  return answer;
}

TEST(Metrics, RendersTheExpositionFormatPromtoolAccepts) {
  metrics::Add("powerview_files_total", {{"company", "acme"}, {"outcome", "ingested"}}, 3);
  metrics::Add("powerview_files_total",
               {{"company", "q\"uote\\back\nline"}, {"outcome", "rejected"}});
  metrics::Add("powerview_files_total",
               {{"company", std::string("bad\xff\xfe utf8")}, {"outcome", "rejected"}});
  metrics::Add("powerview_points_written_total", {{"company", "acme"}}, 12345678901);
  metrics::Set("powerview_queue_depth", {}, 7);
  metrics::Observe("powerview_influxdb_write_duration_seconds", {}, 0.003);
  metrics::Observe("powerview_influxdb_write_duration_seconds", {}, 0.2);
  metrics::Observe("powerview_influxdb_write_duration_seconds", {}, 1000);
  metrics::CountEvent("upload", "queued job 12");
  metrics::CountEvent("upload", "duplicate of job 12");
  metrics::CountEvent("mkdir", "campaign 'acme/north' created");
  metrics::Add("powerview_no_such_metric_total");  // undeclared: ignored
  int collected = 0;
  std::string text;
  {
    metrics::Collector collector([&] {
      ++collected;
      metrics::Set("powerview_dependency_up", {{"service", "influxdb"}}, 1);
    });
    text = metrics::Render();
  }
  metrics::Render();
  EXPECT_EQ(collected, 1) << "collectors run at each rendering until their handle goes";
  EXPECT_THAT(text, HasSubstr("# TYPE powerview_files_total counter\n"));
  EXPECT_THAT(text, HasSubstr("powerview_files_total{company=\"acme\",outcome=\"ingested\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("company=\"q\\\"uote\\\\back\\nline\""));
  EXPECT_THAT(text, HasSubstr("company=\"bad\\\\xFF\\\\xFE utf8\""));
  EXPECT_THAT(text, HasSubstr("powerview_points_written_total{company=\"acme\"} 12345678901\n"));
  EXPECT_THAT(text, HasSubstr("powerview_queue_depth 7\n"));
  EXPECT_THAT(text,
              HasSubstr("powerview_influxdb_write_duration_seconds_bucket{le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("powerview_influxdb_write_duration_seconds_bucket{le=\"0.25\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("powerview_influxdb_write_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("powerview_influxdb_write_duration_seconds_count 3\n"));
  EXPECT_THAT(text,
              HasSubstr("powerview_events_received_total{action=\"upload\",outcome=\"queued\"} 1"));
  EXPECT_THAT(text, HasSubstr("{action=\"mkdir\",outcome=\"recorded\"} 1"));
  EXPECT_THAT(text, HasSubstr("powerview_dependency_up{service=\"influxdb\"} 1\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("no_such")));
  std::string output;
  EXPECT_EQ(Promtool(text, &output), 0) << output << "\n" << text;
}

TEST(MetricsHttp, ServesMetricsAndRefusesTheRest) {
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> server =
      MetricsHttpServer::Start("127.0.0.1", 0);
  ASSERT_TRUE(server.ok()) << server.status();
  int port = (*server)->port();
  ASSERT_GT(port, 0);
  std::string ok = Get(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(ok, HasSubstr("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(ok, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(ok, HasSubstr("# TYPE powerview_jobs gauge"));
  EXPECT_THAT(Get(port, "GET /other HTTP/1.1\r\n\r\n"), HasSubstr("404"));
  EXPECT_THAT(Get(port, "POST /metrics HTTP/1.1\r\n\r\n"), HasSubstr("405"));
  EXPECT_THAT(Get(port, "nonsense\r\n\r\n"), HasSubstr("400"));
  EXPECT_THAT(Get(port, std::string(10000, 'x')), HasSubstr("431"));
  absl::StatusOr<std::unique_ptr<MetricsHttpServer>> taken =
      MetricsHttpServer::Start("127.0.0.1", port);
  EXPECT_FALSE(taken.ok()) << "the port is in use";
}

}  // namespace
}  // namespace powerview
