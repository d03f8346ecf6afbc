// What a worker does with a claimed job: the dispatch policy. An ingest job goes through the
// IngestProcessor; its result is published on the event bus and logged, and new channels ask
// the provisioning executor for their company. Provisioning never runs on a worker: a
// provisioning job left in the journal by an earlier version is handed to the executor too.
// The daemon only wires this to the worker pool.
#ifndef POWERVIEW_SERVER_PIPELINE_JOB_DISPATCHER_H_
#define POWERVIEW_SERVER_PIPELINE_JOB_DISPATCHER_H_

#include <functional>
#include <string>

#include "server/journal/job_queue.h"
#include "server/pipeline/event_bus.h"
#include "server/pipeline/ingest_processor.h"
#include "server/pipeline/worker_pool.h"

namespace powerview::pipeline {

class JobDispatcher {
 public:
  // Asks the provisioning executor to provision `company`; must not block.
  using ProvisionRequest =
      std::function<void(const std::string& company, const std::string& reason)>;

  // Nothing is owned; all must outlive the dispatcher. `request_provision` may be null
  // (provisioning not configured). Thread-safe.
  JobDispatcher(IngestProcessor* ingest, EventBus* bus, ProvisionRequest request_provision);

  // Runs one claimed job to a result (the WorkerPool's runner).
  JobResult Run(const journal::Job& job);
  // Asks for `company` to be provisioned; no-op when provisioning is not configured.
  void QueueProvision(const std::string& company, const std::string& reason);

 private:
  JobResult RunIngest(const journal::Job& job);

  IngestProcessor* ingest_;
  EventBus* bus_;
  ProvisionRequest request_provision_;
};

}  // namespace powerview::pipeline

#endif  // POWERVIEW_SERVER_PIPELINE_JOB_DISPATCHER_H_
