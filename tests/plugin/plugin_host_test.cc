// Plugin mode end to end: a real hashicorp/go-plugin host (tests/plugin/host) starts
// pv_test_plugin the way SFTPGo starts powerviewd, sends events and Kill()s it.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/plugin/go_host.h"

namespace powerview::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// What a go-plugin host says when the plugin exits before its handshake line: 1.0.1 (Debian)
// reads the closed stdout as an empty line, later versions name the exit.
const char kExitedBeforeHandshake[] =
    "(plugin exited before we could connect|Unrecognized remote plugin message: ).*";

const char kCookie[] = "SFTPGO_PLUGIN_NOTIFIER=c499b98b-cd59-4df2-92b3-6268817f4d80";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

double Number(const std::string& text) {
  double value = -1;
  EXPECT_TRUE(absl::SimpleAtod(text, &value)) << "'" << text << "' is not a number";
  return value;
}

class PluginHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Every test needs the host; building is a no-op once it is up to date.
    absl::StatusOr<std::string> host = BuildGoPluginHost();
    ASSERT_TRUE(host.ok()) << host.status();
    std::string pattern = "/tmp/pv-plugin-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const char* name : {"events.json", "received.jsonl", "environment", "plugin.stderr"}) {
      unlink(Path(name).c_str());
    }
    rmdir(dir_.c_str());
  }

  std::string Path(const std::string& name) const { return absl::StrCat(dir_, "/", name); }

  // Three uploads as SFTPGo sends them for files below /srv/sftpgo/data.
  std::string WriteUploadEvents() {
    std::ofstream out(Path("events.json"));
    out << R"([
  {"action": "upload", "username": "acme", "fs_path": "/srv/sftpgo/data/acme/c1/d1/a.tsv",
   "virtual_path": "/c1/d1/a.tsv", "file_size": 1234, "status": 1, "protocol": "SFTP",
   "timestamp": 1753100000123456789, "session_id": "s1"},
  {"action": "upload", "username": "acme", "fs_path": "/srv/sftpgo/data/acme/c1/d1/b.tsv",
   "virtual_path": "/c1/d1/b.tsv", "file_size": 99, "status": 1, "protocol": "SFTP",
   "timestamp": 1753100000223456789, "session_id": "s1"},
  {"action": "upload", "username": "acme", "fs_path": "/srv/sftpgo/data/acme/c1/d1/c.tsv",
   "virtual_path": "/c1/d1/c.tsv", "file_size": 0, "status": 2, "protocol": "FTP",
   "timestamp": 1753100000323456789, "session_id": "s2", "metadata": {"k": "v"}}
])";
    return Path("events.json");
  }

  std::vector<std::string> PluginArgv(std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {POWERVIEW_TEST_PLUGIN, "--events-file", Path("received.jsonl"),
                                     "--environment-file", Path("environment")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  GoHostRun Run(const std::vector<std::string>& host_flags,
                const std::vector<std::string>& plugin_argv) {
    absl::StatusOr<GoHostRun> run = RunGoPluginHost(host_flags, plugin_argv);
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return GoHostRun();
    EXPECT_FALSE(run->process.timed_out) << run->process.err;
    return *std::move(run);
  }

  // The checks every successful session shares: handshake, health, stdio, events, graceful Kill.
  void ExpectCleanSession(const GoHostRun& run, int events) {
    const std::string context = run.process.out + run.process.err;
    EXPECT_EQ(run.process.exit_code, 0) << context;
    EXPECT_EQ(run.Get("start"), "ok") << context;
    EXPECT_EQ(run.Get("protocol_version"), "1") << context;
    EXPECT_EQ(run.Get("ping"), "ok") << context;
    EXPECT_EQ(run.Get("stdio"), "open") << context;
    EXPECT_EQ(run.Get("events_sent"), std::to_string(events)) << context;
    EXPECT_EQ(run.Get("events_acked"), std::to_string(events)) << context;
    EXPECT_EQ(run.Get("events_failed"), "0") << context;
    EXPECT_EQ(run.Get("graceful"), "true") << context;
    EXPECT_LT(Number(run.Get("kill_ms")), 2000) << context;
    // The stdio stream ended: by the plugin on Shutdown (io.EOF at the host), or by the
    // connection closing right after (Canceled or Unavailable), whichever the host saw first.
    EXPECT_THAT(run.Get("stdio_end"), MatchesRegex("EOF|.*code = (Canceled|Unavailable).*"))
        << context;
  }

  std::string dir_;
};

TEST_F(PluginHostTest, HandshakeOverUnixSocketDeliversEventsAndStopsGracefully) {
  GoHostRun run = Run({"--events", WriteUploadEvents()}, PluginArgv());
  ExpectCleanSession(run, 3);
  EXPECT_EQ(run.Get("network"), "unix");
  EXPECT_THAT(run.Get("address"), MatchesRegex("/tmp/powerview-plugin-[A-Za-z0-9]+/plugin.sock"));
  EXPECT_EQ(run.Get("tls"), "off");
  // The socket and its private folder are gone once the plugin exited.
  struct stat st;
  EXPECT_NE(stat(run.Get("address").c_str(), &st), 0);

  std::vector<std::string> received = Lines(ReadAll(Path("received.jsonl")));
  ASSERT_EQ(received.size(), 3u);
  std::set<std::string> paths;
  for (const std::string& line : received) {
    rapidjson::Document event;
    ASSERT_FALSE(event.Parse(line.c_str()).HasParseError()) << line;
    EXPECT_STREQ(event["action"].GetString(), "upload");
    EXPECT_STREQ(event["username"].GetString(), "acme");
    paths.insert(event["fs_path"].GetString());
    if (absl::EndsWith(event["fs_path"].GetString(), "a.tsv")) {
      EXPECT_STREQ(event["virtual_path"].GetString(), "/c1/d1/a.tsv");
      EXPECT_STREQ(event["file_size"].GetString(), "1234");  // int64 as a JSON string
      EXPECT_EQ(event["status"].GetInt(), 1);
      EXPECT_STREQ(event["timestamp"].GetString(), "1753100000123456789");
    }
    if (absl::EndsWith(event["fs_path"].GetString(), "c.tsv")) {
      EXPECT_EQ(event["status"].GetInt(), 2);
      EXPECT_STREQ(event["metadata"]["k"].GetString(), "v");
    }
  }
  EXPECT_EQ(paths.size(), 3u);
}

TEST_F(PluginHostTest, PluginSeesOnlyTheEnvironmentSftpgoPasses) {
  GoHostRun run = Run({"--env", "POWERVIEW_PLUGIN_CONF=/etc/powerview/plugin.conf"}, PluginArgv());
  ExpectCleanSession(run, 0);
  std::set<std::string> names;
  for (const std::string& entry : Lines(ReadAll(Path("environment")))) {
    names.insert(entry.substr(0, entry.find('=')));
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"SFTPGO_PLUGIN_NOTIFIER", "PLUGIN_MIN_PORT", "PLUGIN_MAX_PORT",
                                   "PLUGIN_PROTOCOL_VERSIONS", "POWERVIEW_PLUGIN_CONF"}));
}

