// Settings of the MV2 parser, read once from the configuration.
#ifndef POWERVIEW_SERVER_PARSE_PARSE_OPTIONS_H_
#define POWERVIEW_SERVER_PARSE_PARSE_OPTIONS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace powerview::parse {

class FormatRegistry;

struct ParseOptions {
  // Zone of V002 device clocks (IANA name); "UTC" reproduces upstream.
  std::string v002_time_zone = "Europe/Paris";
  // Instants before this are a clock that was not set (counted, skipped).
  absl::Time clock_floor = absl::FromUnixSeconds(1609459200);  // 2021-01-01T00:00:00Z
  // Readers by format name; nullptr means FormatRegistry::Builtin().
  const FormatRegistry* registry = nullptr;
  // Size of the read buffer of ParseMv2File, which is also the longest line read whole (a longer
  // data line is counted as a row with an invalid timestamp).
  size_t buffer_size = size_t{256} << 10;
};

// InvalidArgument naming the setting when `options` cannot work (e.g. an unknown V002 zone).
// The parser reports a bad setting as FailedPrecondition, since it is not the file's fault.
absl::Status ValidateParseOptions(const ParseOptions& options);

// Reads a clock floor setting: a day (2021-01-01, midnight UTC) or an RFC 3339 time.
// InvalidArgument naming the expected forms otherwise.
absl::StatusOr<absl::Time> ParseClockFloor(absl::string_view text);

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_PARSE_OPTIONS_H_
