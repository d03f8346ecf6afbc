// Every powerviewctl subcommand, run as a process against in-process admin servers (real SQLite
// journal and catalog; the real provisioning stage over the fake Grafana and InfluxDB 2.x):
// extra arguments, each exit code of the documented table, the --output forms, `help SUB`,
// `version`, address checks, and no gRPC internals on the terminal.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/admin/convert.h"
#include "server/admin/provisioner_backend.h"
#include "tests/admin/admin_harness.h"
#include "tests/provision/provision_test_util.h"

namespace powerview::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CtlRun Ctl(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  std::string command = Quote(POWERVIEW_BINARY_DIR "/client/powerviewctl/powerviewctl");
  for (const std::string& a : args) absl::StrAppend(&command, " ", Quote(a));
  std::string out = (dir / "ctl.out").string(), err = (dir / "ctl.err").string();
  absl::StrAppend(&command, " </dev/null >", Quote(out), " 2>", Quote(err));
  CtlRun r;
  int status = std::system(command.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadAll(out);
  r.err = ReadAll(err);
  return r;
}

struct Case {
  std::vector<std::string> args;
  int code;
  std::string out;  // stdout contains this (when not empty)
  std::string err;  // stderr contains this (when not empty)
};

class CtlTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fakes_.Start().ok());
    backend_ =
        std::make_unique<ProvisionerBackend>(&fakes_.provisioner(), provisioned_.catalog.get());
    for (AdminHarness* h : {&provisioned_, &plain_}) Populate(h);
    provisioned_.Start("unix", "", backend_.get());
    plain_.Start("unix");
    tcp_.Start("tcp", "s3cret");
  }

  // acme/north with one logger and two reports (one ingested, one rejected), and the ingested
  // file in parsed/.
  void Populate(AdminHarness* h) {
    ASSERT_TRUE(h->catalog->RecordCampaign("acme", "north", absl::Now()).ok());
    v1::IngestReport report;
    report.set_company("acme");
    report.set_campaign("north");
    report.set_folder_serial("02000800");
    report.set_master_sn("02000800");
    v1::Device device = provision::testing::TriDevice("02000800");
    std::vector<v1::Channel> channels(device.channels().begin(), device.channels().end());
    ASSERT_TRUE(h->catalog->RecordChannels(report, "tri", channels).ok());
    report.set_path(h->root + "/acme/north/02000800/a.tsv");
    report.set_final_path(h->root + "/acme/north/02000800/parsed/a.tsv");
    report.set_status(v1::INGEST_STATUS_INGESTED);
    report.mutable_counts()->set_points(1234567890123);
    *report.mutable_finished_time() = ToTimestamp(absl::FromUnixSeconds(1767225600));
    ASSERT_TRUE(h->catalog->AddReport(report).ok());
    report.set_path(h->root + "/acme/north/02000800/b.tsv");
    report.set_final_path(h->root + "/acme/north/02000800/error/b.tsv");
    report.set_status(v1::INGEST_STATUS_REJECTED);
    ASSERT_TRUE(h->catalog->AddReport(report).ok());
    h->WriteFile("acme/north/02000800/parsed/a.tsv", "x");
  }

  void Check(const std::vector<Case>& cases, const std::string& address) {
    for (const Case& c : cases) {
      std::vector<std::string> args = c.args;
      bool admin = !args.empty() && args[0] != "help" && args[0] != "version" &&
                   args[0] != "parse" && args[0] != "nosuch" &&
                   std::find(args.begin(), args.end(), "--address") == args.end();
      if (admin) {
        args.push_back("--address");
        args.push_back(address);
      }
      CtlRun r = Ctl(args, plain_.dir);
      std::string what = absl::StrJoin(args, " ");
      EXPECT_EQ(r.code, c.code) << what << "\nstdout: " << r.out << "\nstderr: " << r.err;
      if (!c.out.empty()) {
        EXPECT_THAT(r.out, HasSubstr(c.out)) << what;
      }
      if (!c.err.empty()) {
        EXPECT_THAT(r.err, HasSubstr(c.err)) << what;
      }
      // No gRPC C-core log line (e.g. "E1202 12:00:00.000 123 file.cc:42]") reaches the user.
      EXPECT_THAT(r.err, Not(HasSubstr(".cc:"))) << what << ": " << r.err;
    }
  }

  provision::testing::Harness fakes_;
  AdminHarness provisioned_;
  AdminHarness plain_;
  AdminHarness tcp_;
  std::unique_ptr<ProvisionerBackend> backend_;
};

