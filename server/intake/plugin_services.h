// go-plugin's own gRPC services that a plugin serves beside its plugin interface
// (hashicorp/go-plugin internal/plugin/*.proto, package `plugin`).
#ifndef POWERVIEW_SERVER_INTAKE_PLUGIN_SERVICES_H_
#define POWERVIEW_SERVER_INTAKE_PLUGIN_SERVICES_H_

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "plugin/grpc_controller.grpc.pb.h"
#include "plugin/grpc_stdio.grpc.pb.h"

namespace powerview::intake {

// plugin.GRPCController: the host calls Shutdown from Kill(), then waits 2 s for the process to
// exit before it sends SIGKILL.
class ControllerService final : public plugin::GRPCController::Service {
 public:
  // `on_shutdown` runs on a gRPC thread, once per Shutdown call, before the reply is sent. It
  // must return promptly and must not call grpc::Server::Shutdown itself (that waits for this
  // very call): it should wake the thread that stops the server.
  explicit ControllerService(std::function<void()> on_shutdown)
      : on_shutdown_(std::move(on_shutdown)) {}

  grpc::Status Shutdown(grpc::ServerContext* context, const plugin::Empty* request,
                        plugin::Empty* response) override;

 private:
  std::function<void()> on_shutdown_;
};

// plugin.GRPCStdio: newer go-plugin hosts (SFTPGo's among them) open this stream right after
// connecting to receive the plugin's stdout/stderr. Our logs already go to stderr, which the host
// reads directly, so the stream carries nothing: it stays open until the host cancels it or End()
// is called.
class StdioService final : public plugin::GRPCStdio::Service {
 public:
  StdioService() = default;

  // Ends the open streams (with OK) and any opened later, so that grpc::Server::Shutdown does
  // not wait for them.
  void End();

  grpc::Status StreamStdio(grpc::ServerContext* context, const google::protobuf::Empty* request,
                           grpc::ServerWriter<plugin::StdioData>* writer) override;

 private:
  absl::Mutex mu_;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace powerview::intake

#endif  // POWERVIEW_SERVER_INTAKE_PLUGIN_SERVICES_H_
