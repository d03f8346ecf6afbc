// What the MV2 parser hands to its consumer: the file's channels once, then each accepted row
// and power-off marker in file order. The line-protocol encoder is the main visitor.
#ifndef POWERVIEW_SERVER_PARSE_ROW_VISITOR_H_
#define POWERVIEW_SERVER_PARSE_ROW_VISITOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "powerview/v1/models.pb.h"

namespace powerview::parse {

// Known once the serial and channel lines are read.
struct FileInfo {
  std::string format;       // "MV_T302_V002" / "MV_T302_V003"
  std::string master_sn;    // column 0 of the serial line
  std::string subtype;      // "tri" / "mono"
  std::string header_json;  // V003 header JSON text (may have spanned lines), else ""
  std::string time_zone;    // zone used: "UTC" or an IANA name
  std::vector<powerview::v1::Channel> channels;
  std::vector<int> columns;  // TSV column index of channels[i]
};

// One channel cell of an accepted row.
struct CellValue {
  double value = 0;
  bool valid = false;
};

class RowVisitor {
 public:
  virtual ~RowVisitor() = default;

  // Called once, just before the first OnRow/OnPowerOff (never for a rejected file), so a
  // rejected file reaches no visitor at all.
  virtual absl::Status OnHeader(const FileInfo& info) = 0;

  // One accepted measurement row; cells[i] belongs to info.channels[i]; invalid cells have
  // valid=false and are counted as invalid values.
  virtual absl::Status OnRow(int64_t epoch_seconds, absl::Span<const CellValue> cells) = 0;

  // A power-off marker with a usable instant (markers with a bad/too-old timestamp are only
  // counted).
  virtual absl::Status OnPowerOff(int64_t epoch_seconds) = 0;
};

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_ROW_VISITOR_H_
