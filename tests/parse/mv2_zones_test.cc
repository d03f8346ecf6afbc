// Spec 4.4: which clock a file's timestamps are read in, and summer time.
#include <set>

#include "gtest/gtest.h"
#include "tests/parse/mv2_test_util.h"

namespace powerview::parse {
namespace {

constexpr const char* kWinterRow = "15/01/26 12:00:00\t1.0\t2.0\t3.0\n";
constexpr int64_t kWinterNoonUtc = 1768478400;  // 2026-01-15T12:00:00Z

int64_t FirstTime(const Parsed& p) { return p.visitor.rows.at(0).time; }

TEST(Mv2ZonesTest, V003UtcSetting) {
  Parsed p = Parse(V003(R"({"DataTimeSettings":"UTC","TimeZoneName":"Europe/Paris"})", kWinterRow));
  ASSERT_TRUE(p.summary.ok()) << p.summary.status();
  EXPECT_EQ(p.summary->info.time_zone, "UTC");
  EXPECT_EQ(FirstTime(p), kWinterNoonUtc);
}

TEST(Mv2ZonesTest, V003OtherSettingUsesTimeZoneName) {
  Parsed paris =
      Parse(V003(R"({"DataTimeSettings":"Local","TimeZoneName":"Europe/Paris"})", kWinterRow));
  ASSERT_TRUE(paris.summary.ok()) << paris.summary.status();
  EXPECT_EQ(paris.summary->info.time_zone, "Europe/Paris");
  EXPECT_EQ(FirstTime(paris), kWinterNoonUtc - 3600);
  Parsed ny = Parse(V003(R"({"TimeZoneName":"America/New_York"})", kWinterRow));
  ASSERT_TRUE(ny.summary.ok()) << ny.summary.status();
  EXPECT_EQ(FirstTime(ny), kWinterNoonUtc + 5 * 3600);
}

TEST(Mv2ZonesTest, V003BadZoneIsRejected) {
  Parsed unknown =
      Parse(V003(R"({"DataTimeSettings":"Local","TimeZoneName":"Mars/Olympus"})", kWinterRow));
  EXPECT_TRUE(absl::IsInvalidArgument(unknown.summary.status()));
  EXPECT_EQ(unknown.summary.status().message(),
            "bad V003 header: unknown TimeZoneName 'Mars/Olympus'");
  Parsed sneaky =
      Parse(V003(R"({"DataTimeSettings":"Local","TimeZoneName":"../../etc/passwd"})", kWinterRow));
  EXPECT_TRUE(absl::IsInvalidArgument(sneaky.summary.status()));
  Parsed missing = Parse(V003(R"({"DataTimeSettings":"Local"})", kWinterRow));
  EXPECT_TRUE(absl::IsInvalidArgument(missing.summary.status()));
  EXPECT_EQ(unknown.visitor.headers + sneaky.visitor.headers + missing.visitor.headers, 0);
}

TEST(Mv2ZonesTest, V002DefaultsToParisAndUtcReproducesUpstream) {
  Parsed paris = Parse(V002(kWinterRow));
  ASSERT_TRUE(paris.summary.ok());
  EXPECT_EQ(paris.summary->info.time_zone, "Europe/Paris");
  EXPECT_EQ(FirstTime(paris), kWinterNoonUtc - 3600);
  ParseOptions utc;
  utc.v002_time_zone = "UTC";
  Parsed upstream = Parse(V002(kWinterRow), utc);
  ASSERT_TRUE(upstream.summary.ok());
  EXPECT_EQ(upstream.summary->info.time_zone, "UTC");
  EXPECT_EQ(FirstTime(upstream), kWinterNoonUtc);
}

TEST(Mv2ZonesTest, BadV002SettingIsNotTheFilesFault) {
  ParseOptions bad;
  bad.v002_time_zone = "Nowhere/Land";
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateParseOptions(bad)));
  EXPECT_TRUE(ValidateParseOptions(ParseOptions()).ok());
  Parsed p = Parse(V002(kWinterRow), bad);
  EXPECT_TRUE(absl::IsFailedPrecondition(p.summary.status())) << p.summary.status();
}