const std::vector<std::string> kAdminCommands = {
    "companies", "campaigns", "reports", "report", "reprocess", "plan", "apply", "watch", "status"};

TEST_F(CtlTableTest, EverySubcommandRefusesExtraArgumentsAndHasHelp) {
  std::vector<Case> cases;
  for (const std::string& command : kAdminCommands) {
    cases.push_back({{command, "--help"}, 0, "Exit codes", ""});
    cases.push_back({{"help", command}, 0, "--output", ""});
    std::vector<std::string> extra = {command, "acme", "extra"};
    if (command == "report") extra = {command, "1", "acme"};
    cases.push_back({extra, 2, "", "unexpected argument"});
    cases.push_back({{command, "--no-such-flag"}, 2, "", ""});
    std::vector<std::string> yaml = {command, "--output", "yaml"};
    if (command == "report") yaml.insert(yaml.begin() + 1, "1");
    cases.push_back({yaml, 2, "", "--output is table, json or ndjson"});
  }
  // The case of the issue: a company given as a word applied everything.
  cases.push_back({{"apply", "acme", "--yes"}, 2, "", "unexpected argument 'acme'"});
  cases.push_back({{"help"}, 0, "Exit codes (the same for every command)", ""});
  cases.push_back({{"help", "nosuch"}, 2, "", "unknown command"});
  cases.push_back({{"help", "reports", "extra"}, 2, "", ""});
  cases.push_back({{"nosuch"}, 2, "", "unknown command"});
  cases.push_back({{"version"}, 0, POWERVIEW_VERSION, ""});
  cases.push_back({{"version", "--output", "json"}, 0, "\"version\": \"" POWERVIEW_VERSION, ""});
  cases.push_back({{"version", "extra"}, 2, "", ""});
  cases.push_back({{"parse", "a.tsv", "b.tsv", "--campaign", "k"}, 2, "", ""});
  cases.push_back({{"help", "parse"}, 0, "--campaign", ""});
  Check(cases, provisioned_.address);
}

