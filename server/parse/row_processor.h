// The row rules of spec section 4 for the data lines of one file: blank lines, power-off
// markers, the truncated last row, timestamps and zones, the clock floor and value cells.
#ifndef POWERVIEW_SERVER_PARSE_ROW_PROCESSOR_H_
#define POWERVIEW_SERVER_PARSE_ROW_PROCESSOR_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/parse/line_source.h"
#include "server/parse/local_clock.h"
#include "server/parse/mv2_parser.h"
#include "server/parse/row_visitor.h"

namespace powerview::parse {

class RowProcessor {
 public:
  // `info` and `visitor` (may be nullptr) are not owned and must outlive the processor.
  // `column_count` is the number of cells of the serial line (timestamp column included).
  RowProcessor(const FileInfo* info, int column_count, LocalClock clock, absl::Time clock_floor,
               RowVisitor* visitor);

  // Applies the rules to one data line, in file order. Returns the visitor's error, if any.
  absl::Status Process(const Line& line);

  // Fills the counts, channel statistics and time range of `summary`.
  void Finish(ParseSummary* summary) const;

  int64_t rows() const { return counts_.rows; }

 private:
  struct Counts {
    int64_t rows = 0, points = 0, power_off_markers = 0, device_events = 0, invalid_clock = 0,
            truncated_last_row = 0, invalid_values = 0, invalid_timestamps = 0;
  };
  struct Stats {
    int64_t points = 0;
    double min = 0, max = 0, sum = 0;
  };

  void SplitCells(absl::string_view text);
  bool IsPowerOffMarker() const;
  bool KeepsUnterminatedRow() const;
  absl::Status ProcessMarker();
  absl::Status EnsureHeader();

  const FileInfo* info_;
  const size_t column_count_;
  LocalClock clock_;
  const int64_t floor_seconds_;
  RowVisitor* visitor_;
  bool header_sent_ = false;

  Counts counts_;
  std::vector<Stats> stats_;
  std::vector<absl::string_view> cells_;  // reused for every row
  std::vector<CellValue> values_;         // reused for every row
  // Digits after the point in the last cell of the last accepted row; -1 before the first one.
  int last_fraction_digits_ = -1;
  int64_t first_time_ = 0, last_time_ = 0;
  bool any_time_ = false;
};

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_ROW_PROCESSOR_H_
