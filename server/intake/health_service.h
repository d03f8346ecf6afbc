// grpc.health.v1.Health served from our own compiled health.proto, so that clients working
// through server reflection (buf curl, grpcurl) can call it too; gRPC's built-in health service
// has no descriptor in the reflection pool. Do not also enable gRPC's default health service on
// the same server.
#ifndef POWERVIEW_SERVER_INTAKE_HEALTH_SERVICE_H_
#define POWERVIEW_SERVER_INTAKE_HEALTH_SERVICE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace powerview::intake {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

  // Knows no service until SetStatus is called; "" is the server as a whole.
  HealthService() = default;

  // Sets the status Check and Watch report for `service` and wakes its watchers. Ignored after
  // Shutdown.
  void SetStatus(const std::string& service, ServingStatus status);

  // Marks every service NOT_SERVING, tells the watchers, and ends their Watch streams so that
  // grpc::Server::Shutdown does not wait for them.
  void Shutdown();

  // Unknown service: NOT_FOUND, as the health checking protocol asks.
  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;
  // Sends the current status (SERVICE_UNKNOWN for an unknown service), then every change, until
  // the client cancels or Shutdown is called.
  grpc::Status Watch(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

 private:
  ServingStatus StatusOf(const std::string& service) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, ServingStatus> statuses_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped on every change
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace powerview::intake

#endif  // POWERVIEW_SERVER_INTAKE_HEALTH_SERVICE_H_
