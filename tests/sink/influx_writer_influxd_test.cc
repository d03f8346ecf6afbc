// InfluxWriter against the real InfluxDB 1.6.7 that the ctest fixture `influxd` starts.
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/sink/influx_writer.h"

namespace powerview::sink {
namespace {

class InfluxdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("POWERVIEW_TEST_INFLUX_URL");
    ASSERT_NE(url, nullptr) << "run through ctest, which starts influxd";
    config_.url = url;
    config_.retry.max_elapsed = absl::Seconds(20);
    // A database of our own: the fixture's server is shared with other tests.
    database_ =
        absl::StrCat("pv_writer_", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                     "_", absl::ToUnixMicros(absl::Now()));
    writer_ = std::make_unique<InfluxWriter>(config_, http_.get());
  }

  // SELECT count(P) over the whole database; -1 when the answer has no value.
  int64_t CountPoints() {
    absl::StatusOr<std::string> answer =
        writer_->Query(database_, "SELECT count(\"P\") FROM power");
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!answer.ok()) return -1;
    rapidjson::Document doc;
    doc.Parse(answer->c_str());
    const rapidjson::Value& result = doc["results"][0];
    if (!result.HasMember("series")) return 0;
    return result["series"][0]["values"][0][1].GetInt64();
  }

  static std::string Lines(int n, int first) {
    std::string out;
    for (int i = first; i < first + n; ++i) {
      absl::StrAppend(&out, "power,campaign=c1,channel=ch", i % 4, " P=", i, ".25 ",
                      1700000000 + i / 4, "\n");
    }
    return out;
  }

  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  InfluxConfig config_;
  std::string database_;
  std::unique_ptr<InfluxWriter> writer_;
};

TEST_F(InfluxdTest, PingReportsTheVersion) {
  ASSERT_TRUE(writer_->Ping().ok());
  EXPECT_TRUE(absl::StartsWith(writer_->server_version(), "1.")) << writer_->server_version();
}

TEST_F(InfluxdTest, EnsureBucketCreatesTheDatabaseIdempotently) {
  ASSERT_TRUE(writer_->EnsureBucket(database_).ok());
  ASSERT_TRUE(writer_->EnsureBucket(database_).ok());
  InfluxWriter fresh(config_, http_.get());  // no cache: CREATE DATABASE runs again
  ASSERT_TRUE(fresh.EnsureBucket(database_).ok());
  absl::StatusOr<std::string> shown = writer_->Query("", "SHOW DATABASES");
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_TRUE(absl::StrContains(*shown, absl::StrCat("[\"", database_, "\"]"))) << *shown;
}

TEST_F(InfluxdTest, GzippedBatchesAreQueryableAndRewritingIsIdempotent) {
  ASSERT_TRUE(writer_->EnsureBucket(database_).ok());
  constexpr int kBatches = 4, kPerBatch = 1500;
  WriteStats stats;
  for (int round = 0; round < 2; ++round) {
    for (int b = 0; b < kBatches; ++b) {
      absl::Status s =
          writer_->Write(database_, Lines(kPerBatch, b * kPerBatch), kPerBatch, &stats);
      ASSERT_TRUE(s.ok()) << s;
    }
    EXPECT_EQ(CountPoints(), kBatches * kPerBatch) << "round " << round;
  }
  EXPECT_EQ(stats.lines, 2 * kBatches * kPerBatch);
  EXPECT_EQ(stats.requests, 2 * kBatches);
  EXPECT_EQ(stats.retries, 0);
}

TEST_F(InfluxdTest, WritingToAMissingDatabaseCreatesIt) {
  WriteStats stats;
  ASSERT_TRUE(writer_->Write(database_, Lines(10, 0), 10, &stats).ok());
  EXPECT_EQ(stats.requests, 2);  // the 404, then the write after CREATE DATABASE
  EXPECT_EQ(CountPoints(), 10);
}

TEST_F(InfluxdTest, MalformedLineIsInvalidArgumentWithInfluxMessage) {
  ASSERT_TRUE(writer_->EnsureBucket(database_).ok());
  std::string lines = Lines(3, 0) + "power,campaign=c1 P=notanumber 1700000000\n";
  absl::Status status = writer_->Write(database_, lines, 4, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "unable to parse")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "HTTP 400")) << status;
}

TEST_F(InfluxdTest, QueryStatementErrorsAreInvalidArgument) {
  absl::StatusOr<std::string> answer = writer_->Query(database_, "SELECT * FROM power");
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInvalidArgument) << answer.status();
  EXPECT_TRUE(absl::StrContains(answer.status().message(), "database not found"))
      << answer.status();
  absl::StatusOr<std::string> parse_error = writer_->Query(database_, "SELEKT 1");
  EXPECT_EQ(parse_error.status().code(), absl::StatusCode::kInvalidArgument)
      << parse_error.status();
  EXPECT_TRUE(absl::StrContains(parse_error.status().message(), "error parsing query"))
      << parse_error.status();
}

}  // namespace
}  // namespace powerview::sink
