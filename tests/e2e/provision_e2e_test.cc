// Provisioning around a real powerviewd: a Grafana that hangs or is down never delays ingest;
// a campaign folder followed 0.2 s later by its first upload ends with the dashboard showing
// the device and an empty plan, with no manual apply; a reconcile repairs what failed when the
// trigger came; readiness (status --check, health service) follows Grafana's reachability.
// InfluxDB is the real 1.6.7 of the ctest fixture; Grafana is the contract-following fake.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/subprocess.h"
#include "tests/provision/fake_grafana.h"

namespace powerview {
namespace {

namespace fs = std::filesystem;
using testing::BackgroundProcess;
using testing::ProcessResult;
using testing::ReadFile;
using testing::RunProcess;

const std::string kBin = POWERVIEW_BINARY_DIR;
const std::string kDaemon = kBin + "/server/daemon/powerviewd";
const std::string kNotify = kBin + "/client/notify/powerview-notify";
const std::string kCtl = kBin + "/client/powerviewctl/powerviewctl";
const std::string kGen = kBin + "/client/gen/powerview-gen";

std::string InfluxUrl() {
  const char* url = std::getenv("POWERVIEW_TEST_INFLUX_URL");
  return url ? url : "http://127.0.0.1:18086";
}

// A TCP port that accepts connections (the kernel completes the handshake) and never answers:
// nothing ever calls accept() or reads.
class HungServer {
 public:
  HungServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 128);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~HungServer() { ::close(fd_); }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port nothing listens on (bound, then closed).
std::string DownUrl() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port));
}

class ProvisionEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() / absl::StrCat("pv-prov-e2e-", getpid(), "-", name_);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    root_ = (dir_ / "data").string();
    socket_ = (dir_ / "notify.sock").string();
    admin_ = (dir_ / "admin.sock").string();
  }
  void TearDown() override {
    daemon_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::string Log() { return ReadFile((dir_ / "powerviewd.log").string()); }

  void StartDaemon(std::vector<std::string> extra) {
    std::vector<std::string> args = {kDaemon,
                                     "--data-root",
                                     root_,
                                     "--state-dir",
                                     (dir_ / "state").string(),
                                     "--listen",
                                     "unix://" + socket_,
                                     "--admin-listen",
                                     "unix://" + admin_,
                                     "--influxdb-url",
                                     InfluxUrl(),
                                     "--meta-bucket",
                                     "",
                                     "--sweep-interval",
                                     "0",
                                     "--retry-initial",
                                     "200ms",
                                     "--shutdown-grace",
                                     "2s"};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<BackgroundProcess>(args, std::vector<std::string>{"TZ=UTC"},
                                                  (dir_ / "powerviewd.log").string());
    for (int i = 0; i < 200 && !(fs::exists(socket_) && fs::exists(admin_)); ++i) {
      absl::SleepFor(absl::Milliseconds(25));
    }
    ASSERT_TRUE(fs::exists(socket_)) << Log();
  }
  std::vector<std::string> GrafanaFlags(const std::string& url) {
    return {"--grafana-url",          url,        "--grafana-token", "glsa_fake_token",
            "--grafana-influxdb-url", InfluxUrl()};
  }

  ProcessResult Notify(const std::string& action, const std::string& path) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return RunProcess({kNotify, "--address", "unix://" + socket_, "--spool-dir",
                       (dir_ / "state/spool").string(), "--timeout", "2s"},
                      {"SFTPGO_ACTION=" + action, "SFTPGO_ACTION_PATH=" + path,
                       absl::StrCat("SFTPGO_ACTION_FILE_SIZE=", st.st_size),
                       "SFTPGO_ACTION_STATUS=1", "SFTPGO_ACTION_PROTOCOL=SFTP",
                       absl::StrCat("SFTPGO_ACTION_TIMESTAMP=", absl::ToUnixNanos(absl::Now())),
                       "SFTPGO_ACTION_USERNAME=e2e"});
  }
  ProcessResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), kCtl);
    args.push_back("--address");
    args.push_back("unix://" + admin_);
    return RunProcess(args, {"TZ=UTC"});
  }

  // powerview-gen's sample tree in `gen/`; companies get this test's prefix.
  fs::path Generate(const std::string& prefix) {
    fs::path gen = dir_ / "gen";
    EXPECT_EQ(RunProcess({kGen, "tree", gen.string()}, {}).exit_code, 0);
    fs::path renamed = dir_ / "gen-renamed";
    fs::create_directories(renamed);
    for (const auto& company : fs::directory_iterator(gen)) {
      fs::rename(company.path(),
                 renamed / absl::StrCat(prefix, "_", company.path().filename().string()));
    }
    return renamed;
  }

  // Uploads `file` (moved into the data root at `rel`) and returns how long it took to leave
  // the upload folder (parsed/ or error/).
  absl::Duration UploadAndTime(const fs::path& file, const std::string& rel) {
    fs::path target = fs::path(root_) / rel;
    fs::create_directories(target.parent_path());
    fs::rename(file, target);
    absl::Time start = absl::Now();
    EXPECT_EQ(Notify("upload", target.string()).exit_code, 0);
    absl::Time deadline = start + absl::Seconds(60);
    while (fs::exists(target) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(2));
    EXPECT_FALSE(fs::exists(target)) << target << "\n" << Log();
    return absl::Now() - start;
  }

  std::string name_;
  fs::path dir_;
  std::string root_, socket_, admin_;
  std::unique_ptr<BackgroundProcess> daemon_;
};