TEST_F(CtlTableTest, CatalogCommandsScopesAndOutputs) {
  Check(
      {
          {{"companies"}, 0, "acme", ""},
          {{"companies", "--output", "json"}, 0, "\"files_ingested\": 1,", ""},
          {{"companies", "--json"}, 0, "\"companies\": [", ""},
          {{"companies", "--output", "ndjson"}, 0, "{\"name\":\"acme\"", ""},
          {{"campaigns", "--campaign", "acme/north"}, 0, "north", ""},
          {{"campaigns", "--company", "acme", "--campaign", "north"}, 0, "north", ""},
          {{"campaigns", "--campaign", "north"}, 2, "", "--campaign COMPANY/north"},
          {{"campaigns", "--company", "other", "--campaign", "acme/north"}, 2, "", ""},
          {{"campaigns", "--campaign", "acme/south"}, 3, "", "acme/south"},
          {{"campaigns", "--company", "nope"}, 3, "", "nope"},
          {{"campaigns", "--company", ".."}, 2, "", ""},
          {{"campaigns", "--devices", "--channels"}, 2, "", ""},
          {{"campaigns", "--devices"}, 0, "02000800", ""},
          {{"campaigns", "--channels", "--output", "ndjson"}, 0, "\"channels\":[", ""},
          // The documented form of the issue: it answered "No reports match." before.
          {{"reports", "--campaign", "acme/north"}, 0, "a.tsv", ""},
          {{"reports", "--company", "acme", "--campaign", "north"}, 0, "b.tsv", ""},
          {{"reports", "--campaign", "acme/south"}, 3, "", "south"},
          {{"reports", "--company", "nope"}, 3, "", "nope"},
          {{"reports", "--device", "99999999"}, 3, "", "99999999"},
          {{"reports", "--device", "../x"}, 2, "", ""},
          {{"reports", "--company", "a\\b\x01"}, 2, "", ""},
          {{"reports", "--status", "ingested"}, 0, "2026-01-01T00:00:00Z", ""},
          {{"reports", "--status", "ingested", "--local"}, 0, "2026-01-01 ", ""},
          {{"reports", "--status", "nonsense"}, 2, "", ""},
          {{"reports", "--page-token", "garbage"}, 2, "", "page"},
          {{"reports", "--page-token", "2"}, 2, "", "page"},
          {{"reports", "--limit", "0"}, 2, "", ""},
          {{"reports", "--all", "--page-token", "x"}, 2, "", ""},
          {{"reports", "--output", "json"}, 0, "\"points\": 1234567890123", ""},
          {{"reports", "--output", "ndjson", "--status", "ingested"},
           0,
           "\"finished_time\":\"2026-01-01T00:00:00Z\"",
           ""},
          {{"reports", "--limit", "1"}, 0, "b.tsv", "more: --page-token "},
          {{"reports", "--since", "yesterday-ish"}, 2, "", "--since"},
          {{"report", "1"}, 0, "a.tsv", ""},
          {{"report", "1", "--output", "json"}, 0, "\"report_id\": 1\n", ""},
          {{"report", "1", "--output", "ndjson"}, 0, "{\"path\":", ""},
          {{"report", "999"}, 3, "", "999"},
          {{"report", "x"}, 2, "", ""},
          {{"report"}, 2, "", "missing argument"},
          {{"status"}, 0, "Z)", ""},
          {{"status", "--output", "ndjson"}, 0, "{\"version\":", ""},
          {{"watch", "--type", "nonsense"}, 2, "", "nonsense"},
          {{"watch", "--campaign", "north"}, 2, "", ""},
      },
      plain_.address);
}

TEST_F(CtlTableTest, PageTokensAreOpaque) {
  CtlRun first =
      Ctl({"reports", "--limit", "1", "--address", plain_.address, "--output", "json"}, plain_.dir);
  ASSERT_EQ(first.code, 0) << first.err;
  size_t at = first.out.find("\"next_page_token\": \"");
  ASSERT_NE(at, std::string::npos) << first.out;
  std::string token = first.out.substr(at + 20);
  token = token.substr(0, token.find('"'));
  EXPECT_FALSE(token.empty());
  EXPECT_FALSE(std::all_of(token.begin(), token.end(), ::isdigit)) << token;
  CtlRun second = Ctl(
      {"reports", "--limit", "1", "--page-token", token, "--address", plain_.address}, plain_.dir);
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("a.tsv"));
  EXPECT_THAT(second.out, Not(HasSubstr("b.tsv")));
}

