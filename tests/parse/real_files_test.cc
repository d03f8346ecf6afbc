// Every real logger file of shared/data/mv2 against the expected counts of its README.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/parse/mv2_parser.h"
#include "tests/parse/recording_visitor.h"

namespace powerview::parse {
namespace {

const std::string kData = std::string(POWERVIEW_SHARED_DIR) + "/data/mv2";

bool HaveData() {
  FILE* f = std::fopen((kData + "/README.md").c_str(), "r");
  if (f == nullptr) return false;
  std::fclose(f);
  return true;
}

struct Expected {
  const char* file;
  int64_t rows, points, markers, invalid_clock, truncated, invalid_values, invalid_timestamps;
};

// The table of data/mv2/README.md.
const Expected kTable[] = {
    {"company1/campaign1/02001084/T302_251012_031720.tsv", 143, 4290, 0, 0, 0, 0, 0},
    {"company2/firmware_v003/02001311/T302_260122_162658_UTC.tsv", 134, 702, 17, 0, 0, 0, 0},
    {"company2/slaves_v003/02000800/T302_260128_171459_UTC.tsv", 5, 30, 0, 0, 0, 0, 0},
    {"company2/slaves_v003/02000800/T302_260208_211459_UTC.tsv", 6, 72, 0, 0, 0, 0, 0},
    {"company3/camp_base/02001283/T302_251024_204336.tsv", 349, 2046, 7, 1, 0, 0, 0},
    {"company3/camp_base/02001283/T302_251025_031739.tsv", 38, 228, 0, 0, 0, 0, 0},
    {"company3/camp_base/02001283/T302_251026_031500.tsv", 149, 894, 0, 0, 0, 0, 0},
    {"company3/camp_base/02001283/T302_251027_031520.tsv", 143, 858, 0, 0, 0, 0, 0},
    {"company3/camp_base/02001283/T302_260108_213912.tsv", 27, 156, 0, 0, 1, 0, 0},
    {"company3/camp_base/02001283/T302_260109_102002.tsv", 2465, 14778, 1, 0, 1, 0, 0},
    {"company3/camp_base/02001283/T302_260109_115729.tsv", 162, 966, 0, 0, 1, 0, 0},
};

TEST(RealFilesTest, CountsMatchTheReadmeTable) {
  if (!HaveData()) GTEST_SKIP() << "no shared data at " << kData;
  for (const Expected& e : kTable) {
    RecordingVisitor visitor;
    absl::StatusOr<ParseSummary> s = ParseMv2File(kData + "/" + e.file, ParseOptions(), &visitor);
    ASSERT_TRUE(s.ok()) << e.file << ": " << s.status();
    const v1::IngestCounts& c = s->counts;
    EXPECT_EQ(c.rows(), e.rows) << e.file;
    EXPECT_EQ(c.points(), e.points) << e.file;
    EXPECT_EQ(c.power_off_markers(), e.markers) << e.file;
    EXPECT_EQ(c.invalid_clock(), e.invalid_clock) << e.file;
    EXPECT_EQ(c.truncated_last_row(), e.truncated) << e.file;
    EXPECT_EQ(c.invalid_values(), e.invalid_values) << e.file;
    EXPECT_EQ(c.invalid_timestamps(), e.invalid_timestamps) << e.file;
    int64_t written = 0;
    for (const RecordedRow& row : visitor.rows) {
      for (const CellValue& cell : row.cells) written += cell.valid ? 1 : 0;
    }
    EXPECT_EQ(written, e.points) << e.file;
    EXPECT_EQ(static_cast<int64_t>(visitor.power_offs.size()), c.device_events()) << e.file;
  }
}

TEST(RealFilesTest, RejectsWithTheirReasons) {
  if (!HaveData()) GTEST_SKIP() << "no shared data at " << kData;
  const std::pair<const char*, const char*> rejects[] = {
      {"rejects/camp_base/02001283/T202_251022_121951.tsv", "unsupported format 'MV_T202_V002'"},
      {"rejects/camp_base/02001283/T302_260109_120045.tsv", "empty file"},
      {"rejects/camp_base/02001283/T302_260109_133915.tsv", "no data rows"},
  };
  for (const auto& [file, reason] : rejects) {
    RecordingVisitor visitor;
    absl::StatusOr<ParseSummary> s = ParseMv2File(kData + "/" + file, ParseOptions(), &visitor);
    EXPECT_EQ(s.status(), absl::InvalidArgumentError(reason)) << file;
    EXPECT_EQ(visitor.headers, 0) << file;
  }
}

TEST(RealFilesTest, MasterSerialComesFromTheFileNotTheFolder) {
  if (!HaveData()) GTEST_SKIP() << "no shared data at " << kData;
  absl::StatusOr<ParseSummary> s = ParseMv2File(
      kData + "/company1/campaign1/02001084/T302_251012_031720.tsv", ParseOptions(), nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->info.master_sn, "02001171");
  EXPECT_EQ(s->info.subtype, "tri");
  EXPECT_EQ(s->info.channels.size(), 30u);
  EXPECT_EQ(s->info.time_zone, "Europe/Paris");
  EXPECT_EQ(s->info.channels[29].channel_id(), "M02001171_S04001344_Ch6");
}

TEST(RealFilesTest, SlavesFileValuesAndChannelIds) {
  if (!HaveData()) GTEST_SKIP() << "no shared data at " << kData;
  RecordingVisitor visitor;
  absl::StatusOr<ParseSummary> s =
      ParseMv2File(kData + "/company2/slaves_v003/02000800/T302_260208_211459_UTC.tsv",
                   ParseOptions(), &visitor);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->info.time_zone, "UTC");
  EXPECT_EQ(s->info.subtype, "tri");
  ASSERT_EQ(visitor.rows.size(), 6u);
  const RecordedRow& row = visitor.rows[0];  // 08/02/26 19:10:00 UTC
  EXPECT_EQ(row.time, 1770577800);
  const double expected[] = {244.26, 244.26, 244.27, 11.7, 133.6, 2.9,
                             121.7,  154.8,  -3.7,   -5.8, -3.0,  -6.6};
  ASSERT_EQ(row.cells.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_TRUE(row.cells[i].valid) << i;
    EXPECT_EQ(row.cells[i].value, expected[i]) << i;
  }
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(s->info.channels[6 + i].channel_id(), absl::StrCat("M02000800_S04001002_Ch", i + 1));
    EXPECT_EQ(s->info.channels[6 + i].device_type(), v1::DEVICE_TYPE_SLAVE);
  }
  EXPECT_EQ(s->info.channels[6].name(), "minipince");
  EXPECT_EQ(s->info.channels[0].channel_id(), "M02000800_U1");
  EXPECT_EQ(s->info.channels[5].channel_id(), "M02000800_Ch3");
}

