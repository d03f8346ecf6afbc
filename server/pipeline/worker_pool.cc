#include "server/pipeline/worker_pool.h"

#include <random>

#include "absl/time/clock.h"
#include "server/common/log.h"

namespace powerview::pipeline {

absl::Duration BackoffFor(int attempts, const RetrySchedule& schedule) {
  absl::Duration delay = schedule.initial;
  for (int i = 1; i < attempts && delay < schedule.max; ++i) delay *= 2;
  if (delay > schedule.max) delay = schedule.max;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return delay * jitter(rng);
}

WorkerPool::WorkerPool(journal::JobQueue* queue, int workers, Runner runner, RetrySchedule schedule)
    : queue_(queue),
      workers_(workers < 1 ? 1 : workers),
      runner_(std::move(runner)),
      schedule_(schedule),
      active_(static_cast<size_t>(workers_)) {}

WorkerPool::~WorkerPool() { Stop(absl::Seconds(30)); }

void WorkerPool::Start() {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this, i] { Loop(i); });
  renewer_ = std::thread([this] { RenewLoop(); });
}

void WorkerPool::Wake() {
  absl::MutexLock lock(&mu_);
  ++wake_generation_;
}

int WorkerPool::busy() const {
  absl::MutexLock lock(&mu_);
  return busy_;
}

void WorkerPool::RequestStop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  ++wake_generation_;
}

bool WorkerPool::Stop(absl::Duration grace) {
  absl::Time deadline = absl::Now() + grace;
  bool idle;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    ++wake_generation_;
    if (stopped_) return busy_ == 0;
    stopped_ = true;
    auto no_job_running = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return busy_ == 0; };
    idle = mu_.AwaitWithDeadline(absl::Condition(&no_job_running), deadline);
  }
  if (renewer_.joinable()) renewer_.join();
  for (std::thread& t : threads_) {
    // A worker inside a job that outlived the grace cannot be joined: it is left to the
    // process's end. Its lease is released at the next start (or expires).
    if (idle) {
      t.join();
    } else {
      t.detach();
    }
  }
  threads_.clear();
  return idle;
}

void WorkerPool::RenewLoop() {
  absl::Duration period = queue_->lease_time() / 3;
  while (true) {
    std::vector<journal::Lease> held;
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), period)) return;
      for (const std::optional<journal::Lease>& lease : active_) {
        if (lease) held.push_back(*lease);
      }
    }
    for (journal::Lease& lease : held) {
      if (absl::Status s = queue_->Renew(lease); !s.ok()) {
        // The worker may have finished the job since `held` was taken: nothing was lost then.
        bool still_held = false;
        {
          absl::MutexLock lock(&mu_);
          for (const std::optional<journal::Lease>& active : active_) {
            still_held |= active && active->job.id == lease.job.id && active->token == lease.token;
          }
        }
        if (still_held) {
          PV_LOG_ERROR("worker", "job %d: cannot renew its claim: %s", lease.job.id, s.message());
        }
      }
    }
  }
}

void WorkerPool::Loop(int index) {
  while (true) {
    int64_t generation;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      generation = wake_generation_;
    }
    absl::StatusOr<std::optional<journal::Lease>> claimed = queue_->Claim(absl::Now());
    if (!claimed.ok()) {
      PV_LOG_ERROR("worker", "cannot read the journal: %s", claimed.status().message());
    }
    if (!claimed.ok() || !claimed->has_value()) {
      // Idle: sleep until woken, or look again for jobs whose retry time has come.
      absl::MutexLock lock(&mu_);
      auto woken = [this, generation]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || wake_generation_ != generation;
      };
      mu_.AwaitWithTimeout(absl::Condition(&woken), absl::Seconds(1));
      continue;
    }
    journal::Lease lease = std::move(**claimed);
    bool stop;
    {
      absl::MutexLock lock(&mu_);
      stop = stopping_;
      if (!stop) {
        ++busy_;
        active_[static_cast<size_t>(index)] = lease;
      }
    }
    if (stop) {
      // Claimed while the pool was stopping: give it back untouched, runnable at once.
      if (absl::Status s = queue_->Release(lease); !s.ok()) {
        PV_LOG_ERROR("worker", "job %d: cannot give it back: %s", lease.job.id, s.message());
      }
      return;
    }
    JobResult result = runner_(lease.job);
    {
      // The renewer may have extended the lease meanwhile; only the token matters to finish.
      absl::MutexLock lock(&mu_);
      active_[static_cast<size_t>(index)].reset();
    }
    Record(lease, result);
    absl::MutexLock lock(&mu_);
    --busy_;
  }
}

void WorkerPool::Record(const journal::Lease& lease, const JobResult& result) {
  const journal::Job& job = lease.job;
  absl::Status recorded;
  switch (result.kind) {
    case JobResult::Kind::kDone:
      recorded = queue_->Complete(lease, result.message);
      break;
    case JobResult::Kind::kFailed:
      recorded = queue_->Fail(lease, result.message);
      break;
    case JobResult::Kind::kRetry: {
      absl::Duration delay =
          result.retry_after ? *result.retry_after : BackoffFor(job.attempts, schedule_);
      PV_LOG_WARN("worker", "job %d (%s) waits %s before attempt %d: %s", job.id, job.path,
                  absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(100))),
                  job.attempts + 1, result.message);
      recorded = queue_->Retry(lease, absl::Now() + delay, result.message);
      break;
    }
  }
  if (!recorded.ok()) {
    PV_LOG_ERROR("worker", "job %d: cannot record its result: %s", job.id, recorded.message());
  }
}

}  // namespace powerview::pipeline
