// The job queue: durable work with leased claims. Intake enqueues a job before it answers
// SFTPGo; a worker claims it, renews its lease while it works, and finishes it. A job whose
// claimant died is claimed again once its lease expires (at-least-once; the writes are
// idempotent), and nobody ever takes back a job whose lease is alive, so several daemons can
// share one queue. The embedded implementation is SQLite (sqlite_journal.h); a broker-backed one
// (NATS JetStream work queue: claim = fetch, renew = in-progress, retry = nak with delay,
// fail = term, complete = ack) fits the same contract.
#ifndef POWERVIEW_SERVER_JOURNAL_JOB_QUEUE_H_
#define POWERVIEW_SERVER_JOURNAL_JOB_QUEUE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/journal/job.h"

namespace powerview::journal {

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Durable when it returns OK.
  virtual absl::StatusOr<EnqueueResult> Enqueue(const NewJob& job) = 0;
  // Claims the oldest runnable job: pending and due at `now`, or running under a lease that
  // expired before `now`; and not for a path that another live lease holds (one lane per file).
  // nullopt when nothing is due.
  virtual absl::StatusOr<std::optional<Lease>> Claim(absl::Time now) = 0;
  // Extends `lease` to now + the queue's lease time. FailedPrecondition when the lease was lost
  // (it expired and someone else claimed the job): the caller should stop working on it.
  virtual absl::Status Renew(Lease& lease) = 0;
  // Finished: done with `outcome` (e.g. "ingested", "rejected: empty file").
  virtual absl::Status Complete(const Lease& lease, const std::string& outcome) = 0;
  // Not finished: runnable again at `next_attempt`; `error` says why it waits.
  virtual absl::Status Retry(const Lease& lease, absl::Time next_attempt,
                             const std::string& error) = 0;
  // Finished without effect and never retried (e.g. an unknown job kind).
  virtual absl::Status Fail(const Lease& lease, const std::string& error) = 0;
  // Gives the job back untouched (claimed by a worker that is stopping): runnable at once, and
  // this claim does not count as an attempt.
  virtual absl::Status Release(const Lease& lease) = 0;
  // How long a claim lasts without renewal.
  virtual absl::Duration lease_time() const = 0;
};

}  // namespace powerview::journal

#endif  // POWERVIEW_SERVER_JOURNAL_JOB_QUEUE_H_
