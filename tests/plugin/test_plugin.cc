// pv_test_plugin: a minimal SFTPGo notifier plugin built on pv_plugin. It serves proto.Notifier
// by appending every event it receives, as one JSON line, to --events-file, and answers only
// after the line is written. The plugin-mode tests drive it with the Go host (go-plugin-host).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "notifier.grpc.pb.h"
#include "server/common/flags.h"
#include "server/common/log.h"
#include "server/intake/plugin_mode.h"

extern char** environ;

namespace {

using powerview::intake::PluginServer;

// Appends events as JSON lines; the file is flushed before each call returns.
class RecordingNotifier final : public proto::Notifier::Service {
 public:
  // An empty `path` records nothing.
  explicit RecordingNotifier(const std::string& path) {
    if (!path.empty()) out_.open(path, std::ios::app);
  }

  grpc::Status SendFsEvent(grpc::ServerContext* context, const proto::FsEvent* request,
                           google::protobuf::Empty* response) override {
    return Record(*request);
  }
  grpc::Status SendProviderEvent(grpc::ServerContext* context, const proto::ProviderEvent* request,
                                 google::protobuf::Empty* response) override {
    return Record(*request);
  }
  grpc::Status SendLogEvent(grpc::ServerContext* context, const proto::LogEvent* request,
                            google::protobuf::Empty* response) override {
    return Record(*request);
  }

 private:
  grpc::Status Record(const google::protobuf::Message& event) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string line;
    if (!google::protobuf::util::MessageToJsonString(event, &line, options).ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "cannot encode the event");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!out_.is_open()) return grpc::Status::OK;
    out_ << line << '\n';
    out_.flush();
    if (!out_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "cannot write the events file");
    return grpc::Status::OK;
  }

  std::mutex mu_;
  std::ofstream out_;
};

// Writes the environment the plugin was started with, one KEY=VALUE per line (values with
// newlines, like PLUGIN_CLIENT_CERT, are cut at the first one).
void WriteEnvironment(const std::string& path) {
  std::ofstream out(path);
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    out << entry.substr(0, entry.find('\n')) << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string events_file;
  std::string environment_file;
  bool prefer_tcp = false;
  bool ignore_shutdown = false;
  powerview::FlagSet flags("pv_test_plugin", "[flags]",
                           "Test SFTPGo notifier plugin: records the events it receives.");
  flags.String("events-file", &events_file, "Append received events here as JSON lines");
  flags.String("environment-file", &environment_file, "Write the start-up environment here");
  flags.Bool("tcp", &prefer_tcp, "Listen on loopback TCP instead of a Unix socket");
  flags.Bool("ignore-shutdown", &ignore_shutdown,
             "Stay up after GRPCController.Shutdown (to see the host's SIGKILL)");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(argc, argv);
  if (!rest.ok()) {
    if (absl::IsCancelled(rest.status())) return 0;
    std::fprintf(stderr, "pv_test_plugin: %s\n", std::string(rest.status().message()).c_str());
    return 2;
  }
  if (!environment_file.empty()) WriteEnvironment(environment_file);
  if (!powerview::intake::IsPluginLaunch()) {
    std::fputs(powerview::intake::NotPluginLaunchMessage("pv_test_plugin").c_str(), stderr);
    return 1;
  }
  powerview::intake::IgnoreInterruptSignal();
  // SIGTERM is taken by sigwait below; block it before gRPC starts its threads.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);

  absl::StatusOr<powerview::intake::PluginEnvironment> env =
      powerview::intake::ReadPluginEnvironment();
  if (!env.ok()) {
    PV_LOG_ERROR("plugin", "%s", env.status().message());
    return 1;
  }
  absl::Notification stop;
  std::once_flag stop_once;
  auto request_stop = [&stop, &stop_once] {
    std::call_once(stop_once, [&stop] { stop.Notify(); });
  };
  grpc::ServerBuilder builder;
  PluginServer plugin;
  absl::Status prepared = plugin.Prepare(
      &builder, *env,
      [&request_stop, ignore_shutdown] {
        if (!ignore_shutdown) request_stop();
      },
      prefer_tcp);
  if (!prepared.ok()) {
    PV_LOG_ERROR("plugin", "%s", prepared.message());
    return 1;
  }
  RecordingNotifier notifier(events_file);
  builder.RegisterService(&notifier);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    PV_LOG_ERROR("plugin", "the gRPC server did not start");
    return 1;
  }
  if (absl::Status s = plugin.WriteHandshake(); !s.ok()) {
    PV_LOG_ERROR("plugin", "%s", s.message());
    return 1;
  }
  PV_LOG_INFO("plugin", "serving");

  std::thread signals([&request_stop, term] {
    int sig = 0;
    sigwait(&term, &sig);
    PV_LOG_INFO("plugin", "SIGTERM: stopping");
    request_stop();
  });
  signals.detach();
  stop.WaitForNotification();
  plugin.EndStreams();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server.reset();
  PV_LOG_INFO("plugin", "stopped");
  return 0;
}
