// One JSON-over-HTTP service (Grafana, InfluxDB) as provisioning talks to it: a base URL, fixed
// headers, retries with backoff on answers that say "try again", a minimum gap between writes,
// and errors that name the call and carry the server's message.
#ifndef POWERVIEW_SERVER_PROVISION_REST_CLIENT_H_
#define POWERVIEW_SERVER_PROVISION_REST_CLIENT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/common/http_client.h"
#include "server/provision/settings.h"

namespace powerview::provision {

class RestClient {
 public:
  // `http` is not owned and must outlive the client. `service` names the server in errors
  // ("grafana", "influxdb"). `retry_unauthorized`: 401 is transient for this server (a
  // service-account token under load), never set it with Basic auth (login lockout).
  RestClient(HttpClient* http, std::string service, std::string base_url,
             std::vector<std::pair<std::string, std::string>> headers, RetryPolicy policy,
             bool retry_unauthorized);

  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Sends the request and returns the server's final answer, whatever its status. 429, 5xx
  // (except 501), transport errors and (when enabled) 401 are retried with backoff, honouring
  // Retry-After; when the attempts run out the last answer is returned (or the transport
  // error as absl::UnavailableError).
  absl::StatusOr<HttpResponse> Send(absl::string_view method, absl::string_view path,
                                    absl::string_view body = "",
                                    absl::string_view content_type = "application/json");

  // An error for an unexpected answer: `<service>: <METHOD> <path>: HTTP <n>: <server message>`,
  // with a code that follows the status (404 NotFound, 409 AlreadyExists, 401 Unauthenticated,
  // 403 PermissionDenied, 412 FailedPrecondition, 429 and 5xx Unavailable, other 4xx
  // InvalidArgument).
  absl::Status Error(absl::string_view method, absl::string_view path,
                     const HttpResponse& response) const;

  const std::string& service() const { return service_; }

 private:
  bool Retryable(int status) const;
  void PaceWrite(absl::string_view method);

  HttpClient* const http_;
  const std::string service_;
  const std::string base_url_;
  const std::vector<std::pair<std::string, std::string>> headers_;
  const RetryPolicy policy_;
  const bool retry_unauthorized_;

  absl::Mutex mu_;
  absl::Time last_write_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// The server's message from an error body: `message` (Grafana), `error` or `message`
// (InfluxDB), or the start of the raw body.
std::string ServerMessage(absl::string_view body);

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters pass).
std::string UrlEncode(absl::string_view text);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_REST_CLIENT_H_
