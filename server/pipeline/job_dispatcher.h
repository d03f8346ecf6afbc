// What a worker does with a claimed job: the dispatch policy. An ingest job goes through the
// IngestProcessor; a provisioning job through the Provisioner. Each result is published on the
// event bus and logged, and new channels queue one (coalesced) provisioning job for their
// company. The daemon only wires this to the worker pool.
#ifndef POWERVIEW_SERVER_PIPELINE_JOB_DISPATCHER_H_
#define POWERVIEW_SERVER_PIPELINE_JOB_DISPATCHER_H_

#include <functional>
#include <string>

#include "server/catalog/catalog.h"
#include "server/journal/job_queue.h"
#include "server/pipeline/event_bus.h"
#include "server/pipeline/ingest_processor.h"
#include "server/pipeline/worker_pool.h"
#include "server/provision/provisioner.h"

namespace powerview::pipeline {

class JobDispatcher {
 public:
  // Nothing is owned; all must outlive the dispatcher. `provisioner` may be null (provisioning
  // not configured: provisioning jobs then fail, and none are queued). `on_queued` runs after
  // this dispatcher queued a job (wakes the workers). Thread-safe.
  JobDispatcher(IngestProcessor* ingest, provision::Provisioner* provisioner,
                catalog::Catalog* catalog, journal::JobQueue* queue, EventBus* bus,
                std::function<void()> on_queued);

  // Runs one claimed job to a result (the WorkerPool's runner).
  JobResult Run(const journal::Job& job);
  // Queues one provisioning job for `company` (coalesced while one is pending); no-op when
  // provisioning is not configured.
  void QueueProvision(const std::string& company, const std::string& reason);

 private:
  JobResult RunIngest(const journal::Job& job);
  JobResult RunProvision(const journal::Job& job);

  IngestProcessor* ingest_;
  provision::Provisioner* provisioner_;
  catalog::Catalog* catalog_;
  journal::JobQueue* queue_;
  EventBus* bus_;
  std::function<void()> on_queued_;
};

}  // namespace powerview::pipeline

#endif  // POWERVIEW_SERVER_PIPELINE_JOB_DISPATCHER_H_