TEST(RealFilesTest, EndOfSummerTimeFileHas149DistinctInstants) {
  if (!HaveData()) GTEST_SKIP() << "no shared data at " << kData;
  RecordingVisitor visitor;
  absl::StatusOr<ParseSummary> s = ParseMv2File(
      kData + "/company3/camp_base/02001283/T302_251026_031500.tsv", ParseOptions(), &visitor);
  ASSERT_TRUE(s.ok());
  std::set<int64_t> instants;
  for (size_t i = 0; i < visitor.rows.size(); ++i) {
    instants.insert(visitor.rows[i].time);
    if (i > 0) {
      EXPECT_EQ(visitor.rows[i].time - visitor.rows[i - 1].time, 600) << i;
    }
  }
  EXPECT_EQ(instants.size(), 149u);
  // Upstream (UTC) overwrote 6 timestamps of the repeated hour.
  ParseOptions upstream;
  upstream.v002_time_zone = "UTC";
  RecordingVisitor utc;
  ASSERT_TRUE(
      ParseMv2File(kData + "/company3/camp_base/02001283/T302_251026_031500.tsv", upstream, &utc)
          .ok());
  std::set<int64_t> utc_instants;
  for (const RecordedRow& row : utc.rows) utc_instants.insert(row.time);
  EXPECT_EQ(utc_instants.size(), 143u);
}

TEST(RealFilesTest, OldClockMarkerIsCountedButNotWritten) {
  if (!HaveData()) GTEST_SKIP() << "no shared data at " << kData;
  RecordingVisitor visitor;
  absl::StatusOr<ParseSummary> s = ParseMv2File(
      kData + "/company3/camp_base/02001283/T302_251024_204336.tsv", ParseOptions(), &visitor);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->counts.power_off_markers(), 7);
  EXPECT_EQ(s->counts.device_events(), 6);
  EXPECT_EQ(visitor.power_offs.size(), 6u);
}

}  // namespace
}  // namespace powerview::parse
