// The write path of InfluxWriter against a scripted fake InfluxDB: retries, Retry-After, 413
// splits, 404 provisioning, refusals, outages, gzip and the v2 dialect.
#include "server/sink/influx_writer.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/sink/fake_influx.h"

namespace powerview::sink {
namespace {

using testing::FakeInflux;
using testing::FakeResponse;
using testing::RecordingSleeper;

// `n` distinct lines, numbered from `first`.
std::string Lines(int n, int first = 0) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    absl::StrAppend(&out, "power,campaign=c1,channel=ch", i % 7, " P=", i, ".5 ", 1700000000 + i,
                    "\n");
  }
  return out;
}

std::vector<std::string> Split(const std::string& lines) {
  return absl::StrSplit(lines, '\n', absl::SkipEmpty());
}

FakeResponse Status(int status, std::vector<std::pair<std::string, std::string>> headers = {}) {
  FakeResponse r = FakeResponse::Json(status, R"({"error":"scripted"})");
  for (auto& h : headers) r.headers.push_back(std::move(h));
  return r;
}

FakeResponse Drop() {
  FakeResponse r;
  r.drop_connection = true;
  return r;
}

class InfluxWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(influx_.Start().ok());
    influx_.AddDatabase("acme");
    config_.url = influx_.url() + "/";  // a trailing slash is tolerated
    config_.retry.jitter = 0;
    config_.request_timeout = absl::Seconds(5);
  }

  InfluxWriter Writer() { return InfluxWriter(config_, http_.get(), sleeper_.AsFunction()); }

  FakeInflux influx_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  RecordingSleeper sleeper_;
  InfluxConfig config_;
};

TEST_F(InfluxWriterTest, V1WriteIsGzippedWithDatabaseAndPrecision) {
  InfluxWriter writer = Writer();
  const std::string lines = Lines(500);
  WriteStats stats;
  ASSERT_TRUE(writer.Write("acme", lines, 500, &stats).ok());
  EXPECT_EQ(influx_.lines("acme"), Split(lines));
  auto writes = influx_.requests_to("/write");
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].Header("Content-Encoding"), "gzip");
  EXPECT_LT(writes[0].wire_body_size, lines.size() / 3);
  EXPECT_EQ(writes[0].body, lines);
  EXPECT_EQ(writes[0].params.at("db"), "acme");
  EXPECT_EQ(writes[0].params.at("precision"), "s");
  EXPECT_EQ(writes[0].params.count("u"), 0u);
  EXPECT_EQ(writes[0].Header("Authorization"), "");
  EXPECT_EQ(stats.requests, 1);
  EXPECT_EQ(stats.retries, 0);
  EXPECT_EQ(stats.lines, 500);
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(InfluxWriterTest, UncompressedWithV1Credentials) {
  config_.gzip = false;
  config_.username = "writer";
  config_.password = "s3cret&=";
  ASSERT_TRUE(Writer().Write("acme", Lines(3), 3, nullptr).ok());
  auto writes = influx_.requests_to("/write");
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].Header("Content-Encoding"), "");
  EXPECT_EQ(writes[0].wire_body_size, Lines(3).size());
  EXPECT_EQ(writes[0].params.at("u"), "writer");
  EXPECT_EQ(writes[0].params.at("p"), "s3cret&=");
}

TEST_F(InfluxWriterTest, V2WriteCarriesTokenOrgAndBucket) {
  config_.api = InfluxConfig::Api::kV2;
  config_.org = "my org";
  config_.token = "tok123";
  influx_.SetOrg("my org", "0123456789abcdef");
  influx_.RequireToken("tok123");
  ASSERT_TRUE(Writer().Write("acme", Lines(10), 10, nullptr).ok());
  auto writes = influx_.requests_to("/api/v2/write");
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].Header("Authorization"), "Token tok123");
  EXPECT_EQ(writes[0].params.at("org"), "my org");
  EXPECT_EQ(writes[0].params.at("bucket"), "acme");
  EXPECT_EQ(writes[0].params.at("precision"), "s");
  EXPECT_EQ(writes[0].Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(influx_.lines("acme").size(), 10u);
}

TEST_F(InfluxWriterTest, RetryAfterOn503IsWaited) {
  influx_.Script("/write", {Status(503, {{"Retry-After", "7"}})});
  WriteStats stats;
  ASSERT_TRUE(Writer().Write("acme", Lines(20), 20, &stats).ok());
  EXPECT_EQ(sleeper_.waits(), std::vector<absl::Duration>{absl::Seconds(7)});
  EXPECT_EQ(influx_.lines("acme").size(), 20u);
  EXPECT_EQ(stats.requests, 2);
  EXPECT_EQ(stats.retries, 1);
}

