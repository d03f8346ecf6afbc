// The HTTP listener Prometheus scrapes (powerviewd --metrics-listen): GET /metrics answers
// metrics::Render() in the text exposition format; anything else is 404 or 405. One thread,
// one request per connection, every read and write bounded in size and time, so a slow or
// hostile client costs at most a few seconds of this thread and never touches the pipeline.
#ifndef POWERVIEW_SERVER_COMMON_METRICS_HTTP_H_
#define POWERVIEW_SERVER_COMMON_METRICS_HTTP_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace powerview {

class MetricsHttpServer {
 public:
  // Listens on `host`:`port` (port 0: a free one) and serves until destroyed.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const std::string& host,
                                                                  int port);
  ~MetricsHttpServer();

  int port() const { return port_; }

 private:
  MetricsHttpServer() = default;
  void Serve();
  void Handle(int fd);

  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
};

}  // namespace powerview

#endif  // POWERVIEW_SERVER_COMMON_METRICS_HTTP_H_
