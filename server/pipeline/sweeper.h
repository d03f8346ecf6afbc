// SFTPGo drops notifications that fail, and keeps its retry queue in memory. The sweeper scans
// the data root (at start and periodically) for measurement files that no job knows and queues
// them, once their size and modification time have stopped changing.
#ifndef POWERVIEW_SERVER_PIPELINE_SWEEPER_H_
#define POWERVIEW_SERVER_PIPELINE_SWEEPER_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/journal/job_queue.h"
#include "server/journal/ledger.h"
#include "server/lifecycle/data_root.h"

namespace powerview::pipeline {

struct SweepResult {
  int64_t files_seen = 0;
  int64_t queued = 0;
  int64_t still_changing = 0;
};

class Sweeper {
 public:
  // Not owned; all must outlive the sweeper. A file is stable when its size and modification
  // time equal those of the previous scan, or when it was last modified more than `settle` ago.
  Sweeper(const lifecycle::DataRoot* root, journal::JobQueue* queue, journal::Ledger* ledger,
          absl::Duration settle);

  // One scan. Thread-safe (scans are serialised).
  absl::StatusOr<SweepResult> Scan(absl::Time now);

 private:
  struct Seen {
    int64_t size;
    int64_t mtime_ns;
  };
  const lifecycle::DataRoot* root_;
  journal::JobQueue* queue_;
  journal::Ledger* ledger_;
  absl::Duration settle_;
  std::mutex mu_;
  std::map<std::string, Seen> previous_;
};

}  // namespace powerview::pipeline

#endif  // POWERVIEW_SERVER_PIPELINE_SWEEPER_H_
