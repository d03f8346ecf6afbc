// A minimal HTTP client contract, so that stages talking to InfluxDB or Grafana can be tested
// against fakes without touching the stage.
#ifndef POWERVIEW_SERVER_COMMON_HTTP_CLIENT_H_
#define POWERVIEW_SERVER_COMMON_HTTP_CLIENT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace powerview {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Whole exchange (connect, send, wait, receive); zero means none.
  absl::Duration timeout = absl::Seconds(30);
  // Establishing the connection only (TCP and TLS); zero means the same as `timeout`.
  absl::Duration connect_timeout = absl::ZeroDuration();
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Value of the first header named `name` (case-insensitive), or "" when absent.
  std::string Header(absl::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Sends `request` and returns whatever status the server answered. Transport failures
  // (connection refused, timeout, TLS) are returned as absl::UnavailableError with the cause.
  // Safe to call from several threads at once.
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

// A libcurl-backed client. Requires curl_global_init to have run (done on first use).
std::unique_ptr<HttpClient> NewCurlHttpClient();

}  // namespace powerview

#endif  // POWERVIEW_SERVER_COMMON_HTTP_CLIENT_H_
