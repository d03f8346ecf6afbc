// Spec section 4 (rows) and 2 (layout), one test or more per rule.
#include <set>

#include "gtest/gtest.h"
#include "tests/parse/mv2_test_util.h"

namespace powerview::parse {
namespace {

ParseOptions Utc() {
  ParseOptions o;
  o.v002_time_zone = "UTC";
  return o;
}

TEST(Mv2LayoutTest, ByteOrderMarkIsIgnored) {
  Parsed p = Parse("\xEF\xBB\xBF" + V002("05/12/25 03:20:00\t253.81\t20.5\t0.0\n"), Utc());
  ASSERT_TRUE(p.summary.ok()) << p.summary.status();
  EXPECT_EQ(p.summary->info.master_sn, "02001283");
  EXPECT_EQ(p.summary->info.channels[0].device_type(), v1::DEVICE_TYPE_MASTER);
  EXPECT_EQ(p.summary->counts.points(), 3);
}

TEST(Mv2LayoutTest, CrlfLineEnds) {
  std::string content = "\xEF\xBB\xBF" + V002(
                                             "05/12/25 03:20:00\t253.81\t20.5\t0.0\n\n"
                                             "05/12/25 03:30:00\t0\t0\t0\n");
  std::string crlf;
  for (char c : content) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  Parsed p = Parse(crlf, Utc());
  ASSERT_TRUE(p.summary.ok()) << p.summary.status();
  EXPECT_EQ(p.summary->info.channels[2].unit(), "W");
  EXPECT_EQ(p.summary->counts.rows(), 2);
  EXPECT_EQ(p.summary->counts.points(), 3);
  EXPECT_EQ(p.summary->counts.invalid_values(), 0);
  EXPECT_EQ(p.summary->counts.power_off_markers(), 1);
}

TEST(Mv2LayoutTest, V003HeaderJsonMaySpanLines) {
  Parsed p =
      Parse(V003("{\"DataTimeSettings\": \"UTC\",\n  \"MasterType\": \"Tri\",\n"
                 "  \"TimeZoneName\": \"Europe/Paris\"}",
                 "08/02/26 19:10:00\t244.26\t11.7\t133.6\nEND_DATA\n"));
  ASSERT_TRUE(p.summary.ok()) << p.summary.status();
  const FileInfo& info = p.summary->info;
  EXPECT_EQ(info.format, "MV_T302_V003");
  EXPECT_EQ(info.header_json,
            "{\"DataTimeSettings\": \"UTC\",\n  \"MasterType\": \"Tri\",\n"
            "  \"TimeZoneName\": \"Europe/Paris\"}");
  EXPECT_EQ(info.subtype, "tri");  // MasterType wins over the Ph detection (only Ph 1 here)
  EXPECT_EQ(info.time_zone, "UTC");
  EXPECT_EQ(p.visitor.rows.at(0).time, 1770577800);
}

TEST(Mv2LayoutTest, DataEndsAtEndDataOrAtEndOfFile) {
  Parsed ended = Parse(V003(kUtcHeader,
                            "08/02/26 19:10:00\t1.0\t2.0\t3.0\nEND_DATA\n"
                            "08/02/26 19:20:00\t1.0\t2.0\t3.0\ngarbage\n"));
  ASSERT_TRUE(ended.summary.ok());
  EXPECT_EQ(ended.summary->counts.rows(), 1);
  EXPECT_EQ(ended.summary->counts.invalid_timestamps(), 0);
  Parsed open = Parse(V003(kUtcHeader,
                           "08/02/26 19:10:00\t1.0\t2.0\t3.0\n"
                           "08/02/26 19:20:00\t1.0\t2.0\t3.0\n"));
  ASSERT_TRUE(open.summary.ok());
  EXPECT_EQ(open.summary->counts.rows(), 2);
  // END_DATA without a final newline: the rows before it are complete.
  Parsed no_newline = Parse(V003(kUtcHeader, "08/02/26 19:10:00\t1.0\t2.0\t3\nEND_DATA"));
  ASSERT_TRUE(no_newline.summary.ok());
  EXPECT_EQ(no_newline.summary->counts.truncated_last_row(), 0);
  EXPECT_EQ(no_newline.summary->counts.points(), 3);
}

TEST(Mv2RowsTest, BlankLinesAreSkippedAndNotCounted) {
  Parsed p =
      Parse(V002("\n05/12/25 03:20:00\t1.0\t2.0\t3.0\n \t \n\n05/12/25 03:30:00\t1.0\t2.0\t3.0\n"),
            Utc());
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.summary->counts.rows(), 2);
  EXPECT_EQ(p.summary->counts.invalid_timestamps(), 0);
}

TEST(Mv2RowsTest, PowerOffMarkersAreEventsNotZeroValues) {
  Parsed p = Parse(V002("05/12/25 03:20:00\t1.0\t2.0\t3.0\n"
                        "05/12/25 03:25:17\t0\t0\t0\n"        // marker
                        "05/12/25 03:25:30\t0.0\t0.0\t0.0\n"  // real zeros
                        "05/12/25 03:26:00\t0\t0\n"           // short: data, one invalid value
                        "05/12/25 03:27:00\t0\t0\t00\n"       // not exactly "0": data
                        "05/12/25 03:28:00\t0\t0\t0\t\n"),    // extra cell: data
                   Utc());
  ASSERT_TRUE(p.summary.ok());
  const v1::IngestCounts& c = p.summary->counts;
  EXPECT_EQ(c.rows(), 6);
  EXPECT_EQ(c.power_off_markers(), 1);
  EXPECT_EQ(c.device_events(), 1);
  ASSERT_EQ(p.visitor.power_offs.size(), 1u);
  EXPECT_EQ(p.visitor.power_offs[0], 1764905117);
  EXPECT_EQ(p.visitor.rows.size(), 5u);
  EXPECT_EQ(c.points(), 3 + 3 + 2 + 3 + 3);
  EXPECT_EQ(c.invalid_values(), 1);
}

TEST(Mv2RowsTest, MarkerWithBadOrOldTimestampIsCountedNotWritten) {
  Parsed p = Parse(V002("01/01/20 01:00:35\t0\t0\t0\n"
                        "xx/01/25 01:00:35\t0\t0\t0\n"
                        "05/12/25 03:20:00\t1.0\t2.0\t3.0\n"),
                   Utc());
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.summary->counts.power_off_markers(), 2);
  EXPECT_EQ(p.summary->counts.device_events(), 0);
  EXPECT_EQ(p.summary->counts.invalid_clock(), 0);
  EXPECT_EQ(p.summary->counts.invalid_timestamps(), 0);
  EXPECT_TRUE(p.visitor.power_offs.empty());
}

