// Lines that several threads write to one bucket at about the same time share one request: the
// per-file summary points of files that finish together, for instance. A group commit: the
// first caller to find no request in flight sends every line queued so far; the others wait for
// its answer. Each caller still returns only once InfluxDB acknowledged (or refused) its own
// line, so nothing is reported stored before it is.
#ifndef POWERVIEW_SERVER_SINK_GROUP_WRITER_H_
#define POWERVIEW_SERVER_SINK_GROUP_WRITER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/sink/influx_writer.h"

namespace powerview::sink {

class GroupWriter {
 public:
  // Writes to `bucket` through `writer` (retries, 413 splits, creation on 404: see
  // InfluxWriter), at most `max_lines` lines per request. `writer` is not owned and must outlive
  // this object. Thread-safe.
  GroupWriter(InfluxWriter* writer, std::string bucket, int max_lines = 5000);

  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;

  // Writes one line (without its final newline) and returns InfluxWriter::Write's verdict for
  // it. When InfluxDB refuses a shared request for its content (InvalidArgument), each line of
  // it is sent again on its own, so that one bad line does not fail its neighbours.
  absl::Status Write(std::string line);

  // Requests sent so far (retries and splits included), for tests and benchmarks.
  int64_t requests() const;

 private:
  struct Pending {
    std::string line;
    absl::Status result;
    bool done = false;
  };
  // Sends `batch` (one request, or one per line after a refusal) and fills in the results.
  void Send(const std::vector<Pending*>& batch);

  InfluxWriter* const writer_;
  const std::string bucket_;
  const size_t max_lines_;
  mutable std::mutex mu_;
  std::condition_variable done_;
  std::vector<Pending*> queue_;
  bool sending_ = false;
  int64_t requests_ = 0;
};

}  // namespace powerview::sink

#endif  // POWERVIEW_SERVER_SINK_GROUP_WRITER_H_
