// The journal's vocabulary: what a job is, what a claim on it (a lease) is, and what the ledger
// keeps about jobs and file events. Plain values, no behaviour.
#ifndef POWERVIEW_SERVER_JOURNAL_JOB_H_
#define POWERVIEW_SERVER_JOURNAL_JOB_H_

#include <cstdint>
#include <string>

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
  // Claims so far, this one included.
  int attempts = 0;
  std::string last_error;
  std::string outcome;
  absl::Time created = absl::InfinitePast();
  absl::Time updated = absl::InfinitePast();
  absl::Time next_attempt = absl::InfinitePast();
  int64_t batch_id = 0;
};

// A claim on a job: the claimant may work on it until `expires`, and keeps it by renewing.
// Only the holder of the current lease can finish the job: once a lease has expired and the job
// was claimed again, the old holder's Complete/Retry/Fail are refused (FailedPrecondition).
struct Lease {
  Job job;
  // Opaque to the caller: names the claimant and this claim.
  std::string token;
  absl::Time expires = absl::InfinitePast();
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

}  // namespace powerview::journal

#endif  // POWERVIEW_SERVER_JOURNAL_JOB_H_
