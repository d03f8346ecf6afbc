// A RowVisitor for tests: records every call.
#ifndef POWERVIEW_TESTS_PARSE_RECORDING_VISITOR_H_
#define POWERVIEW_TESTS_PARSE_RECORDING_VISITOR_H_

#include <cstdint>
#include <vector>

#include "server/parse/row_visitor.h"

namespace powerview::parse {

struct RecordedRow {
  int64_t time;
  std::vector<CellValue> cells;
};

class RecordingVisitor : public RowVisitor {
 public:
  absl::Status OnHeader(const FileInfo& info) override {
    ++headers;
    this->info = info;
    return absl::OkStatus();
  }
  absl::Status OnRow(int64_t t, absl::Span<const CellValue> cells) override {
    if (headers != 1) return absl::InternalError("OnRow without exactly one OnHeader");
    rows.push_back({t, std::vector<CellValue>(cells.begin(), cells.end())});
    return fail_on_row;
  }
  absl::Status OnPowerOff(int64_t t) override {
    if (headers != 1) return absl::InternalError("OnPowerOff without exactly one OnHeader");
    power_offs.push_back(t);
    return absl::OkStatus();
  }

  int headers = 0;
  FileInfo info;
  std::vector<RecordedRow> rows;
  std::vector<int64_t> power_offs;
  absl::Status fail_on_row;  // returned by OnRow
};

}  // namespace powerview::parse

#endif  // POWERVIEW_TESTS_PARSE_RECORDING_VISITOR_H_
