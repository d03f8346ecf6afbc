#include "server/pipeline/ingest_processor.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "server/common/log.h"
#include "server/parse/report.h"
#include "server/sink/async_batch_sink.h"
#include "server/sink/line_protocol.h"

namespace powerview::pipeline {
namespace {

using google::protobuf::util::TimeUtil;

// Remembers whether an error came from the sink (InfluxDB) rather than from the file.
class TrackingSink : public sink::BatchSink {
 public:
  explicit TrackingSink(sink::BatchSink* inner) : inner_(inner) {}
  absl::Status WriteBatch(absl::string_view lines, int64_t line_count) override {
    return Track(inner_->WriteBatch(lines, line_count));
  }
  absl::Status Flush() override { return Track(inner_->Flush()); }
  const absl::Status& error() const { return error_; }

 private:
  absl::Status Track(absl::Status status) {
    if (!status.ok() && error_.ok()) error_ = status;
    return status;
  }
  sink::BatchSink* inner_;
  absl::Status error_;
};

absl::StatusOr<std::string> Sha256Hex(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError(absl::StrCat("open ", path));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::string buffer(1 << 16, '\0');
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
    EVP_DigestUpdate(ctx, buffer.data(), n);
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  if (failed) return absl::DataLossError(absl::StrCat("read ", path));
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace

bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kPermissionDenied:  // credentials: fix the setting, nothing is lost
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

IngestProcessor::IngestProcessor(const lifecycle::DataRoot* root, sink::InfluxWriter* writer,
                                 catalog::Catalog* catalog, IngestSettings settings)
    : root_(root), writer_(writer), catalog_(catalog), settings_(std::move(settings)) {
  if (!settings_.meta_bucket.empty()) {
    summaries_ = std::make_unique<sink::GroupWriter>(writer_, settings_.meta_bucket);
  }
}

absl::StatusOr<IngestOutcome> IngestProcessor::Process(const journal::Job& job) {
  absl::Time started = absl::Now();
  IngestOutcome outcome;
  absl::StatusOr<lifecycle::FileLocation> file = root_->ClassifyFile(job.path);
  if (!file.ok()) {
    // Not ours (outside the root, a lifecycle folder, a temporary name, too shallow): nothing
    // is read or moved; the reason stays in the journal.
    outcome.ignored = true;
    outcome.summary = absl::StrCat("ignored: ", file.status().message());
    return outcome;
  }
  v1::IngestReport report;
  report.set_path(file->path);
  report.set_company(file->company);
  report.set_campaign(file->campaign);
  report.set_folder_serial(file->device_folder);
  report.set_job_id(job.id);
  *report.mutable_started_time() = TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(started));

  if (absl::Status real = root_->CheckRealPath(*file); !real.ok()) {
    if (absl::IsNotFound(real)) {
      outcome.ignored = true;
      outcome.summary = "ignored: the file no longer exists (moved or deleted)";
      return outcome;
    }
    if (IsTransient(real)) return real;
    report.set_status(v1::INGEST_STATUS_REJECTED);
    report.set_error(std::string(real.message()));
    return Finish(*file, std::move(report), {}, "");
  }
  struct stat st;
  if (::stat(file->path.c_str(), &st) == 0) report.set_file_size(st.st_size);
  absl::StatusOr<std::string> sha = Sha256Hex(file->path);
  if (sha.ok()) report.set_sha256(*sha);

  if (absl::Status s = writer_->EnsureBucket(file->company); !s.ok()) {
    if (IsTransient(s)) return s;
    report.set_status(v1::INGEST_STATUS_FAILED);
    report.set_error(absl::StrCat("InfluxDB refused bucket '", file->company, "': ", s.message()));
    return Finish(*file, std::move(report), {}, "");
  }

  sink::InfluxBatchSink influx(writer_, file->company);
  sink::AsyncBatchSink async(&influx, settings_.write_queue_depth, settings_.write_senders);
  TrackingSink tracking(&async);
  sink::LineProtocolEncoder encoder(file->campaign, settings_.limits, &tracking);
  absl::StatusOr<parse::ParseSummary> summary =
      parse::ParseMv2File(file->path, settings_.parse, &encoder);
  absl::Status finished = summary.ok() ? encoder.Finish() : async.Flush();
  if (summary.ok() && !finished.ok()) summary = finished;

  if (!summary.ok()) {
    const absl::Status& error = summary.status();
    if (!tracking.error().ok() || IsTransient(error)) {
      if (IsTransient(error)) return error;
      // InfluxDB refused the data for good (4xx other than auth).
      report.set_status(v1::INGEST_STATUS_FAILED);
      report.set_error(absl::StrCat("InfluxDB rejected the data: ", error.message()));
      return Finish(*file, std::move(report), {}, "");
    }
    if (absl::IsNotFound(error)) {
      outcome.ignored = true;
      outcome.summary = "ignored: the file disappeared while it was read";
      return outcome;
    }
    report.set_status(v1::INGEST_STATUS_REJECTED);
    report.set_error(std::string(error.message()));
    return Finish(*file, std::move(report), {}, "");
  }
  parse::FillReport(*summary, &report);
  sink::WriteStats stats = influx.stats();
  report.set_write_batches(stats.requests);
  report.set_write_retries(stats.retries);
  report.set_status(v1::INGEST_STATUS_INGESTED);
  if (summary->info.master_sn != file->device_folder) {
    report.add_warnings(
        absl::StrFormat("the file's master serial %s differs from its folder %s; tags use %s",
                        summary->info.master_sn, file->device_folder, summary->info.master_sn));
  }
  return Finish(*file, std::move(report), summary->info.channels, summary->info.subtype);
}

absl::StatusOr<IngestOutcome> IngestProcessor::Finish(const lifecycle::FileLocation& file,
                                                      v1::IngestReport report,
                                                      const std::vector<v1::Channel>& channels,
                                                      const std::string& subtype) {
  absl::Time started =
      absl::FromUnixMillis(TimeUtil::TimestampToMilliseconds(report.started_time()));
  // The summary point is part of the job: if InfluxDB cannot take it, the job runs again
  // (re-writing the same points is harmless). If InfluxDB refuses it for good, the report says
  // so.
  if (absl::Status s = WriteSummaryPoint(report, absl::Now() - started); !s.ok()) {
    if (IsTransient(s)) return s;
    PV_LOG_WARN("ingest", "summary point for %s refused: %s", file.relative, s.message());
    report.add_warnings(absl::StrCat("the summary point (", settings_.meta_bucket,
                                     ", tsv_parser_file) was not stored: ", s.message()));
  }
  bool ingested = report.status() == v1::INGEST_STATUS_INGESTED;
  // The report and the catalog are written before the file moves, so that whoever sees the
  // file in parsed/ or error/ also finds its report there.
  std::string destination = file.path;
  if (!settings_.keep_files) {
    absl::StatusOr<std::string> prepared = lifecycle::DataRoot::PrepareDestination(
        file, ingested ? lifecycle::Outcome::kParsed : lifecycle::Outcome::kError);
    if (prepared.ok()) {
      destination = *prepared;
    } else {
      report.add_warnings(
          absl::StrCat("the file could not be moved: ", prepared.status().message()));
    }
  }
  report.set_final_path(destination);
  *report.mutable_finished_time() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(absl::Now()));

