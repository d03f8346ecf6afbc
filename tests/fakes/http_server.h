// An in-process HTTP/1.1 server for tests: fakes of InfluxDB and Grafana are written as a
// handler function on top of it. It listens on 127.0.0.1 with a port chosen by the kernel.
#ifndef POWERVIEW_TESTS_FAKES_HTTP_SERVER_H_
#define POWERVIEW_TESTS_FAKES_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace powerview::testing {

struct FakeRequest {
  std::string method;
  std::string path;   // decoded path without the query string
  std::string query;  // raw query string (without '?')
  std::map<std::string, std::string> params;  // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;            // gunzipped when the request had Content-Encoding: gzip
  size_t wire_body_size = 0;   // size of the body as received

  std::string Header(absl::string_view name) const;  // case-insensitive, "" when absent
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Wait this long before answering (to test client timeouts).
  absl::Duration delay = absl::ZeroDuration();
  // Close the connection without answering (a transport error for the client).
  bool drop_connection = false;

  static FakeResponse Json(int status, std::string body);
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  // The handler is called from the server's threads, possibly concurrently; it must be
  // thread-safe. The server does not start until Start().
  explicit FakeHttpServer(Handler handler);
  // Stops the server and joins its threads.
  ~FakeHttpServer();

  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  absl::Status Start();
  void Stop();
  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>"

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace powerview::testing

#endif  // POWERVIEW_TESTS_FAKES_HTTP_SERVER_H_
