// The `proto.Notifier` gRPC service SFTPGo calls (plugin mode) and powerview-notify calls (hook
// mode). It only translates: events go to EventIntake, which answers after the journal write.
#ifndef POWERVIEW_SERVER_INTAKE_NOTIFIER_SERVICE_H_
#define POWERVIEW_SERVER_INTAKE_NOTIFIER_SERVICE_H_

#include <atomic>

#include "notifier.grpc.pb.h"
#include "server/intake/event_intake.h"

namespace powerview::intake {

class NotifierService final : public proto::Notifier::Service {
 public:
  // `intake` is not owned and must outlive the service. It may be null at first (plugin mode,
  // waiting for the data root): events are then refused with UNAVAILABLE, so that the sender
  // retries (SFTPGo with retry_max_time, powerview-notify by spooling), until SetIntake.
  explicit NotifierService(EventIntake* intake) : intake_(intake) {}

  void SetIntake(EventIntake* intake) { intake_.store(intake); }

  grpc::Status SendFsEvent(grpc::ServerContext* context, const proto::FsEvent* request,
                           google::protobuf::Empty* response) override;
  grpc::Status SendProviderEvent(grpc::ServerContext* context, const proto::ProviderEvent* request,
                                 google::protobuf::Empty* response) override;
  grpc::Status SendLogEvent(grpc::ServerContext* context, const proto::LogEvent* request,
                            google::protobuf::Empty* response) override;

 private:
  std::atomic<EventIntake*> intake_;
};

}  // namespace powerview::intake

#endif  // POWERVIEW_SERVER_INTAKE_NOTIFIER_SERVICE_H_
