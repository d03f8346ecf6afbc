// Load on the intake, as SFTPGo produces it: 5,000 upload events from 16 concurrent clients,
// every event delivered twice. All must be acknowledged, and every file ingested exactly once.
// Prints events acknowledged per second and the p99 acknowledgement latency.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "notifier.grpc.pb.h"
#include "tests/e2e/subprocess.h"

namespace powerview {
namespace {

namespace fs = std::filesystem;

constexpr int kFiles = 5000;
constexpr int kClients = 16;

std::string InfluxUrl() {
  const char* url = std::getenv("POWERVIEW_TEST_INFLUX_URL");
  return url ? url : "http://127.0.0.1:18086";
}

TEST(NotifierLoad, FiveThousandUploadsFromSixteenClients) {
  fs::path dir = fs::temp_directory_path() / absl::StrCat("pv-load-", getpid());
  fs::remove_all(dir);
  fs::path device = dir / "data" / "loadco" / "burst" / "02000800";
  fs::create_directories(device);
  // Small, valid V002 files (3 rows, 6 channels); distinct times so each file has its own points.
  std::vector<std::string> paths;
  std::vector<int64_t> sizes;
  for (int i = 0; i < kFiles; ++i) {
    std::string path = (device / absl::StrFormat("T302_%05d.tsv", i)).string();
    std::ofstream out(path);
    out << "02000800\t02000800\t02000800\t02000800\t02000800\t02000800\t02000800\n"
        << "MV_T302_V002\tPh 1 V\tPh 2 V\tPh 3 V\tVoie1 W\tVoie2 W\tVoie3 W\n";
    absl::Time t = absl::FromUnixSeconds(1735689600) + absl::Minutes(30) * i;
    for (int r = 0; r < 3; ++r) {
      out << absl::FormatTime("%d/%m/%y %H:%M:%S", t + absl::Minutes(10) * r, absl::UTCTimeZone())
          << "\t230.1\t231.2\t229.9\t10.5\t-0.0\t3.25\n";
    }
    out.close();
    paths.push_back(path);
    sizes.push_back(static_cast<int64_t>(fs::file_size(path)));
  }
  std::string socket = (dir / "n.sock").string();
  testing::BackgroundProcess daemon(
      {POWERVIEW_BINARY_DIR "/server/daemon/powerviewd", "--data-root", (dir / "data").string(),
       "--state-dir", (dir / "state").string(), "--listen", "unix://" + socket, "--admin-listen",
       "", "--influxdb-url", InfluxUrl(), "--sweep-interval", "0", "--meta-bucket", "",
       "--v002-timezone", "UTC", "--log-level", "warn"},
      {}, (dir / "powerviewd.log").string());
  for (int i = 0; i < 200 && !fs::exists(socket); ++i) absl::SleepFor(absl::Milliseconds(25));

  std::vector<std::vector<double>> latencies(kClients);
  std::atomic<int> failures{0};
  absl::Time start = absl::Now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // One connection per client, as SFTPGo's plugin client or one hook process each.
      auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
      auto stub = proto::Notifier::NewStub(channel);
      // Client c sends files c, c+16, ... and, shifted by half the clients, a second delivery
      // of other clients' events: every event arrives twice, concurrently.
      for (int pass = 0; pass < 2; ++pass) {
        int offset = pass == 0 ? c : (c + kClients / 2) % kClients;
        for (int i = offset; i < kFiles; i += kClients) {
          proto::FsEvent e;
          e.set_action("upload");
          e.set_fs_path(paths[i]);
          e.set_virtual_path(
              absl::StrCat("/burst/02000800/", fs::path(paths[i]).filename().string()));
          e.set_file_size(sizes[i]);
          e.set_status(1);
          e.set_protocol("SFTP");
          e.set_timestamp(1764300000000000000LL + i);  // same for both deliveries
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
          google::protobuf::Empty reply;
          absl::Time sent = absl::Now();
          grpc::Status s = stub->SendFsEvent(&ctx, e, &reply);
          latencies[c].push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
          if (!s.ok()) ++failures;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  double p50 = all[all.size() / 2];
  double p99 = all[all.size() * 99 / 100];
  std::printf(
      "intake load: %zu events (%d files x 2 deliveries) from %d clients in %.2f s: "
      "%.0f events/s acknowledged, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      all.size(), kFiles, kClients, seconds, all.size() / seconds, p50, p99, all.back());
  ::testing::Test::RecordProperty("events_per_second", static_cast<int>(all.size() / seconds));
  ::testing::Test::RecordProperty("p99_ms_x100", static_cast<int>(p99 * 100));
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(all.size(), static_cast<size_t>(2 * kFiles));

  // Every file ends in parsed/ exactly once; none is left or rejected.
  absl::Time deadline = absl::Now() + absl::Minutes(5);
  auto parsed_count = [&] {
    int n = 0;
    if (!fs::exists(device / "parsed")) return 0;
    for (const auto& e : fs::directory_iterator(device / "parsed")) {
      if (absl::EndsWith(e.path().string(), ".tsv")) ++n;
    }
    return n;
  };
  while (parsed_count() < kFiles && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(parsed_count(), kFiles);
  EXPECT_FALSE(fs::exists(device / "error"));
  std::string log = testing::ReadFile((dir / "powerviewd.log").string());
  EXPECT_FALSE(absl::StrContains(log, "[ERROR]")) << log.substr(0, 2000);
  EXPECT_EQ(daemon.Stop(SIGTERM), 0);
  // The journal holds exactly one ingest job per file: duplicates were the same job.
  testing::ProcessResult jobs =
      testing::RunProcess({"/usr/bin/sqlite3", (dir / "state" / "powerview.db").string(),
                           "SELECT COUNT(*), COUNT(DISTINCT path) FROM jobs WHERE kind = 'ingest'"},
                          {});
  ASSERT_EQ(jobs.exit_code, 0) << "sqlite3 (Debian package sqlite3) is needed: " << jobs.output;
  EXPECT_EQ(jobs.output, absl::StrCat(kFiles, "|", kFiles, "\n"));
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace powerview
