#include "server/parse/report.h"

#include "gtest/gtest.h"
#include "tests/parse/mv2_test_util.h"

namespace powerview::parse {
namespace {

TEST(FillReportTest, CopiesWhatTheParserKnows) {
  Parsed p = Parse(V003(kUtcHeader,
                        "08/02/26 19:10:00\t244.0\t2.5\t1.0\n"
                        "08/02/26 19:20:00\t240.0\tx\t0\n"
                        "08/02/26 19:25:00\t0\t0\t0\n"));
  ASSERT_TRUE(p.summary.ok());
  v1::IngestReport report;
  report.set_path("/data/a/b/c/f.tsv");
  FillReport(*p.summary, &report);
  EXPECT_EQ(report.path(), "/data/a/b/c/f.tsv");  // left alone
  EXPECT_EQ(report.format(), "MV_T302_V003");
  EXPECT_EQ(report.master_sn(), "02000800");
  EXPECT_EQ(report.header_json(), kUtcHeader);
  EXPECT_EQ(report.time_zone(), "UTC");
  EXPECT_EQ(report.channel_count(), 3);
  EXPECT_EQ(report.counts().rows(), 3);
  EXPECT_EQ(report.counts().points(), 5);
  EXPECT_EQ(report.counts().invalid_values(), 1);
  EXPECT_EQ(report.counts().power_off_markers(), 1);
  EXPECT_EQ(report.counts().device_events(), 1);
  ASSERT_EQ(report.channels_size(), 3);
  EXPECT_EQ(report.channels(0).channel().channel_id(), "M02000800_U1");
  EXPECT_EQ(report.channels(0).mean(), 242.0);
  EXPECT_EQ(report.channels(1).points(), 1);
  EXPECT_EQ(report.first_time().seconds(), 1770577800);
  EXPECT_EQ(report.last_time().seconds(), 1770578400);
  EXPECT_EQ(report.status(), v1::INGEST_STATUS_UNSPECIFIED);  // the caller's decision
}

}  // namespace
}  // namespace powerview::parse
