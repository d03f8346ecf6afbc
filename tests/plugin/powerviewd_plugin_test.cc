// powerviewd started by a real go-plugin host the way SFTPGo starts a notifier plugin (cookie,
// cleared environment, args), receiving upload events and ingesting the files into the real
// local InfluxDB; Kill() must end it gracefully (no forced kill).
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/common/http_client.h"
#include "tests/plugin/go_host.h"

namespace powerview {
namespace {

namespace fs = std::filesystem;
using testing::GoHostRun;
using testing::RunGoPluginHost;

std::string InfluxUrl() {
  const char* url = std::getenv("POWERVIEW_TEST_INFLUX_URL");
  return url ? url : "http://127.0.0.1:18086";
}

std::vector<std::string> Pending(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string p = e.path().string();
    if (absl::EndsWith(p, ".tsv") && !absl::StrContains(p, "/parsed/") &&
        !absl::StrContains(p, "/error/")) {
      files.push_back(p);
    }
  }
  return files;
}

class PowerviewdPlugin : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("pv-plugin-", getpid(), "-", GetParam());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    root_ = (dir_ / "data").string();
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path dir_;
  std::string root_;
};

TEST_P(PowerviewdPlugin, IngestsUploadsAndStopsGracefully) {
  bool auto_mtls = GetParam();
  std::string gen_dir = (dir_ / "gen").string();
  testing::ProcessOutput gen = testing::RunProcessWithTimeout(
      {POWERVIEW_BINARY_DIR "/client/gen/powerview-gen", "tree", gen_dir}, {}, absl::Seconds(30));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // Companies of this test's own: tests run in parallel and write the same InfluxDB.
  const std::string prefix = auto_mtls ? "plugtls_" : "plug_";
  fs::create_directories(root_);
  for (const auto& company : fs::directory_iterator(gen_dir)) {
    fs::rename(company.path(), fs::path(root_) / (prefix + company.path().filename().string()));
  }
  std::vector<std::string> files = Pending(root_);
  ASSERT_GE(files.size(), 4u);

  std::vector<std::string> host = {
      "--data-root",   root_, "--hold",          "4s",
      "--concurrency", "4",   "--plugin-stderr", (dir_ / "plugin.log").string()};
  if (auto_mtls) host.push_back("--auto-mtls");
  for (const std::string& f : files) {
    host.push_back("--upload");
    host.push_back(f);
  }
  std::vector<std::string> plugin = {POWERVIEW_BINARY_DIR "/server/daemon/powerviewd",
                                     "--data-root",
                                     root_,
                                     "--state-dir",
                                     (dir_ / "state").string(),
                                     "--influxdb-url",
                                     InfluxUrl(),
                                     "--admin-listen",
                                     "",
                                     "--meta-bucket",
                                     "plugin_meta",
                                     "--sweep-interval",
                                     "0"};
  absl::StatusOr<GoHostRun> run = RunGoPluginHost(host, plugin);
  ASSERT_TRUE(run.ok()) << run.status();
  std::string context = run->process.out + run->process.err + "\n--- plugin stderr\n";
  if (fs::exists(dir_ / "plugin.log")) {
    context += std::string(
        std::istreambuf_iterator<char>(*std::make_unique<std::ifstream>(dir_ / "plugin.log")), {});
  }
  EXPECT_EQ(run->process.exit_code, 0) << context;
  EXPECT_EQ(run->Get("start"), "ok") << context;
  EXPECT_EQ(run->Get("tls"), auto_mtls ? "on" : "off") << context;
  EXPECT_EQ(run->Get("ping"), "ok") << context;
  EXPECT_EQ(run->Get("events_acked"), std::to_string(files.size())) << context;
  EXPECT_EQ(run->Get("events_failed"), "0") << context;
  EXPECT_EQ(run->Get("graceful"), "true") << context;
  double kill_ms = 0;
  EXPECT_TRUE(absl::SimpleAtod(run->Get("kill_ms"), &kill_ms)) << context;
  EXPECT_LT(kill_ms, 2000) << context;

  // The uploads were ingested while the plugin ran: only the unsupported file went to error/.
  EXPECT_TRUE(Pending(root_).empty()) << context;
  int parsed = 0, errors = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    std::string p = e.path().string();
    if (!absl::EndsWith(p, ".tsv")) continue;
    parsed += absl::StrContains(p, "/parsed/");
    errors += absl::StrContains(p, "/error/");
  }
  EXPECT_EQ(parsed + errors, static_cast<int>(files.size()));
  EXPECT_EQ(errors, 1);
  auto http = NewCurlHttpClient();
  HttpRequest q;
  q.url = InfluxUrl() + "/query?db=" + prefix +
          "acme&q=SELECT%20count(%22M02000800_U1_V%22)%20FROM%20electrical";
  auto answer = http->Send(q);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_TRUE(absl::StrContains(answer->body, "\"count\"")) << answer->body;
}

