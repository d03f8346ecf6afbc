// The embedded journal: one SQLite database (WAL mode) holding both the job queue and the
// ledger, for a single daemon or several on one machine sharing the state folder.
#ifndef POWERVIEW_SERVER_JOURNAL_SQLITE_JOURNAL_H_
#define POWERVIEW_SERVER_JOURNAL_SQLITE_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/sqlite.h"
#include "server/journal/job_queue.h"
#include "server/journal/ledger.h"

namespace powerview::journal {

struct JournalOptions {
  // How long a claim lasts without renewal. A job whose worker vanished (on another machine, or
  // in a process that cannot be checked) is claimed again this long after its last renewal.
  absl::Duration lease_time = absl::Seconds(30);
};

// Enqueue commits are durable (synchronous=FULL) and grouped: concurrent enqueues share one
// transaction and one fsync. Other writes use synchronous=NORMAL: after a power cut they are
// simply done again. Thread-safe.
class SqliteJournal final : public JobQueue, public Ledger {
 public:
  // Opens (creating or upgrading) the journal at `path`.
  static absl::StatusOr<std::unique_ptr<SqliteJournal>> Open(const std::string& path,
                                                             JournalOptions options = {});

  // Releases the leases of jobs whose claimant was a process of this machine that no longer
  // runs (killed, or stopped while a job was stuck): they are runnable at once instead of after
  // their lease expires. Leases of live processes and of other machines are left alone. Returns
  // how many jobs were released.
  absl::StatusOr<int64_t> RecoverAbandoned();

  // JobQueue.
  absl::StatusOr<EnqueueResult> Enqueue(const NewJob& job) override;
  absl::StatusOr<std::optional<Lease>> Claim(absl::Time now) override;
  absl::Status Renew(Lease& lease) override;
  absl::Status Complete(const Lease& lease, const std::string& outcome) override;
  absl::Status Retry(const Lease& lease, absl::Time next_attempt,
                     const std::string& error) override;
  absl::Status Fail(const Lease& lease, const std::string& error) override;
  absl::Status Release(const Lease& lease) override;
  absl::Duration lease_time() const override { return options_.lease_time; }

  // Ledger.
  absl::Status RecordFileSeen(int64_t job_id, int64_t size, int64_t mtime_ns) override;
  absl::StatusOr<bool> KnowsFile(const std::string& path, int64_t size, int64_t mtime_ns) override;
  absl::StatusOr<Job> Get(int64_t id) override;
  absl::StatusOr<JobCounts> Counts(absl::Time now) override;
  absl::StatusOr<JobCounts> BatchCounts(int64_t batch_id, absl::Time now) override;
  absl::StatusOr<int64_t> NewBatchId() override;
  absl::StatusOr<std::vector<Job>> ListJobs(std::optional<JobState> state, int limit) override;
  absl::Status RecordEvent(const EventRecord& event) override;
  absl::StatusOr<std::vector<EventRecord>> RecentEvents(int limit) override;
  absl::StatusOr<int64_t> Prune(absl::Time before) override;

 private:
  struct PendingEnqueue;

  SqliteJournal(std::unique_ptr<SqliteDb> db, JournalOptions options, std::string owner);
  absl::Status Init();
  void CommitEnqueues(const std::vector<PendingEnqueue*>& batch);
  absl::StatusOr<EnqueueResult> InsertLocked(const NewJob& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Finish(const Lease& lease, const char* state, const std::string& outcome,
                      const std::string& error);
  absl::StatusOr<JobCounts> CountWhere(const char* where, int64_t arg, absl::Time now);

  const JournalOptions options_;
  // This process: "<machine>/<pid>", where <machine> names the boot and the pid namespace.
  const std::string owner_;

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  uint64_t claims_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex group_mu_;
  std::vector<PendingEnqueue*> group_queue_ ABSL_GUARDED_BY(group_mu_);
  bool group_leader_active_ ABSL_GUARDED_BY(group_mu_) = false;
};

}  // namespace powerview::journal

#endif  // POWERVIEW_SERVER_JOURNAL_SQLITE_JOURNAL_H_
