// InfluxWriter's write path: request building, retries, 413 splits and 404 provisioning.
// The administrative calls (Ping, EnsureBucket, Query) are in influx_admin.cc.
#include "server/sink/influx_writer.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "server/common/log.h"
#include "server/common/metrics.h"
#include "server/sink/influx_http.h"

namespace powerview::sink {
namespace {

// Our timestamps are whole seconds (see line_protocol.h); `s` means the same on every
// InfluxDB version and endpoint.
constexpr char kPrecision[] = "s";

InfluxConfig Normalized(InfluxConfig config) {
  while (!config.url.empty() && config.url.back() == '/') config.url.pop_back();
  config.gzip_level = std::clamp(config.gzip_level, 1, 9);
  return config;
}

int64_t CountLines(absl::string_view lines) {
  int64_t n = std::count(lines.begin(), lines.end(), '\n');
  return (!lines.empty() && lines.back() != '\n') ? n + 1 : n;
}

}  // namespace

InfluxWriter::InfluxWriter(InfluxConfig config, HttpClient* http,
                           std::function<void(absl::Duration)> sleeper)
    : config_(Normalized(std::move(config))), http_(http), sleeper_(std::move(sleeper)) {}

HttpRequest InfluxWriter::NewRequest(
    std::string method, absl::string_view path,
    std::vector<std::pair<std::string, std::string>> params) const {
  if (config_.api == InfluxConfig::Api::kV1 && !config_.username.empty()) {
    params.emplace_back("u", config_.username);
    params.emplace_back("p", config_.password);
  }
  HttpRequest request;
  request.method = std::move(method);
  std::string query = QueryString(params);
  request.url = absl::StrCat(config_.url, path, query.empty() ? "" : "?", query);
  request.timeout = config_.request_timeout;
  request.connect_timeout = config_.connect_timeout;
  request.headers.emplace_back("Accept", "application/json");
  if (!config_.token.empty()) {
    request.headers.emplace_back("Authorization", absl::StrCat("Token ", config_.token));
  }
  return request;
}

std::string InfluxWriter::Redact(absl::string_view message) const {
  if (config_.password.empty()) return std::string(message);
  return absl::StrReplaceAll(message, {{absl::StrCat("p=", UrlEncode(config_.password)), "p=***"},
                                       {config_.password, "***"}});
}

absl::StatusOr<HttpResponse> InfluxWriter::SendWithRetry(const HttpRequest& request,
                                                         absl::string_view what,
                                                         WriteStats* stats) {
  RetryTimer timer(config_.retry, sleeper_);
  for (;;) {
    ++stats->requests;
    absl::StatusOr<HttpResponse> response = http_->Send(request);
    std::string cause;
    std::optional<absl::Duration> retry_after;
    if (!response.ok()) {
      cause = Redact(response.status().message());
    } else if (IsRetryableStatus(response->status)) {
      cause = absl::StrFormat("HTTP %d: %s", response->status, InfluxErrorText(*response));
      std::string header = response->Header("Retry-After");
      if (!header.empty()) retry_after = ParseRetryAfter(header, config_.retry.retry_after_cap);
    } else {
      return response;
    }
    std::optional<absl::Duration> delay = timer.NextDelay(retry_after);
    if (!delay.has_value()) {
      std::string asked =
          retry_after.has_value()
              ? absl::StrCat("; it asked to wait ", absl::FormatDuration(*retry_after),
                             ", longer than the retry budget allows")
              : "";
      return absl::UnavailableError(absl::StrFormat(
          "InfluxDB at %s: %s failed %d times over %s, last: %s%s; giving up for now", config_.url,
          what, timer.failures(), absl::FormatDuration(timer.elapsed()), cause, asked));
    }
    PV_LOG_WARN("influx", "InfluxDB at %s: %s failed (%s); trying again in %s (attempt %d)",
                config_.url, what, cause, absl::FormatDuration(*delay), timer.failures() + 1);
    ++stats->retries;
    metrics::Add(
        "powerview_retries_total",
        {{"stage", "influxdb_write"},
         {"cause", response.ok() ? absl::StrCat("http_", response->status) : "transport"}});
    timer.Wait(*delay);
  }
}

absl::Status InfluxWriter::AnswerError(const HttpResponse& response, absl::string_view what) const {
  const int status = response.status;
  std::string message = absl::StrFormat("InfluxDB at %s refused %s (HTTP %d): %s", config_.url,
                                        what, status, InfluxErrorText(response));
  if (status == 401 || status == 403) {
    return absl::PermissionDeniedError(
        absl::StrCat(message, "; check the InfluxDB credentials PowerView is configured with"));
  }
  if (status == 404) return absl::NotFoundError(message);
  if (status == 501) {
    return absl::UnavailableError(
        absl::StrCat(message,
                     "; this server does not implement the request: check the configured InfluxDB "
                     "API version"));
  }
  if (status >= 400 && status < 500) return absl::InvalidArgumentError(message);
  return absl::UnavailableError(absl::StrCat(message, "; unexpected answer"));
}

absl::Status InfluxWriter::Write(absl::string_view bucket, absl::string_view lines,
                                 int64_t line_count, WriteStats* stats) {
  WriteStats ignored;
  if (stats == nullptr) stats = &ignored;
  if (bucket.empty()) return absl::InvalidArgumentError("InfluxDB write without a bucket name");
  if (lines.empty()) return absl::OkStatus();
  return WriteLines(bucket, lines, line_count, /*may_create=*/true, stats);
}

absl::Status InfluxWriter::WriteLines(absl::string_view bucket, absl::string_view lines,
                                      int64_t line_count, bool may_create, WriteStats* stats) {
  const bool v2 = config_.api == InfluxConfig::Api::kV2;
  HttpRequest request =
      v2 ? NewRequest(
               "POST", "/api/v2/write",
               {{"org", config_.org}, {"bucket", std::string(bucket)}, {"precision", kPrecision}})
         : NewRequest("POST", "/write", {{"db", std::string(bucket)}, {"precision", kPrecision}});
  request.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  if (config_.gzip) {
    absl::StatusOr<std::string> body = Gzip(lines, config_.gzip_level);
    if (!body.ok()) return body.status();
    request.body = std::move(*body);
    request.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    request.body = std::string(lines);
  }
  const char* kind = v2 ? "bucket" : "database";
  std::string what = absl::StrFormat("writing %d lines (%d bytes) to %s '%s'", line_count,
                                     lines.size(), kind, bucket);
  absl::StatusOr<HttpResponse> response = SendWithRetry(request, what, stats);
  if (!response.ok()) return response.status();
  const int status = response->status;
  if (status >= 200 && status < 300) {
    stats->lines += line_count;
    return absl::OkStatus();
  }
  if (status == 413) return SplitAndWrite(bucket, lines, *response, what, may_create, stats);
  if (status == 404 && may_create) {
    PV_LOG_WARN("influx",
                "InfluxDB at %s has no %s '%s' (HTTP 404: %s); creating it and writing "
                "again",
                config_.url, kind, bucket, InfluxErrorText(*response));
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = ensured_.find(bucket); it != ensured_.end()) ensured_.erase(it);
    }
    if (absl::Status created = EnsureBucket(bucket); !created.ok()) return created;
    return WriteLines(bucket, lines, line_count, /*may_create=*/false, stats);
  }
  return AnswerError(*response, what);
}

