// Deterministic MV2 files that look like real logger output, for demos, tests and benchmarks.
#ifndef POWERVIEW_CLIENT_GEN_MV2_GENERATOR_H_
#define POWERVIEW_CLIENT_GEN_MV2_GENERATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace powerview::gen {

struct GenOptions {
  std::string format = "v002";  // "v002" or "v003"
  // Format cell written in the channel line; empty: MV_T302_V002 / MV_T302_V003 from `format`.
  std::string format_name;
  std::string master = "tri";  // "tri" (3 voltages + 3 channels) or "mono" (1 + 5)
  int slaves = 0;              // each slave has 6 channels
  std::string serial = "02000800";
  absl::CivilSecond start = absl::CivilSecond(2025, 1, 1, 0, 0, 0);  // first row, as written
  int64_t rows = 144;  // measurement rows (power-off markers come on top)
  absl::Duration interval = absl::Minutes(10);
  int64_t power_off_every = 0;  // a marker after every N rows; 0: none
  bool truncate = false;        // cut the last row mid-value, without final newline
  // Timestamps are Europe/Paris wall-clock time with summer time (V003: a local-time header);
  // otherwise UTC.
  bool dst = false;
  uint64_t seed = 1;
};

struct GenResult {
  int64_t rows = 0;  // lines after the channel line (markers and a cut row included)
  int64_t markers = 0;
  int channels = 0;
  int64_t bytes = 0;
};

// Writes the file at `path` (replacing it). InvalidArgument for bad options, other errors for
// I/O.
absl::StatusOr<GenResult> WriteMv2File(const GenOptions& options, const std::string& path);

}  // namespace powerview::gen

#endif  // POWERVIEW_CLIENT_GEN_MV2_GENERATOR_H_
