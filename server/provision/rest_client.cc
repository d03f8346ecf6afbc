#include "server/provision/rest_client.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/common/log.h"
#include "server/provision/json_util.h"

namespace powerview::provision {
namespace {

// Retry-After in seconds; the HTTP-date form is not used by Grafana or InfluxDB.
std::optional<absl::Duration> RetryAfter(const HttpResponse& response) {
  std::string value(absl::StripAsciiWhitespace(response.Header("Retry-After")));
  int64_t seconds = 0;
  if (value.empty() || !absl::SimpleAtoi(value, &seconds) || seconds < 0) return std::nullopt;
  return absl::Seconds(seconds);
}

}  // namespace

RestClient::RestClient(HttpClient* http, std::string service, std::string base_url,
                       std::vector<std::pair<std::string, std::string>> headers, RetryPolicy policy,
                       bool retry_unauthorized)
    : http_(http),
      service_(std::move(service)),
      base_url_(std::string(absl::StripSuffix(base_url, "/"))),
      headers_(std::move(headers)),
      policy_(policy),
      retry_unauthorized_(retry_unauthorized) {}

bool RestClient::Retryable(int status) const {
  if (status == 429) return true;
  if (status >= 500 && status != 501) return true;
  return status == 401 && retry_unauthorized_;
}

void RestClient::PaceWrite(absl::string_view method) {
  if (method == "GET" || policy_.min_write_interval <= absl::ZeroDuration()) return;
  absl::Duration wait;
  {
    absl::MutexLock lock(&mu_);
    absl::Time now = absl::Now();
    absl::Time next = last_write_ + policy_.min_write_interval;
    wait = next > now ? next - now : absl::ZeroDuration();
    last_write_ = now + wait;
  }
  if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
}

absl::StatusOr<HttpResponse> RestClient::Send(absl::string_view method, absl::string_view path,
                                              absl::string_view body,
                                              absl::string_view content_type) {
  HttpRequest request;
  request.method = std::string(method);
  request.url = absl::StrCat(base_url_, path);
  request.headers = headers_;
  request.headers.emplace_back("Accept", "application/json");
  request.timeout = policy_.request_timeout;
  request.connect_timeout = policy_.connect_timeout;
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", std::string(content_type));
    request.body = std::string(body);
  }
  int attempts = std::max(1, policy_.max_attempts);
  absl::Duration backoff = policy_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    PaceWrite(method);
    absl::StatusOr<HttpResponse> response = http_->Send(request);
    absl::Duration wait = backoff;
    if (response.ok()) {
      if (!Retryable(response->status) || attempt >= attempts) return response;
      if (std::optional<absl::Duration> after = RetryAfter(*response)) {
        if (*after > policy_.max_retry_after) return response;
        wait = std::max(wait, *after);
      }
      PV_LOG_WARN("provision", "%s: %s %s answered %d (%s); retry %d/%d in %s", service_, method,
                  path, response->status, ServerMessage(response->body), attempt, attempts - 1,
                  absl::FormatDuration(wait));
    } else {
      if (attempt >= attempts) {
        return absl::UnavailableError(
            absl::StrCat(service_, ": ", method, " ", path, ": ", response.status().message()));
      }
      PV_LOG_WARN("provision", "%s: %s %s failed (%s); retry %d/%d in %s", service_, method, path,
                  response.status().message(), attempt, attempts - 1, absl::FormatDuration(wait));
    }
    absl::SleepFor(wait);
    backoff = std::min(backoff * 2, policy_.max_backoff);
  }
}

absl::Status RestClient::Error(absl::string_view method, absl::string_view path,
                               const HttpResponse& response) const {
  std::string message = absl::StrCat(service_, ": ", method, " ", path, ": HTTP ", response.status,
                                     ": ", ServerMessage(response.body));
  int s = response.status;
  if (s == 401) {
    return absl::UnauthenticatedError(
        absl::StrCat(message, " (check the credentials PowerView uses for ", service_, ")"));
  }
  if (s == 403) return absl::PermissionDeniedError(message);
  if (s == 404) return absl::NotFoundError(message);
  if (s == 409) return absl::AlreadyExistsError(message);
  if (s == 412) return absl::FailedPreconditionError(message);
  if (s == 429 || s >= 500) return absl::UnavailableError(message);
  if (s >= 400) return absl::InvalidArgumentError(message);
  return absl::UnknownError(message);
}

std::string ServerMessage(absl::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    std::string message = JsonString(doc, "message");
    if (message.empty()) message = JsonString(doc, "error");
    if (!message.empty()) return message;
  }
  std::string raw(absl::StripAsciiWhitespace(body.substr(0, 200)));
  return raw.empty() ? "(empty body)" : raw;
}

std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", u);
    }
  }
  return out;
}

}  // namespace powerview::provision
