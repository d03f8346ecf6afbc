// Reprocessing end to end: powerviewd ingests powerview-gen's sample tree into the real
// InfluxDB 1.x of the ctest fixture, then `powerviewctl reprocess` sends a campaign (and a
// company) through the pipeline again over the admin socket. InfluxDB must hold exactly the same
// data afterwards (per series: point counts and sums), and the command must follow the batch to
// completion.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/common/http_client.h"
#include "tests/e2e/subprocess.h"

namespace powerview {
namespace {

namespace fs = std::filesystem;
using testing::BackgroundProcess;
using ::testing::HasSubstr;
using testing::ProcessResult;
using testing::ReadFile;
using testing::RunProcess;

const std::string kBin = POWERVIEW_BINARY_DIR;
const std::string kDaemon = kBin + "/server/daemon/powerviewd";
const std::string kCtl = kBin + "/client/powerviewctl/powerviewctl";
const std::string kGen = kBin + "/client/gen/powerview-gen";

std::string InfluxUrl() {
  const char* url = std::getenv("POWERVIEW_TEST_INFLUX_URL");
  return url ? url : "http://127.0.0.1:18086";
}

std::string Escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    out += isalnum(c) ? std::string(1, static_cast<char>(c)) : absl::StrFormat("%%%02X", c);
  }
  return out;
}

// Series (its tags as JSON) -> the row of aggregates InfluxDB computed for it.
using Snapshot = std::map<std::string, std::string>;

class Influx {
 public:
  Influx() : http_(NewCurlHttpClient()) {}

  std::string Query(const std::string& db, const std::string& q) {
    HttpRequest r;
    r.method = "POST";
    r.url = absl::StrCat(InfluxUrl(), "/query?db=", db);
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    r.body = "q=" + Escape(q);
    absl::StatusOr<HttpResponse> response = http_->Send(r);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->body : "";
  }

  // count(*) and sum(*) of every series of `measurement`.
  Snapshot Aggregates(const std::string& db, const std::string& measurement) {
    std::string aggregates = measurement == "electrical" ? "count(*), sum(*)" : "count(*)";
    rapidjson::Document doc;
    doc.Parse(
        Query(db, absl::StrCat("SELECT ", aggregates, " FROM \"", measurement, "\" GROUP BY *"))
            .c_str());
    Snapshot snapshot;
    if (doc.HasParseError() || !doc.HasMember("results")) return snapshot;
    const auto& result = doc["results"][0];
    if (!result.HasMember("series")) return snapshot;
    for (const auto& s : result["series"].GetArray()) {
      snapshot[Json(s["tags"])] = Json(s["values"]);
    }
    return snapshot;
  }

 private:
  static std::string Json(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return buffer.GetString();
  }
  std::unique_ptr<HttpClient> http_;
};

