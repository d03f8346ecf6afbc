// The MV2 parser: one uploaded logger file in, its channels and accepted rows out, following
// spec/mv2-ingest-rules.md sections 2-5. The file is streamed through a fixed-size buffer, so
// memory does not grow with the file.
#ifndef POWERVIEW_SERVER_PARSE_MV2_PARSER_H_
#define POWERVIEW_SERVER_PARSE_MV2_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "powerview/v1/models.pb.h"
#include "server/parse/line_source.h"
#include "server/parse/parse_options.h"
#include "server/parse/row_visitor.h"

namespace powerview::parse {

struct ParseSummary {
  FileInfo info;
  // rows, points, power_off_markers, device_events, invalid_clock, truncated_last_row,
  // invalid_values, invalid_timestamps.
  powerview::v1::IngestCounts counts;
  // points/min/max/mean of the accepted values, one per channel, in channel order.
  std::vector<powerview::v1::ChannelStats> channel_stats;
  // Earliest and latest instants of the accepted measurement rows (epoch seconds).
  std::optional<int64_t> first_time, last_time;
};

// Parses the file at `path`, handing its accepted content to `visitor` (may be nullptr).
//
// Errors:
// - InvalidArgument with a short reason when the rules reject the file ("empty file",
//   "unsupported format 'MV_T202_V002'", "missing channel line", "no data rows", a bad V003
//   header, ...). The visitor has then seen nothing.
// - NotFound (ENOENT), PermissionDenied (EACCES), Internal (other open errors) or DataLoss
//   (read errors), naming the path and the system's reason.
// - FailedPrecondition when `options` cannot work (ValidateParseOptions).
// - Any error the visitor returns, unchanged; parsing stops there.
absl::StatusOr<ParseSummary> ParseMv2File(const std::string& path, const ParseOptions& options,
                                          RowVisitor* visitor);

// The same on an in-memory file (tests, tools).
absl::StatusOr<ParseSummary> ParseMv2Buffer(absl::string_view content, const ParseOptions& options,
                                            RowVisitor* visitor);

// The same on any line source.
absl::StatusOr<ParseSummary> ParseMv2Lines(LineSource* source, const ParseOptions& options,
                                           RowVisitor* visitor);

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_MV2_PARSER_H_