TEST_F(ProvisionEndToEnd, IngestLatencyDoesNotDependOnGrafana) {
  struct Case {
    std::string label;
    std::string url;
  };
  HungServer hung;
  std::vector<Case> cases = {
      {"no Grafana", ""}, {"Grafana hung", hung.url()}, {"Grafana down", DownUrl()}};
  std::vector<absl::Duration> worst;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    fs::remove_all(dir_ / "gen");
    fs::remove_all(dir_ / "gen-renamed");
    fs::remove_all(dir_ / "state");
    fs::remove_all(root_);
    fs::create_directories(root_);
    fs::path tree = Generate(absl::StrCat("lat", i));
    StartDaemon(c.url.empty() ? std::vector<std::string>{} : GrafanaFlags(c.url));
    // Two campaign folders appear first: their provisioning starts (and hangs) before the
    // uploads.
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(tree)) {
      if (e.is_regular_file()) files.push_back(fs::relative(e.path(), tree).string());
    }
    std::sort(files.begin(), files.end());
    for (const std::string& campaign :
         {absl::StrCat("lat", i, "_acme/site-north"), absl::StrCat("lat", i, "_globex/pilot")}) {
      fs::create_directories(fs::path(root_) / campaign);
      ASSERT_EQ(Notify("mkdir", root_ + "/" + campaign).exit_code, 0);
    }
    absl::SleepFor(absl::Milliseconds(300));
    std::vector<absl::Duration> latencies;
    for (const std::string& rel : files) latencies.push_back(UploadAndTime(tree / rel, rel));
    absl::Duration max = *std::max_element(latencies.begin(), latencies.end());
    std::vector<std::string> text;
    for (absl::Duration d : latencies) text.push_back(absl::FormatDuration(d));
    std::printf("ingest latency, %s: %zu files, max %s (each: %s)\n", c.label.c_str(),
                latencies.size(), absl::FormatDuration(max).c_str(),
                absl::StrJoin(text, ", ").c_str());
    worst.push_back(max);
    if (!c.url.empty()) {
      // Readiness says so, with the time the outage was first seen.
      ProcessResult status = Ctl({"status", "--check"});
      EXPECT_EQ(status.exit_code, 5) << status.output;
      EXPECT_TRUE(absl::StrContains(status.output, "UNREACHABLE since")) << status.output;
    }
    daemon_->Stop(SIGTERM);
    daemon_.reset();
  }
  // Before provisioning had its own executor, a hung Grafana delayed an upload by 153.6 s.
  for (size_t i = 1; i < worst.size(); ++i) {
    EXPECT_LT(worst[i], absl::Seconds(10)) << cases[i].label << "\n" << Log();
    EXPECT_LT(worst[i], worst[0] * 2 + absl::Seconds(2)) << cases[i].label;
  }
}

TEST_F(ProvisionEndToEnd, CampaignFolderThenUploadEndsWithTheDeviceOnItsDashboard) {
  testing::FakeGrafana grafana;
  ASSERT_TRUE(grafana.Start().ok());
  fs::path tree = Generate("race");
  StartDaemon(GrafanaFlags(grafana.url()));
  // The campaign folder is created, and 0.2 s later its first file is uploaded: the folder's
  // provisioning is running (or queued) when the file's new channels ask again.
  fs::create_directories(fs::path(root_) / "race_acme/site-north");
  ASSERT_EQ(Notify("mkdir", root_ + "/race_acme/site-north").exit_code, 0);
  absl::SleepFor(absl::Milliseconds(200));
  const std::string rel = "race_acme/site-north/02000800/T302_250111_031500.tsv";
  UploadAndTime(tree / rel, rel);
  // No manual apply: the dashboard ends up showing the device, and the plan is empty.
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  auto shows_device = [&] {
    for (const std::string& uid : grafana.DashboardUids()) {
      auto d = grafana.GetDashboard(uid);
      if (d && absl::StrContains(d->model, "02000800")) return true;
    }
    return false;
  };
  while (!shows_device() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_TRUE(shows_device()) << Log();
  ProcessResult plan;
  do {
    plan = Ctl({"plan"});
    if (plan.exit_code == 0) break;
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < deadline);
  EXPECT_EQ(plan.exit_code, 0) << plan.output << "\n" << Log();
  ProcessResult status = Ctl({"status", "--check"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

TEST_F(ProvisionEndToEnd, ReconcileRepairsWhatFailedAtTriggerTime) {
  testing::FakeGrafana grafana;
  ASSERT_TRUE(grafana.Start().ok());
  // Retries of the failed run are far away (10 min): only the periodic reconcile can repair.
  std::vector<std::string> flags = GrafanaFlags(grafana.url());
  for (const char* f : {"--retry-initial", "10m", "--reconcile-interval", "2s"}) flags.push_back(f);
  StartDaemon(flags);
  absl::SleepFor(absl::Milliseconds(500));  // the reconcile at start (nothing to do yet)
  // Grafana refuses the first call of the folder's provisioning (a 403 is not retried).
  grafana.FailNext(1, 403);
  fs::create_directories(fs::path(root_) / "rec_acme/spring");
  ASSERT_EQ(Notify("mkdir", root_ + "/rec_acme/spring").exit_code, 0);
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (grafana.TeamNames().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(grafana.TeamNames(), std::vector<std::string>{"rec_acme"}) << Log();
  std::string log = Log();
  EXPECT_TRUE(absl::StrContains(log, "next attempt in 10m")) << log;
  EXPECT_TRUE(absl::StrContains(log, "reconcile (apply)")) << log;
  while (grafana.DashboardUids().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(grafana.DashboardUids().size(), 1u);
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace powerview