  IngestOutcome outcome;
  if (ingested) {
    absl::StatusOr<int> added = catalog_->RecordChannels(report, subtype, channels);
    if (!added.ok()) return added.status();
    outcome.new_channels = *added;
  }
  absl::StatusOr<int64_t> id = catalog_->AddReport(report);
  if (!id.ok()) return id.status();
  report.set_report_id(*id);
  std::string report_path = destination + ".report.json";
  if (absl::Status s =
          lifecycle::DataRoot::WriteFileAtomically(report_path, parse::ReportJson(report));
      !s.ok()) {
    PV_LOG_WARN("ingest", "report for %s not written: %s", file.relative, s.message());
  }
  if (destination != file.path) {
    if (absl::Status moved = lifecycle::DataRoot::MoveTo(file, destination); !moved.ok()) {
      // The file stays where it was; so does its report, with the reason.
      std::remove(report_path.c_str());
      report.set_final_path(file.path);
      report.add_warnings(absl::StrCat("the file could not be moved: ", moved.message()));
      PV_LOG_ERROR("ingest", "%s", report.warnings(report.warnings_size() - 1));
      lifecycle::DataRoot::WriteFileAtomically(file.path + ".report.json",
                                               parse::ReportJson(report))
          .IgnoreError();
    }
  }
  outcome.summary =
      ingested
          ? absl::StrFormat("ingested: %d points, %d rows", report.counts().points(),
                            report.counts().rows())
          : absl::StrCat(report.status() == v1::INGEST_STATUS_REJECTED ? "rejected: " : "failed: ",
                         report.error());
  outcome.report = std::move(report);
  return outcome;
}

absl::Status IngestProcessor::WriteSummaryPoint(const v1::IngestReport& report,
                                                absl::Duration took) {
  if (summaries_ == nullptr) return absl::OkStatus();
  if (absl::Status s = writer_->EnsureBucket(settings_.meta_bucket); !s.ok()) return s;
  const v1::IngestCounts& c = report.counts();
  std::string line = absl::StrCat(
      "tsv_parser_file,bucket=", sink::EscapeTagValue(report.company()),
      ",campaign=", sink::EscapeTagValue(report.campaign()),
      ",device_master_sn=", sink::EscapeTagValue(report.folder_serial()),
      ",file_name=", sink::EscapeTagValue(std::filesystem::path(report.path()).filename().string()),
      ",status=", report.status() == v1::INGEST_STATUS_INGESTED ? "success" : "error",
      " nb_rows=", c.rows(), "i,nb_channels=", report.channel_count(), "i,nb_points=", c.points(),
      "i,nb_invalid_timestamps=", c.invalid_timestamps(),
      "i,nb_invalid_values=", c.invalid_values(), "i,nb_power_off_markers=", c.power_off_markers(),
      "i,nb_invalid_clock=", c.invalid_clock(), "i,nb_truncated_rows=", c.truncated_last_row(),
      "i,duration_s=", absl::ToDoubleSeconds(took), " ", absl::ToUnixSeconds(absl::Now()));
  return summaries_->Write(std::move(line));
}

}  // namespace powerview::pipeline