INSTANTIATE_TEST_SUITE_P(UnixSocket, PowerviewdPlugin, ::testing::Values(false));
INSTANTIATE_TEST_SUITE_P(AutoMtls, PowerviewdPlugin, ::testing::Values(true));

TEST(PowerviewdPluginStart, WithoutTheCookieExplainsAndFails) {
  testing::ProcessOutput out = testing::RunProcessWithTimeout(
      {POWERVIEW_BINARY_DIR "/server/daemon/powerviewd", "--plugin"}, {}, absl::Seconds(10));
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_TRUE(out.out.empty()) << "nothing but a handshake may go to stdout";
  EXPECT_TRUE(absl::StrContains(out.err, "not started by SFTPGo")) << out.err;
}

// A host whose data root does not exist yet: the plugin still answers the handshake (SFTPGo
// would refuse to start otherwise), says in the log that it waits, refuses events with an error
// (SFTPGo keeps them for a retry when retry_max_time is set) and stops gracefully.
TEST(PowerviewdPluginStart, MissingDataRootHandshakesWaitsAndRefusesEvents) {
  fs::path dir = fs::temp_directory_path() / absl::StrCat("pv-plugin-noroot-", getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string root = (dir / "data").string();
  std::string events = (dir / "events.json").string();
  std::ofstream(events) << "[{\"action\": \"upload\", \"fs_path\": \"" << root
                        << "/acme/site/dev1/a.tsv\", \"status\": 1, \"file_size\": 10, "
                           "\"timestamp\": 1}]";
  absl::StatusOr<GoHostRun> run =
      RunGoPluginHost({"--events", events, "--hold", "1s", "--call-timeout", "5s",
                       "--plugin-stderr", (dir / "plugin.log").string()},
                      {POWERVIEW_BINARY_DIR "/server/daemon/powerviewd", "--data-root", root,
                       "--state-dir", (dir / "state").string(), "--influxdb-url", InfluxUrl(),
                       "--admin-listen", "", "--sweep-interval", "0"});
  ASSERT_TRUE(run.ok()) << run.status();
  std::ifstream in(dir / "plugin.log");
  std::string log((std::istreambuf_iterator<char>(in)), {});
  std::string context = run->process.out + run->process.err + "\n--- plugin stderr\n" + log;
  EXPECT_EQ(run->Get("start"), "ok") << context;
  EXPECT_EQ(run->Get("ping"), "ok") << context;
  EXPECT_EQ(run->Get("events_acked"), "0") << context;
  EXPECT_EQ(run->Get("events_failed"), "1") << context;
  EXPECT_EQ(run->Get("graceful"), "true") << context;
  EXPECT_TRUE(absl::StrContains(log, "data root " + root + " is not there")) << context;
  EXPECT_TRUE(absl::StrContains(log, "refused with UNAVAILABLE")) << context;
  EXPECT_FALSE(fs::exists(dir / "state")) << "nothing is opened before the data root exists";
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace powerview