struct TruncatedCase {
  const char* last_line;
  bool kept;
};

TEST(Mv2RowsTest, TruncatedLastRowDigitRule) {
  const TruncatedCase cases[] = {
      {"22/12/25 05:50:00\t24", false},                // cut value, short row
      {"22/12/25 05:50:00\t249.30\t20.5\t24", false},  // full count, fewer digits
      {"22/12/25 05:50:00\t249.30\t20.5\t0.", false},
      {"22/12/25 05:50:00\t249.30\t20.5\t245.", false},
      {"22/12/25 05:50:00\t249.30\t20.5\t", false},  // trailing tab: empty last cell
      {"22/12/25 05:50:00\t249.30\t20.5", false},
      {"22/12/25 05:", false},
      {"22/12/25 05:50:00\t249.30\t20.5\t0.00", true},  // as many digits as before
      {"22/12/25 05:50:00\t249.30\t20.5\t0.000", true},
      {"22/12/25 05:50:00\t249.30\t20.5\t1.25\t", true},  // extra cell after the full count
  };
  for (const TruncatedCase& tc : cases) {
    Parsed p =
        Parse(V002(std::string("22/12/25 05:40:00\t249.21\t20.5\t0.00\n") + tc.last_line), Utc());
    ASSERT_TRUE(p.summary.ok()) << tc.last_line;
    EXPECT_EQ(p.summary->counts.rows(), 2) << tc.last_line;
    EXPECT_EQ(p.summary->counts.truncated_last_row(), tc.kept ? 0 : 1) << tc.last_line;
    EXPECT_EQ(p.summary->counts.invalid_timestamps(), 0) << tc.last_line;
    EXPECT_EQ(p.summary->counts.invalid_values(), 0) << tc.last_line;
    EXPECT_EQ(p.visitor.rows.size(), tc.kept ? 2u : 1u) << tc.last_line;
  }
}

