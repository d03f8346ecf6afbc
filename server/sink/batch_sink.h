// Where encoded line protocol goes: InfluxDB (InfluxBatchSink), stdout (powerviewctl parse), or
// a test buffer. The encoder cuts batches; a sink only delivers them.
#ifndef POWERVIEW_SERVER_SINK_BATCH_SINK_H_
#define POWERVIEW_SERVER_SINK_BATCH_SINK_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace powerview::sink {

// Limits of one write request (InfluxDB: at most 5000 lines and 8 MiB uncompressed).
struct BatchLimits {
  int64_t max_lines = 5000;
  size_t max_bytes = size_t{8} << 20;
};

class BatchSink {
 public:
  virtual ~BatchSink() = default;

  // Delivers `lines`: `line_count` complete line-protocol lines, each terminated by '\n', within
  // the limits the encoder was given. Returns OK only once the batch is acknowledged. The bytes
  // are only valid during the call.
  virtual absl::Status WriteBatch(absl::string_view lines, int64_t line_count) = 0;

  // Waits for everything handed over so far (for sinks that deliver asynchronously) and returns
  // the first error. The default has nothing to wait for.
  virtual absl::Status Flush() { return absl::OkStatus(); }
};

}  // namespace powerview::sink

#endif  // POWERVIEW_SERVER_SINK_BATCH_SINK_H_
