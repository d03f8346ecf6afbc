// One ingest job, start to finish: classify the path, parse the file while its points stream to
// InfluxDB, then move it to parsed/ or error/, write its report and update the catalog.
#ifndef POWERVIEW_SERVER_PIPELINE_INGEST_PROCESSOR_H_
#define POWERVIEW_SERVER_PIPELINE_INGEST_PROCESSOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "powerview/v1/models.pb.h"
#include "server/catalog/catalog.h"
#include "server/journal/job.h"
#include "server/lifecycle/data_root.h"
#include "server/parse/mv2_parser.h"
#include "server/sink/batch_sink.h"
#include "server/sink/group_writer.h"
#include "server/sink/influx_writer.h"

namespace powerview::pipeline {

struct IngestSettings {
  parse::ParseOptions parse;
  sink::BatchLimits limits;
  // Leave files where they are instead of moving them to parsed/ or error/.
  bool keep_files = false;
  // Bucket (v2) or database (v1) that receives one summary point per file.
  std::string meta_bucket = "powerview_meta";
  // Batches held while the next one is encoded, and how many are sent at once (compression
  // of one batch overlaps the request of another; points are independent, order is moot).
  int write_queue_depth = 3;
  int write_senders = 2;
};

// What a finished job produced. `report.status()` is INGESTED, REJECTED or FAILED; a job whose
// file had disappeared or that was not ours to ingest has `ignored` set and no report.
struct IngestOutcome {
  v1::IngestReport report;
  bool ignored = false;
  std::string summary;  // one line for the journal and the logs
  int new_channels = 0;
};

class IngestProcessor {
 public:
  // Nothing is owned; every pointer must outlive the processor. Thread-safe: several workers
  // call Process concurrently (for different files).
  IngestProcessor(const lifecycle::DataRoot* root, sink::InfluxWriter* writer,
                  catalog::Catalog* catalog, IngestSettings settings);

  // Returns the outcome of a finished job, or an error when the job must wait and run again
  // (InfluxDB unreachable or refusing our credentials, disk trouble): nothing is moved then.
  absl::StatusOr<IngestOutcome> Process(const journal::Job& job);

 private:
  absl::StatusOr<IngestOutcome> Finish(const lifecycle::FileLocation& file, v1::IngestReport report,
                                       const std::vector<v1::Channel>& channels,
                                       const std::string& subtype);
  absl::Status WriteSummaryPoint(const v1::IngestReport& report, absl::Duration took);

  const lifecycle::DataRoot* root_;
  sink::InfluxWriter* writer_;
  catalog::Catalog* catalog_;
  IngestSettings settings_;
  // The per-file summary points (meta_bucket): those of files finishing together share a
  // request. Null without a meta bucket.
  std::unique_ptr<sink::GroupWriter> summaries_;
};

// True for errors after which a job should wait and run again rather than fail the file.
bool IsTransient(const absl::Status& status);

}  // namespace powerview::pipeline

#endif  // POWERVIEW_SERVER_PIPELINE_INGEST_PROCESSOR_H_