std::vector<std::string> FilesUnder(const fs::path& root, const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string p = e.path().string();
    if (!e.is_regular_file() || !absl::EndsWith(p, ".tsv")) continue;
    bool lifecycle = absl::StrContains(p, "/parsed/") || absl::StrContains(p, "/error/");
    if (folder.empty() ? !lifecycle : absl::StrContains(p, "/" + folder + "/")) {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class ReprocessEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / absl::StrCat("pv-admin-e2e-", getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "gen");
    fs::create_directories(dir_ / "data");
    ASSERT_EQ(RunProcess({kGen, "tree", (dir_ / "gen").string()}, {}).exit_code, 0);
    // Companies of their own, so that no other test touches these databases.
    for (const auto& company : fs::directory_iterator(dir_ / "gen")) {
      std::string name = "adm_" + company.path().filename().string();
      fs::rename(company.path(), dir_ / "data" / name);
      companies_.push_back(name);
      influx_.Query("", absl::StrCat("DROP DATABASE \"", name, "\""));
    }
    std::sort(companies_.begin(), companies_.end());
    socket_ = "unix://" + (dir_ / "admin.sock").string();
  }

  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0);
    }
    daemon_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  void StartDaemon() {
    daemon_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{
            kDaemon, "--data-root", (dir_ / "data").string(), "--state-dir",
            (dir_ / "state").string(), "--listen", "unix://" + (dir_ / "notify.sock").string(),
            "--admin-listen", socket_, "--influxdb-url", InfluxUrl(), "--meta-bucket", "adm_meta",
            "--sweep-interval", "1s", "--settle-time", "0s", "--retry-initial", "200ms"},
        std::vector<std::string>{"TZ=UTC"}, (dir_ / "powerviewd.log").string());
    for (int i = 0; i < 200 && !fs::exists(dir_ / "admin.sock"); ++i) {
      absl::SleepFor(absl::Milliseconds(25));
    }
    ASSERT_TRUE(fs::exists(dir_ / "admin.sock")) << ReadFile((dir_ / "powerviewd.log").string());
  }

  ProcessResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), kCtl);
    args.push_back("--address=" + socket_);
    return RunProcess(args, {"TZ=UTC"});
  }

  // Until the sweeper has queued every file and the journal has run every job.
  void WaitUntilIdle() {
    absl::Time deadline = absl::Now() + absl::Seconds(90);
    while (absl::Now() < deadline) {
      if (FilesUnder(dir_ / "data", "").empty()) {
        ProcessResult status = Ctl({"status", "--json"});
        rapidjson::Document doc;
        doc.Parse(status.output.c_str());
        // powerviewctl writes 64-bit counters as JSON numbers.
        if (!doc.HasParseError() && doc["queue"]["pending"].GetInt64() == 0 &&
            doc["queue"]["running"].GetInt64() == 0) {
          return;
        }
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    FAIL() << "not idle: " << ReadFile((dir_ / "powerviewd.log").string());
  }

  std::map<std::string, Snapshot> Data() {
    std::map<std::string, Snapshot> data;
    for (const std::string& c : companies_) {
      data[c + "/electrical"] = influx_.Aggregates(c, "electrical");
      data[c + "/device_event"] = influx_.Aggregates(c, "device_event");
    }
    return data;
  }

  fs::path dir_;
  std::string socket_;
  std::vector<std::string> companies_;
  std::unique_ptr<BackgroundProcess> daemon_;
  Influx influx_;
};

TEST_F(ReprocessEndToEnd, SameDataAfterReprocessingWithProgressToCompletion) {
  ASSERT_EQ(companies_, (std::vector<std::string>{"adm_acme", "adm_globex"}));
  StartDaemon();
  WaitUntilIdle();
  std::map<std::string, Snapshot> first = Data();
  ASSERT_FALSE(first["adm_acme/electrical"].empty());
  ASSERT_FALSE(first["adm_acme/device_event"].empty()) << "the sample tree has power-off markers";
  std::vector<std::string> parsed = FilesUnder(dir_ / "data", "parsed");
  std::vector<std::string> errors = FilesUnder(dir_ / "data", "error");
  ASSERT_EQ(parsed.size(), 4u);
  ASSERT_EQ(errors.size(), 1u);

  // One campaign: its two files go through the pipeline again; the progress reaches the end.
  ProcessResult campaign = Ctl({"reprocess", "--campaign", "adm_acme/site-north"});
  ASSERT_EQ(campaign.exit_code, 0) << campaign.output;
  EXPECT_THAT(campaign.output, HasSubstr("2 file(s) queued"));
  EXPECT_THAT(campaign.output, HasSubstr("2/2 (100%)"));
  EXPECT_THAT(campaign.output, HasSubstr("complete: 2 of 2 done, 0 failed"));
  EXPECT_EQ(FilesUnder(dir_ / "data", "parsed"), parsed) << "back in parsed/";
  EXPECT_TRUE(FilesUnder(dir_ / "data", "").empty());
  EXPECT_EQ(Data(), first) << "re-ingesting a campaign must not change the data";

  ProcessResult reports =
      Ctl({"reports", "--company", "adm_acme", "--campaign", "site-north", "--json"});
  ASSERT_EQ(reports.exit_code, 0) << reports.output;
  rapidjson::Document doc;
  doc.Parse(reports.output.c_str());
  ASSERT_FALSE(doc.HasParseError()) << reports.output;
  EXPECT_EQ(doc["reports"].Size(), 4u) << "each file has a report per run";
  // The campaign's counters count files by their latest outcome, not runs.
  ProcessResult counters = Ctl({"campaigns", "--campaign", "adm_acme/site-north", "--json"});
  ASSERT_EQ(counters.exit_code, 0) << counters.output;
  rapidjson::Document campaigns;
  campaigns.Parse(counters.output.c_str());
  ASSERT_FALSE(campaigns.HasParseError()) << counters.output;
  EXPECT_EQ(campaigns["campaigns"][0]["files_ingested"].GetInt64(), 2) << counters.output;

  // A whole company, and the rejected file alone (rejected again, still in error/).
  ProcessResult company = Ctl({"reprocess", "--company", "adm_acme", "--json"});
  ASSERT_EQ(company.exit_code, 0) << company.output;
  EXPECT_THAT(company.output, HasSubstr("\"complete\":true"));
  ProcessResult rejected = Ctl({"reprocess", "--campaign", "adm_globex/pilot", "--errors-only"});
  ASSERT_EQ(rejected.exit_code, 0) << rejected.output;
  EXPECT_THAT(rejected.output, HasSubstr("1 file(s) queued"));
  EXPECT_THAT(rejected.output, HasSubstr("complete: 1 of 1 done, 0 failed"));
  WaitUntilIdle();
  EXPECT_EQ(FilesUnder(dir_ / "data", "error"), errors);
  EXPECT_EQ(FilesUnder(dir_ / "data", "parsed"), parsed);
  EXPECT_EQ(Data(), first) << "re-ingesting a company must not change the data";

  // Mistakes get the documented exit codes.
  EXPECT_EQ(Ctl({"reprocess", "--company", "nobody"}).exit_code, 3);
  EXPECT_EQ(Ctl({"reprocess"}).exit_code, 2);
  EXPECT_EQ(Ctl({"report", "999999"}).exit_code, 3);
}

}  // namespace
}  // namespace powerview
