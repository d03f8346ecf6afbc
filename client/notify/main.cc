// powerview-notify: the program SFTPGo's action hook runs. It forwards the event described by
// the SFTPGO_ACTION* environment to powerviewd and exits 0 once powerviewd has recorded it. If
// powerviewd cannot be reached in time, the event goes to the spool folder (powerviewd takes
// it in at start and periodically) and the program still exits 0: no upload is lost.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "notifier.grpc.pb.h"
#include "server/common/flags.h"
#include "server/intake/hook_event.h"

namespace {

std::string GrpcTarget(const std::string& address) {
  if (absl::StartsWith(address, "unix://")) return absl::StrCat("unix:", address.substr(7));
  return address;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "unix:///run/powerview/notify.sock";
  absl::Duration timeout = absl::Seconds(5);
  std::string spool_dir = "/var/lib/powerview/spool";
  bool quiet = false;
  powerview::FlagSet flags(
      "powerview-notify", "[flags]",
      "Forwards one SFTPGo action-hook event (SFTPGO_ACTION, SFTPGO_ACTION_PATH, ...) to\n"
      "powerviewd. Configure it as SFTPGo's common.actions.hook with execute_on upload, rename,\n"
      "mkdir, rmdir and delete. Exit status: 0 when powerviewd recorded the event or it was\n"
      "spooled for later; 1 when it could be neither sent nor spooled; 2 on bad usage.");
  flags.String("address", &address, "powerviewd notifier address (unix:///path or host:port)",
               "POWERVIEW_NOTIFY_ADDRESS");
  flags.Duration("timeout", &timeout, "How long to wait for powerviewd before spooling",
                 "POWERVIEW_NOTIFY_TIMEOUT");
  flags.String("spool-dir", &spool_dir, "Where events wait when powerviewd is unreachable",
               "POWERVIEW_SPOOL_DIR");
  flags.Bool("quiet", &quiet, "Print nothing on success", "POWERVIEW_NOTIFY_QUIET");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(argc, argv);
  if (!rest.ok()) {
    if (absl::IsCancelled(rest.status())) return 0;
    std::fprintf(stderr, "powerview-notify: %s\n", std::string(rest.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<proto::FsEvent> event = powerview::intake::FsEventFromHookEnvironment(
      [](const char* name) { return std::getenv(name); });
  if (!event.ok()) {
    std::fprintf(stderr, "powerview-notify: %s\n", std::string(event.status().message()).c_str());
    return 2;
  }

  auto channel = grpc::CreateChannel(GrpcTarget(address), grpc::InsecureChannelCredentials());
  auto stub = proto::Notifier::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  context.set_wait_for_ready(true);  // ride out a daemon restart within the timeout
  google::protobuf::Empty reply;
  grpc::Status status = stub->SendFsEvent(&context, *event, &reply);
  if (status.ok()) {
    if (!quiet) {
      std::fprintf(stderr, "powerview-notify: %s %s recorded by powerviewd\n",
                   event->action().c_str(), event->fs_path().c_str());
    }
    return 0;
  }
  absl::StatusOr<std::string> spooled = powerview::intake::SpoolEvent(spool_dir, *event);
  if (!spooled.ok()) {
    std::fprintf(stderr,
                 "powerview-notify: powerviewd at %s did not take the event (%s) and it could "
                 "not be spooled: %s\n",
                 address.c_str(), status.error_message().c_str(),
                 std::string(spooled.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr,
               "powerview-notify: powerviewd at %s did not answer (%s); event spooled to %s\n",
               address.c_str(), status.error_message().c_str(), spooled->c_str());
  return 0;
}
