// powerview-gen's files, read back by the parser.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/gen/demo_tree.h"
#include "client/gen/mv2_generator.h"
#include "gtest/gtest.h"
#include "server/parse/mv2_parser.h"
#include "tests/parse/recording_visitor.h"

namespace powerview::gen {
namespace {

std::string Temp(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/gen_", ::getpid(), "_", name);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(GeneratorTest, SameOptionsSameBytes) {
  GenOptions o;
  o.format = "v003";
  o.slaves = 2;
  o.rows = 300;
  o.power_off_every = 40;
  ASSERT_TRUE(WriteMv2File(o, Temp("a.tsv")).ok());
  ASSERT_TRUE(WriteMv2File(o, Temp("b.tsv")).ok());
  EXPECT_EQ(Slurp(Temp("a.tsv")), Slurp(Temp("b.tsv")));
  o.seed = 2;
  ASSERT_TRUE(WriteMv2File(o, Temp("c.tsv")).ok());
  EXPECT_NE(Slurp(Temp("a.tsv")), Slurp(Temp("c.tsv")));
}

TEST(GeneratorTest, BenchmarkShapeParsesCleanly) {
  GenOptions o;
  o.format = "v003";
  o.master = "tri";
  o.slaves = 8;
  o.rows = 2000;
  o.power_off_every = 500;
  absl::StatusOr<GenResult> r = WriteMv2File(o, Temp("bench.tsv"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->channels, 54);
  EXPECT_EQ(r->markers, 3);
  parse::RecordingVisitor visitor;
  absl::StatusOr<parse::ParseSummary> s =
      parse::ParseMv2File(Temp("bench.tsv"), parse::ParseOptions(), &visitor);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->info.channels.size(), 54u);
  EXPECT_EQ(s->info.subtype, "tri");
  EXPECT_EQ(s->counts.rows(), 2003);
  EXPECT_EQ(s->counts.points(), 2000 * 54);
  EXPECT_EQ(s->counts.power_off_markers(), 3);
  EXPECT_EQ(s->counts.invalid_values(), 0);
  EXPECT_EQ(s->counts.invalid_timestamps(), 0);
  // Realistic values: voltages within 230-245 V, some negative powers and some -0.0.
  EXPECT_GE(s->channel_stats[0].min(), 230);
  EXPECT_LE(s->channel_stats[0].max(), 245);
  bool negative = false, negative_zero = false;
  for (const parse::RecordedRow& row : visitor.rows) {
    for (const parse::CellValue& c : row.cells) {
      negative = negative || c.value < 0;
      negative_zero = negative_zero || (c.value == 0 && std::signbit(c.value));
    }
  }
  EXPECT_TRUE(negative);
  EXPECT_TRUE(negative_zero);
}

TEST(DemoTreeTest, EveryFileBehavesAsDescribed) {
  const std::string root = Temp("tree");
  absl::StatusOr<std::vector<DemoFile>> files = WriteDemoTree(root);
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 5u);
  std::set<std::string> companies, campaigns;
  for (const DemoFile& f : *files) {
    std::filesystem::path rel(f.relative_path);
    auto it = rel.begin();
    companies.insert(it->string());
    campaigns.insert((*it / *std::next(it)).string());
    parse::RecordingVisitor visitor;
    absl::StatusOr<parse::ParseSummary> s =
        parse::ParseMv2File(root + "/" + f.relative_path, parse::ParseOptions(), &visitor);
    EXPECT_EQ(s.ok(), f.accepted) << f.relative_path << ": " << s.status();
    if (!s.ok()) {
      EXPECT_EQ(s.status().message(), "unsupported format 'MV_T202_V002'");
      continue;
    }
    if (absl::StrContains(f.description, "power-off")) {
      EXPECT_GT(s->counts.power_off_markers(), 0);
      EXPECT_EQ(s->info.channels.size(), 18u);
    }
    if (absl::StrContains(f.description, "summer time")) {
      std::set<int64_t> instants;
      for (const parse::RecordedRow& row : visitor.rows) instants.insert(row.time);
      EXPECT_EQ(instants.size(), 149u);
      EXPECT_EQ(s->counts.rows(), 149);
    }
    if (absl::StrContains(f.description, "cut off")) {
      EXPECT_EQ(s->counts.truncated_last_row(), 1);
    }
    if (absl::StrContains(f.description, "V003")) {
      EXPECT_EQ(s->info.time_zone, "UTC");
      EXPECT_EQ(s->info.channels.size(), 12u);
    }
  }
  EXPECT_EQ(companies.size(), 2u);
  EXPECT_EQ(campaigns.size(), 3u);
}

}  // namespace
}  // namespace powerview::gen