TEST(Mv2RowsTest, TruncatedRuleOnlyForAMissingFinalNewline) {
  Parsed p = Parse(
      V002("22/12/25 05:40:00\t249.21\t20.5\t0.00\n22/12/25 05:50:00\t249.30\t20.5\t24\n"), Utc());
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.summary->counts.truncated_last_row(), 0);
  EXPECT_EQ(p.summary->counts.points(), 6);
}

TEST(Mv2RowsTest, UnterminatedOnlyRowHasNothingToCompareWithAndIsDropped) {
  Parsed p = Parse(V002("22/12/25 05:50:00\t249.30\t20.5\t0.0"), Utc());
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.summary->counts.rows(), 1);
  EXPECT_EQ(p.summary->counts.truncated_last_row(), 1);
  EXPECT_EQ(p.visitor.headers, 0);
}

TEST(Mv2RowsTest, UnterminatedLastMarkerIsStillAMarker) {
  Parsed p = Parse(V002("22/12/25 05:40:00\t249.21\t20.5\t0.0\n22/12/25 05:41:13\t0\t0\t0"), Utc());
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.summary->counts.truncated_last_row(), 0);
  EXPECT_EQ(p.summary->counts.power_off_markers(), 1);
  EXPECT_EQ(p.visitor.power_offs.size(), 1u);
}

TEST(Mv2RowsTest, InvalidTimestampsAreCountedAndSkipped) {
  Parsed p = Parse(V002("05/12/25 03:20:00\t1.0\t2.0\t3.0\n"
                        "5/12/25 3:30:00\t1.0\t2.0\t3.0\n"
                        "31/02/25 03:30:00\t1.0\t2.0\t3.0\n"
                        "END_DATA\n"
                        "05/12/25 03:40:00\t1.0\t2.0\t3.0\n"),
                   Utc());
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.summary->counts.rows(), 5);
  EXPECT_EQ(p.summary->counts.invalid_timestamps(), 3);
  EXPECT_EQ(p.summary->counts.points(), 6);
}

TEST(Mv2RowsTest, TwoDigitYearIs20YYAndTheClockFloorSkipsOldRows) {
  Parsed p = Parse(V002("01/01/20 01:00:02\t232.09\t4395.2\t3543.6\n"
                        "31/12/20 23:59:59\t1.0\t2.0\t3.0\n"
                        "01/01/21 00:00:00\t1.0\t2.0\t3.0\n"),
                   Utc());
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.summary->counts.invalid_clock(), 2);
  ASSERT_EQ(p.visitor.rows.size(), 1u);
  EXPECT_EQ(p.visitor.rows[0].time, 1609459200);
  ParseOptions floor = Utc();
  floor.clock_floor = absl::FromUnixSeconds(1577840000);  // 2020-01-01T00:53:20Z
  Parsed q = Parse(V002("01/01/20 01:00:02\t232.09\t4395.2\t3543.6\n"), floor);
  ASSERT_TRUE(q.summary.ok());
  EXPECT_EQ(q.summary->counts.invalid_clock(), 0);
  EXPECT_EQ(q.visitor.rows.at(0).time, 1577840402);
}

TEST(Mv2RowsTest, ValueCellsMustBePlainDecimals) {
  Parsed p = Parse(V002("05/12/25 03:20:00\t\tNaN\tinf\n"
                        "05/12/25 03:30:00\t1.\t.5\tabc\n"
                        "05/12/25 03:40:00\t-0.0\t-3.7\t245\n"),
                   Utc());
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.summary->counts.invalid_values(), 6);
  EXPECT_EQ(p.summary->counts.points(), 3);
  ASSERT_EQ(p.visitor.rows.size(), 3u);  // rows with invalid cells are still rows
  EXPECT_FALSE(p.visitor.rows[0].cells[0].valid);
  const std::vector<CellValue>& last = p.visitor.rows[2].cells;
  EXPECT_TRUE(last[0].valid);
  EXPECT_TRUE(std::signbit(last[0].value));
  EXPECT_EQ(last[1].value, -3.7);
  EXPECT_EQ(last[2].value, 245);
  EXPECT_EQ(p.summary->channel_stats[1].points(), 1);
}

}  // namespace
}  // namespace powerview::parse
