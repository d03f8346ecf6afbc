// InfluxWriter's administrative calls (Ping, EnsureBucket, Query) against the fake InfluxDB.
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/sink/influx_writer.h"
#include "tests/sink/fake_influx.h"

namespace powerview::sink {
namespace {

using testing::FakeInflux;
using testing::FakeResponse;
using testing::RecordingSleeper;

class InfluxAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(influx_.Start().ok());
    config_.url = influx_.url();
    config_.retry.jitter = 0;
  }

  void UseV2() {
    config_.api = InfluxConfig::Api::kV2;
    config_.org = "acme-org";
    config_.token = "operator-token";
    influx_.SetOrg("acme-org", "0a1b2c3d4e5f6789");
    influx_.RequireToken("operator-token");
  }

  std::unique_ptr<InfluxWriter> Writer() {
    return std::make_unique<InfluxWriter>(config_, http_.get(), sleeper_.AsFunction());
  }

  FakeInflux influx_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  RecordingSleeper sleeper_;
  InfluxConfig config_;
};

TEST_F(InfluxAdminTest, PingRemembersTheVersion) {
  auto writer = Writer();
  EXPECT_EQ(writer->server_version(), "");
  ASSERT_TRUE(writer->Ping().ok());
  EXPECT_EQ(writer->server_version(), "1.6.7~fake");
}

TEST_F(InfluxAdminTest, PingFailuresSayWhy) {
  influx_.Script("/ping", {FakeResponse::Json(401, R"({"error":"authorization failed"})")});
  auto writer = Writer();
  absl::Status refused = writer->Ping();
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "authorization failed")) << refused;
  influx_.Stop();
  absl::Status down = writer->Ping();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_TRUE(absl::StrContains(down.message(), "does not answer")) << down;
  EXPECT_TRUE(sleeper_.waits().empty());  // a probe is not retried
}

TEST_F(InfluxAdminTest, V1EnsureBucketCreatesOnceAndCaches) {
  auto writer = Writer();
  ASSERT_TRUE(writer->EnsureBucket("acme").ok());
  ASSERT_TRUE(writer->EnsureBucket("acme").ok());
  ASSERT_TRUE(writer->EnsureBucket("we\"ird").ok());
  auto queries = influx_.requests_to("/query");
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0].method, "POST");
  EXPECT_EQ(queries[0].Header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(queries[1].body, "q=CREATE%20DATABASE%20%22we%5C%22ird%22");
  EXPECT_EQ(influx_.databases(), (std::set<std::string>{"acme", "we\"ird"}));
  EXPECT_EQ(writer->EnsureBucket("").code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(InfluxAdminTest, V1EnsureBucketChecksStatementErrors) {
  influx_.Script("/query", {FakeResponse::Json(
                               200, R"({"results":[{"statement_id":0,"error":)"
                                    R"("retention policy conflicts with an existing policy"}]})")});
  auto writer = Writer();
  absl::Status status = writer->EnsureBucket("acme");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "retention policy conflicts")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "'acme'")) << status;
  ASSERT_TRUE(writer->EnsureBucket("acme").ok());  // a failure is not cached
}

TEST_F(InfluxAdminTest, V1EnsureBucketRetriesServerErrors) {
  influx_.Script("/query", {FakeResponse::Json(500, R"({"error":"timeout"})")});
  ASSERT_TRUE(Writer()->EnsureBucket("acme").ok());
  EXPECT_EQ(sleeper_.waits(), std::vector<absl::Duration>{absl::Seconds(1)});
}

TEST_F(InfluxAdminTest, V2EnsureBucketLooksUpThenCreates) {
  UseV2();
  auto writer = Writer();
  ASSERT_TRUE(writer->EnsureBucket("acme").ok());
  ASSERT_TRUE(writer->EnsureBucket("acme").ok());
  EXPECT_EQ(influx_.databases(), std::set<std::string>{"acme"});
  ASSERT_EQ(influx_.requests_to("/api/v2/orgs").size(), 1u);
  auto buckets = influx_.requests_to("/api/v2/buckets");
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].method, "GET");
  EXPECT_EQ(buckets[0].params.at("orgID"), "0a1b2c3d4e5f6789");
  EXPECT_EQ(buckets[1].method, "POST");
  EXPECT_EQ(buckets[1].Header("Authorization"), "Token operator-token");
  EXPECT_TRUE(absl::StrContains(buckets[1].body, R"("orgID":"0a1b2c3d4e5f6789")"));
  EXPECT_TRUE(absl::StrContains(buckets[1].body, R"("name":"acme")"));

  influx_.AddDatabase("existing");
  ASSERT_TRUE(writer->EnsureBucket("existing").ok());
  EXPECT_EQ(influx_.requests_to("/api/v2/buckets").size(), 3u);  // found: no POST
  EXPECT_EQ(influx_.requests_to("/api/v2/orgs").size(), 1u);     // org id cached
}

TEST_F(InfluxAdminTest, V2ConflictMeansTheBucketExists) {
  UseV2();
  influx_.Script("/api/v2/buckets",
                 {FakeResponse::Json(404, R"({"code":"not found","message":"bucket not found"})"),
                  FakeResponse::Json(422, R"({"code":"conflict","message":"already exists"})")});
  EXPECT_TRUE(Writer()->EnsureBucket("acme").ok());
}

TEST_F(InfluxAdminTest, V2UnknownOrganisationOrTokenAreReported) {
  UseV2();
  config_.org = "other-org";
  absl::Status missing = Writer()->EnsureBucket("acme");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  config_.org = "acme-org";
  config_.token = "wrong";
  absl::Status denied = Writer()->EnsureBucket("acme");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied) << denied;
  config_.org = "";
  EXPECT_EQ(Writer()->EnsureBucket("acme").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(InfluxAdminTest, V2WriteToMissingBucketCreatesIt) {
  UseV2();
  WriteStats stats;
  ASSERT_TRUE(Writer()->Write("fresh", "m v=1 1\n", 1, &stats).ok());
  EXPECT_EQ(influx_.lines("fresh"), std::vector<std::string>{"m v=1 1"});
  EXPECT_EQ(influx_.requests_to("/api/v2/write").size(), 2u);
}

TEST_F(InfluxAdminTest, QueryReturnsJsonAndSurfacesStatementErrors) {
  influx_.AddDatabase("acme");
  auto writer = Writer();
  absl::StatusOr<std::string> ok = writer->Query("acme", "SHOW MEASUREMENTS");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, R"({"results":[{"statement_id":0}]})");
  auto sent = influx_.requests_to("/query").back();
  EXPECT_EQ(sent.params.at("db"), "acme");
  EXPECT_EQ(sent.body, "q=SHOW%20MEASUREMENTS");

  absl::StatusOr<std::string> missing = writer->Query("nope", "SELECT * FROM m");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "database not found: nope"));

  influx_.Script("/query", {FakeResponse::Json(400, R"({"error":"error parsing query: x"})"),
                            FakeResponse::Json(200, R"({"error":"boom"})"),
                            FakeResponse::Json(200, "not json")});
  EXPECT_EQ(writer->Query("acme", "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->Query("acme", "y").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->Query("acme", "z").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace powerview::sink
