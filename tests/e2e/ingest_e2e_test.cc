// End to end on real parts: powerviewd and powerview-notify as processes, the real InfluxDB 1.x
// started by the ctest fixture, the real logger files of ../shared (when present) and files made
// by powerview-gen. InfluxQL answers are compared with what `powerviewctl parse` says the files
// contain, and with the independent counts of the data README.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/common/http_client.h"
#include "tests/e2e/subprocess.h"
#include "tests/fakes/http_server.h"
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

// Series key used for comparisons: campaign|channel_id (unique per series in our schema).
using SeriesCounts = std::map<std::string, int64_t>;

class Influx {
 public:
  Influx() : http_(NewCurlHttpClient()) {}
  rapidjson::Document Query(const std::string& db, const std::string& q) {
    HttpRequest r;
    r.method = "POST";
    r.url = absl::StrCat(InfluxUrl(), "/query?db=", db);
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    std::string escaped;
    for (unsigned char c : q) {
      if (isalnum(c) || c == '_' || c == '-' || c == '.') {
        escaped += static_cast<char>(c);
      } else {
        escaped += absl::StrFormat("%%%02X", c);
      }
    }
    r.body = "q=" + escaped;
    auto response = http_->Send(r);
    rapidjson::Document doc;
    if (!response.ok()) {
      ADD_FAILURE() << response.status();
      doc.SetObject();
      return doc;
    }
    doc.Parse(response->body.c_str());
    return doc;
  }
  // Points per series of `measurement` (each series holds one field).
  SeriesCounts CountPerSeries(const std::string& db, const std::string& measurement) {
    rapidjson::Document doc =
        Query(db, absl::StrCat("SELECT count(*) FROM \"", measurement, "\" GROUP BY *"));
    SeriesCounts counts;
    if (!doc.IsObject() || !doc.HasMember("results")) return counts;
    const auto& result = doc["results"][0];
    if (!result.HasMember("series")) return counts;
    for (const auto& s : result["series"].GetArray()) {
      std::string key = absl::StrCat(s["tags"]["campaign"].GetString(), "|",
                                     s["tags"].HasMember("channel_id")
                                         ? s["tags"]["channel_id"].GetString()
                                         : s["tags"]["device_master_sn"].GetString());
      int64_t total = 0;
      const auto& values = s["values"][0].GetArray();
      for (rapidjson::SizeType i = 1; i < values.Size(); ++i) {
        if (values[i].IsNumber()) total += values[i].GetInt64();
      }
      counts[key] += total;
    }
    return counts;
  }
  void Drop(const std::string& db) { Query("", absl::StrCat("DROP DATABASE \"", db, "\"")); }

 private:
  std::unique_ptr<HttpClient> http_;
};

// Distinct (series, time) per series in the line protocol `powerviewctl parse` prints.
void AddExpected(const std::string& file, const std::string& campaign, SeriesCounts* data,
                 SeriesCounts* events, std::set<std::string>* seen) {
  ProcessResult r = RunProcess({kCtl, "parse", file, "--campaign", campaign}, {"TZ=UTC"});
  ASSERT_EQ(r.exit_code, 0) << file << ": " << r.output.substr(0, 500);
  for (absl::string_view line : absl::StrSplit(r.output, '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, "electrical,") && !absl::StartsWith(line, "device_event,")) {
      continue;  // stderr lines
    }
    // Split at the two unescaped spaces: series key, field set, timestamp.
    std::vector<absl::string_view> parts;
    size_t start = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\\') {
        ++i;
      } else if (line[i] == ' ') {
        parts.push_back(line.substr(start, i - start));
        start = i + 1;
      }
    }
    parts.push_back(line.substr(start));
    ASSERT_EQ(parts.size(), 3u) << line;
    if (!seen->insert(absl::StrCat(parts[0], " ", parts[2])).second) continue;  // overwritten
    std::string key_tag =
        absl::StartsWith(line, "electrical,") ? "channel_id=" : "device_master_sn=";
    std::string camp, id;
    for (absl::string_view tag : absl::StrSplit(parts[0], ',')) {
      if (absl::StartsWith(tag, "campaign=")) camp = std::string(tag.substr(9));
      if (absl::StartsWith(tag, key_tag)) id = std::string(tag.substr(key_tag.size()));
    }
    (absl::StartsWith(line, "electrical,") ? *data : *events)[absl::StrCat(camp, "|", id)]++;
  }
}