absl::Status InfluxWriter::SplitAndWrite(absl::string_view bucket, absl::string_view lines,
                                         const HttpResponse& response, absl::string_view what,
                                         bool may_create, WriteStats* stats) {
  const int64_t total = CountLines(lines);
  if (total < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "InfluxDB at %s refused %s as too large (HTTP 413: %s), and a single line cannot be "
        "split; raise the server's max-body-size",
        config_.url, what, InfluxErrorText(response)));
  }
  const int64_t first = total / 2;
  size_t cut = 0;
  for (int64_t i = 0; i < first; ++i) cut = lines.find('\n', cut) + 1;
  PV_LOG_WARN("influx",
              "InfluxDB at %s refused %s as too large (HTTP 413: %s); sending it as two "
              "halves of %d and %d lines",
              config_.url, what, InfluxErrorText(response), first, total - first);
  ++stats->splits;
  if (absl::Status s = WriteLines(bucket, lines.substr(0, cut), first, may_create, stats);
      !s.ok()) {
    return s;
  }
  return WriteLines(bucket, lines.substr(cut), total - first, may_create, stats);
}

InfluxBatchSink::InfluxBatchSink(InfluxWriter* writer, std::string bucket)
    : writer_(writer), bucket_(std::move(bucket)) {}

absl::Status InfluxBatchSink::WriteBatch(absl::string_view lines, int64_t line_count) {
  WriteStats batch;
  absl::Time start = absl::Now();
  absl::Status status = writer_->Write(bucket_, lines, line_count, &batch);
  metrics::Observe("powerview_influxdb_write_duration_seconds", {},
                   absl::ToDoubleSeconds(absl::Now() - start));
  std::lock_guard<std::mutex> lock(mu_);
  stats_.requests += batch.requests;
  stats_.retries += batch.retries;
  stats_.splits += batch.splits;
  stats_.lines += batch.lines;
  return status;
}

WriteStats InfluxBatchSink::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace powerview::sink