TEST_F(InfluxWriterTest, RetryAfterOn429IsCappedAndUnparsableMeansTenSeconds) {
  config_.retry.retry_after_cap = absl::Seconds(30);
  influx_.Script("/write", {Status(429, {{"Retry-After", "5000"}}),
                            Status(429, {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}})});
  ASSERT_TRUE(Writer().Write("acme", Lines(2), 2, nullptr).ok());
  EXPECT_EQ(sleeper_.waits(), (std::vector<absl::Duration>{absl::Seconds(30), absl::Seconds(10)}));
}

TEST_F(InfluxWriterTest, ServerErrorsBackOffExponentially) {
  influx_.Script("/write", {Status(500), Status(502), Status(504), Status(500)});
  WriteStats stats;
  ASSERT_TRUE(Writer().Write("acme", Lines(4), 4, &stats).ok());
  EXPECT_EQ(sleeper_.waits(), (std::vector<absl::Duration>{absl::Seconds(1), absl::Seconds(2),
                                                           absl::Seconds(4), absl::Seconds(8)}));
  EXPECT_EQ(stats.retries, 4);
  EXPECT_EQ(influx_.lines("acme").size(), 4u);
}

TEST_F(InfluxWriterTest, BackoffIsCappedAndJittered) {
  config_.retry.jitter = 0.2;
  config_.retry.max_backoff = absl::Seconds(4);
  config_.retry.max_elapsed = absl::Hours(1);
  influx_.Script("/write", std::vector<FakeResponse>(6, Status(503)));
  ASSERT_TRUE(Writer().Write("acme", Lines(1), 1, nullptr).ok());
  auto waits = sleeper_.waits();
  ASSERT_EQ(waits.size(), 6u);
  const double base[] = {1, 2, 4, 4, 4, 4};
  for (size_t i = 0; i < waits.size(); ++i) {
    EXPECT_GE(waits[i], absl::Seconds(base[i] * 0.8)) << i;
    EXPECT_LE(waits[i], absl::Seconds(base[i] * 1.2)) << i;
  }
}

TEST_F(InfluxWriterTest, GivesUpAfterMaxElapsedNamingTheCause) {
  config_.retry.max_elapsed = absl::Seconds(10);
  influx_.Script("/write", std::vector<FakeResponse>(100, Status(503)));
  WriteStats stats;
  absl::Status status = Writer().Write("acme", Lines(5), 5, &stats);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "HTTP 503")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "4 times")) << status;
  // 1 + 2 + 4 = 7 s waited; 8 s more would pass the 10 s budget.
  EXPECT_EQ(sleeper_.waits(),
            (std::vector<absl::Duration>{absl::Seconds(1), absl::Seconds(2), absl::Seconds(4)}));
  EXPECT_EQ(stats.requests, 4);
  EXPECT_TRUE(influx_.lines("acme").empty());
}

TEST_F(InfluxWriterTest, RetryAfterBeyondTheBudgetGivesUpAtOnce) {
  influx_.Script("/write", {Status(503, {{"Retry-After", "400"}})});
  absl::Status status = Writer().Write("acme", Lines(1), 1, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "asked to wait 6m40s")) << status;
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(InfluxWriterTest, TooLargeBatchesAreSplitAndEveryLineArrivesOnce) {
  influx_.SetMaxLinesPerWrite(700);
  const std::string lines = Lines(5000);
  WriteStats stats;
  ASSERT_TRUE(Writer().Write("acme", lines, 5000, &stats).ok());
  EXPECT_EQ(influx_.lines("acme"), Split(lines));  // all, once, in order
  for (int64_t n : influx_.accepted_batches()) EXPECT_LE(n, 700);
  // 5000 -> 2500 -> 1250 -> 625: three levels, 1 + 2 + 4 splits.
  EXPECT_EQ(stats.splits, 7);
  EXPECT_EQ(influx_.accepted_batches().size(), 8u);
  EXPECT_EQ(stats.lines, 5000);
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(InfluxWriterTest, ASingleTooLargeLineIsRefused) {
  influx_.Script("/write", {Status(413)});
  absl::Status status = Writer().Write("acme", Lines(1), 1, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "413")) << status;
}

TEST_F(InfluxWriterTest, BadRequestIsNotRetriedAndCarriesInfluxMessage) {
  std::string lines = Lines(3) + "garbage\n";
  WriteStats stats;
  absl::Status status = Writer().Write("acme", lines, 4, &stats);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "unable to parse 'garbage'")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "HTTP 400")) << status;
  EXPECT_EQ(stats.requests, 1);
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(InfluxWriterTest, UnprocessableIsInvalidArgument) {
  influx_.Script("/write", {FakeResponse::Json(422, R"({"code":"unprocessable entity","message":)"
                                                    R"("partial write: field type conflict"})")});
  absl::Status status = Writer().Write("acme", Lines(3), 3, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "field type conflict")) << status;
}

