// Rejections, errors, streaming from disk and the format registry.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/parse/format_registry.h"
#include "server/parse/line_source.h"
#include "tests/parse/mv2_test_util.h"

namespace powerview::parse {
namespace {

constexpr const char* kRow = "05/12/25 03:20:00\t253.81\t20.5\t0.0\n";

struct RejectCase {
  std::string content;
  std::string reason;
};

TEST(Mv2RejectTest, RejectedFilesGiveAReasonAndReachNoVisitor) {
  const std::string serial = "02001283\t02001283\t02001283\t02001283\n";
  const RejectCase cases[] = {
      {"", "empty file"},
      {"\xEF\xBB\xBF", "empty file"},
      {"\n \n\r\n", "empty file"},
      {serial, "missing channel line"},
      {serial + "MV_T202_V002\tPh 1 V\tVoie1 W\tVoie2 W\n" + kRow,
       "unsupported format 'MV_T202_V002'"},
      {serial + "\tPh 1 V\tVoie1 W\tVoie2 W\n" + kRow, "unsupported format ''"},
      {serial + "MV_T302_V002\tPh 1 V\tVoie1 W\n" + kRow,
       "the channel line has 3 cells, fewer than the 4 of the serial-number line"},
      {"02001283\nMV_T302_V002\n" + std::string(kRow),
       "the serial-number line names no channel column"},
      {V002(""), "no data rows"},
      {V002("\n\n"), "no data rows"},
      {V003(kUtcHeader, "END_DATA\n" + std::string(kRow)), "no data rows"},
      {"START_HEADER\n{}\nEND_HEADER\n", "bad V003 header: missing START_DATA"},
      {"START_HEADER\n{}\nEND_HEADER\nfoo\n",
       "bad V003 header: expected START_DATA after END_HEADER, found 'foo' on line 4"},
      {"START_HEADER\n{\"a\":1}\n", "bad V003 header: missing END_HEADER"},
      {"START_HEADER\n{}\nEND_HEADER\nSTART_DATA\n", "missing serial-number line"},
      {V003("{not json", kRow),
       "bad V003 header: invalid JSON at offset 1: Missing a name for object member."},
      {V003("[1]", kRow), "bad V003 header: the JSON is not an object"},
      {absl::StrCat("START_HEADER\n{}\nEND_HEADER\nSTART_DATA\n", serial,
                    "MV_T302_V002\tPh 1 V\tVoie1 W\tVoie2 W\n", kRow),
       "format 'MV_T302_V002' has no header block, but the file starts with START_HEADER"},
      {absl::StrCat(serial, "MV_T302_V003\tPh 1 V\tVoie1 W\tVoie2 W\n", kRow),
       "format 'MV_T302_V003' needs a START_HEADER block before the serial line"},
  };
  for (const RejectCase& rc : cases) {
    Parsed p = Parse(rc.content);
    EXPECT_TRUE(absl::IsInvalidArgument(p.summary.status()))
        << rc.reason << ": " << p.summary.status();
    EXPECT_EQ(p.summary.status().message(), rc.reason);
    EXPECT_EQ(p.visitor.headers, 0) << rc.reason;
    EXPECT_TRUE(p.visitor.rows.empty()) << rc.reason;
  }
}

TEST(Mv2VisitorTest, HeaderOnceBeforeTheFirstRowAndNeverWithoutContent) {
  Parsed p = Parse(V002(std::string("05/12/25 03:10:00\t0\t0\t0\n") + kRow + kRow));
  ASSERT_TRUE(p.summary.ok());
  EXPECT_EQ(p.visitor.headers, 1);
  EXPECT_EQ(p.visitor.info.channels.size(), 3u);
  EXPECT_EQ(p.visitor.power_offs.size(), 1u);
  EXPECT_EQ(p.visitor.rows.size(), 2u);
  // Accepted, but nothing to write: the visitor is not bothered.
  Parsed nothing = Parse(V002("bad\t1\t2\t3\n"));
  ASSERT_TRUE(nothing.summary.ok());
  EXPECT_EQ(nothing.summary->counts.invalid_timestamps(), 1);
  EXPECT_EQ(nothing.visitor.headers, 0);
  EXPECT_FALSE(nothing.summary->first_time.has_value());
  // A null visitor is allowed.
  EXPECT_TRUE(ParseMv2Buffer(V002(kRow), ParseOptions(), nullptr).ok());
}

TEST(Mv2VisitorTest, VisitorErrorsAreReturnedUnchangedAndStopTheParse) {
  RecordingVisitor visitor;
  visitor.fail_on_row = absl::UnavailableError("InfluxDB is down");
  absl::StatusOr<ParseSummary> s =
      ParseMv2Buffer(V002(std::string(kRow) + kRow), ParseOptions(), &visitor);
  EXPECT_EQ(s.status(), absl::UnavailableError("InfluxDB is down"));
  EXPECT_EQ(visitor.rows.size(), 1u);
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/", name, "_", ::getpid());
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

TEST(Mv2FileTest, FileAndBufferGiveTheSameResultWhateverTheBufferSize) {
  std::string content = "\xEF\xBB\xBF" + V003(kUtcHeader, "");
  for (int i = 0; i < 500; ++i) {
    content += absl::StrCat("08/02/26 ", 10 + i / 60, ":", i % 60 < 10 ? "0" : "", i % 60,
                            ":00\t24", i % 10, ".5\t-0.0\t", i, ".0\r\n");
  }
  content += "08/02/26 19:00:00\t0\t0\t0\n08/02/26 19:10:00\t1.25\t2.0\t24";  // cut
  const std::string path = TempPath("stream.tsv");
  WriteFile(path, content);
  Parsed mem = Parse(content);
  ASSERT_TRUE(mem.summary.ok()) << mem.summary.status();
  for (size_t buffer : {size_t{200}, size_t{256}, size_t{4096}, size_t{256} << 10}) {
    ParseOptions options;
    options.buffer_size = buffer;
    RecordingVisitor visitor;
    absl::StatusOr<ParseSummary> file = ParseMv2File(path, options, &visitor);
    ASSERT_TRUE(file.ok()) << buffer << ": " << file.status();
    EXPECT_EQ(file->counts.SerializeAsString(), mem.summary->counts.SerializeAsString()) << buffer;
    EXPECT_EQ(file->counts.rows(), 502);
    EXPECT_EQ(file->counts.truncated_last_row(), 1);
    EXPECT_EQ(file->counts.power_off_markers(), 1);
    ASSERT_EQ(visitor.rows.size(), mem.visitor.rows.size());
    EXPECT_EQ(visitor.rows.back().time, mem.visitor.rows.back().time);
    EXPECT_EQ(visitor.rows.back().cells[2].value, 499);
  }
  std::remove(path.c_str());
}

TEST(Mv2FileTest, OverlongDataLineIsAnUnreadableRowAndParsingGoesOn) {
  const std::string path = TempPath("overlong.tsv");
  WriteFile(path, V002(std::string(kRow) + "05/12/25 03:30:00\t" + std::string(300, '1') +
                       "\t1\t2\n" + kRow));
  ParseOptions options;
  options.buffer_size = 128;
  absl::StatusOr<ParseSummary> s = ParseMv2File(path, options, nullptr);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->counts.rows(), 3);
  EXPECT_EQ(s->counts.invalid_timestamps(), 1);
  EXPECT_EQ(s->counts.points(), 6);
  std::remove(path.c_str());
}

TEST(Mv2FileTest, OverlongHeaderLineIsRejected) {
  const std::string path = TempPath("overlong_header.tsv");
  WriteFile(path, std::string(200, 'x') + "\n" + V002(kRow));
  ParseOptions options;
  options.buffer_size = 128;
  absl::StatusOr<ParseSummary> s = ParseMv2File(path, options, nullptr);
  EXPECT_TRUE(absl::IsInvalidArgument(s.status())) << s.status();
  std::remove(path.c_str());
}

TEST(Mv2FileTest, IoErrorsNameThePath) {
  absl::StatusOr<ParseSummary> missing =
      ParseMv2File("/nonexistent/x.tsv", ParseOptions(), nullptr);
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_EQ(missing.status().message(),
            "cannot open '/nonexistent/x.tsv': No such file or directory");
  absl::StatusOr<ParseSummary> dir = ParseMv2File(::testing::TempDir(), ParseOptions(), nullptr);
  EXPECT_TRUE(absl::IsDataLoss(dir.status())) << dir.status();
  EXPECT_NE(dir.status().message().find("Is a directory"), std::string::npos);
}

// A format that reads its rows as UTC and takes the subtype from its name: registering it is
// all a new format needs.
class TestFormatReader : public FormatReader {
 public:
  absl::StatusOr<FormatSettings> Configure(const Preamble& preamble,
                                           const ParseOptions& options) const override {
    FormatSettings settings;
    settings.time_zone = "UTC";
    settings.master_type = "Tri";
    return settings;
  }
};

TEST(FormatRegistryTest, BuiltinFormatsAndACustomReader) {
  EXPECT_EQ(FormatRegistry::Builtin().Formats(),
            (std::vector<std::string>{"MV_T302_V002", "MV_T302_V003"}));
  FormatRegistry registry;
  registry.Register("MV_T402_V001", std::make_unique<TestFormatReader>());
  ParseOptions options;
  options.registry = &registry;
  Parsed p = Parse("A\tA\tA\nMV_T402_V001\tx V\ty W\n05/12/25 03:20:00\t1.0\t2.0\n", options);
  ASSERT_TRUE(p.summary.ok()) << p.summary.status();
  EXPECT_EQ(p.summary->info.format, "MV_T402_V001");
  EXPECT_EQ(p.summary->info.subtype, "tri");
  EXPECT_EQ(p.visitor.rows.at(0).time, 1764904800);
  // The custom registry does not know the built-in formats.
  EXPECT_EQ(Parse(V002(kRow), options).summary.status().message(),
            "unsupported format 'MV_T302_V002'");
}

TEST(LineSourceTest, LinesTerminatorsAndNumbers) {
  BufferLineSource source("a\r\n\nb\rc\nlast");
  Line line;
  std::vector<std::string> texts;
  std::vector<bool> terminated;
  while (*source.Next(&line)) {
    texts.emplace_back(line.text);
    terminated.push_back(line.terminated);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"a", "", "b\rc", "last"}));
  EXPECT_EQ(terminated, (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(line.number, 4);
}

}  // namespace
}  // namespace powerview::parse
