#include "tests/plugin/go_host.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace powerview::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempFile(const char* stem) {
  std::string path = absl::StrCat("/tmp/", stem, "-XXXXXX");
  int fd = mkstemp(path.data());
  if (fd >= 0) close(fd);
  return path;
}

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

constexpr char kInstallHint[] =
    "apt-get install golang-go golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev";

}  // namespace

ProcessOutput RunProcessWithTimeout(const std::vector<std::string>& argv,
                                    const std::vector<std::string>& env, absl::Duration timeout,
                                    const std::string& cwd) {
  const std::string out_path = TempFile("pv-plugin-out");
  const std::string err_path = TempFile("pv-plugin-err");
  pid_t pid = fork();
  if (pid == 0) {
    // Own process group, so that a timeout also takes down the plugin the host started.
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_TRUNC);
    int err = open(err_path.c_str(), O_WRONLY | O_TRUNC);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE}) signal(sig, SIG_DFL);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  ProcessOutput result;
  if (pid < 0) {
    result.err = "fork failed";
    return result;
  }
  setpgid(pid, pid);  // also from here: whichever runs first
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (absl::Now() > deadline) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Whatever is left of the group (a plugin whose host failed) goes too.
  kill(-pid, SIGKILL);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadAll(out_path);
  result.err = ReadAll(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return result;
}

absl::StatusOr<std::string> BuildGoPluginHost() {
  const std::string go = POWERVIEW_GO_EXECUTABLE;
  if (go.empty() || !IsExecutable(go)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the Go toolchain was not found when CMake configured this build (go = '", go,
                     "'): install it with `", kInstallHint, "` and re-run cmake"));
  }
  for (const auto& [file, package] :
       {std::pair<std::string, std::string>{
            "/usr/share/gocode/src/github.com/hashicorp/go-plugin/client.go",
            "golang-github-hashicorp-go-plugin-dev"},
        {"/usr/share/gocode/src/google.golang.org/grpc/server.go", "golang-google-grpc-dev"}}) {
    if (!Exists(file)) {
      return absl::FailedPreconditionError(
          absl::StrCat(file, " is missing: install ", package, " (", kInstallHint, ")"));
    }
  }
  const std::string binary = POWERVIEW_GO_HOST_BINARY;
  const std::string work = POWERVIEW_GO_WORK_DIR;
  mkdir(work.c_str(), 0755);
  // One build at a time across test processes; the others then find the binary up to date.
  const std::string lock_path = work + "/build.lock";
  int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) return absl::InternalError(absl::StrCat("cannot open ", lock_path));
  flock(lock, LOCK_EX);
  const char* path = std::getenv("PATH");
  std::vector<std::string> env = {
      absl::StrCat("PATH=", path != nullptr ? path : "/usr/bin:/bin"),
      absl::StrCat("HOME=", work),
      "GOENV=off",
      "GO111MODULE=off",
      "GOPROXY=off",
      "GOFLAGS=",
      absl::StrCat("GOPATH=/usr/share/gocode:", work, "/gopath"),
      absl::StrCat("GOCACHE=", work, "/gocache"),
      absl::StrCat("GOTMPDIR=", work),
  };
  // GOPATH mode builds a main package outside GOPATH only as a relative path: run in its folder.
  ProcessOutput built = RunProcessWithTimeout({go, "build", "-o", binary, "."}, env,
                                              absl::Minutes(5), POWERVIEW_GO_HOST_SOURCE_DIR);
  flock(lock, LOCK_UN);
  close(lock);
  if (built.exit_code != 0 || !IsExecutable(binary)) {
    return absl::InternalError(absl::StrCat(
        "go build of ", POWERVIEW_GO_HOST_SOURCE_DIR, " failed (exit ", built.exit_code,
        built.timed_out ? ", timed out" : "", "):\n", built.out, built.err));
  }
  return binary;
}

std::string GoHostRun::Get(const std::string& key) const {
  auto it = report.find(key);
  return it == report.end() ? std::string() : it->second;
}

absl::StatusOr<GoHostRun> RunGoPluginHost(const std::vector<std::string>& host_flags,
                                          const std::vector<std::string>& plugin_argv,
                                          absl::Duration timeout) {
  absl::StatusOr<std::string> host = BuildGoPluginHost();
  if (!host.ok()) return host.status();
  std::vector<std::string> argv = {*host};
  argv.insert(argv.end(), host_flags.begin(), host_flags.end());
  argv.push_back("--");
  argv.insert(argv.end(), plugin_argv.begin(), plugin_argv.end());
  GoHostRun run;
  run.process = RunProcessWithTimeout(argv, {}, timeout);
  for (absl::string_view line : absl::StrSplit(run.process.out, '\n', absl::SkipEmpty())) {
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    run.report[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return run;
}

}  // namespace powerview::testing
