// powerview.v1.AdminService: translates between the admin API's messages and the stages
// (catalog, journal, reprocessing, provisioning, event bus); the domain logic lives there.
#ifndef POWERVIEW_SERVER_ADMIN_ADMIN_SERVICE_H_
#define POWERVIEW_SERVER_ADMIN_ADMIN_SERVICE_H_

#include <atomic>
#include <string>

#include "absl/time/time.h"
#include "powerview/v1/admin_service.grpc.pb.h"
#include "server/admin/bearer_auth.h"
#include "server/admin/provision_backend.h"
#include "server/admin/reprocessor.h"
#include "server/admin/status_probe.h"
#include "server/catalog/catalog.h"
#include "server/journal/ledger.h"
#include "server/pipeline/event_bus.h"

namespace powerview::admin {

// What the service calls. Nothing is owned.
struct AdminBackends {
  journal::Ledger* journal = nullptr;
  catalog::Catalog* catalog = nullptr;
  pipeline::EventBus* bus = nullptr;
  Reprocessor* reprocessor = nullptr;
  // Null when provisioning is not configured: the provisioning calls are FAILED_PRECONDITION.
  ProvisionBackend* provision = nullptr;
  StatusProbe* probe = nullptr;
  // Canonical data root (status, and the location of events that only carry a path).
  std::string data_root;
  absl::Time started = absl::InfinitePast();
  // How often progress streams look at the journal.
  absl::Duration poll_interval = absl::Milliseconds(200);
};

class AdminService final : public v1::AdminService::Service {
 public:
  // Every pointer in `backends` except `provision` must be set, and all must outlive the
  // service. `auth` decides who may call.
  AdminService(AdminBackends backends, BearerAuth auth);

  // Ends the open streams (Watch, progress) so that the server can shut down promptly.
  void Stop();

  grpc::Status ListCompanies(grpc::ServerContext* context, const v1::ListCompaniesRequest* request,
                             v1::ListCompaniesResponse* response) override;
  grpc::Status ListCampaigns(grpc::ServerContext* context, const v1::ListCampaignsRequest* request,
                             v1::ListCampaignsResponse* response) override;
  grpc::Status ListIngestReports(grpc::ServerContext* context,
                                 const v1::ListIngestReportsRequest* request,
                                 v1::ListIngestReportsResponse* response) override;
  grpc::Status GetIngestReport(grpc::ServerContext* context,
                               const v1::GetIngestReportRequest* request,
                               v1::GetIngestReportResponse* response) override;
  grpc::Status Reprocess(grpc::ServerContext* context, const v1::ReprocessRequest* request,
                         v1::ReprocessResponse* response) override;
  grpc::Status GetReprocessProgress(grpc::ServerContext* context,
                                    const v1::GetReprocessProgressRequest* request,
                                    v1::GetReprocessProgressResponse* response) override;
  grpc::Status WatchReprocessProgress(
      grpc::ServerContext* context, const v1::WatchReprocessProgressRequest* request,
      grpc::ServerWriter<v1::WatchReprocessProgressResponse>* writer) override;
  grpc::Status PlanProvisioning(grpc::ServerContext* context,
                                const v1::PlanProvisioningRequest* request,
                                v1::PlanProvisioningResponse* response) override;
  grpc::Status ApplyProvisioning(
      grpc::ServerContext* context, const v1::ApplyProvisioningRequest* request,
      grpc::ServerWriter<v1::ApplyProvisioningResponse>* writer) override;
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::WatchResponse>* writer) override;
  grpc::Status GetStatus(grpc::ServerContext* context, const v1::GetStatusRequest* request,
                         v1::GetStatusResponse* response) override;

 private:
  // The progress of `batch_id`; NotFound when the journal has no job of that batch.
  absl::StatusOr<v1::ReprocessProgress> Progress(int64_t batch_id);
  bool Streaming(grpc::ServerContext* context) const;

  AdminBackends b_;
  BearerAuth auth_;
  std::atomic<bool> stopping_{false};
};

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_ADMIN_SERVICE_H_
