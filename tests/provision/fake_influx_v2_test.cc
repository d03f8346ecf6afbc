// The fake InfluxDB 2.x admin API (status codes, error shapes, permission model) and the
// InfluxAdmin 2.x client over it.
#include "tests/provision/fake_influx_v2.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/http_client.h"
#include "server/provision/influx_admin.h"

namespace powerview::testing {
namespace {

using ::testing::HasSubstr;

class FakeInfluxV2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(influx_.Start().ok());
    http_ = NewCurlHttpClient();
    provision::InfluxSettings settings;
    settings.api = provision::InfluxApiVersion::kV2;
    settings.url = influx_.url();
    settings.org = influx_.options().org;
    settings.admin_token = influx_.options().admin_token;
    provision::RetryPolicy retry;
    retry.initial_backoff = absl::Milliseconds(1);
    admin_ = provision::NewInfluxAdmin(http_.get(), settings, retry);
  }

  HttpResponse Call(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body = "") {
    HttpRequest request;
    request.method = method;
    request.url = influx_.url() + path;
    request.body = body;
    request.headers.emplace_back("Authorization", "Token " + token);
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    absl::StatusOr<HttpResponse> response = http_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HttpResponse{};
  }

  static v1::InfluxBucketSpec Spec(const std::string& name, int64_t retention = 0) {
    v1::InfluxBucketSpec spec;
    spec.set_name(name);
    spec.mutable_retention()->set_seconds(retention);
    return spec;
  }

  FakeInfluxV2 influx_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<provision::InfluxAdmin> admin_;
};

TEST_F(FakeInfluxV2Test, ContractShapes) {
  const std::string admin = influx_.options().admin_token;
  EXPECT_EQ(Call("GET", "/api/v2/orgs?org=powerview", "nope").status, 401);
  HttpResponse no_org = Call("GET", "/api/v2/orgs?org=other", admin);
  EXPECT_EQ(no_org.status, 404);
  EXPECT_THAT(no_org.body, HasSubstr("organization name \\\"other\\\" not found"));
  std::string org_id = influx_.options().org_id;
  HttpResponse missing = Call("GET", "/api/v2/buckets?name=x&orgID=" + org_id, admin);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Call("GET", "/api/v2/buckets?name=x", admin).status, 200);  // no org: a list
  std::string create = "{\"orgID\":\"" + org_id + "\",\"name\":\"x\",\"retentionRules\":[]}";
  EXPECT_EQ(Call("POST", "/api/v2/buckets", admin, create).status, 201);
  HttpResponse clash = Call("POST", "/api/v2/buckets", admin, create);
  EXPECT_EQ(clash.status, 422);
  EXPECT_THAT(clash.body, HasSubstr("\"code\":\"conflict\""));
}

TEST_F(FakeInfluxV2Test, ClientBucketsAndRetention) {
  auto missing = admin_->GetBucket(Spec("acme"));
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());
  auto created = admin_->CreateBucket(Spec("acme", 86400));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->retention_seconds, 86400);
  auto again = admin_->CreateBucket(Spec("acme", 86400));  // 422 -> the existing bucket
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, created->id);
  ASSERT_TRUE(admin_->EnsureRetention(*created, Spec("acme", 0)).ok());
  EXPECT_EQ(influx_.GetBucket("acme")->retention_seconds, 0);
}

TEST_F(FakeInfluxV2Test, ReadTokensReadExactlyTheirBuckets) {
  auto a = admin_->CreateBucket(Spec("a"));
  auto a_1h = admin_->CreateBucket(Spec("a_1h"));
  auto b = admin_->CreateBucket(Spec("b"));
  ASSERT_TRUE(a.ok() && a_1h.ok() && b.ok());
  auto token = admin_->CreateReadAuthorization("powerview read a", {a->id, a_1h->id});
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(influx_.CanRead(token->token, "a"));
  EXPECT_TRUE(influx_.CanRead(token->token, "a_1h"));
  EXPECT_FALSE(influx_.CanRead(token->token, "b"));
  EXPECT_FALSE(influx_.CanWrite(token->token, "a"));
  // Through the API: a query on another bucket looks like a missing bucket.
  EXPECT_EQ(Call("POST", "/api/v2/query?org=powerview", token->token,
                 "{\"query\":\"from(bucket: \\\"a\\\") |> range(start: -1h)\"}")
                .status,
            200);
  HttpResponse denied = Call("POST", "/api/v2/query?org=powerview", token->token,
                             "{\"query\":\"from(bucket: \\\"b\\\") |> range(start: -1h)\"}");
  EXPECT_EQ(denied.status, 404);
  EXPECT_THAT(denied.body, HasSubstr("could not find bucket"));
  // A read token lists only the buckets it may read, and cannot administer.
  HttpResponse listed = Call("GET", "/api/v2/buckets", token->token);
  EXPECT_THAT(listed.body, HasSubstr("\"name\":\"a\""));
  EXPECT_THAT(listed.body, ::testing::Not(HasSubstr("\"name\":\"b\"")));
  EXPECT_EQ(Call("GET", "/api/v2/authorizations", token->token).status, 401);

  auto found = admin_->FindAuthorizations("powerview read a");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].permissions.size(), 2u);
  ASSERT_TRUE(admin_->DeleteAuthorization(token->authorization_id).ok());
  EXPECT_TRUE(admin_->DeleteAuthorization(token->authorization_id).ok());  // 404 is done
  EXPECT_FALSE(influx_.CanRead(token->token, "a"));
}

TEST_F(FakeInfluxV2Test, UnknownOrgIsAClearError) {
  provision::InfluxSettings settings;
  settings.url = influx_.url();
  settings.org = "nope";
  settings.admin_token = influx_.options().admin_token;
  auto admin = provision::NewInfluxAdmin(http_.get(), settings, provision::RetryPolicy());
  absl::Status status = admin->GetBucket(Spec("x")).status();
  EXPECT_TRUE(absl::IsNotFound(status));
  EXPECT_THAT(std::string(status.message()), HasSubstr("organisation 'nope' not found"));
}

}  // namespace
}  // namespace powerview::testing
