#include "server/intake/notifier_service.h"

#include <string>

#include "server/common/log.h"

namespace powerview::intake {

grpc::Status NotifierService::SendFsEvent(grpc::ServerContext* context,
                                          const proto::FsEvent* request,
                                          google::protobuf::Empty* response) {
  EventIntake* intake = intake_.load();
  if (intake == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "powerviewd is waiting for its data root; retry later");
  }
  absl::Status status = intake->Accept(*request);
  if (status.ok()) return grpc::Status::OK;
  PV_LOG_ERROR("intake", "%s %s not recorded (the sender will retry): %s", request->action(),
               request->fs_path(), status.message());
  // UNAVAILABLE asks SFTPGo (and powerview-notify) to try again later.
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "event not recorded, retry: " + std::string(status.message()));
}

grpc::Status NotifierService::SendProviderEvent(grpc::ServerContext* context,
                                                const proto::ProviderEvent* request,
                                                google::protobuf::Empty* response) {
  return grpc::Status::OK;  // user/folder administration: nothing for PowerView to do
}

grpc::Status NotifierService::SendLogEvent(grpc::ServerContext* context,
                                           const proto::LogEvent* request,
                                           google::protobuf::Empty* response) {
  return grpc::Status::OK;  // login events: nothing for PowerView to do
}

}  // namespace powerview::intake