std::vector<std::string> PendingFiles(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string p = e.path().string();
    if (e.is_regular_file() && absl::EndsWith(p, ".tsv") && !absl::StrContains(p, "/parsed/") &&
        !absl::StrContains(p, "/error/")) {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class IngestEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("pv-e2e-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    root_ = (dir_ / "data").string();
    socket_ = (dir_ / "notify.sock").string();
    // A summary database of each test's own (tests run in parallel).
    meta_ =
        absl::StrCat("e2e_meta_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    influx_.Drop(meta_);
  }
  void TearDown() override {
    daemon_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  void StartDaemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {kDaemon,
                                     "--data-root",
                                     root_,
                                     "--state-dir",
                                     (dir_ / "state").string(),
                                     "--listen",
                                     "unix://" + socket_,
                                     "--admin-listen",
                                     "",
                                     "--influxdb-url",
                                     InfluxUrl(),
                                     "--meta-bucket",
                                     meta_,
                                     "--sweep-interval",
                                     "0",
                                     "--retry-initial",
                                     "200ms"};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<BackgroundProcess>(args, std::vector<std::string>{"TZ=UTC"},
                                                  (dir_ / "powerviewd.log").string());
    for (int i = 0; i < 200 && !fs::exists(socket_); ++i) absl::SleepFor(absl::Milliseconds(25));
    ASSERT_TRUE(fs::exists(socket_)) << ReadFile((dir_ / "powerviewd.log").string());
  }

  ProcessResult Notify(const std::string& action, const std::string& path, int status = 1) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return RunProcess({kNotify, "--address", "unix://" + socket_, "--spool-dir",
                       (dir_ / "state/spool").string(), "--timeout", "2s"},
                      {"SFTPGO_ACTION=" + action, "SFTPGO_ACTION_PATH=" + path,
                       absl::StrCat("SFTPGO_ACTION_FILE_SIZE=", st.st_size),
                       absl::StrCat("SFTPGO_ACTION_STATUS=", status), "SFTPGO_ACTION_PROTOCOL=SFTP",
                       absl::StrCat("SFTPGO_ACTION_TIMESTAMP=", absl::ToUnixNanos(absl::Now())),
                       "SFTPGO_ACTION_USERNAME=e2e"});
  }

  void NotifyAll() {
    for (const std::string& f : PendingFiles(root_)) {
      ProcessResult r = Notify("upload", f);
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }

  // powerview-gen's sample tree, its companies renamed `<prefix>_<company>` so that every test
  // writes InfluxDB databases of its own (tests run in parallel).
  void GenerateTree(const std::string& prefix) {
    fs::path gen = dir_ / "gen";
    ASSERT_EQ(RunProcess({kGen, "tree", gen.string()}, {}).exit_code, 0);
    for (const auto& company : fs::directory_iterator(gen)) {
      std::string name = absl::StrCat(prefix, "_", company.path().filename().string());
      fs::rename(company.path(), fs::path(root_) / name);
      influx_.Drop(name);
    }
  }

  void WaitUntilIngested(absl::Duration limit = absl::Seconds(90)) {
    absl::Time deadline = absl::Now() + limit;
    while (!PendingFiles(root_).empty() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_TRUE(PendingFiles(root_).empty())
        << "still pending: " << PendingFiles(root_).front() << "\n"
        << ReadFile((dir_ / "powerviewd.log").string());
  }

  fs::path dir_;
  std::string root_;
  std::string socket_;
  std::string meta_;
  std::unique_ptr<BackgroundProcess> daemon_;
  Influx influx_;
};

const std::string kShared = POWERVIEW_SHARED_DIR "/data/mv2";

TEST_F(IngestEndToEnd, RealLoggerFilesThroughTheHookShim) {
  if (!fs::exists(kShared)) GTEST_SKIP() << "../shared is absent: real logger files not available";
  // Companies get a prefix so that the databases belong to this test.
  for (const char* company : {"company1", "company2", "company3", "rejects"}) {
    fs::copy(fs::path(kShared) / company, fs::path(root_) / absl::StrCat("e2e_", company),
             fs::copy_options::recursive);
    influx_.Drop(absl::StrCat("e2e_", company));
  }
  StartDaemon();
  NotifyAll();
  WaitUntilIngested();

  // Rejected files are in error/ with their reason; nothing of theirs was written.
  std::string rejects = root_ + "/e2e_rejects/camp_base/02001283/error/";
  EXPECT_TRUE(absl::StrContains(ReadFile(rejects + "T202_251022_121951.tsv.report.json"),
                                "unsupported format 'MV_T202_V002'"));
  EXPECT_TRUE(
      absl::StrContains(ReadFile(rejects + "T302_260109_120045.tsv.report.json"), "empty file"));
  EXPECT_TRUE(
      absl::StrContains(ReadFile(rejects + "T302_260109_133915.tsv.report.json"), "no data rows"));
  EXPECT_TRUE(influx_.CountPerSeries("e2e_rejects", "electrical").empty());

  // Every other file is in parsed/ with a report, and InfluxDB holds exactly what the parser
  // says the files contain (overlapping re-uploads overwrite each other).
  std::map<std::string, std::pair<SeriesCounts, SeriesCounts>> expected;
  for (const char* company : {"e2e_company1", "e2e_company2", "e2e_company3"}) {
    std::set<std::string> seen;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(root_) / company)) {
      std::string p = e.path().string();
      if (!absl::EndsWith(p, ".tsv")) continue;
      ASSERT_TRUE(absl::StrContains(p, "/parsed/")) << p;
      EXPECT_TRUE(fs::exists(p + ".report.json")) << p;
      std::string campaign = fs::path(p).parent_path().parent_path().parent_path().filename();
      AddExpected(p, campaign, &expected[company].first, &expected[company].second, &seen);
    }
    EXPECT_EQ(influx_.CountPerSeries(company, "electrical"), expected[company].first) << company;
    EXPECT_EQ(influx_.CountPerSeries(company, "device_event"), expected[company].second) << company;
  }
  // Independent figures from the data README.
  SeriesCounts c1 = influx_.CountPerSeries("e2e_company1", "electrical");
  EXPECT_EQ(c1.size(), 30u);
  for (const auto& [series, n] : c1) EXPECT_EQ(n, 143) << series;
  EXPECT_TRUE(c1.count("campaign1|M02001171_S04000466_Ch1")) << "tags use the header serial";
  SeriesCounts c2 = influx_.CountPerSeries("e2e_company2", "electrical");
  // 117 rows are written, two of them at an instant another row already used (the restart
  // sample in the same second as a marker's neighbour): InfluxDB keeps 115 distinct points.
  EXPECT_EQ(c2["firmware_v003|M02001311_U1"], 115);
  EXPECT_EQ(c2["slaves_v003|M02000800_S04001002_Ch6"], 6);
  SeriesCounts c3 = influx_.CountPerSeries("e2e_company3", "device_event");
  EXPECT_GE(c3["camp_base|02001283"], 6);

  // One summary point per file in the meta database.
  rapidjson::Document meta = influx_.Query(meta_, "SELECT count(\"nb_rows\") FROM tsv_parser_file");
  ASSERT_TRUE(meta["results"][0].HasMember("series"));
  EXPECT_EQ(meta["results"][0]["series"][0]["values"][0][1].GetInt64(), 14);

  // Ingesting the same files again leaves the same data.
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    std::string p = e.path().string();
    if (absl::EndsWith(p, ".tsv") && absl::StrContains(p, "/parsed/")) {
      fs::rename(p, fs::path(p).parent_path().parent_path() / fs::path(p).filename());
    }
  }
  NotifyAll();
  WaitUntilIngested();
  for (const char* company : {"e2e_company1", "e2e_company2", "e2e_company3"}) {
    EXPECT_EQ(influx_.CountPerSeries(company, "electrical"), expected[company].first) << company;
  }
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

TEST_F(IngestEndToEnd, GeneratedTreeSpoolAndSweeper) {
  GenerateTree("gen");
  std::vector<std::string> files = PendingFiles(root_);
  ASSERT_GE(files.size(), 4u);

  // powerviewd is down: the hook shim spools the first file's event and still exits 0.
  ProcessResult spooled = Notify("upload", files[0]);
  ASSERT_EQ(spooled.exit_code, 0) << spooled.output;
  EXPECT_TRUE(absl::StrContains(spooled.output, "spooled")) << spooled.output;

  // A partial upload (status 2) is recorded, never ingested.
  StartDaemon({"--sweep-interval", "1s", "--settle-time", "0s", "--spool-interval", "500ms"});
  ASSERT_EQ(Notify("upload", files[1], /*status=*/2).exit_code, 0);
  // The rest arrive with no event at all: the sweeper finds them (and, now, files[1] too).
  WaitUntilIngested();
  std::string log = ReadFile((dir_ / "powerviewd.log").string());
  EXPECT_TRUE(absl::StrContains(log, "incomplete upload (status 2)")) << log;
  EXPECT_TRUE(absl::StrContains(log, "spooled event(s) taken in")) << log;
  EXPECT_TRUE(absl::StrContains(log, "queued")) << log;
  int parsed = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    if (absl::EndsWith(e.path().string(), ".tsv") &&
        absl::StrContains(e.path().string(), "/parsed/")) {
      ++parsed;
    }
  }
  EXPECT_GE(parsed, 3);
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

TEST_F(IngestEndToEnd, RenameOntoTsvCountsAsTheUpload) {
  GenerateTree("ren");
  std::string file = PendingFiles(root_).front();
  // The client uploaded under a temporary name and renamed at the end (WinSCP's .filepart).
  std::string temporary = file + ".filepart";
  fs::rename(file, temporary);
  StartDaemon();
  ProcessResult upload = Notify("upload", temporary);  // SFTPGo reports the temporary name first
  ASSERT_EQ(upload.exit_code, 0) << upload.output;
  fs::rename(temporary, file);
  struct stat st {};
  ::stat(file.c_str(), &st);
  ProcessResult rename =
      RunProcess({kNotify, "--address", "unix://" + socket_, "--timeout", "2s"},
                 {"SFTPGO_ACTION=rename", "SFTPGO_ACTION_PATH=" + temporary,
                  "SFTPGO_ACTION_TARGET=" + file, "SFTPGO_ACTION_STATUS=1",
                  absl::StrCat("SFTPGO_ACTION_TIMESTAMP=", absl::ToUnixNanos(absl::Now()))});
  ASSERT_EQ(rename.exit_code, 0) << rename.output;
  fs::path parsed = fs::path(file).parent_path() / "parsed" / fs::path(file).filename();
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!fs::exists(parsed) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  std::string log = ReadFile((dir_ / "powerviewd.log").string());
  EXPECT_TRUE(fs::exists(parsed)) << log;
  EXPECT_TRUE(absl::StrContains(log, "temporary upload name")) << log;
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

TEST_F(IngestEndToEnd, StopDuringAStuckWriteExitsAndTheJobResumes) {
  // An InfluxDB that accepts the connection but answers writes only after a long pause.
  testing::FakeHttpServer slow([](const testing::FakeRequest& r) {
    testing::FakeResponse response;
    response.status = 204;
    if (r.path == "/write") response.delay = absl::Seconds(20);
    if (r.path == "/query") response = testing::FakeResponse::Json(200, R"({"results":[{}]})");
    return response;
  });
  ASSERT_TRUE(slow.Start().ok());
  GenerateTree("stop");
  std::string file = PendingFiles(root_).front();
  StartDaemon({"--influxdb-url", slow.base_url(), "--shutdown-grace", "500ms", "--workers", "1"});
  ASSERT_EQ(Notify("upload", file).exit_code, 0);
  absl::SleepFor(absl::Seconds(1));  // the job is now inside a write that will not end soon
  absl::Time stopping = absl::Now();
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(5)) << "the stop must not wait for the write";
  std::string log = ReadFile((dir_ / "powerviewd.log").string());
  EXPECT_TRUE(absl::StrContains(log, "resume at the next start")) << log;
  EXPECT_TRUE(fs::exists(file)) << "nothing moves before InfluxDB acknowledged the data";
  // The next start, with a working InfluxDB, finishes the job from the journal.
  StartDaemon();
  fs::path parsed = fs::path(file).parent_path() / "parsed" / fs::path(file).filename();
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!fs::exists(parsed) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_TRUE(fs::exists(parsed));
  EXPECT_TRUE(
      absl::StrContains(ReadFile((dir_ / "powerviewd.log").string()), "resuming 1 unfinished job"));
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

TEST_F(IngestEndToEnd, InfluxDownDelaysButLosesNothing) {
  GenerateTree("down");
  // Point the daemon at a port where nothing listens: jobs wait and retry, files stay put.
  std::vector<std::string> files = PendingFiles(root_);
  daemon_.reset();
  std::vector<std::string> args = {"--influxdb-url", "http://127.0.0.1:9",
                                   "--influxdb-retry-budget", "300ms"};
  StartDaemon(args);
  NotifyAll();
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(PendingFiles(root_), files) << "nothing may move while InfluxDB is unreachable";
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
  // Back with a reachable InfluxDB: the same journal resumes and everything is ingested.
  StartDaemon();
  WaitUntilIngested();
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

TEST_F(IngestEndToEnd, ProvisioningFollowsFoldersAndChannels) {
  // Grafana is the contract-following fake (no Grafana server can run here); InfluxDB is real.
  testing::FakeGrafana grafana;
  ASSERT_TRUE(grafana.Start().ok());
  GenerateTree("prov");
  StartDaemon({"--grafana-url", grafana.url(), "--grafana-token",
               grafana.options().service_account_token, "--grafana-influxdb-url", InfluxUrl()});
  // A campaign folder is created over SFTP: its company is provisioned before any upload.
  fs::create_directories(fs::path(root_) / "prov_acme" / "site-east");
  ASSERT_EQ(Notify("mkdir", root_ + "/prov_acme/site-east").exit_code, 0);
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (grafana.TeamNames().empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::vector<std::string> teams = grafana.TeamNames();
  ASSERT_EQ(teams, std::vector<std::string>{"prov_acme"})
      << ReadFile((dir_ / "powerviewd.log").string());
  // Uploads bring devices and channels: every company gets its resources and every campaign
  // its dashboard, showing its devices.
  NotifyAll();
  WaitUntilIngested();
  deadline = absl::Now() + absl::Seconds(30);
  auto dashboards_with_devices = [&]() {
    int n = 0;
    for (const std::string& uid : grafana.DashboardUids()) {
      auto d = grafana.GetDashboard(uid);
      if (d && absl::StrContains(d->model, "02000800")) ++n;
    }
    return n;
  };
  // Provisioning runs in the background: wait until it has settled, then check the result.
  auto settled = [&] {
    return grafana.TeamNames().size() == 2 && grafana.DatasourceUids().size() == 2 &&
           grafana.DashboardUids().size() == 4 && dashboards_with_devices() >= 1;
  };
  while (!settled() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(grafana.TeamNames(), (std::vector<std::string>{"prov_acme", "prov_globex"}));
  EXPECT_EQ(grafana.DatasourceUids().size(), 2u);
  EXPECT_GE(dashboards_with_devices(), 1) << ReadFile((dir_ / "powerviewd.log").string());
  // One dashboard per campaign: site-north, site-south, site-east, pilot.
  EXPECT_EQ(grafana.DashboardUids().size(), 4u);
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

// SFTPGo's `copy` (a server-side copy, SFTP copy-data or WebClient) reports the source in
// SFTPGO_ACTION_PATH and the new file in SFTPGO_ACTION_TARGET: the target is ingested from its
// event, not left to the sweeper (off here); a failed copy (status 2) is not.
TEST_F(IngestEndToEnd, CopyOntoTsvIsIngestedFromItsEvent) {
  GenerateTree("cpy");
  std::vector<std::string> files = PendingFiles(root_);
  ASSERT_GE(files.size(), 2u);
  // The sources sit outside the data root, as a copy from another user's or a virtual folder.
  fs::create_directories(dir_ / "elsewhere");
  std::string source = (dir_ / "elsewhere" / "source.tsv").string();
  std::string failed_source = (dir_ / "elsewhere" / "failed.tsv").string();
  fs::rename(files[0], source);
  fs::rename(files[1], failed_source);
  StartDaemon();
  auto copy = [&](const std::string& from, const std::string& to, int status) {
    fs::copy_file(from, to);
    return RunProcess({kNotify, "--address", "unix://" + socket_, "--timeout", "2s"},
                      {"SFTPGO_ACTION=copy", "SFTPGO_ACTION_PATH=" + from,
                       "SFTPGO_ACTION_TARGET=" + to, absl::StrCat("SFTPGO_ACTION_STATUS=", status),
                       absl::StrCat("SFTPGO_ACTION_FILE_SIZE=", fs::file_size(from)),
                       absl::StrCat("SFTPGO_ACTION_TIMESTAMP=", absl::ToUnixNanos(absl::Now()))});
  };
  ProcessResult ok = copy(source, files[0], 1);
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  ProcessResult failed = copy(failed_source, files[1], 2);
  ASSERT_EQ(failed.exit_code, 0) << failed.output;
  fs::path parsed = fs::path(files[0]).parent_path() / "parsed" / fs::path(files[0]).filename();
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!fs::exists(parsed) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  std::string log = ReadFile((dir_ / "powerviewd.log").string());
  EXPECT_TRUE(fs::exists(parsed)) << log;
  EXPECT_TRUE(fs::exists(parsed.string() + ".report.json")) << log;
  EXPECT_TRUE(absl::StrContains(log, "copy " + files[0] + ": queued job")) << log;
  EXPECT_TRUE(absl::StrContains(log, "copy " + files[1] + ": ignored: copy failed (status 2)"))
      << log;
  EXPECT_TRUE(fs::exists(source)) << "the source of a copy stays where it is";
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
  // The failed copy's leftover was not touched.
  EXPECT_TRUE(fs::exists(files[1]));
}

// A host where the data root does not exist yet (SFTPGo makes it at the first login):
// powerviewd waits and says so, events meanwhile are spooled by powerview-notify, and once the
// folder appears the daemon starts, takes the spool in and ingests.
TEST_F(IngestEndToEnd, MissingDataRootIsAwaitedThenIngested) {
  GenerateTree("wait");
  fs::path later = dir_ / "data-later";
  fs::rename(root_, later);
  ASSERT_FALSE(fs::exists(root_));
  std::string log_path = (dir_ / "powerviewd.log").string();
  daemon_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{kDaemon, "--data-root", root_, "--state-dir",
                               (dir_ / "state").string(), "--listen", "unix://" + socket_,
                               "--admin-listen", "", "--influxdb-url", InfluxUrl(), "--meta-bucket",
                               meta_, "--sweep-interval", "0"},
      std::vector<std::string>{"TZ=UTC"}, log_path);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!absl::StrContains(ReadFile(log_path), "waiting for it") && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(absl::StrContains(ReadFile(log_path), "data root " + root_ + " is not there"))
      << ReadFile(log_path);
  absl::SleepFor(absl::Seconds(1));
  ASSERT_EQ(::kill(daemon_->pid(), 0), 0) << "powerviewd exited:\n" << ReadFile(log_path);
  EXPECT_FALSE(fs::exists(socket_));
  // Uploads announced meanwhile: powerview-notify cannot reach the daemon and spools them.
  std::vector<std::string> pending = PendingFiles(later.string());
  ASSERT_FALSE(pending.empty());
  for (const std::string& f : pending) {
    std::string in_root = root_ + f.substr(later.string().size());
    ProcessResult r = RunProcess(
        {kNotify, "--address", "unix://" + socket_, "--spool-dir", (dir_ / "state/spool").string(),
         "--timeout", "1s"},
        {"SFTPGO_ACTION=upload", "SFTPGO_ACTION_PATH=" + in_root, "SFTPGO_ACTION_STATUS=1",
         absl::StrCat("SFTPGO_ACTION_FILE_SIZE=", fs::file_size(f)),
         absl::StrCat("SFTPGO_ACTION_TIMESTAMP=", absl::ToUnixNanos(absl::Now()))});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  ASSERT_FALSE(fs::is_empty(dir_ / "state/spool"));
  // The folder appears (here by a rename, as SFTPGo's mkdir would): the daemon starts and
  // ingests every announced file from the spool.
  fs::rename(later, root_);
  WaitUntilIngested(absl::Seconds(60));
  std::string log = ReadFile(log_path);
  EXPECT_TRUE(absl::StrContains(log, "data root " + root_ + " appeared after")) << log;
  EXPECT_TRUE(absl::StrContains(log, "spooled event(s) taken in")) << log;
  EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace powerview
