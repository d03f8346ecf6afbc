#include "server/intake/plugin_services.h"

#include "absl/time/time.h"
#include "server/common/log.h"

namespace powerview::intake {

grpc::Status ControllerService::Shutdown(grpc::ServerContext* context, const plugin::Empty* request,
                                         plugin::Empty* response) {
  PV_LOG_INFO("plugin", "the host asked the plugin to shut down");
  if (on_shutdown_) on_shutdown_();
  return grpc::Status::OK;
}

void StdioService::End() {
  absl::MutexLock lock(&mu_);
  ended_ = true;
}

grpc::Status StdioService::StreamStdio(grpc::ServerContext* context,
                                       const google::protobuf::Empty* request,
                                       grpc::ServerWriter<plugin::StdioData>* writer) {
  // Send the response headers now: the host treats the stream as established once it sees them.
  writer->SendInitialMetadata();
  absl::MutexLock lock(&mu_);
  while (!ended_) {
    // The sync API has no cancellation callback: look at the context every 200 ms.
    mu_.AwaitWithTimeout(absl::Condition(&ended_), absl::Milliseconds(200));
    if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
  }
  return grpc::Status::OK;
}

}  // namespace powerview::intake
