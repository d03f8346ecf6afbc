// A fixed pool of threads that take jobs from the journal and run them. A job that must wait
// (InfluxDB down, Grafana down) goes back to the journal with an exponential backoff; nothing
// is dropped.
#ifndef POWERVIEW_SERVER_PIPELINE_WORKER_POOL_H_
#define POWERVIEW_SERVER_PIPELINE_WORKER_POOL_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/journal/job_store.h"

namespace powerview::pipeline {

// What running a job decided.
struct JobResult {
  enum class Kind { kDone, kRetry, kFailed } kind = Kind::kDone;
  std::string message;  // outcome (done) or error (retry, failed)
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

  // `store` is not owned and must outlive the pool. `runner` is called concurrently from
  // `workers` threads.
  WorkerPool(journal::JobStore* store, int workers, Runner runner, RetrySchedule schedule = {});
  ~WorkerPool();

  void Start();
  // Wakes an idle worker (a job was queued).
  void Wake();
  // Stops claiming new jobs and waits up to `grace` for running jobs. Jobs still running after
  // that stay 'running' in the journal and run again at the next start. Returns false when
  // such jobs remain: their threads still use the stages, so the process must then end
  // without destroying them (see powerviewd's main).
  bool Stop(absl::Duration grace);

  int workers() const { return workers_; }
  int busy() const { return busy_.load(); }

 private:
  void Loop(int index);

  journal::JobStore* store_;
  int workers_;
  Runner runner_;
  RetrySchedule schedule_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  int64_t wake_generation_ = 0;
  bool stopping_ = false;
  std::atomic<int> busy_{0};
};

}  // namespace powerview::pipeline

#endif  // POWERVIEW_SERVER_PIPELINE_WORKER_POOL_H_
