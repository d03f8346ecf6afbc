#include "server/sink/line_protocol.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "server/parse/mv2_parser.h"

namespace powerview::sink {
namespace {

class CollectingSink : public BatchSink {
 public:
  absl::Status WriteBatch(absl::string_view lines, int64_t line_count) override {
    batches.emplace_back(lines);
    line_counts.push_back(line_count);
    return fail;
  }
  absl::Status Flush() override {
    ++flushes;
    return absl::OkStatus();
  }
  std::string All() const {
    std::string all;
    for (const std::string& b : batches) all += b;
    return all;
  }

  std::vector<std::string> batches;
  std::vector<int64_t> line_counts;
  int flushes = 0;
  absl::Status fail;
};

TEST(LineProtocolEscapeTest, MeasurementEscapesCommaAndSpaceOnly) {
  EXPECT_EQ(EscapeMeasurement("electrical"), "electrical");
  EXPECT_EQ(EscapeMeasurement("a b,c=d"), "a\\ b\\,c=d");
}

TEST(LineProtocolEscapeTest, KeysAndValuesEscapeCommaEqualsSpace) {
  EXPECT_EQ(EscapeTagValue("Site Nord, bât=A"), "Site\\ Nord\\,\\ bât\\=A");
  EXPECT_EQ(EscapeTagKey("my key=1"), "my\\ key\\=1");
  EXPECT_EQ(EscapeFieldKey("M1_Ch1_k W"), "M1_Ch1_k\\ W");
}

TEST(LineProtocolEscapeTest, ControlCharactersLikeTelegraf) {
  EXPECT_EQ(EscapeTagValue("a\tb\nc\rd\fe"), "a\\tb\\nc\\rd\\fe");
  EXPECT_EQ(EscapeMeasurement("m\n"), "m\\n");
}

TEST(LineProtocolEscapeTest, TrailingBackslashesAreDropped) {
  EXPECT_EQ(EscapeTagValue("dir\\"), "dir");
  EXPECT_EQ(EscapeTagValue("dir\\\\"), "dir");
  EXPECT_EQ(EscapeTagValue("\\"), "");
  EXPECT_EQ(EscapeTagKey("k\\"), "k");
  EXPECT_EQ(EscapeFieldKey("f\\"), "f");
  EXPECT_EQ(EscapeMeasurement("m\\"), "m");
  EXPECT_EQ(EscapeTagValue("a\\b"), "a\\b");  // inside: kept as is
}

TEST(LineProtocolEscapeTest, QuotesAndUnicodeAreKept) {
  EXPECT_EQ(EscapeTagValue("\"quoted\" 'single'"), "\"quoted\"\\ 'single'");
  EXPECT_EQ(EscapeTagValue("Zürich_東京_⚡"), "Zürich_東京_⚡");
}

std::string Float(double v) {
  char buf[kMaxFloatChars];
  return std::string(buf, FormatFloat(v, buf));
}

TEST(FormatFloatTest, ShortestRoundTripFixedNotation) {
  EXPECT_EQ(Float(244.26), "244.26");
  EXPECT_EQ(Float(5.0), "5");
  EXPECT_EQ(Float(0.0), "0");
  EXPECT_EQ(Float(-0.0), "-0");
  EXPECT_EQ(Float(-3.7), "-3.7");
  EXPECT_EQ(Float(0.1), "0.1");
  EXPECT_EQ(Float(0.0001), "0.0001");
  EXPECT_EQ(Float(1e21), "1000000000000000000000");
  EXPECT_EQ(Float(1.0 / 3), "0.3333333333333333");
  std::srand(7);
  for (int i = 0; i < 10000; ++i) {
    double v = (std::rand() - RAND_MAX / 2) / 997.0;
    EXPECT_EQ(std::strtod(Float(v).c_str(), nullptr), v);
  }
}

// The fast path gives exactly what std::to_chars(fixed) gives.
TEST(FormatFloatTest, SameTextAsToChars) {
  std::vector<double> values = {0.05,    0.5,    0.001,      0.0005, 1e-7,      999999999999.999,
                                1e12,    1e15,   123456.789, 9.995,  0.1 + 0.2, 1e300,
                                -1e-300, 5e-324, 2.5e-5};
  std::srand(11);
  for (int i = 0; i < 200000; ++i) {
    const double scale[] = {1, 10, 100, 1000, 10000};
    long long n = (static_cast<long long>(std::rand()) << 16) ^ std::rand();
    values.push_back((i % 2 ? -1 : 1) * static_cast<double>(n % 100000000) / scale[i % 5]);
    values.push_back(std::ldexp(static_cast<double>(std::rand()), (std::rand() % 80) - 60));
  }
  for (double v : values) {
    char expected[kMaxFloatChars];
    char* end =
        std::to_chars(expected, expected + sizeof(expected), v, std::chars_format::fixed).ptr;
    ASSERT_EQ(Float(v), std::string(expected, end)) << v;
  }
}

parse::FileInfo TriWithSlave() {
  absl::StatusOr<parse::ParseSummary> s = parse::ParseMv2Buffer(
      "START_HEADER\n{\"DataTimeSettings\":\"UTC\",\"MasterType\":\"Tri\"}\nEND_HEADER\n"
      "START_DATA\n02000800\t02000800\t04001002\t04001002\t04001002\n"
      "MV_T302_V003\tPh 1 V\tmini pince W\tTemp\tA,b=c \"q\" é W\n08/02/26 "
      "19:10:00\t1.0\t2.0\t3.0\n",
      parse::ParseOptions(), nullptr);
  EXPECT_TRUE(s.ok()) << s.status();
  return s->info;
}

TEST(LineProtocolEncoderTest, ExactLinesWithSortedEscapedTags) {
  CollectingSink sink;
  LineProtocolEncoder encoder("Camp, 2026=été", BatchLimits(), &sink);
  ASSERT_TRUE(encoder.OnHeader(TriWithSlave()).ok());
  parse::CellValue cells[] = {{244.26, true}, {-0.0, true}, {0, false}, {1720.0, true}};
  ASSERT_TRUE(encoder.OnRow(1770577800, cells).ok());
  ASSERT_TRUE(encoder.OnPowerOff(1770577837).ok());
  ASSERT_TRUE(encoder.Finish().ok());
  const std::string c = "campaign=Camp\\,\\ 2026\\=été";
  EXPECT_EQ(sink.All(),
            "electrical," + c +
                ",channel_id=M02000800_U1,channel_label=U1,channel_name=Ph\\ 1,channel_unit=V,"
                "device=MV2,device_master_sn=02000800,device_sn=02000800,device_subtype=tri,"
                "device_type=master M02000800_U1_V=244.26 1770577800\n"
                "electrical," +
                c +
                ",channel_id=M02000800_S04001002_Ch1,channel_label=Ch1,channel_name=mini\\ pince,"
                "channel_unit=W,device=MV2,device_master_sn=02000800,device_sn=04001002,"
                "device_type=slave M02000800_S04001002_Ch1_W=-0 1770577800\n"
                "electrical," +
                c +
                ",channel_id=M02000800_S04001002_Ch3,channel_label=Ch3,"
                "channel_name=A\\,b\\=c\\ \"q\"\\ é,channel_unit=W,device=MV2,"
                "device_master_sn=02000800,device_sn=04001002,device_type=slave "
                "M02000800_S04001002_Ch3_W=1720 1770577800\n"
                "device_event," +
                c + ",device_master_sn=02000800,event=power_off count=1i 1770577837\n");
  EXPECT_EQ(encoder.lines(), 4);
  EXPECT_EQ(encoder.batches(), 1);
  EXPECT_EQ(sink.flushes, 1);
}

TEST(LineProtocolEncoderTest, EmptyTagValuesAreLeftOut) {
  CollectingSink sink;
  LineProtocolEncoder encoder("", BatchLimits(), &sink);
  parse::FileInfo info = TriWithSlave();
  ASSERT_TRUE(encoder.OnHeader(info).ok());
  parse::CellValue cells[] = {{0, false}, {0, false}, {21.5, true}, {0, false}};
  ASSERT_TRUE(encoder.OnRow(1770577800, cells).ok());
  ASSERT_TRUE(encoder.OnPowerOff(1770577837).ok());
  ASSERT_TRUE(encoder.Finish().ok());
  // "Temp" has no unit: no channel_unit tag, and the field key ends with "_" (upstream).
  EXPECT_EQ(sink.All(),
            "electrical,channel_id=M02000800_S04001002_Ch2,channel_label=Ch2,channel_name=Temp,"
            "device=MV2,device_master_sn=02000800,device_sn=04001002,device_type=slave "
            "M02000800_S04001002_Ch2_=21.5 1770577800\n"
            "device_event,device_master_sn=02000800,event=power_off count=1i 1770577837\n");
}

TEST(LineProtocolEncoderTest, RowsBeforeTheHeaderAreAnError) {
  CollectingSink sink;
  LineProtocolEncoder encoder("c", BatchLimits(), &sink);
  parse::CellValue cells[] = {{1, true}};
  EXPECT_TRUE(absl::IsFailedPrecondition(encoder.OnRow(1, cells)));
  EXPECT_TRUE(absl::IsFailedPrecondition(encoder.OnPowerOff(1)));
}

std::vector<parse::CellValue> AllValid(double v) {
  return std::vector<parse::CellValue>(4, {v, true});
}

TEST(LineProtocolEncoderTest, BatchesAreCutAtTheLineLimit) {
  CollectingSink sink;
  LineProtocolEncoder encoder("c", BatchLimits{3, size_t{1} << 20}, &sink);
  ASSERT_TRUE(encoder.OnHeader(TriWithSlave()).ok());
  for (int t = 0; t < 2; ++t) ASSERT_TRUE(encoder.OnRow(1700000000 + t, AllValid(1.5)).ok());
  EXPECT_EQ(sink.batches.size(), 2u);  // 8 lines: 3 + 3 sent, 2 waiting
  ASSERT_TRUE(encoder.Finish().ok());
  EXPECT_EQ(sink.line_counts, (std::vector<int64_t>{3, 3, 2}));
  for (size_t i = 0; i < sink.batches.size(); ++i) {
    std::vector<absl::string_view> lines = absl::StrSplit(sink.batches[i], '\n');
    EXPECT_EQ(static_cast<int64_t>(lines.size()) - 1, sink.line_counts[i]);
    EXPECT_EQ(lines.back(), "");  // every batch ends with a complete line
  }
  EXPECT_EQ(encoder.lines(), 8);
  EXPECT_EQ(encoder.batches(), 3);
}

TEST(LineProtocolEncoderTest, BatchesAreCutAtTheByteLimitAndLongLinesGoAlone) {
  CollectingSink probe_sink;
  LineProtocolEncoder probe("c", BatchLimits(), &probe_sink);
  ASSERT_TRUE(probe.OnHeader(TriWithSlave()).ok());
  ASSERT_TRUE(probe.OnRow(1700000000, AllValid(1.5)).ok());
  ASSERT_TRUE(probe.Finish().ok());
  std::vector<absl::string_view> lines = absl::StrSplit(probe_sink.All(), '\n', absl::SkipEmpty());
  const size_t first = lines[0].size() + 1, second = lines[1].size() + 1;

  CollectingSink sink;
  LineProtocolEncoder encoder("c", BatchLimits{1000, first + second}, &sink);
  ASSERT_TRUE(encoder.OnHeader(TriWithSlave()).ok());
  ASSERT_TRUE(encoder.OnRow(1700000000, AllValid(1.5)).ok());
  ASSERT_TRUE(encoder.Finish().ok());
  ASSERT_GE(sink.batches.size(), 2u);
  EXPECT_EQ(sink.batches[0].size(), first + second);
  for (const std::string& b : sink.batches) EXPECT_LE(b.size(), first + second);
  EXPECT_EQ(sink.All(), probe_sink.All());

  CollectingSink tiny;
  LineProtocolEncoder alone("c", BatchLimits{1000, 10}, &tiny);
  ASSERT_TRUE(alone.OnHeader(TriWithSlave()).ok());
  ASSERT_TRUE(alone.OnRow(1700000000, AllValid(1.5)).ok());
  ASSERT_TRUE(alone.Finish().ok());
  EXPECT_EQ(tiny.line_counts, (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(tiny.All(), probe_sink.All());
}

TEST(LineProtocolEncoderTest, SinkErrorsStopTheParseUnchanged) {
  CollectingSink sink;
  sink.fail = absl::UnavailableError("influx down");
  LineProtocolEncoder encoder("c", BatchLimits{2, size_t{1} << 20}, &sink);
  std::string content =
      "A\tA\tA\nMV_T302_V002\tPh 1 V\tVoie1 W\n05/12/25 03:20:00\t1.0\t2.0\n"
      "05/12/25 03:30:00\t1.0\t2.0\n05/12/25 03:40:00\t1.0\t2.0\n";
  absl::StatusOr<parse::ParseSummary> s =
      parse::ParseMv2Buffer(content, parse::ParseOptions(), &encoder);
  EXPECT_EQ(s.status(), absl::UnavailableError("influx down"));
  EXPECT_EQ(sink.batches.size(), 1u);
}

TEST(LineProtocolEncoderTest, ParsedFileEndToEnd) {
  CollectingSink sink;
  LineProtocolEncoder encoder("c1", BatchLimits(), &sink);
  parse::ParseOptions options;
  options.v002_time_zone = "UTC";
  absl::StatusOr<parse::ParseSummary> s = parse::ParseMv2Buffer(
      "A\tA\tA\nMV_T302_V002\tPh 1 V\tVoie1 W\n05/12/25 03:20:00\t230.10\tNaN\n"
      "05/12/25 03:25:00\t0\t0\n",
      options, &encoder);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(encoder.Finish().ok());
  EXPECT_EQ(sink.All(),
            "electrical,campaign=c1,channel_id=MA_U1,channel_label=U1,channel_name=Ph\\ 1,"
            "channel_unit=V,device=MV2,device_master_sn=A,device_sn=A,device_subtype=mono,"
            "device_type=master MA_U1_V=230.1 1764904800\n"
            "device_event,campaign=c1,device_master_sn=A,event=power_off count=1i 1764905100\n");
  EXPECT_EQ(encoder.lines(), s->counts.points() + s->counts.device_events());
}

}  // namespace
}  // namespace powerview::sink
