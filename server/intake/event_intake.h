// Turns SFTPGo file events into journal jobs and catalog facts. Every path into PowerView (the
// notifier gRPC service, the hook shim's spool, tests) goes through here, so the rules live in
// one place: an upload (status 1) of a `.tsv` under the data root becomes a durable job before
// the caller is answered; partial or over-quota uploads are recorded, never ingested; a rename
// onto a `.tsv` and a successful server-side copy onto a `.tsv` count as an upload of the target;
// mkdir/rmdir/delete update the catalog.
#ifndef POWERVIEW_SERVER_INTAKE_EVENT_INTAKE_H_
#define POWERVIEW_SERVER_INTAKE_EVENT_INTAKE_H_

#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "notifier.pb.h"
#include "server/catalog/catalog.h"
#include "server/journal/job_queue.h"
#include "server/journal/ledger.h"
#include "server/lifecycle/data_root.h"
#include "server/pipeline/event_bus.h"

namespace powerview::intake {

class EventIntake {
 public:
  // Nothing is owned; all must outlive the intake. `on_queued` runs after a job is durable
  // (wakes the workers); `on_campaign` after a campaign folder is created (provisioning).
  EventIntake(const lifecycle::DataRoot* root, journal::JobQueue* queue, journal::Ledger* ledger,
              catalog::Catalog* catalog, pipeline::EventBus* bus, std::function<void()> on_queued,
              std::function<void(const std::string& company)> on_campaign);

  // OK means the event is recorded (and its job durable). An error means nothing was kept and
  // the sender should retry (SFTPGo does when retry_max_time > 0; the hook shim spools).
  // Thread-safe.
  absl::Status Accept(const proto::FsEvent& event);

 private:
  absl::Status QueueIngest(const proto::FsEvent& event, const std::string& path, const char* source,
                           std::string* outcome);

  const lifecycle::DataRoot* root_;
  journal::JobQueue* queue_;
  journal::Ledger* ledger_;
  catalog::Catalog* catalog_;
  pipeline::EventBus* bus_;
  std::function<void()> on_queued_;
  std::function<void(const std::string&)> on_campaign_;
  // Campaigns already recorded in the catalog by this process (a burst of uploads into one
  // campaign writes the catalog once).
  std::mutex known_mu_;
  std::set<std::pair<std::string, std::string>> known_campaigns_;
};

}  // namespace powerview::intake

#endif  // POWERVIEW_SERVER_INTAKE_EVENT_INTAKE_H_
