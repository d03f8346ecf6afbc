// Test support: builds and runs go-plugin-host (tests/plugin/host), a real hashicorp/go-plugin
// host that starts a notifier plugin the way SFTPGo does. Any plugin works: pv_test_plugin in
// this folder's tests, powerviewd in end-to-end tests.
#ifndef POWERVIEW_TESTS_PLUGIN_GO_HOST_H_
#define POWERVIEW_TESTS_PLUGIN_GO_HOST_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace powerview::testing {

struct ProcessOutput {
  int exit_code = -1;  // -1 when it ended by a signal (or was killed after the timeout)
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `argv` (argv[0] an absolute path) with exactly `env` as its environment, stdin from
// /dev/null and, if `cwd` is not empty, in that folder; collects stdout and stderr; SIGKILLs it
// (and its process group) after `timeout`.
ProcessOutput RunProcessWithTimeout(const std::vector<std::string>& argv,
                                    const std::vector<std::string>& env, absl::Duration timeout,
                                    const std::string& cwd = "");

// Builds go-plugin-host with Debian's Go toolchain, offline (GO111MODULE=off,
// GOPATH=/usr/share/gocode, GOPROXY=off), into the build folder, with the Go build cache there
// too: the first build takes about 20 s, later ones under a second. Safe to call from concurrent
// test processes. Returns the binary's path; the error says which Debian package is missing.
absl::StatusOr<std::string> BuildGoPluginHost();

struct GoHostRun {
  ProcessOutput process;
  std::map<std::string, std::string> report;  // the host's key=value stdout lines

  // The report value, "" when absent.
  std::string Get(const std::string& key) const;
};

// Runs `go-plugin-host <host_flags> -- <plugin_argv>` (see tests/plugin/host/main.go for the
// flags and report keys). The host runs with an empty environment and clears its own before it
// starts the plugin, as SFTPGo does.
absl::StatusOr<GoHostRun> RunGoPluginHost(const std::vector<std::string>& host_flags,
                                          const std::vector<std::string>& plugin_argv,
                                          absl::Duration timeout = absl::Seconds(90));

}  // namespace powerview::testing

#endif  // POWERVIEW_TESTS_PLUGIN_GO_HOST_H_
