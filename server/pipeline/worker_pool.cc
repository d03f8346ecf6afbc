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

WorkerPool::WorkerPool(journal::JobStore* store, int workers, Runner runner, RetrySchedule schedule)
    : store_(store),
      workers_(workers < 1 ? 1 : workers),
      runner_(std::move(runner)),
      schedule_(schedule) {}

WorkerPool::~WorkerPool() { Stop(absl::Seconds(30)); }

void WorkerPool::Start() {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this, i] { Loop(i); });
}

void WorkerPool::Wake() {
  absl::MutexLock lock(&mu_);
  ++wake_generation_;
}

bool WorkerPool::Stop(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && threads_.empty()) return busy_.load() == 0;
    stopping_ = true;
    ++wake_generation_;
  }
  absl::Time deadline = absl::Now() + grace;
  while (busy_.load() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  for (std::thread& t : threads_) {
    if (busy_.load() == 0) {
      t.join();
    } else {
      t.detach();  // still inside a job; its journal entry stays 'running' and is resumed later
    }
  }
  threads_.clear();
  return busy_.load() == 0;
}

void WorkerPool::Loop(int index) {
  while (true) {
    int64_t generation;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      generation = wake_generation_;
    }
    absl::StatusOr<std::optional<journal::Job>> claimed = store_->Claim(absl::Now());
    if (!claimed.ok()) {
      PV_LOG_ERROR("worker", "cannot read the journal: %s", claimed.status().message());
    }
    if (!claimed.ok() || !claimed->has_value()) {
      // Idle: sleep until woken, or poll for jobs whose retry time has come.
      absl::MutexLock lock(&mu_);
      auto woken = [this, generation]() { return stopping_ || wake_generation_ != generation; };
      mu_.AwaitWithTimeout(absl::Condition(&woken), absl::Seconds(1));
      continue;
    }
    journal::Job job = std::move(**claimed);
    ++busy_;
    JobResult result = runner_(job);
    absl::Status recorded;
    switch (result.kind) {
      case JobResult::Kind::kDone:
        recorded = store_->Complete(job.id, result.message);
        break;
      case JobResult::Kind::kFailed:
        recorded = store_->Fail(job.id, result.message);
        break;
      case JobResult::Kind::kRetry: {
        absl::Duration delay = BackoffFor(job.attempts, schedule_);
        PV_LOG_WARN("worker", "job %d (%s) waits %s before attempt %d: %s", job.id, job.path,
                    absl::FormatDuration(absl::Trunc(delay, absl::Seconds(1))), job.attempts + 1,
                    result.message);
        recorded = store_->Retry(job.id, absl::Now() + delay, result.message);
        break;
      }
    }
    if (!recorded.ok()) {
      PV_LOG_ERROR("worker", "job %d: cannot record its result: %s", job.id, recorded.message());
    }
    --busy_;
    (void)index;
  }
}

}  // namespace powerview::pipeline
