// InfluxDB line protocol for MV2 data (spec section 5): one `electrical` point per accepted
// cell and one `device_event` point per power-off marker, cut into batches for a BatchSink.
#ifndef POWERVIEW_SERVER_SINK_LINE_PROTOCOL_H_
#define POWERVIEW_SERVER_SINK_LINE_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/parse/row_visitor.h"
#include "server/sink/batch_sink.h"

namespace powerview::sink {

// Escaping as Telegraf does it: `,` and space (and `=` except in measurements) get a backslash;
// tab, newline, form feed and carriage return become `\t`, `\n`, `\f`, `\r`; trailing backslashes
// are removed, since they would escape the separator that follows. Quotes and UTF-8 are kept.
// An empty result cannot be written: callers leave such a tag out.
std::string EscapeMeasurement(absl::string_view name);
std::string EscapeTagKey(absl::string_view key);
std::string EscapeTagValue(absl::string_view value);
std::string EscapeFieldKey(absl::string_view key);

// Writes the shortest decimal text that reads back as `value`, in fixed notation (like Go's
// AppendFloat(v, 'f', -1, 64)), never with an integer suffix: 244.26 -> "244.26", 5.0 -> "5",
// -0.0 -> "-0". `value` must be finite. Returns the number of characters written to `out`,
// which must hold kMaxFloatChars.
inline constexpr size_t kMaxFloatChars = 400;
size_t FormatFloat(double value, char* out);

class LineProtocolEncoder : public parse::RowVisitor {
 public:
  // Encodes one file's points, tagged with `campaign`, into batches within `limits` for `sink`,
  // which is not owned and must outlive the encoder. A single line longer than
  // limits.max_bytes is sent alone.
  LineProtocolEncoder(std::string campaign, BatchLimits limits, BatchSink* sink);
  ~LineProtocolEncoder() override;

  // Precomputes each channel's `electrical,<sorted tags> <field>=` prefix.
  absl::Status OnHeader(const parse::FileInfo& info) override;
  absl::Status OnRow(int64_t epoch_seconds, absl::Span<const parse::CellValue> cells) override;
  absl::Status OnPowerOff(int64_t epoch_seconds) override;

  // Sends the last partial batch, then flushes the sink.
  absl::Status Finish();

  // Lines handed to the sink or waiting in the current batch.
  int64_t lines() const { return lines_; }
  // Batches handed to the sink.
  int64_t batches() const { return batches_; }

 private:
  // Appends one line made of three pieces, sending the current batch first if it is full.
  absl::Status Append(absl::string_view prefix, absl::string_view value, absl::string_view suffix);
  absl::Status SendBatch();
  void Reserve(size_t bytes);

  const std::string campaign_;
  const BatchLimits limits_;
  BatchSink* const sink_;
  bool header_seen_ = false;
  std::vector<std::string> prefixes_;  // per channel
  std::string event_prefix_;

  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t used_ = 0;
  int64_t batch_lines_ = 0;
  int64_t lines_ = 0;
  int64_t batches_ = 0;
};

}  // namespace powerview::sink

#endif  // POWERVIEW_SERVER_SINK_LINE_PROTOCOL_H_
