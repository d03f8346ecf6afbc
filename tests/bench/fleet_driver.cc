// fleet-driver: announces a list of uploads as SFTPGo's action hook does (one powerview-notify
// process per upload, a fixed number at a time), measures how long each hook call takes, and
// waits until every file has left its folder for parsed/ or error/.
//
//   fleet-driver --notify BIN --address ADDR --list FILE [--concurrency 16] [--timeout 600s]
//
// FILE holds one upload per line: path, bytes, points (tab-separated, as `powerview-gen fleet`
// prints). Prints key=value lines: hook latency percentiles, the time from the first
// announcement until the last file was moved, files/s and points/s over that time.
// Exit status: 0 when every hook call succeeded and every file was moved in time, 1 otherwise,
// 2 on bad usage.
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "server/common/flags.h"

extern char** environ;

namespace {

struct Upload {
  std::string path;
  int64_t bytes = 0;
  int64_t points = 0;
};

std::string Folder(const std::string& path) { return path.substr(0, path.rfind('/')); }
std::string Name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Runs the hook for one upload with the environment SFTPGo gives it; returns its exit status
// (-1 when it could not be started or ended by a signal).
int RunHook(const std::string& notify, const std::string& address, const std::string& spool,
            const Upload& u, int64_t timestamp_ns) {
  std::vector<std::string> env = {
      "SFTPGO_ACTION=upload",
      absl::StrCat("SFTPGO_ACTION_PATH=", u.path),
      absl::StrCat("SFTPGO_ACTION_FILE_SIZE=", u.bytes),
      "SFTPGO_ACTION_STATUS=1",
      "SFTPGO_ACTION_PROTOCOL=SFTP",
      absl::StrCat("SFTPGO_ACTION_TIMESTAMP=", timestamp_ns),
      absl::StrCat("SFTPGO_ACTION_VIRTUAL_PATH=/", Name(Folder(u.path)), "/", Name(u.path)),
      "PATH=/usr/bin:/bin",
  };
  std::vector<std::string> args = {notify, "--address", address, "--spool-dir", spool, "--quiet"};
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, notify.c_str(), nullptr, nullptr, argv.data(), envp.data()) != 0) {
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string notify, address, list, spool = "/tmp/fleet-driver-spool";
  int64_t concurrency = 16;
  absl::Duration timeout = absl::Minutes(10);
  powerview::FlagSet flags(
      "fleet-driver", "--notify BIN --address ADDR --list FILE",
      "Announces each upload of FILE (path, bytes, points per line) through powerview-notify, as\n"
      "SFTPGo's action hook does, and waits until every file is in parsed/ or error/.");
  flags.String("notify", &notify, "powerview-notify binary");
  flags.String("address", &address, "powerviewd notifier address");
  flags.String("list", &list, "uploads, one per line: path<TAB>bytes<TAB>points");
  flags.String("spool-dir", &spool, "powerview-notify --spool-dir");
  flags.Int("concurrency", &concurrency, "hook processes running at once");
  flags.Duration("timeout", &timeout, "give up waiting for the files after this long");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(argc, argv);
  if (!rest.ok()) {
    if (absl::IsCancelled(rest.status())) return 0;
    std::fprintf(stderr, "fleet-driver: %s\n", std::string(rest.status().message()).c_str());
    return 2;
  }
  if (notify.empty() || address.empty() || list.empty() || concurrency < 1 || !rest->empty()) {
    std::fprintf(stderr, "fleet-driver: need --notify, --address, --list (see --help)\n");
    return 2;
  }
  std::vector<Upload> uploads;
  std::ifstream in(list);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells = absl::StrSplit(line, '\t');
    Upload u;
    if (cells.size() != 3 || !absl::SimpleAtoi(cells[1], &u.bytes) ||
        !absl::SimpleAtoi(cells[2], &u.points)) {
      std::fprintf(stderr, "fleet-driver: %s: bad line '%s'\n", list.c_str(), line.c_str());
      return 2;
    }
    u.path = cells[0];
    uploads.push_back(std::move(u));
  }
  if (uploads.empty()) {
    std::fprintf(stderr, "fleet-driver: %s lists no upload\n", list.c_str());
    return 2;
  }

  const absl::Time start = absl::Now();
  const int64_t base_ns = absl::ToUnixNanos(start);
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  std::vector<std::vector<double>> latencies(concurrency);
  std::vector<absl::Time> finished(concurrency, start);
  std::vector<std::thread> hooks;
  for (int64_t t = 0; t < concurrency; ++t) {
    hooks.emplace_back([&, t] {
      for (size_t i = next++; i < uploads.size(); i = next++) {
        absl::Time sent = absl::Now();
        int code = RunHook(notify, address, spool, uploads[i], base_ns + static_cast<int64_t>(i));
        latencies[t].push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
        if (code != 0) ++failed;
      }
      finished[t] = absl::Now();
    });
  }

  // Meanwhile, watch the files leave their folders. A file is finished once it is in parsed/
  // (every point acknowledged, report written) or error/.
  std::vector<size_t> pending(uploads.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  int rejected = 0;
  absl::Time last_moved = start;
  const absl::Time deadline = start + timeout;
  while (!pending.empty() && absl::Now() < deadline) {
    std::vector<size_t> still;
    for (size_t i : pending) {
      const Upload& u = uploads[i];
      std::string folder = Folder(u.path), name = Name(u.path);
      if (Exists(absl::StrCat(folder, "/parsed/", name))) {
        last_moved = absl::Now();
      } else if (Exists(absl::StrCat(folder, "/error/", name))) {
        last_moved = absl::Now();
        ++rejected;
      } else {
        still.push_back(i);
      }
    }
    pending.swap(still);
    if (!pending.empty()) absl::SleepFor(absl::Milliseconds(50));
  }
  for (std::thread& t : hooks) t.join();
  const absl::Time announced = *std::max_element(finished.begin(), finished.end());

  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  int64_t points = 0;
  for (const Upload& u : uploads) points += u.points;
  const double drain = absl::ToDoubleSeconds(last_moved - start);
  std::printf("files=%zu\n", uploads.size());
  std::printf("points=%lld\n", static_cast<long long>(points));
  std::printf("hook_calls=%zu\nhook_failed=%d\n", all.size(), failed.load());
  std::printf("announce_s=%.3f\n", absl::ToDoubleSeconds(announced - start));
  std::printf("hook_p50_ms=%.1f\nhook_p90_ms=%.1f\nhook_p99_ms=%.1f\nhook_max_ms=%.1f\n",
              Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99),
              all.empty() ? 0.0 : all.back());
  std::printf("not_finished=%zu\nrejected=%d\n", pending.size(), rejected);
  std::printf("drain_s=%.3f\n", drain);
  std::printf("files_per_s=%.1f\n", static_cast<double>(uploads.size()) / drain);
  std::printf("points_per_s=%.0f\n", static_cast<double>(points) / drain);
  return failed.load() == 0 && pending.empty() ? 0 : 1;
}
