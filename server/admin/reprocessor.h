// Reprocessing (a backfill): files that were ingested or rejected go back from `parsed/` and
// `error/` to their device folder and are queued again through the journal, under one batch id
// whose progress the journal counts. Re-ingesting is safe because InfluxDB writes are
// idempotent (same series and timestamp).
#ifndef POWERVIEW_SERVER_ADMIN_REPROCESSOR_H_
#define POWERVIEW_SERVER_ADMIN_REPROCESSOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/catalog/catalog.h"
#include "server/journal/job_queue.h"
#include "server/journal/ledger.h"
#include "server/lifecycle/data_root.h"
#include "server/pipeline/event_bus.h"

namespace powerview::admin {

// Exactly one of: `file`, `report_id`, or `company` (optionally narrowed to `campaign`).
struct ReprocessTarget {
  std::string company;
  std::string campaign;
  // Absolute or relative to the data root; in `parsed/`, in `error/`, or the path the file was
  // uploaded to.
  std::string file;
  int64_t report_id = 0;
  // Company and campaign targets: only the files in `error/`.
  bool errors_only = false;
};

struct SkippedFile {
  std::string path;
  std::string reason;
};

struct ReprocessResult {
  int64_t batch_id = 0;             // 0 when nothing was queued
  std::vector<std::string> queued;  // paths in the device folders, sorted
  std::vector<SkippedFile> skipped;
};

class Reprocessor {
 public:
  // Nothing is owned; every pointer must outlive the reprocessor. `on_queued` runs after jobs
  // are durable (it wakes the workers). Thread-safe.
  Reprocessor(const lifecycle::DataRoot* root, journal::JobQueue* queue, journal::Ledger* ledger,
              catalog::Catalog* catalog, pipeline::EventBus* bus, std::function<void()> on_queued);

  // Moves the target's files back and queues them (source "reprocess") under a new batch.
  // InvalidArgument for a malformed target, NotFound when the company, campaign, file or report
  // does not exist, FailedPrecondition when the one file named cannot be reprocessed now.
  absl::StatusOr<ReprocessResult> Run(const ReprocessTarget& target);

 private:
  // A file in parsed/ or error/ and where it goes back to.
  struct Candidate {
    std::string source;
    lifecycle::FileLocation destination;
    int64_t mtime_ns = 0;
  };

  absl::StatusOr<std::vector<Candidate>> FindOne(const std::string& file);
  absl::StatusOr<std::vector<Candidate>> FindInFolder(const ReprocessTarget& target,
                                                      std::vector<SkippedFile>* skipped);
  absl::StatusOr<Candidate> MakeCandidate(const std::string& source);
  absl::Status Queue(const Candidate& candidate, int64_t batch_id);

  const lifecycle::DataRoot* root_;
  journal::JobQueue* queue_;
  journal::Ledger* ledger_;
  catalog::Catalog* catalog_;
  pipeline::EventBus* bus_;
  std::function<void()> on_queued_;
};

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_REPROCESSOR_H_