TEST_F(PluginHostTest, AutoMtlsWithGoPluginsP521ClientCertificate) {
  GoHostRun run = Run({"--auto-mtls", "--events", WriteUploadEvents()}, PluginArgv());
  ExpectCleanSession(run, 3);
  EXPECT_EQ(run.Get("network"), "unix");
  EXPECT_EQ(run.Get("tls"), "on");
  EXPECT_EQ(run.Get("tls_version"), "1.3");
  EXPECT_EQ(Lines(ReadAll(Path("received.jsonl"))).size(), 3u);
}

TEST_F(PluginHostTest, AutoMtlsOverTcpWithinThePortRange) {
  GoHostRun run = Run({"--auto-mtls", "--events", WriteUploadEvents()}, PluginArgv({"--tcp"}));
  ExpectCleanSession(run, 3);
  EXPECT_EQ(run.Get("network"), "tcp");
  EXPECT_EQ(run.Get("tls"), "on");
  std::vector<std::string> host_port = absl::StrSplit(run.Get("address"), ':');
  ASSERT_EQ(host_port.size(), 2u) << run.Get("address");
  EXPECT_EQ(host_port[0], "127.0.0.1");
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(host_port[1], &port));
  EXPECT_GE(port, 10000);  // go-plugin's PLUGIN_MIN_PORT / PLUGIN_MAX_PORT defaults
  EXPECT_LE(port, 25000);
}

