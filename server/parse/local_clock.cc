#include "server/parse/local_clock.h"

#include <limits>

#include "absl/strings/ascii.h"

namespace powerview::parse {
namespace {

constexpr int64_t kSecondsPerHour = 3600;

// Two ASCII digits at `p`, or -1.
inline int TwoDigits(const char* p) {
  unsigned a = static_cast<unsigned char>(p[0]) - '0';
  unsigned b = static_cast<unsigned char>(p[1]) - '0';
  if (a > 9 || b > 9) return -1;
  return static_cast<int>(a * 10 + b);
}

// Seconds from 1970-01-01T00:00:00 to `civil`, reading `civil` as if it were UTC.
inline int64_t LocalSeconds(const absl::CivilSecond& civil) {
  static const absl::CivilSecond kEpoch(1970, 1, 1, 0, 0, 0);
  return civil - kEpoch;
}

inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

bool ParseMv2Timestamp(absl::string_view text, absl::CivilSecond* civil) {
  text = absl::StripAsciiWhitespace(text);
  if (text.size() != 17) return false;
  const char* p = text.data();
  if (p[2] != '/' || p[5] != '/' || p[8] != ' ' || p[11] != ':' || p[14] != ':') return false;
  int day = TwoDigits(p), month = TwoDigits(p + 3), year = TwoDigits(p + 6);
  int hour = TwoDigits(p + 9), minute = TwoDigits(p + 12), second = TwoDigits(p + 15);
  if (day < 1 || month < 1 || month > 12 || year < 0 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 59) {
    return false;
  }
  absl::CivilDay date(2000 + year, month, day);
  if (date.day() != day) return false;  // normalised: the day does not exist in that month
  *civil = absl::CivilSecond(2000 + year, month, day, hour, minute, second);
  return true;
}

LocalClock::LocalClock() : LocalClock(absl::UTCTimeZone()) { utc_ = true; }

LocalClock::LocalClock(absl::TimeZone zone)
    : utc_(false),
      zone_(zone),
      cached_hour_(std::numeric_limits<int64_t>::min()),
      cached_offset_(0),
      cached_uniform_(false),
      fold_transition_(absl::InfinitePast()),
      fold_latest_local_(0),
      fold_later_(false) {}

int64_t LocalClock::ToEpochSeconds(const absl::CivilSecond& civil) {
  const int64_t local = LocalSeconds(civil);
  if (utc_) return local;
  const int64_t hour = FloorDiv(local, kSecondsPerHour);
  if (hour != cached_hour_) {
    // The hour is uniform when both its ends are unique local times with the same offset.
    const absl::CivilSecond start = absl::CivilHour(civil);
    const absl::TimeZone::TimeInfo first = zone_.At(start);
    const absl::TimeZone::TimeInfo last = zone_.At(start + (kSecondsPerHour - 1));
    const int64_t start_local = hour * kSecondsPerHour;
    cached_hour_ = hour;
    cached_uniform_ =
        first.kind == absl::TimeZone::TimeInfo::UNIQUE &&
        last.kind == absl::TimeZone::TimeInfo::UNIQUE &&
        absl::ToUnixSeconds(last.pre) - absl::ToUnixSeconds(first.pre) == kSecondsPerHour - 1;
    cached_offset_ = start_local - absl::ToUnixSeconds(first.pre);
  }
  if (cached_uniform_) return local - cached_offset_;
  return ResolveSlow(civil, local);
}

int64_t LocalClock::ResolveSlow(const absl::CivilSecond& civil, int64_t local_seconds) {
  const absl::TimeZone::TimeInfo info = zone_.At(civil);
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE:
    case absl::TimeZone::TimeInfo::SKIPPED:
      return absl::ToUnixSeconds(info.pre);
    case absl::TimeZone::TimeInfo::REPEATED:
      break;
  }
  if (info.trans != fold_transition_) {
    fold_transition_ = info.trans;
    fold_latest_local_ = local_seconds;
    fold_later_ = false;
  } else if (!fold_later_ && local_seconds < fold_latest_local_) {
    fold_later_ = true;
  } else if (local_seconds > fold_latest_local_) {
    fold_latest_local_ = local_seconds;
  }
  return absl::ToUnixSeconds(fold_later_ ? info.post : info.pre);
}

}  // namespace powerview::parse
