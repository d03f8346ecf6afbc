// A fleet burst with a crash in the middle: small daily files announced through
// powerview-notify, 8 hooks at a time, while powerviewd is killed with SIGKILL once a part of
// them is ingested and started 1.5 s later. Hooks that found no daemon spool their event. In the end
// every file is in parsed/ exactly once with its report, and the real InfluxDB holds every
// point of every file.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/gen/fleet.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/common/http_client.h"
#include "tests/e2e/subprocess.h"

namespace powerview {
namespace {

namespace fs = std::filesystem;

const std::string kBin = POWERVIEW_BINARY_DIR;

std::string InfluxUrl() {
  const char* url = std::getenv("POWERVIEW_TEST_INFLUX_URL");
  return url ? url : "http://127.0.0.1:18086";
}

// The body of an InfluxQL answer; `q` is sent form-encoded.
std::string InfluxQuery(HttpClient* http, const std::string& db, const std::string& q) {
  HttpRequest r;
  r.method = "POST";
  r.url = absl::StrCat(InfluxUrl(), "/query", db.empty() ? "" : "?db=", db);
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body = "q=";
  for (unsigned char c : q) {
    if (isalnum(c) != 0) {
      r.body += static_cast<char>(c);
    } else {
      r.body += absl::StrFormat("%%%02X", c);
    }
  }
  absl::StatusOr<HttpResponse> response = http->Send(r);
  if (!response.ok()) {
    ADD_FAILURE() << response.status();
    return "";
  }
  return response->body;
}

// Every point of `db`: the sum of the per-field counts (one field per series here).
int64_t PointsIn(HttpClient* http, const std::string& db) {
  std::string body = InfluxQuery(http, db, "SELECT count(*) FROM /.*/");
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  int64_t total = 0;
  if (!doc.IsObject() || !doc.HasMember("results")) {
    ADD_FAILURE() << "InfluxDB answered: " << body;
    return -1;
  }
  const auto& result = doc["results"][0];
  if (!result.HasMember("series")) return 0;
  for (const auto& series : result["series"].GetArray()) {
    for (const auto& row : series["values"].GetArray()) {
      for (rapidjson::SizeType i = 1; i < row.Size(); ++i) {
        if (row[i].IsInt64()) total += row[i].GetInt64();
      }
    }
  }
  return total;
}

std::string Parsed(const std::string& path) {
  fs::path p(path);
  return (p.parent_path() / "parsed" / p.filename()).string();
}

TEST(BurstCrash, KillNineInTheMiddleOfABurstOfSmallFiles) {
  const fs::path dir = fs::temp_directory_path() / absl::StrCat("pv-burst-crash-", getpid());
  fs::remove_all(dir);
  const std::string root = (dir / "data").string();
  gen::FleetOptions fleet;
  fleet.loggers = 60;
  fleet.companies = 3;
  // Databases of this run only: tests run in parallel against one InfluxDB.
  fleet.company_prefix = absl::StrCat("crash", getpid(), "c");
  fleet.file.format = "v003";
  fleet.file.master = "tri";
  fleet.file.slaves = 1;
  fleet.file.start = absl::CivilSecond(2026, 1, 21, 0, 0, 0);
  absl::StatusOr<std::vector<gen::FleetFile>> files = gen::WriteFleet(fleet, root);
  ASSERT_TRUE(files.ok()) << files.status();

  const std::string socket = (dir / "n.sock").string();
  const std::string spool = (dir / "spool").string();
  const std::vector<std::string> daemon_argv = {kBin + "/server/daemon/powerviewd",
                                                "--data-root",
                                                root,
                                                "--state-dir",
                                                (dir / "state").string(),
                                                "--listen",
                                                "unix://" + socket,
                                                "--admin-listen",
                                                "",
                                                "--influxdb-url",
                                                InfluxUrl(),
                                                "--sweep-interval",
                                                "0",
                                                "--spool-dir",
                                                spool,
                                                "--spool-interval",
                                                "1s",
                                                "--meta-bucket",
                                                fleet.company_prefix + "meta",
                                                "--log-level",
                                                "warn"};
  auto wait_for_socket = [&] {
    for (int i = 0; i < 400 && !fs::exists(socket); ++i) absl::SleepFor(absl::Milliseconds(25));
  };
  auto parsed_count = [&] {
    int n = 0;
    for (const gen::FleetFile& f : *files) n += fs::exists(Parsed(f.path)) ? 1 : 0;
    return n;
  };

  auto daemon = std::make_unique<testing::BackgroundProcess>(
      daemon_argv, std::vector<std::string>{}, (dir / "powerviewd-1.log").string());
  wait_for_socket();

  // The hooks: 8 at a time, as SFTPGo runs them for concurrent uploads.
  std::atomic<size_t> next{0};
  std::atomic<int> hook_failures{0}, spooled{0};
  std::vector<std::thread> hooks;
  for (int t = 0; t < 8; ++t) {
    hooks.emplace_back([&] {
      for (size_t i = next++; i < files->size(); i = next++) {
        const gen::FleetFile& f = (*files)[i];
        testing::ProcessResult r = testing::RunProcess(
            {kBin + "/client/notify/powerview-notify", "--address", "unix://" + socket,
             "--spool-dir", spool, "--timeout", "1s", "--quiet"},
            {"SFTPGO_ACTION=upload", "SFTPGO_ACTION_PATH=" + f.path,
             absl::StrCat("SFTPGO_ACTION_FILE_SIZE=", f.bytes), "SFTPGO_ACTION_STATUS=1",
             absl::StrCat("SFTPGO_ACTION_TIMESTAMP=", 1769000000000000000LL + i)});
        if (r.output.find("spooled") != std::string::npos) ++spooled;
        if (r.exit_code != 0) {
          ++hook_failures;
          ADD_FAILURE() << r.output;
        }
      }
    });
  }

  // Kill the daemon once a quarter of the files is in, in the middle of the burst.
  absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (parsed_count() < static_cast<int>(files->size()) / 4 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  const int before_kill = parsed_count();
  EXPECT_EQ(daemon->Stop(SIGKILL), -1);
  daemon.reset();
  absl::SleepFor(absl::Milliseconds(1500));  // hooks meanwhile find nobody and spool
  daemon = std::make_unique<testing::BackgroundProcess>(daemon_argv, std::vector<std::string>{},
                                                        (dir / "powerviewd-2.log").string());
  for (std::thread& t : hooks) t.join();
  EXPECT_EQ(hook_failures.load(), 0);
  while (parsed_count() < static_cast<int>(files->size()) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::printf("burst crash: %d of %zu files in when killed; %d events spooled meanwhile\n",
              before_kill, files->size(), spooled.load());
  EXPECT_LT(before_kill, static_cast<int>(files->size())) << "the kill came after the burst";
  EXPECT_EQ(daemon->Stop(SIGTERM), 0);

  // Every file once in parsed/, with its report; none left behind or rejected.
  for (const gen::FleetFile& f : *files) {
    EXPECT_TRUE(fs::exists(Parsed(f.path))) << f.path;
    EXPECT_FALSE(fs::exists(f.path)) << f.path;
    EXPECT_TRUE(fs::exists(Parsed(f.path) + ".report.json")) << f.path;
    fs::path folder = fs::path(f.path).parent_path();
    EXPECT_FALSE(fs::exists(folder / "error")) << folder;
    int in_parsed = 0;
    for (const auto& e : fs::directory_iterator(folder / "parsed")) {
      in_parsed += e.path().extension() == ".tsv" ? 1 : 0;
    }
    EXPECT_EQ(in_parsed, 1) << folder;
  }
  // Every point of every file in InfluxDB.
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  std::map<std::string, int64_t> expected;
  for (const gen::FleetFile& f : *files) {
    expected[fs::path(f.path).parent_path().parent_path().parent_path().filename().string()] +=
        f.points;
  }
  ASSERT_EQ(expected.size(), 3u);
  for (const auto& [db, points] : expected) {
    EXPECT_EQ(PointsIn(http.get(), db), points) << db;
  }
  if (!HasFailure()) {
    for (const auto& [db, points] : expected) {
      InfluxQuery(http.get(), "", absl::StrCat("DROP DATABASE \"", db, "\""));
    }
    InfluxQuery(http.get(), "", absl::StrCat("DROP DATABASE \"", fleet.company_prefix, "meta\""));
    fs::remove_all(dir);
  }
}

}  // namespace
}  // namespace powerview