// The same exchange as AutoMTLS, done by hand to choose the client key's curve and the TLS
// version: TLS 1.3 accepts every curve Go offers.
TEST_F(PluginHostTest, MutualTlsThirteenAcceptsP256P384AndP521ClientKeys) {
  for (const char* curve : {"P256", "P384", "P521"}) {
    SCOPED_TRACE(curve);
    GoHostRun run =
        Run({"--manual-mtls-curve", curve, "--manual-mtls-max-tls", "1.3"}, PluginArgv());
    ExpectCleanSession(run, 0);
    EXPECT_EQ(run.Get("tls"), "on");
    EXPECT_EQ(run.Get("tls_version"), "1.3");
  }
}

// A host limited to TLS 1.2 works with a P-256 client key.
TEST_F(PluginHostTest, MutualTlsTwelveWithP256ClientKey) {
  GoHostRun run =
      Run({"--manual-mtls-curve", "P256", "--manual-mtls-max-tls", "1.2"}, PluginArgv());
  ExpectCleanSession(run, 0);
  EXPECT_EQ(run.Get("tls_version"), "1.2");
}

TEST_F(PluginHostTest, ConcurrentEventsAreAllAcknowledgedAndRecorded) {
  GoHostRun run = Run({"--events", WriteUploadEvents(), "--repeat", "100", "--concurrency", "16"},
                      PluginArgv());
  ExpectCleanSession(run, 300);
  std::vector<std::string> received = Lines(ReadAll(Path("received.jsonl")));
  EXPECT_EQ(received.size(), 300u);
  std::cerr << "300 events, 16 in flight: " << run.Get("acks_per_second") << " acks/s, p99 "
            << run.Get("latency_p99_ms") << " ms\n";
}

TEST_F(PluginHostTest, HostDetectsAPluginThatIgnoresShutdown) {
  // Checks the host's graceful/forced report itself: this plugin stays up after Shutdown, so
  // go-plugin waits 2 s and SIGKILLs it.
  GoHostRun run = Run({}, PluginArgv({"--ignore-shutdown"}));
  EXPECT_EQ(run.Get("start"), "ok") << run.process.err;
  EXPECT_EQ(run.Get("graceful"), "false") << run.process.err;
  EXPECT_GE(Number(run.Get("kill_ms")), 2000);
  EXPECT_NE(run.process.exit_code, 0);
  // A SIGKILLed plugin cannot remove its socket: clean up after it.
  const std::string socket = run.Get("address");
  ASSERT_THAT(socket, MatchesRegex("/tmp/powerview-plugin-[A-Za-z0-9]+/plugin.sock"));
  unlink(socket.c_str());
  rmdir(socket.substr(0, socket.rfind('/')).c_str());
}

