// powerviewd: the PowerView daemon. Standalone it serves the notifier service on its listen
// addresses (fed by powerview-notify); started by SFTPGo as a notifier plugin it speaks the
// go-plugin handshake.
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "absl/status/status.h"
#include "grpc/support/log.h"
#include "server/common/log.h"
#include "server/daemon/config.h"
#include "server/daemon/daemon.h"
#include "server/daemon/daemon_metrics.h"
#include "server/intake/notifier_service.h"
#include "server/intake/plugin_mode.h"

namespace {

// gRPC's own log lines (C-core internals such as "E1202 ... chttp2_server.cc:...") would reach
// the operator in another format; they go through PowerView's log instead, errors as warnings
// (the daemon reports what failed itself), the rest at debug level.
void RouteGrpcLog(gpr_log_func_args* args) {
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    PV_LOG_WARN("grpc", "%s", args->message);
  } else {
    PV_LOG_DEBUG("grpc", "%s", args->message);
  }
}

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

// --metrics-listen: an address that cannot be bound costs the metrics only (logged), never the
// ingest. Returns the exit code when the daemon must stop, else 0.
int StartMetrics(powerview::daemon::Daemon* d,
                 std::unique_ptr<powerview::daemon::DaemonMetrics>* out) {
  if (d->config().metrics_listen.empty()) return 0;
  auto started = powerview::daemon::DaemonMetrics::Start(d, d->config().metrics_listen);
  if (!started.ok()) {
    PV_LOG_ERROR("daemon", "metrics: %s", started.status().message());
    return absl::IsInvalidArgument(started.status()) ? 2 : 0;
  }
  *out = std::move(*started);
  return 0;
}

// Waits until `root` is a folder: logs at once and every minute while it is not. SFTPGo makes a
// user's home at the first login and a fresh host may not have the data root yet; exiting would
// take SFTPGo down with us in plugin mode. Returns false when a termination signal (or, in plugin
// mode, SFTPGo's Shutdown) arrived meanwhile.
bool WaitForDataRoot(const std::string& root, bool plugin) {
  // Empty when `root` is a folder, else what is wrong with it.
  auto problem = [&root]() -> std::string {
    struct stat st;
    if (::stat(root.c_str(), &st) != 0) return std::strerror(errno);
    return S_ISDIR(st.st_mode) ? "" : "not a folder";
  };
  std::string why = problem();
  if (why.empty()) return true;
  PV_LOG_WARN("daemon",
              "data root %s is not there (%s): waiting for it; nothing is ingested until it "
              "appears, and events meanwhile are %s",
              root, why,
              plugin ? "refused with UNAVAILABLE (SFTPGo retries them with retry_max_time)"
                     : "spooled by powerview-notify");
  absl::Time began = absl::Now();
  absl::Time next_log = began + absl::Minutes(1);
  sigset_t set = TerminationSignals(plugin);
  while (true) {
    timespec tick{0, 500 * 1000 * 1000};
    if (sigtimedwait(&set, nullptr, &tick) > 0) return false;
    why = problem();
    absl::Duration waited = absl::Trunc(absl::Now() - began, absl::Seconds(1));
    if (why.empty()) {
      PV_LOG_INFO("daemon", "data root %s appeared after %s: starting", root,
                  absl::FormatDuration(waited));
      return true;
    }
    if (absl::Now() >= next_log) {
      PV_LOG_WARN("daemon", "still waiting for the data root %s (%s), for %s now", root, why,
                  absl::FormatDuration(waited));
      next_log += absl::Minutes(1);
    }
  }
}

// Builds the daemon and starts its pipeline; logs and returns null on failure.
std::unique_ptr<powerview::daemon::Daemon> StartDaemon(const powerview::daemon::Config& config) {
  using namespace powerview;
  absl::StatusOr<std::unique_ptr<daemon::Daemon>> d = daemon::Daemon::Create(config);
  if (!d.ok()) {
    PV_LOG_ERROR("daemon", "cannot start: %s", d.status().message());
    return nullptr;
  }
  PV_LOG_INFO("daemon", "PowerView %s: data root %s, state %s, InfluxDB %s (%s), %d worker(s)",
              POWERVIEW_VERSION, config.data_root, config.state_dir, config.influxdb_url,
              config.influxdb_api, config.workers);
  if (absl::Status s = (*d)->StartPipeline(); !s.ok()) {
    PV_LOG_ERROR("daemon", "cannot start the pipeline: %s", s.message());
    return nullptr;
  }
  return std::move(*d);
}