TEST_F(CtlTableTest, ReprocessTargetsAndFollow) {
  Check(
      {
          {{"reprocess"}, 2, "", "exactly one of"},
          {{"reprocess", "--company", "acme", "--report", "1"}, 2, "", "exactly one of"},
          {{"reprocess", "--campaign", "north"}, 2, "", ""},
          {{"reprocess", "--file", "acme/north/02000800/nope.tsv"}, 3, "", "nope.tsv"},
          {{"reprocess", "--company", "nope"}, 3, "", "nope"},
          {{"reprocess", "--follow", "999", "--no-wait"}, 3, "", "999"},
          {{"reprocess", "--report", "1", "--errors-only"}, 0, "Nothing to reprocess", ""},
          {{"reprocess", "--file", "acme/north/02000800/parsed/a.tsv", "--errors-only"},
           0,
           "Nothing to reprocess",
           ""},
          {{"reprocess", "--campaign", "acme/north", "--errors-only"},
           0,
           "Nothing to reprocess",
           ""},
          {{"reprocess", "--report", "1", "--no-wait"}, 0, "reprocess --follow 1", ""},
          // The file waits in its device folder now: the daemon cannot take it again.
          {{"reprocess", "--file", "acme/north/02000800/a.tsv"}, 5, "", "a.tsv"},
          {{"reprocess", "--follow", "1", "--no-wait", "--output", "json"},
           0,
           "\"batch_id\": 1,",
           ""},
      },
      plain_.address);
}

TEST_F(CtlTableTest, PlanAndApplyExitCodes) {
  Check(
      {
          // One condition, one code: provisioning not configured is 5 from every command.
          {{"plan"}, 5, "", "not configured"},
          {{"plan", "--detailed-exitcode"}, 5, "", "not configured"},
          {{"apply", "--yes"}, 5, "", "not configured"},
          {{"apply", "--fingerprint", "abc"}, 5, "", "not configured"},
      },
      plain_.address);
  Check(
      {
          {{"plan"}, 0, "fingerprint", ""},
          {{"plan", "--detailed-exitcode"}, 2, "fingerprint", ""},
          {{"plan", "--output", "ndjson"}, 0, "{\"type\":\"ACTION_TYPE_CREATE\"", ""},
          {{"plan", "--campaign", "acme/north", "--output", "json"}, 0, "\"fingerprint\":", ""},
          {{"plan", "--company", "nope"}, 3, "", "nope"},
          {{"apply", "--fingerprint", "abc"}, 4, "", "review the new plan"},
          {{"apply", "--yes", "--fingerprint", "abc"}, 2, "", ""},
          {{"apply"}, 2, "", "--yes"},
          {{"apply", "--yes"}, 0, "Applied", ""},
          {{"plan", "--detailed-exitcode"}, 0, "", ""},
          {{"apply", "--yes", "--output", "json"}, 0, "\"applied\": 0", ""},
      },
      provisioned_.address);
}

TEST_F(CtlTableTest, AddressesAndConnectionErrors) {
  std::string port = tcp_.address.substr(tcp_.address.rfind(':') + 1);
  Check(
      {
          {{"status", "--address", "unix:///nonexistent-dir/admin.sock", "--timeout", "2s"},
           1,
           "",
           "cannot reach powerviewd's admin API at unix:///nonexistent-dir/admin.sock"},
          {{"status", "--address", "localhost:99999"}, 2, "", "1 to 65535"},
          {{"status", "--address", "localhost:0"}, 2, "", "1 to 65535"},
          {{"status", "--address", "localhost"}, 2, "", "host:port"},
          {{"status", "--address", "a:1,b:2"}, 2, "", "more than one address"},
          {{"status", "--address", "unix:relative.sock"}, 2, "", "relative socket path"},
          {{"status", "--address", "unix://relative.sock"}, 2, "", "relative socket path"},
          {{"status", "--address", "https://127.0.0.1:1"}, 2, "", "--tls-ca"},
          {{"status", "--address", "ftp://127.0.0.1:1"}, 2, "", ""},
          {{"status", "--address", "::1:80"}, 2, "", "[addr]:port"},
          {{"status", "--address", "http://127.0.0.1:" + port, "--token", "s3cret"}, 0, "Z", ""},
          {{"status", "--address", "127.0.0.1:" + port, "--token", "s3cret"}, 0, "queue", ""},
          {{"status", "--address", "127.0.0.1:" + port}, 1, "", "--token"},
          {{"status", "--address", "127.0.0.1:" + port, "--tls-ca", "/nonexistent.pem"}, 2, "", ""},
      },
      plain_.address);
}

}  // namespace
}  // namespace powerview::admin
