// A fixed pool of threads that claim jobs from the queue and run them. A claim is a lease that
// the pool renews while the job runs; a job that must wait (InfluxDB down, Grafana down) goes
// back to the queue with an exponential backoff; nothing is dropped.
#ifndef POWERVIEW_SERVER_PIPELINE_WORKER_POOL_H_
#define POWERVIEW_SERVER_PIPELINE_WORKER_POOL_H_

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/journal/job_queue.h"

namespace powerview::pipeline {

// What running a job decided.
struct JobResult {
  enum class Kind { kDone, kRetry, kFailed } kind = Kind::kDone;
  std::string message;  // outcome (done) or error (retry, failed)
  // kRetry only: when set, the job runs again after this delay instead of the backoff.
  std::optional<absl::Duration> retry_after;
};

struct RetrySchedule {
  absl::Duration initial = absl::Seconds(5);
  absl::Duration max = absl::Minutes(10);
};

// Backoff before attempt `attempts + 1`: initial * 2^(attempts-1), capped, with +-20% jitter.
absl::Duration BackoffFor(int attempts, const RetrySchedule& schedule);

class WorkerPool {
 public:
  using Runner = std::function<JobResult(const journal::Job&)>;

  // `queue` is not owned and must outlive the pool. `runner` is called concurrently from
  // `workers` threads.
  WorkerPool(journal::JobQueue* queue, int workers, Runner runner, RetrySchedule schedule = {});
  ~WorkerPool();

  void Start();
  // Wakes an idle worker (a job was queued).
  void Wake();
  // Stops claiming new jobs; returns at once. A job claimed after this goes straight back to
  // the queue without running.
  void RequestStop();
  // RequestStop, then waits up to `grace` for running jobs. Jobs still running after that keep
  // their claim until their lease expires (or the next start releases it). Returns false when
  // such jobs remain: their threads still use the stages, so the process must then end without
  // destroying them (see powerviewd's main).
  bool Stop(absl::Duration grace);

  int workers() const { return workers_; }
  int busy() const;

 private:
  void Loop(int index);
  // Renews the leases of running jobs every lease_time / 3 until the pool stops.
  void RenewLoop();
  void Record(const journal::Lease& lease, const JobResult& result);

  journal::JobQueue* queue_;
  const int workers_;
  Runner runner_;
  RetrySchedule schedule_;
  std::vector<std::thread> threads_;
  std::thread renewer_;

  mutable absl::Mutex mu_;
  int64_t wake_generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  // The lease each worker holds, by worker index.
  std::vector<std::optional<journal::Lease>> active_ ABSL_GUARDED_BY(mu_);
};

}  // namespace powerview::pipeline

#endif  // POWERVIEW_SERVER_PIPELINE_WORKER_POOL_H_
