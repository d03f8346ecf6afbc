// The ledger: what jobs did and which files and events were seen, for operators (status,
// reprocess progress), for the sweeper (is this file known?) and for the catalog. It is not the
// queue: nothing here hands out work. With a broker-backed queue the ledger stays a database
// (PostgreSQL when several daemons share it), written by the queue as jobs change state.
#ifndef POWERVIEW_SERVER_JOURNAL_LEDGER_H_
#define POWERVIEW_SERVER_JOURNAL_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/journal/job.h"

namespace powerview::journal {

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Remembers the size and modification time of the file a job processed, so that the sweeper
  // does not queue the same unchanged file again.
  virtual absl::Status RecordFileSeen(int64_t job_id, int64_t size, int64_t mtime_ns) = 0;
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

}  // namespace powerview::journal

#endif  // POWERVIEW_SERVER_JOURNAL_LEDGER_H_
