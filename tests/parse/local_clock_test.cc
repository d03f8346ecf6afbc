#include "server/parse/local_clock.h"

#include <set>

#include "gtest/gtest.h"

namespace powerview::parse {
namespace {

absl::CivilSecond Civil(const char* text) {
  absl::CivilSecond c;
  EXPECT_TRUE(ParseMv2Timestamp(text, &c)) << text;
  return c;
}

absl::TimeZone Paris() {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &tz));
  return tz;
}

TEST(ParseMv2TimestampTest, ReadsDayMonthTwoDigitYear20YY) {
  absl::CivilSecond c = Civil("08/02/26 19:10:00");
  EXPECT_EQ(c, absl::CivilSecond(2026, 2, 8, 19, 10, 0));
  EXPECT_EQ(Civil("01/01/20 01:00:02"), absl::CivilSecond(2020, 1, 1, 1, 0, 2));
  EXPECT_EQ(Civil("31/12/99 23:59:59"), absl::CivilSecond(2099, 12, 31, 23, 59, 59));
  EXPECT_EQ(Civil("  29/02/24 00:00:00 "), absl::CivilSecond(2024, 2, 29, 0, 0, 0));
}

TEST(ParseMv2TimestampTest, RejectsMalformedAndImpossibleTimes) {
  absl::CivilSecond c;
  for (const char* bad :
       {"", "05/12/25 07:", "06/12/25 19:30:0", "6/12/25 19:30:00", "05/12/2025 07:00:00",
        "05-12-25 07:00:00", "05/12/25T07:00:00", "32/01/25 00:00:00", "31/04/25 00:00:00",
        "29/02/25 00:00:00", "00/01/25 00:00:00", "01/13/25 00:00:00", "01/00/25 00:00:00",
        "01/01/25 24:00:00", "01/01/25 23:60:00", "01/01/25 23:59:60", "ab/01/25 00:00:00",
        "01/01/25 00:00:00x", "END_DATA"}) {
    EXPECT_FALSE(ParseMv2Timestamp(bad, &c)) << bad;
  }
}

TEST(LocalClockTest, UtcIsTheWallTime) {
  LocalClock utc;
  EXPECT_EQ(utc.ToEpochSeconds(Civil("08/02/26 19:10:00")), 1770577800);
}

TEST(LocalClockTest, ParisWinterAndSummerOffsets) {
  LocalClock clock(Paris());
  EXPECT_EQ(clock.ToEpochSeconds(Civil("15/01/26 12:00:00")), 1768474800);  // 11:00Z
  EXPECT_EQ(clock.ToEpochSeconds(Civil("15/07/25 12:00:00")), 1752573600);  // 10:00Z
}

// Spec 4.4: 02:00..02:50 twice when summer time ends gives twelve distinct instants.
TEST(LocalClockTest, RepeatedHourEarlierUntilTheFileGoesBackThenLater) {
  LocalClock clock(Paris());
  std::vector<int64_t> got;
  got.push_back(clock.ToEpochSeconds(Civil("26/10/25 01:50:00")));
  for (int pass = 0; pass < 2; ++pass) {
    for (int m = 0; m < 60; m += 10) {
      got.push_back(clock.ToEpochSeconds(absl::CivilSecond(2025, 10, 26, 2, m, 0)));
    }
  }
  got.push_back(clock.ToEpochSeconds(Civil("26/10/25 03:00:00")));
  // 01:50 CEST = 23:50Z; then 00:00Z..00:50Z (CEST), 01:00Z..01:50Z (CET), 03:00 CET = 02:00Z.
  const int64_t t0 = 1761436200;  // 2025-10-25T23:50:00Z
  ASSERT_EQ(got.size(), 14u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], t0 + 600 * static_cast<int64_t>(i));
  EXPECT_EQ(std::set<int64_t>(got.begin(), got.end()).size(), 14u);
}

TEST(LocalClockTest, RepeatedHourStaysEarlierWithoutGoingBack) {
  LocalClock clock(Paris());
  // A file that only has the first pass (or duplicates a row) keeps the summer instants.
  EXPECT_EQ(clock.ToEpochSeconds(Civil("26/10/25 02:10:00")), 1761437400);  // 00:10Z
  EXPECT_EQ(clock.ToEpochSeconds(Civil("26/10/25 02:10:00")), 1761437400);
  EXPECT_EQ(clock.ToEpochSeconds(Civil("26/10/25 02:40:00")), 1761439200);  // 00:40Z
  // Going back from 02:40 to 02:30 switches to winter time for the rest of the hour.
  EXPECT_EQ(clock.ToEpochSeconds(Civil("26/10/25 02:30:00")), 1761442200);  // 01:30Z
  EXPECT_EQ(clock.ToEpochSeconds(Civil("26/10/25 02:50:00")), 1761443400);  // 01:50Z
}

TEST(LocalClockTest, FoldStateIsPerTransition) {
  LocalClock clock(Paris());
  EXPECT_EQ(clock.ToEpochSeconds(Civil("26/10/25 02:40:00")), 1761439200);
  EXPECT_EQ(clock.ToEpochSeconds(Civil("26/10/25 02:30:00")), 1761442200);  // later
  // A year later the repeated hour starts again with the earlier instant.
  EXPECT_EQ(clock.ToEpochSeconds(Civil("25/10/26 02:10:00")), 1792887000);  // 00:10Z
}

// The skipped hour in spring resolves to absl's `pre` instant (read with the winter offset).
TEST(LocalClockTest, SkippedHourUsesThePreTransitionOffset) {
  LocalClock clock(Paris());
  EXPECT_EQ(clock.ToEpochSeconds(Civil("30/03/25 01:50:00")), 1743295800);  // 00:50Z
  EXPECT_EQ(clock.ToEpochSeconds(Civil("30/03/25 02:30:00")), 1743298200);  // 01:30Z
  EXPECT_EQ(clock.ToEpochSeconds(Civil("30/03/25 03:00:00")), 1743296400);  // 01:00Z
  EXPECT_EQ(clock.ToEpochSeconds(Civil("30/03/25 03:30:00")), 1743298200);  // 01:30Z
}

// The per-hour cache gives exactly what the zone gives, minute by minute over two years.
TEST(LocalClockTest, CacheAgreesWithTheZoneEverywhereOutsideTheFold) {
  absl::TimeZone tz = Paris();
  LocalClock clock(tz);
  for (absl::CivilMinute m(2024, 1, 1, 0, 0); m < absl::CivilMinute(2026, 1, 1, 0, 0); m += 7) {
    absl::CivilSecond s(m);
    absl::TimeZone::TimeInfo info = tz.At(s);
    if (info.kind == absl::TimeZone::TimeInfo::REPEATED) continue;
    ASSERT_EQ(clock.ToEpochSeconds(s), absl::ToUnixSeconds(info.pre)) << s;
  }
}

}  // namespace
}  // namespace powerview::parse
