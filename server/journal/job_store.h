// The journal: the durable queue of work. Intake writes a job before it acknowledges SFTPGo;
// workers claim jobs, and a job is finished only when its effects are acknowledged. On restart,
// jobs that were running are runnable again (at-least-once; the writes are idempotent).
#ifndef POWERVIEW_SERVER_JOURNAL_JOB_STORE_H_
#define POWERVIEW_SERVER_JOURNAL_JOB_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace powerview::journal {

enum class JobKind { kIngest, kProvision };
enum class JobState { kPending, kRunning, kDone, kFailed };

const char* JobKindName(JobKind kind);
const char* JobStateName(JobState state);

struct NewJob {
  JobKind kind = JobKind::kIngest;
  // Ingest: absolute path of the file. Provision: the scope ("" = all, or a company name).
  std::string path;
  std::string company;
  int64_t size = 0;
  // Where the job came from: "upload", "rename", "sweep", "spool", "reprocess", "catalog", ...
  std::string source;
  // Jobs with the same key are one job: a second Enqueue returns the first job's id.
  std::string dedupe_key;
  // When set, the key only holds while the job is pending or running: once it has finished a
  // new job with the same key can be queued (provisioning requests coalesce this way).
  bool release_key_when_finished = false;
  // Reprocess requests group their jobs under a batch id to report progress; 0 = none.
  int64_t batch_id = 0;
};

struct Job {
  int64_t id = 0;
  JobKind kind = JobKind::kIngest;
  std::string path;
  std::string company;
  int64_t size = 0;
  std::string source;
  JobState state = JobState::kPending;
  int attempts = 0;
  std::string last_error;
  std::string outcome;
  absl::Time created = absl::InfinitePast();
  absl::Time updated = absl::InfinitePast();
  absl::Time next_attempt = absl::InfinitePast();
  int64_t batch_id = 0;
};

struct EnqueueResult {
  int64_t id = 0;
  bool created = false;  // false: an existing job had the same dedupe key
};

struct JobCounts {
  int64_t pending = 0;
  int64_t running = 0;
  int64_t done = 0;
  int64_t failed = 0;
  int64_t waiting_retry = 0;  // pending with a next attempt in the future
};

// A file event as SFTPGo reported it, kept for operators and for the catalog.
struct EventRecord {
  absl::Time received = absl::InfinitePast();
  std::string action;
  std::string path;
  std::string target_path;
  int64_t size = 0;
  int status = 0;
  int64_t event_time_ns = 0;
  std::string username;
  std::string protocol;
  std::string session_id;
  // What PowerView did with it: "queued job 12", "ignored: partial upload (status 2)", ...
  std::string outcome;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Durable when it returns OK.
  virtual absl::StatusOr<EnqueueResult> Enqueue(const NewJob& job) = 0;
  // Marks the oldest runnable job running and returns it: pending, due at `now`, and not for a
  // path that another running job holds (one lane per file). nullopt when nothing is due.
  virtual absl::StatusOr<std::optional<Job>> Claim(absl::Time now) = 0;
  // Finished: done with `outcome` (e.g. "ingested", "rejected: empty file").
  virtual absl::Status Complete(int64_t id, const std::string& outcome) = 0;
  // Not finished: runnable again at `next_attempt`; `error` says why it waits.
  virtual absl::Status Retry(int64_t id, absl::Time next_attempt, const std::string& error) = 0;
  // Finished without effect and never retried (e.g. an unknown job kind).
  virtual absl::Status Fail(int64_t id, const std::string& error) = 0;
  // Called at start: jobs left running by a previous process become pending again.
  virtual absl::StatusOr<int64_t> RequeueRunning() = 0;
  // Remembers the size and modification time of the file a job processed, so that the sweeper
  // does not queue the same unchanged file again.
  virtual absl::Status RecordFileSeen(int64_t id, int64_t size, int64_t mtime_ns) = 0;
  // True when a pending or running job holds `path`, or a finished one saw it with this size
  // and modification time.
  virtual absl::StatusOr<bool> KnowsFile(const std::string& path, int64_t size,
                                         int64_t mtime_ns) = 0;
  virtual absl::StatusOr<Job> Get(int64_t id) = 0;
  virtual absl::StatusOr<JobCounts> Counts(absl::Time now) = 0;
  // Jobs of one batch by state (progress of a reprocess).
  virtual absl::StatusOr<JobCounts> BatchCounts(int64_t batch_id, absl::Time now) = 0;
  virtual absl::StatusOr<int64_t> NewBatchId() = 0;
  virtual absl::StatusOr<std::vector<Job>> ListJobs(std::optional<JobState> state, int limit) = 0;
  virtual absl::Status RecordEvent(const EventRecord& event) = 0;
  virtual absl::StatusOr<std::vector<EventRecord>> RecentEvents(int limit) = 0;
  // Forgets finished jobs and events older than `before`.
  virtual absl::StatusOr<int64_t> Prune(absl::Time before) = 0;
};

// The embedded journal: SQLite in WAL mode at `path`. Enqueue commits are durable
// (synchronous=FULL) and grouped: concurrent enqueues share one transaction and one fsync.
// Other writes use synchronous=NORMAL: after a power cut they are simply done again. Thread-safe.
absl::StatusOr<std::unique_ptr<JobStore>> OpenSqliteJobStore(const std::string& path);

}  // namespace powerview::journal

#endif  // POWERVIEW_SERVER_JOURNAL_JOB_STORE_H_