TEST_F(PluginHostTest, WrongProtocolVersionListIsRefused) {
  GoHostRun run =
      Run({"--versions", "2,3", "--expect-start-error", "--plugin-stderr", Path("plugin.stderr")},
          PluginArgv());
  EXPECT_EQ(run.process.exit_code, 0) << run.process.out << run.process.err;
  EXPECT_EQ(run.Get("start"), "failed");
  EXPECT_THAT(run.Get("start_error"), MatchesRegex(kExitedBeforeHandshake));
  EXPECT_EQ(run.Get("plugin_exited"), "true");
  // The reason reaches the host's log through stderr, at error level. go-plugin sends the
  // versions in map order.
  EXPECT_THAT(ReadAll(Path("plugin.stderr")),
              MatchesRegex("\\[ERROR\\] .* plugin: Incompatible API version with plugin. Plugin "
                           "version: 1, Client versions: \\[(2 3|3 2)\\].*"));
}

TEST_F(PluginHostTest, WrongCookieIsRefusedWithAnExplanation) {
  GoHostRun run = Run({"--cookie", "not-the-cookie", "--expect-start-error", "--plugin-stderr",
                       Path("plugin.stderr")},
                      PluginArgv());
  EXPECT_EQ(run.process.exit_code, 0) << run.process.out << run.process.err;
  EXPECT_THAT(run.Get("start_error"), MatchesRegex(kExitedBeforeHandshake));
  EXPECT_EQ(run.Get("plugin_exited"), "true");
  EXPECT_THAT(ReadAll(Path("plugin.stderr")), HasSubstr("not started by SFTPGo"));
}

TEST_F(PluginHostTest, StartedWithoutCookieExplainsAndExitsNonZero) {
  ProcessOutput out =
      RunProcessWithTimeout({POWERVIEW_TEST_PLUGIN}, {"PATH=/usr/bin:/bin"}, absl::Seconds(20));
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_EQ(out.out, "");  // stdout belongs to the handshake
  EXPECT_THAT(out.err, HasSubstr("plugin mode was requested, but this process was not started "
                                 "by SFTPGo"));
  EXPECT_THAT(out.err, HasSubstr("\"plugins\""));
  EXPECT_THAT(out.err, HasSubstr("without --plugin"));
}

// Started directly with the go-plugin environment: exactly one handshake line on stdout, SIGINT
// ignored, SIGTERM stops it cleanly and removes the socket.
TEST_F(PluginHostTest, DirectLaunchIgnoresSigintAndStopsOnSigterm) {
  int out_pipe[2];
  ASSERT_EQ(pipe(out_pipe), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    close(out_pipe[0]);
    const std::string tmp = "TMPDIR=" + dir_;
    const char* argv[] = {POWERVIEW_TEST_PLUGIN, nullptr};
    const char* envp[] = {kCookie, "PLUGIN_PROTOCOL_VERSIONS=1", tmp.c_str(), nullptr};
    execve(argv[0], const_cast<char**>(argv), const_cast<char**>(envp));
    _exit(127);
  }
  close(out_pipe[1]);
  std::string line;
  char c;
  while (read(out_pipe[0], &c, 1) == 1 && c != '\n') line += c;
  EXPECT_THAT(line, MatchesRegex("1\\|1\\|unix\\|" + dir_ +
                                 "/powerview-plugin-[A-Za-z0-9]+/plugin.sock\\|grpc\\|"));
  std::vector<std::string> parts = absl::StrSplit(line, '|');
  ASSERT_EQ(parts.size(), 6u);
  struct stat st;
  ASSERT_EQ(stat(parts[3].c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string folder = parts[3].substr(0, parts[3].rfind('/'));
  ASSERT_EQ(stat(folder.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the plugin died of SIGINT";

  kill(pid, SIGTERM);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // Nothing else was written to stdout.
  std::string rest;
  while (read(out_pipe[0], &c, 1) == 1) rest += c;
  close(out_pipe[0]);
  EXPECT_EQ(rest, "");
  EXPECT_NE(stat(folder.c_str(), &st), 0) << "socket folder left behind";
}

}  // namespace
}  // namespace powerview::testing
