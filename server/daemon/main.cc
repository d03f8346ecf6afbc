// powerviewd: the PowerView daemon. Standalone it serves the notifier service on its listen
// addresses (fed by powerview-notify); started by SFTPGo as a notifier plugin it speaks the
// go-plugin handshake.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "server/common/log.h"
#include "server/daemon/config.h"
#include "server/daemon/daemon.h"

namespace {

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace powerview;
  absl::StatusOr<daemon::Config> config = daemon::ParseConfig(argc, argv);
  if (!config.ok()) {
    if (absl::IsCancelled(config.status())) return 0;  // --help
    std::fprintf(stderr, "powerviewd: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  LogLevel level;
  if (!ParseLogLevel(config->log_level, &level)) {
    std::fprintf(stderr, "powerviewd: unknown --log-level '%s'\n", config->log_level.c_str());
    return 2;
  }
  SetLogLevel(level);

  // Signals are taken by sigwait in the main thread only.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<std::unique_ptr<daemon::Daemon>> d = daemon::Daemon::Create(*config);
  if (!d.ok()) {
    PV_LOG_ERROR("daemon", "cannot start: %s", d.status().message());
    return 1;
  }
  PV_LOG_INFO("daemon", "PowerView %s: data root %s, state %s, InfluxDB %s (%s), %d worker(s)",
              POWERVIEW_VERSION, config->data_root, config->state_dir, config->influxdb_url,
              config->influxdb_api, config->workers);
  if (absl::Status s = (*d)->StartPipeline(); !s.ok()) {
    PV_LOG_ERROR("daemon", "cannot start the pipeline: %s", s.message());
    return 1;
  }
  if (absl::Status s = (*d)->StartNotifierServer(); !s.ok()) {
    PV_LOG_ERROR("daemon", "%s", s.message());
    return 1;
  }
  if (absl::Status s = (*d)->StartAdminServer(); !s.ok()) {
    // A configuration mistake stops the daemon; an address that cannot be bound only costs
    // the admin API, never the ingest.
    PV_LOG_ERROR("daemon", "admin API: %s", s.message());
    if (absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s)) return 2;
  }
  int sig = WaitForTerminationSignal();
  PV_LOG_INFO("daemon", "signal %d: stopping (running jobs get 10 s to finish)", sig);
  (*d)->Shutdown(absl::Seconds(10));
  PV_LOG_INFO("daemon", "stopped");
  return 0;
}