// Plugin mode: SFTPGo started us. Serve the notifier behind the go-plugin handshake at once (SFTPGo
// waits at most a minute for it, and refuses to start without its plugins), then wait for the
// data root if needed, then build the daemon; stop on GRPCController.Shutdown or SIGTERM within
// SFTPGo's 2 s.
int RunPlugin(const powerview::daemon::Config& config) {
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
      &builder, *env, [] { kill(getpid(), SIGTERM); }, config.plugin_tcp);
  if (!prepared.ok()) {
    PV_LOG_ERROR("plugin", "%s", prepared.message());
    return 1;
  }
  // Refuses events (UNAVAILABLE) until the daemon is built.
  intake::NotifierService notifier(nullptr);
  builder.RegisterService(&notifier);
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
  std::unique_ptr<daemon::Daemon> d;
  if (WaitForDataRoot(config.data_root, /*plugin=*/true)) {
    d = StartDaemon(config);
    if (d == nullptr) return 1;
    if (absl::Status s = d->StartAdminServer(); !s.ok()) {
      PV_LOG_WARN("daemon", "admin API not available: %s", s.message());
    }
    std::unique_ptr<daemon::DaemonMetrics> metrics;  // destroyed before the daemon
    StartMetrics(d.get(), &metrics);                 // a plugin never stops SFTPGo over its metrics
    notifier.SetIntake(d->intake());
    WaitForTerminationSignal(/*plugin=*/true);
  }
  PV_LOG_INFO("plugin", "stopping: in-flight events are recorded, running jobs resume later");
  plugin.EndStreams();
  // In-flight SendFsEvent calls finish their journal write; then the workers get what is left
  // of SFTPGo's 2 s. Jobs still running stay in the journal and resume at the next start.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  bool clean = d == nullptr || d->Shutdown(absl::Milliseconds(1000));
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
  // --version answers before anything else is read (configuration file, environment).
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      std::printf("powerviewd %s\n", POWERVIEW_VERSION);
      return 0;
    }
  }
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
  gpr_set_log_function(RouteGrpcLog);

  // A go-plugin host without SFTPGo's cookie: refuse now, before any socket or file is made,
  // so the host sees the reason instead of waiting for a handshake until its start timeout.
  if (!intake::IsPluginLaunch() && intake::HasPluginHostEnvironment()) {
    std::fputs(intake::WrongCookieMessage("powerviewd").c_str(), stderr);
    return 1;
  }
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

  if (plugin) return RunPlugin(*config);
  if (!WaitForDataRoot(config->data_root, /*plugin=*/false)) {
    PV_LOG_INFO("daemon", "stopped before the data root appeared");
    return 0;
  }
  std::unique_ptr<daemon::Daemon> d = StartDaemon(*config);
  if (d == nullptr) return 1;
  if (absl::Status s = d->StartNotifierServer(); !s.ok()) {
    PV_LOG_ERROR("daemon", "%s", s.message());
    return 1;
  }
  if (absl::Status s = d->StartAdminServer(); !s.ok()) {
    // A configuration mistake stops the daemon; an address that cannot be bound only costs
    // the admin API, never the ingest.
    PV_LOG_ERROR("daemon", "admin API: %s", s.message());
    if (absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s)) return 2;
  }
  std::unique_ptr<daemon::DaemonMetrics> metrics;  // destroyed before the daemon
  if (int code = StartMetrics(d.get(), &metrics); code != 0) return code;
  int sig = WaitForTerminationSignal(/*plugin=*/false);
  PV_LOG_INFO("daemon", "signal %d: stopping (running jobs get %s to finish)", sig,
              absl::FormatDuration(config->shutdown_grace));
  if (!d->Shutdown(config->shutdown_grace)) {
    PV_LOG_INFO("daemon",
                "stopped; unfinished jobs resume at the next start, where provisioning also "
                "reconciles");
    std::_Exit(0);  // their threads still use the stages: end without destroying them
  }
  PV_LOG_INFO("daemon", "stopped");
  return 0;
}
