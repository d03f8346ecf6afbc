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
#include "server/intake/plugin_mode.h"

namespace {

// The signals the main thread waits for; blocked in every thread.
sigset_t TerminationSignals(bool plugin) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  // A plugin ignores SIGINT, as go-plugin plugins do: a Ctrl-C meant for SFTPGo reaches the
  // whole process group, and SFTPGo stops its plugins itself (GRPCController.Shutdown).
  if (!plugin) sigaddset(&set, SIGINT);
  return set;
}

int WaitForTerminationSignal(bool plugin) {
  sigset_t set = TerminationSignals(plugin);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

// Plugin mode: SFTPGo started us. Serve the notifier behind the go-plugin handshake; stop on
// GRPCController.Shutdown or SIGTERM within SFTPGo's 2 s.
int RunPlugin(powerview::daemon::Daemon* d) {
  using namespace powerview;
  absl::StatusOr<intake::PluginEnvironment> env = intake::ReadPluginEnvironment();
  if (!env.ok()) {
    PV_LOG_ERROR("plugin", "%s", env.status().message());
    return 1;
  }
  intake::PluginServer plugin;
  grpc::ServerBuilder builder;
  // Shutdown arrives as an RPC: wake the main thread the same way SIGTERM does.
  absl::Status prepared = plugin.Prepare(
      &builder, *env, [] { kill(getpid(), SIGTERM); }, d->config().plugin_tcp);
  if (!prepared.ok()) {
    PV_LOG_ERROR("plugin", "%s", prepared.message());
    return 1;
  }
  d->RegisterNotifier(&builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    PV_LOG_ERROR("plugin", "the plugin's gRPC server did not start");
    return 1;
  }
  if (absl::Status s = plugin.WriteHandshake(); !s.ok()) {
    PV_LOG_ERROR("plugin", "handshake: %s", s.message());
    return 1;
  }
  PV_LOG_INFO("plugin", "serving SFTPGo: %s", plugin.HandshakeLine().value_or(""));
  WaitForTerminationSignal(/*plugin=*/true);
  PV_LOG_INFO("plugin", "stopping: in-flight events are recorded, running jobs resume later");
  plugin.EndStreams();
  // In-flight SendFsEvent calls finish their journal write; then the workers get what is left
  // of SFTPGo's 2 s. Jobs still running stay in the journal and resume at the next start.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  bool clean = d->Shutdown(absl::Milliseconds(1000));
  server.reset();
  if (!clean) {
    PV_LOG_INFO("plugin", "stopped; running jobs stay in the journal and resume at the next start");
    std::_Exit(0);  // their threads still use the stages: end without destroying them
  }
  PV_LOG_INFO("plugin", "stopped");
  return 0;
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

  bool plugin = config->plugin || intake::IsPluginLaunch();
  if (plugin && !intake::IsPluginLaunch()) {
    std::fputs(intake::NotPluginLaunchMessage("powerviewd").c_str(), stderr);
    return 1;
  }
  // Signals are taken by sigwait in the main thread only.
  sigset_t set = TerminationSignals(plugin);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (plugin) intake::IgnoreInterruptSignal();

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
  if (plugin) {
    if (absl::Status s = (*d)->StartAdminServer(); !s.ok()) {
      PV_LOG_WARN("daemon", "admin API not available: %s", s.message());
    }
    return RunPlugin(d->get());
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
  int sig = WaitForTerminationSignal(/*plugin=*/false);
  PV_LOG_INFO("daemon", "signal %d: stopping (running jobs get %s to finish)", sig,
              absl::FormatDuration(config->shutdown_grace));
  if (!(*d)->Shutdown(config->shutdown_grace)) {
    PV_LOG_INFO("daemon",
                "stopped; unfinished jobs resume at the next start, where provisioning also "
                "reconciles");
    std::_Exit(0);  // their threads still use the stages: end without destroying them
  }
  PV_LOG_INFO("daemon", "stopped");
  return 0;
}
