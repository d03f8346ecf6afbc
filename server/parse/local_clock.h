// MV2 timestamps (`DD/MM/YY HH:MM:SS`) and their conversion to instants (spec section 4.3-4.4).
#ifndef POWERVIEW_SERVER_PARSE_LOCAL_CLOCK_H_
#define POWERVIEW_SERVER_PARSE_LOCAL_CLOCK_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace powerview::parse {

// Parses `DD/MM/YY HH:MM:SS` (two digits each, year 20YY; surrounding spaces ignored) into
// `*civil`. Returns false for anything else, including impossible dates such as 31/02.
bool ParseMv2Timestamp(absl::string_view text, absl::CivilSecond* civil);

// Turns the wall-clock times of one file, in file order, into epoch seconds.
//
// In a zone with summer time, a time in the repeated hour (autumn) resolves to the earlier
// (summer) instant until the file goes back in time inside that hour, and to the later (winter)
// instant from then on, so a logger that writes 02:00..02:50 twice yields twelve distinct
// instants. A time in the skipped hour (spring) does not exist; it resolves to absl's `pre`
// instant, i.e. it is read with the offset in force before the change (02:30 CET on the spring
// day is taken as 03:30 CEST).
//
// The zone's offset is cached per civil hour, so a file costs about two zone look-ups per hour
// it covers; hours that contain a transition are resolved one timestamp at a time.
class LocalClock {
 public:
  // A clock whose wall time is UTC.
  LocalClock();
  // A clock whose wall time is local time in `zone`.
  explicit LocalClock(absl::TimeZone zone);

  // Epoch seconds of `civil`, read in file order (this call updates the repeated-hour state).
  int64_t ToEpochSeconds(const absl::CivilSecond& civil);

 private:
  int64_t ResolveSlow(const absl::CivilSecond& civil, int64_t local_seconds);

  bool utc_;
  absl::TimeZone zone_;
  // Cache: the civil hour (local seconds / 3600) whose offset is constant, and that offset.
  int64_t cached_hour_;
  int64_t cached_offset_;
  bool cached_uniform_;
  // Repeated-hour state: the transition being inside, the latest local time seen in it, and
  // whether the file already went back in time inside it.
  absl::Time fold_transition_;
  int64_t fold_latest_local_;
  bool fold_later_;
};

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_LOCAL_CLOCK_H_
