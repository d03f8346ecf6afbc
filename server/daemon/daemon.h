// powerviewd assembled: journal, catalog, InfluxDB writer, workers, sweeper, spool drain and the
// gRPC servers, with an orderly start and stop.
#ifndef POWERVIEW_SERVER_DAEMON_DAEMON_H_
#define POWERVIEW_SERVER_DAEMON_DAEMON_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "server/admin/admin_server.h"
#include "server/admin/provisioner_backend.h"
#include "server/admin/readiness.h"
#include "server/admin/reprocessor.h"
#include "server/admin/status_probe.h"
#include "server/catalog/catalog.h"
#include "server/common/http_client.h"
#include "server/daemon/config.h"
#include "server/intake/event_intake.h"
#include "server/intake/notifier_service.h"
#include "server/journal/sqlite_journal.h"
#include "server/lifecycle/data_root.h"
#include "server/pipeline/event_bus.h"
#include "server/pipeline/ingest_processor.h"
#include "server/pipeline/job_dispatcher.h"
#include "server/pipeline/sweeper.h"
#include "server/pipeline/worker_pool.h"
#include "server/provision/provision_store.h"
#include "server/provision/provisioner.h"
#include "server/provision/scheduler.h"
#include "server/sink/influx_writer.h"

namespace powerview::daemon {

class Daemon {
 public:
  // Opens the journal and catalog and builds every stage; starts nothing.
  static absl::StatusOr<std::unique_ptr<Daemon>> Create(Config config);
  ~Daemon();

  // Releases the claims of a stopped process (this machine), starts the workers and the background
  // loops (sweeper, spool).
  absl::Status StartPipeline();
  // Registers the notifier service (and, later, others) on `builder`.
  void RegisterNotifier(grpc::ServerBuilder* builder);
  // Standalone mode: listens on config.listen and starts the gRPC server.
  absl::Status StartNotifierServer();
  // Serves the admin API on config.admin_listen (nothing when it is empty). InvalidArgument or
  // FailedPrecondition for a configuration mistake (TCP without a token, unreadable TLS files),
  // Unavailable when the address cannot be bound.
  absl::Status StartAdminServer();
  // Stops accepting, lets running jobs finish for up to `grace`, stops the loops.
  // Returns false when jobs were still running after `grace`: they resume at the next start,
  // and the caller must end the process without destroying the daemon (_exit).
  bool Shutdown(absl::Duration grace);

  const Config& config() const { return config_; }
  journal::SqliteJournal* journal() { return journal_.get(); }
  catalog::Catalog* catalog() { return catalog_.get(); }
  pipeline::EventBus* bus() { return &bus_; }
  intake::EventIntake* intake() { return intake_.get(); }
  sink::InfluxWriter* influx() { return influx_.get(); }
  provision::ProvisionScheduler* provision_scheduler() { return scheduler_.get(); }
  pipeline::Sweeper* sweeper() { return sweeper_.get(); }
  pipeline::WorkerPool* workers() { return workers_.get(); }
  admin::ReadinessMonitor* readiness() { return readiness_.get(); }
  absl::Time started() const { return started_; }

 private:
  explicit Daemon(Config config);
  // Provisions `company` on the provisioning executor's thread (never an ingest worker).
  absl::Status RunProvision(const std::string& company, provision::ProvisionScheduler::Mode mode);
  // Asks the provisioning executor for `company` (merged with a waiting run; one more run when
  // it is being provisioned); no-op when provisioning is not configured. Never blocks.
  void QueueProvision(const std::string& company, const std::string& reason);
  void BackgroundLoop();
  void DrainSpoolOnce();

  Config config_;
  absl::Time started_;
  std::unique_ptr<journal::SqliteJournal> journal_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<lifecycle::DataRoot> root_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<sink::InfluxWriter> influx_;
  pipeline::EventBus bus_;
  std::unique_ptr<pipeline::IngestProcessor> ingest_;
  std::unique_ptr<pipeline::JobDispatcher> dispatcher_;
  std::unique_ptr<pipeline::WorkerPool> workers_;
  std::unique_ptr<pipeline::Sweeper> sweeper_;
  std::unique_ptr<provision::SqliteProvisionStore> provision_store_;
  std::unique_ptr<provision::Provisioner> provisioner_;
  std::unique_ptr<provision::ProvisionScheduler> scheduler_;
  std::unique_ptr<intake::EventIntake> intake_;
  std::unique_ptr<intake::NotifierService> notifier_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<admin::Reprocessor> reprocessor_;
  std::unique_ptr<admin::LiveStatusProbe> status_probe_;
  std::unique_ptr<admin::ReadinessMonitor> readiness_;
  std::unique_ptr<admin::ProvisionerBackend> provision_backend_;
  std::unique_ptr<admin::AdminServer> admin_server_;

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool loop_stop_ = false;
  std::thread loop_;
};

// Creates the parent folder of a unix:// address and removes a stale socket file there.
// Returns the address in the form gRPC expects.
absl::StatusOr<std::string> PrepareListenAddress(const std::string& address);

}  // namespace powerview::daemon

#endif  // POWERVIEW_SERVER_DAEMON_DAEMON_H_