TEST(Mv2ZonesTest, EndOfSummerTimeRepeatedHourGivesDistinctInstants) {
  std::string rows;
  for (const char* t : {"26/10/25 01:40:00", "26/10/25 01:50:00"}) {
    rows += std::string(t) + "\t1.0\t2.0\t3.0\n";
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (int m = 0; m < 60; m += 10) {
      rows += absl::StrCat("26/10/25 02:", m == 0 ? "00" : absl::StrCat(m), ":00\t1.0\t2.0\t3.0\n");
    }
  }
  rows += "26/10/25 03:00:00\t1.0\t2.0\t3.0\n";
  Parsed p = Parse(V002(rows));
  ASSERT_TRUE(p.summary.ok());
  ASSERT_EQ(p.visitor.rows.size(), 15u);
  std::set<int64_t> instants;
  for (size_t i = 0; i < p.visitor.rows.size(); ++i) {
    instants.insert(p.visitor.rows[i].time);
    if (i > 0) {
      EXPECT_EQ(p.visitor.rows[i].time - p.visitor.rows[i - 1].time, 600) << i;
    }
  }
  EXPECT_EQ(instants.size(), 15u);
  EXPECT_EQ(p.visitor.rows.front().time, 1761435600);  // 2025-10-25T23:40:00Z
  EXPECT_EQ(*p.summary->last_time, 1761444000);        // 03:00 CET = 02:00Z
}

TEST(Mv2ZonesTest, StartOfSummerTimeSkippedHour) {
  Parsed p =
      Parse(V002("30/03/25 01:50:00\t1.0\t2.0\t3.0\n"
                 "30/03/25 02:30:00\t1.0\t2.0\t3.0\n"  // does not exist: read as 03:30
                 "30/03/25 03:00:00\t1.0\t2.0\t3.0\n"
                 "30/03/25 03:10:00\t1.0\t2.0\t3.0\n"));
  ASSERT_TRUE(p.summary.ok());
  ASSERT_EQ(p.visitor.rows.size(), 4u);
  EXPECT_EQ(p.visitor.rows[0].time, 1743295800);  // 00:50Z
  EXPECT_EQ(p.visitor.rows[1].time, 1743298200);  // 01:30Z (pre-transition offset)
  EXPECT_EQ(p.visitor.rows[2].time, 1743296400);  // 01:00Z
  EXPECT_EQ(p.visitor.rows[3].time, 1743297000);  // 01:10Z
}

TEST(Mv2ZonesTest, SummaryStatisticsAndTimeRange) {
  Parsed p = Parse(V003(kUtcHeader,
                        "08/02/26 19:20:00\t240.0\t-1.5\t1\n"
                        "08/02/26 19:10:00\t244.0\t2.5\tx\n"
                        "08/02/26 19:30:00\t242.0\t-0.0\t3\n"));
  ASSERT_TRUE(p.summary.ok());
  const ParseSummary& s = *p.summary;
  EXPECT_EQ(*s.first_time, 1770577800);
  EXPECT_EQ(*s.last_time, 1770579000);
  ASSERT_EQ(s.channel_stats.size(), 3u);
  EXPECT_EQ(s.channel_stats[0].points(), 3);
  EXPECT_EQ(s.channel_stats[0].min(), 240.0);
  EXPECT_EQ(s.channel_stats[0].max(), 244.0);
  EXPECT_EQ(s.channel_stats[0].mean(), 242.0);
  EXPECT_EQ(s.channel_stats[1].min(), -1.5);
  EXPECT_EQ(s.channel_stats[1].max(), 2.5);
  EXPECT_EQ(s.channel_stats[2].points(), 2);
  EXPECT_EQ(s.channel_stats[2].mean(), 2.0);
  EXPECT_EQ(s.channel_stats[2].channel().channel_id(), "M02000800_Ch2");
  EXPECT_EQ(s.info.subtype, "mono");
  EXPECT_EQ(s.info.columns, (std::vector<int>{1, 2, 3}));
}

}  // namespace
}  // namespace powerview::parse
