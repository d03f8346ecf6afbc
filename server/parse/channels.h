// The channel mapping of an MV2 file (spec section 3, identical to upstream): from the serial
// line and the channel line to one Channel per measurement column.
#ifndef POWERVIEW_SERVER_PARSE_CHANNELS_H_
#define POWERVIEW_SERVER_PARSE_CHANNELS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "powerview/v1/models.pb.h"

namespace powerview::parse {

struct ChannelLayout {
  std::string master_sn;  // column 0 of the serial line
  std::string subtype;    // "tri" or "mono"
  std::vector<powerview::v1::Channel> channels;
  std::vector<int> columns;  // TSV column of channels[i]
  int column_count = 0;      // cells of the serial line, timestamp column included
};

// `master_type` is the V003 header's MasterType ("Tri"/"Mono", any case, surrounding spaces
// ignored); it decides the subtype when it is one of those. Otherwise the subtype is "tri" when
// the channel cells contain `Ph 1`, `Ph 2` and `Ph 3` (each `^Ph\s*N\b`, in any column).
// Trailing whitespace of each line is ignored. InvalidArgument when the channel line has fewer
// cells than the serial line or the serial line names no channel column.
absl::StatusOr<ChannelLayout> BuildChannels(absl::string_view serial_line,
                                            absl::string_view channel_line,
                                            absl::string_view master_type);

// True when `cell` matches `^Ph\s*<digit>\b`.
bool IsPhaseLabel(absl::string_view cell, char digit);

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_CHANNELS_H_