TEST_F(InfluxWriterTest, AuthenticationFailuresArePermissionDenied) {
  for (int code : {401, 403}) {
    influx_.Script("/write", {Status(code)});
    WriteStats stats;
    absl::Status status = Writer().Write("acme", Lines(3), 3, &stats);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
    EXPECT_TRUE(absl::StrContains(status.message(), absl::StrCat("HTTP ", code))) << status;
    EXPECT_EQ(stats.requests, 1);
  }
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(InfluxWriterTest, NotImplementedIsNotRetried) {
  influx_.Script("/write", {Status(501)});
  WriteStats stats;
  absl::Status status = Writer().Write("acme", Lines(3), 3, &stats);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(stats.requests, 1);
}

TEST_F(InfluxWriterTest, MissingDatabaseIsCreatedThenWritten) {
  InfluxWriter writer = Writer();
  ASSERT_TRUE(writer.Write("newco", Lines(10), 10, nullptr).ok());
  EXPECT_EQ(influx_.lines("newco").size(), 10u);
  auto queries = influx_.requests_to("/query");
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0].body, "q=CREATE%20DATABASE%20%22newco%22");
  EXPECT_EQ(influx_.requests_to("/write").size(), 2u);
}

TEST_F(InfluxWriterTest, DatabaseStillMissingAfterCreationIsNotFound) {
  influx_.Script("/write", {Status(404), Status(404), Status(404)});
  InfluxWriter writer = Writer();
  ASSERT_TRUE(writer.EnsureBucket("acme").ok());  // cached, yet the 404 must create it again
  absl::Status status = writer.Write("acme", Lines(2), 2, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_EQ(influx_.requests_to("/query").size(), 2u);
  EXPECT_EQ(influx_.requests_to("/write").size(), 2u);  // tried once more, not again
}

TEST_F(InfluxWriterTest, DroppedConnectionsLoseAndDuplicateNothing) {
  influx_.Script("/write", {Drop(), Drop(), Drop()});
  InfluxWriter writer = Writer();
  WriteStats stats;
  for (int batch = 0; batch < 4; ++batch) {
    ASSERT_TRUE(writer.Write("acme", Lines(100, batch * 100), 100, &stats).ok());
  }
  EXPECT_EQ(influx_.lines("acme"), Split(Lines(400)));
  EXPECT_GE(stats.retries, 1);
}

TEST_F(InfluxWriterTest, ServerDownThenBackOnTheSamePort) {
  influx_.Stop();
  int waits = 0;
  InfluxWriter writer(config_, http_.get(), [&](absl::Duration) {
    if (++waits == 3) {
      ASSERT_TRUE(influx_.Start().ok());
    }
  });
  WriteStats stats;
  ASSERT_TRUE(writer.Write("acme", Lines(300), 300, &stats).ok());
  EXPECT_EQ(waits, 3);
  EXPECT_EQ(stats.requests, 4);
  EXPECT_EQ(influx_.lines("acme"), Split(Lines(300)));
}

TEST_F(InfluxWriterTest, TransportErrorsDoNotLeakThePassword) {
  config_.username = "u";
  config_.password = "hunter2";
  config_.retry.max_elapsed = absl::ZeroDuration();
  influx_.Stop();
  absl::Status status = Writer().Write("acme", Lines(1), 1, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_FALSE(absl::StrContains(status.message(), "hunter2")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "p=***")) << status;
}

TEST_F(InfluxWriterTest, ConcurrentWritersShareOneWriter) {
  influx_.Script("/write", {Status(503), Drop(), Status(500)});
  InfluxWriter writer = Writer();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < 5; ++b) {
        if (!writer.Write("acme", Lines(50, (t * 5 + b) * 50), 50, nullptr).ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<std::string> got = influx_.lines("acme");
  std::sort(got.begin(), got.end());
  std::vector<std::string> want = Split(Lines(1500));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST_F(InfluxWriterTest, BatchSinkAddsUpStats) {
  influx_.SetMaxLinesPerWrite(60);
  influx_.Script("/write", {Status(503)});
  InfluxWriter writer = Writer();
  InfluxBatchSink sink(&writer, "acme");
  ASSERT_TRUE(sink.WriteBatch(Lines(100), 100).ok());
  ASSERT_TRUE(sink.WriteBatch(Lines(50, 100), 50).ok());
  ASSERT_TRUE(sink.Flush().ok());
  WriteStats stats = sink.stats();
  EXPECT_EQ(stats.lines, 150);
  EXPECT_EQ(stats.splits, 1);
  EXPECT_EQ(stats.retries, 1);
  EXPECT_EQ(stats.requests, 5);  // 503, 413, two halves, the second batch
  EXPECT_EQ(influx_.lines("acme"), Split(Lines(150)));
}

}  // namespace
}  // namespace powerview::sink
