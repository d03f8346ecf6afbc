// Writes line protocol to InfluxDB 1.x (`/write`) or 2.x (`/api/v2/write`) and creates the
// database or bucket a company writes to. Retries what can succeed later, splits what is too
// large, and reports what InfluxDB refuses for good.
//
// Errors, by what the caller should do:
//   UnavailableError       InfluxDB could not be reached or kept failing for
//                          RetryPolicy::max_elapsed; keep the data and try again later.
//   PermissionDeniedError  InfluxDB refused the credentials (401/403); a configuration
//                          problem, so keep the data and try again later.
//   InvalidArgumentError   InfluxDB refused the data itself (400, 422, ...); the message holds
//                          InfluxDB's own words. Sending the same lines again will not help.
//   NotFoundError          the database, bucket or organisation is missing and could not be
//                          created.
#ifndef POWERVIEW_SERVER_SINK_INFLUX_WRITER_H_
#define POWERVIEW_SERVER_SINK_INFLUX_WRITER_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/common/http_client.h"
#include "server/sink/batch_sink.h"
#include "server/sink/retry.h"

namespace powerview::sink {

struct InfluxConfig {
  enum class Api { kV1, kV2 };
  Api api = Api::kV1;
  std::string url = "http://127.0.0.1:8086";
  std::string org;                 // v2: organisation name
  std::string token;               // v2 (or v1 compatibility on 2.x): Authorization: Token
  std::string username, password;  // v1, optional: sent as u= and p=
  bool gzip = true;
  int gzip_level = 1;
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration connect_timeout = absl::Seconds(5);
  RetryPolicy retry;
};

// Counters of one or more Write calls; requests include retries and split halves.
struct WriteStats {
  int64_t requests = 0, retries = 0, splits = 0, lines = 0;
};

class InfluxWriter {
 public:
  // `http` and `sleeper` are not owned; `http` must outlive the writer and `sleeper`, which
  // waits between attempts (absl::SleepFor when null), must be safe to call from several
  // threads. All methods are thread-safe.
  InfluxWriter(InfluxConfig config, HttpClient* http,
               std::function<void(absl::Duration)> sleeper = nullptr);

  InfluxWriter(const InfluxWriter&) = delete;
  InfluxWriter& operator=(const InfluxWriter&) = delete;

  // GET /ping, once, without retries. OK on 204 (1.x, 2.x) or 200 (3.x); remembers the
  // X-Influxdb-Version header.
  absl::Status Ping();
  std::string server_version() const;

  // Makes sure `bucket` exists: v1 CREATE DATABASE (a no-op when it exists); v2 looks the
  // organisation and the bucket up and creates the bucket when missing. Remembered per name
  // after success, so later calls cost nothing.
  absl::Status EnsureBucket(absl::string_view bucket);

  // Writes `lines` (`line_count` LF-terminated lines, precision seconds) to `bucket`, gzipped
  // when configured. Adds to `*stats` (may be null). On 413 the lines are split in half at a
  // line boundary, recursively; on 404 the bucket is created and the write tried once more.
  absl::Status Write(absl::string_view bucket, absl::string_view lines, int64_t line_count,
                     WriteStats* stats);

  // Runs InfluxQL through the v1 /query endpoint (also on 2.x, where it is read-only) against
  // `database` (may be empty) and returns the JSON answer. A statement's error inside
  // results[i].error becomes InvalidArgumentError.
  absl::StatusOr<std::string> Query(absl::string_view database, absl::string_view influxql);

  const InfluxConfig& config() const { return config_; }

 private:
  absl::Status WriteLines(absl::string_view bucket, absl::string_view lines, int64_t line_count,
                          bool may_create, WriteStats* stats);
  // The answer to `lines` was 413: sends the two halves instead.
  absl::Status SplitAndWrite(absl::string_view bucket, absl::string_view lines,
                             const HttpResponse& response, absl::string_view what, bool may_create,
                             WriteStats* stats);
  // Sends `request`, waiting and sending again on transport errors and retryable statuses
  // until the retry budget is spent. `what` names the operation in logs and errors.
  absl::StatusOr<HttpResponse> SendWithRetry(const HttpRequest& request, absl::string_view what,
                                             WriteStats* stats);
  // The error for a final, unsuccessful answer.
  absl::Status AnswerError(const HttpResponse& response, absl::string_view what) const;
  HttpRequest NewRequest(std::string method, absl::string_view path,
                         std::vector<std::pair<std::string, std::string>> params) const;
  // `message` (a transport error naming the URL) with the v1 password masked.
  std::string Redact(absl::string_view message) const;
  absl::Status CreateDatabaseV1(absl::string_view database);
  absl::Status CreateBucketV2(absl::string_view bucket);
  absl::StatusOr<std::string> OrgIdV2();

  const InfluxConfig config_;
  HttpClient* const http_;
  const std::function<void(absl::Duration)> sleeper_;

  mutable std::mutex mu_;
  std::string version_;
  std::string org_id_;
  std::set<std::string, std::less<>> ensured_;
};

// Delivers batches to one bucket through a writer, and counts what it did. Thread-safe.
class InfluxBatchSink : public BatchSink {
 public:
  // `writer` is not owned and must outlive the sink.
  InfluxBatchSink(InfluxWriter* writer, std::string bucket);

  absl::Status WriteBatch(absl::string_view lines, int64_t line_count) override;
  WriteStats stats() const;

 private:
  InfluxWriter* const writer_;
  const std::string bucket_;
  mutable std::mutex mu_;
  WriteStats stats_;
};

}  // namespace powerview::sink

#endif  // POWERVIEW_SERVER_SINK_INFLUX_WRITER_H_
