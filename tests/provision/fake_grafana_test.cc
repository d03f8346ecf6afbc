// The fake Grafana against the emulator checklist of the reference (section 6), over real HTTP,
// and the GrafanaClient's handling of Grafana's quirks (retries, confirming reads, 404s).
#include "tests/provision/fake_grafana.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/common/http_client.h"
#include "server/provision/grafana_client.h"

namespace powerview::testing {
namespace {

using ::testing::HasSubstr;

class FakeGrafanaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(grafana_.Start().ok());
    http_ = NewCurlHttpClient();
  }

  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "", const std::string& auth = "basic",
                    const std::string& org = "1") {
    HttpRequest request;
    request.method = method;
    request.url = grafana_.url() + path;
    request.body = body;
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    if (auth == "basic") {
      request.headers.emplace_back(
          "Authorization", "Basic " + absl::Base64Escape(grafana_.options().admin_login + ":" +
                                                         grafana_.options().admin_password));
    } else if (auth == "token") {
      request.headers.emplace_back("Authorization",
                                   "Bearer " + grafana_.options().service_account_token);
    }
    if (!org.empty()) request.headers.emplace_back("X-Grafana-Org-Id", org);
    absl::StatusOr<HttpResponse> response = http_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HttpResponse{};
  }

  static rapidjson::Document Json(const HttpResponse& r) {
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << r.body;
    return doc;
  }

  FakeGrafana grafana_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(FakeGrafanaTest, HealthNeedsNoAuthAndEverythingElseDoes) {
  HttpResponse health = Call("GET", "/api/health", "", "none", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_THAT(health.body, HasSubstr("\"database\":\"ok\""));
  HttpResponse anonymous = Call("GET", "/api/teams/search?name=x", "", "none");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(
      anonymous.body,
      "{\"message\":\"Unauthorized\",\"messageId\":\"auth.unauthorized\",\"statusCode\":401}");
}

TEST_F(FakeGrafanaTest, ServiceAccountTokenLimits) {
  EXPECT_EQ(Call("GET", "/api/org/users", "", "token").status, 200);
  EXPECT_EQ(Call("GET", "/api/users/lookup?loginOrEmail=admin", "", "token").status, 403);
  EXPECT_EQ(Call("POST", "/api/admin/users", "{\"login\":\"x\"}", "token").status, 403);
  HttpResponse mismatch = Call("GET", "/api/org/users", "", "token", "2");
  EXPECT_EQ(mismatch.status, 401);
  EXPECT_THAT(mismatch.body, HasSubstr("api-key.organization-mismatch"));
}

TEST_F(FakeGrafanaTest, TeamsAndMembers) {
  HttpResponse miss = Call("GET", "/api/teams/search?name=acme");
  EXPECT_EQ(miss.status, 200);  // not 404, whatever the docs say
  EXPECT_THAT(miss.body, HasSubstr("\"teams\":[]"));
  HttpResponse created = Call("POST", "/api/teams", "{\"name\":\"acme\"}");
  ASSERT_EQ(created.status, 200);
  int64_t team = Json(created)["teamId"].GetInt64();
  HttpResponse dup = Call("POST", "/api/teams", "{\"name\":\"acme\"}");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body, "{\"message\":\"Team name taken\"}");
  // The Basic-auth creator became a team admin.
  HttpResponse members = Call("GET", "/api/teams/" + std::to_string(team) + "/members");
  EXPECT_THAT(members.body, HasSubstr("\"login\":\"admin\""));
  EXPECT_THAT(members.body, HasSubstr("\"permission\":4"));
  int64_t bob = grafana_.AddUser("bob", "bob@example.com");
  std::string add = "{\"userId\":" + std::to_string(bob) + "}";
  EXPECT_EQ(Call("POST", "/api/teams/" + std::to_string(team) + "/members", add).status, 200);
  HttpResponse twice = Call("POST", "/api/teams/" + std::to_string(team) + "/members", add);
  EXPECT_EQ(twice.status, 400);
  EXPECT_THAT(twice.body, HasSubstr("User is already added to this team"));
  // A service account creating a team is not added to it.
  HttpResponse by_token = Call("POST", "/api/teams", "{\"name\":\"beta\"}", "token");
  int64_t beta = Json(by_token)["teamId"].GetInt64();
  EXPECT_EQ(Call("GET", "/api/teams/" + std::to_string(beta) + "/members").body, "[]");
  EXPECT_EQ(Call("DELETE", "/api/teams/999999").status, 404);
}

TEST_F(FakeGrafanaTest, FoldersVersionsAndCascade) {
  ASSERT_EQ(Call("POST", "/api/folders", "{\"uid\":\"f1\",\"title\":\"F\"}").status, 200);
  HttpResponse dup = Call("POST", "/api/folders", "{\"uid\":\"f1\",\"title\":\"G\"}");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(
      Call("POST", "/api/folders", "{\"uid\":\"" + std::string(41, 'a') + "\",\"title\":\"T\"}")
          .body,
      "{\"message\":\"uid too long, max 40 characters\"}");
  HttpResponse stale = Call("PUT", "/api/folders/f1", "{\"title\":\"F2\",\"version\":7}");
  EXPECT_EQ(stale.status, 412);
  EXPECT_THAT(stale.body, HasSubstr("\"status\":\"version-mismatch\""));
  EXPECT_EQ(Call("PUT", "/api/folders/f1", "{\"title\":\"F2\",\"overwrite\":true}").status, 200);
  ASSERT_EQ(Call("POST", "/api/dashboards/db",
                 "{\"dashboard\":{\"uid\":\"d1\",\"title\":\"D\"},\"folderUid\":\"f1\"}")
                .status,
            200);
  EXPECT_EQ(Call("DELETE", "/api/folders/f1").status, 200);
  EXPECT_FALSE(grafana_.GetDashboard("d1").has_value());  // deleted with its folder
  HttpResponse gone = Call("GET", "/api/folders/f1");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, "{\"status\":\"not-found\",\"message\":\"folder not found\"}");
}

TEST_F(FakeGrafanaTest, DatasourcesDefaultSecretsAndReplace) {
  HttpResponse first = Call("POST", "/api/datasources",
                            "{\"name\":\"a\",\"uid\":\"ds-a\",\"type\":\"influxdb\",\"access\":"
                            "\"proxy\",\"isDefault\":false,\"jsonData\":{\"k\":1,\"keep\":2},"
                            "\"secureJsonData\":{\"token\":\"s1\",\"other\":\"s2\"}}");
  ASSERT_EQ(first.status, 200);
  HttpResponse got = Call("GET", "/api/datasources/uid/ds-a");
  rapidjson::Document doc = Json(got);
  EXPECT_TRUE(doc["isDefault"].GetBool());  // the first datasource of the org
  EXPECT_TRUE(doc["secureJsonFields"]["token"].GetBool());
  EXPECT_THAT(got.body, ::testing::Not(HasSubstr("s1")));
  EXPECT_EQ(Call("POST", "/api/datasources",
                 "{\"name\":\"a\",\"type\":\"influxdb\",\"access\":\"proxy\"}")
                .body,
            "{\"message\":\"data source with the same name already exists\"}");
  EXPECT_EQ(Call("POST", "/api/datasources",
                 "{\"name\":\"b\",\"uid\":\"ds-a\",\"type\":\"influxdb\",\"access\":\"proxy\"}")
                .body,
            "{\"message\":\"data source with the same uid already exists\"}");
  // PUT replaces jsonData, merges secrets, "" clears one.
  ASSERT_EQ(Call("PUT", "/api/datasources/uid/ds-a",
                 "{\"name\":\"a\",\"type\":\"influxdb\",\"access\":\"proxy\",\"url\":\"http://x\","
                 "\"jsonData\":{\"k\":3},\"secureJsonData\":{\"other\":\"\"}}")
                .status,
            200);
  std::optional<FakeGrafana::Datasource> ds = grafana_.GetDatasource("ds-a");
  ASSERT_TRUE(ds.has_value());
  EXPECT_EQ(ds->json_data, "{\"k\":3}");
  EXPECT_EQ(ds->secure["token"], "s1");
  doc = Json(Call("GET", "/api/datasources/uid/ds-a"));
  EXPECT_FALSE(doc["secureJsonFields"].HasMember("other"));
  EXPECT_EQ(doc["version"].GetInt64(), 1);  // an omitted version resets it
  HttpResponse stale = Call("PUT", "/api/datasources/uid/ds-a",
                            "{\"name\":\"a\",\"type\":\"influxdb\",\"access\":\"proxy\","
                            "\"version\":5}");
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(Call("PUT", "/api/datasources/uid/ds-a",
                 "{\"name\":\"a\",\"type\":\"influxdb\",\"access\":\"proxy\",\"version\":2}")
                .status,
            409);
  EXPECT_EQ(Call("DELETE", "/api/datasources/uid/ds-a").status, 200);
  EXPECT_EQ(Call("DELETE", "/api/datasources/uid/ds-a").status, 404);
}

TEST_F(FakeGrafanaTest, DashboardVersionsAndOverwrite) {
  ASSERT_EQ(Call("POST", "/api/folders", "{\"uid\":\"f\",\"title\":\"F\"}").status, 200);
  std::string body = "{\"dashboard\":{\"uid\":\"d\",\"title\":\"D\"},\"folderUid\":\"f\"}";
  HttpResponse created = Call("POST", "/api/dashboards/db", body);
  ASSERT_EQ(created.status, 200);
  rapidjson::Document doc = Json(created);
  EXPECT_STREQ(doc["status"].GetString(), "success");
  EXPECT_EQ(doc["version"].GetInt64(), 1);
  EXPECT_STREQ(doc["folderUid"].GetString(), "f");
  // The same model again, no version, no overwrite: 412.
  HttpResponse again = Call("POST", "/api/dashboards/db", body);
  EXPECT_EQ(again.status, 412);
  EXPECT_THAT(again.body, HasSubstr("version-mismatch"));
  HttpResponse overwrite = Call(
      "POST", "/api/dashboards/db",
      "{\"dashboard\":{\"uid\":\"d\",\"title\":\"D\"},\"overwrite\":true,\"folderUid\":\"f\"}");
  EXPECT_EQ(overwrite.status, 200);
  EXPECT_EQ(Json(overwrite)["version"].GetInt64(), 2);
  // No folderUid on an update: back to the root.
  ASSERT_EQ(Call("POST", "/api/dashboards/db",
                 "{\"dashboard\":{\"uid\":\"d\",\"title\":\"D\"},\"overwrite\":true}")
                .status,
            200);
  doc = Json(Call("GET", "/api/dashboards/uid/d"));
  EXPECT_STREQ(doc["meta"]["folderUid"].GetString(), "");
  EXPECT_EQ(doc["dashboard"]["version"].GetInt64(), 3);
  EXPECT_EQ(
      Call("POST", "/api/dashboards/db", "{\"dashboard\":{\"uid\":\"e\",\"title\":\"\"}}").body,
      "{\"status\":\"empty-name\",\"message\":\"Dashboard title cannot be empty\"}");
  EXPECT_EQ(Call("DELETE", "/api/dashboards/uid/d").status, 200);
  EXPECT_EQ(Call("DELETE", "/api/dashboards/uid/d").status, 404);
}

TEST_F(FakeGrafanaTest, LegacyPermissionsReplaceResourcePermissionsMerge) {
  ASSERT_EQ(Call("POST", "/api/folders", "{\"uid\":\"f\",\"title\":\"F\"}").status, 200);
  int64_t team = Json(Call("POST", "/api/teams", "{\"name\":\"t\"}"))["teamId"].GetInt64();
  // Defaults: creator Admin, Editor Edit, Viewer View.
  EXPECT_EQ(grafana_.FolderPermissions("f").size(), 3u);
  std::string set_team =
      "{\"permissions\":[{\"teamId\":" + std::to_string(team) + ",\"permission\":\"View\"}]}";
  ASSERT_EQ(Call("POST", "/api/access-control/folders/f", set_team).status, 200);
  EXPECT_EQ(grafana_.FolderPermissions("f").size(), 4u);  // nothing else touched
  ASSERT_EQ(Call("POST", "/api/access-control/folders/f",
                 "{\"permissions\":[{\"builtInRole\":\"Viewer\",\"permission\":\"\"}]}")
                .status,
            200);
  EXPECT_EQ(grafana_.FolderPermissions("f").size(), 3u);
  HttpResponse listed = Call("GET", "/api/access-control/folders/f");
  EXPECT_THAT(listed.body, HasSubstr("\"isManaged\":false"));  // the synthetic Admin entry
  EXPECT_THAT(listed.body, HasSubstr("\"teamId\":" + std::to_string(team)));
  // The legacy API replaces everything.
  ASSERT_EQ(Call("POST", "/api/folders/f/permissions",
                 "{\"items\":[{\"teamId\":" + std::to_string(team) + ",\"permission\":1}]}")
                .status,
            200);
  EXPECT_EQ(grafana_.FolderPermissions("f").size(), 1u);
  EXPECT_EQ(Call("POST", "/api/folders/f/permissions",
                 "{\"items\":[{\"teamId\":1,\"role\":\"Viewer\",\"permission\":1}]}")
                .status,
            400);
}

TEST_F(FakeGrafanaTest, SearchByFolderAndTagAndLimit) {
  ASSERT_EQ(Call("POST", "/api/folders", "{\"uid\":\"f\",\"title\":\"F\"}").status, 200);
  ASSERT_EQ(
      Call("POST", "/api/dashboards/db",
           "{\"dashboard\":{\"uid\":\"a\",\"title\":\"A\",\"tags\":[\"x\"]},\"folderUid\":\"f\"}")
          .status,
      200);
  ASSERT_EQ(
      Call("POST", "/api/dashboards/db",
           "{\"dashboard\":{\"uid\":\"b\",\"title\":\"B\",\"tags\":[\"y\"]},\"folderUid\":\"f\"}")
          .status,
      200);
  ASSERT_EQ(
      Call("POST", "/api/dashboards/db", "{\"dashboard\":{\"uid\":\"c\",\"title\":\"C\"}}").status,
      200);
  rapidjson::Document hits = Json(Call("GET", "/api/search?type=dash-db&folderUIDs=f&tag=x"));
  ASSERT_EQ(hits.Size(), 1u);
  EXPECT_STREQ(hits[0]["uid"].GetString(), "a");
  EXPECT_EQ(Json(Call("GET", "/api/search?type=dash-db&folderUIDs=f")).Size(), 2u);
  EXPECT_EQ(Call("GET", "/api/search?limit=5001").status, 422);
}

// --- GrafanaClient over the fake ----------------------------------------------------------

provision::GrafanaSettings ClientSettings(const FakeGrafana& g, bool token) {
  provision::GrafanaSettings s;
  s.url = g.url();
  if (token) {
    s.token = g.options().service_account_token;
  } else {
    s.basic_user = g.options().admin_login;
    s.basic_password = g.options().admin_password;
  }
  return s;
}

provision::RetryPolicy FastRetry() {
  provision::RetryPolicy r;
  r.initial_backoff = absl::Milliseconds(1);
  r.max_backoff = absl::Milliseconds(5);
  return r;
}

int CountRequests(const FakeGrafana& g, const std::string& prefix) {
  int n = 0;
  for (const std::string& r : g.requests()) n += absl::StartsWith(r, prefix);
  return n;
}

TEST_F(FakeGrafanaTest, ClientCreatesOnceAndResolvesConflicts) {
  provision::GrafanaClient client(http_.get(), ClientSettings(grafana_, true), FastRetry());
  ASSERT_TRUE(client.CheckHealth().ok());
  auto none = client.FindTeam("acme");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  absl::StatusOr<int64_t> id = client.CreateTeam("acme");
  ASSERT_TRUE(id.ok()) << id.status();
  absl::StatusOr<int64_t> again = client.CreateTeam("acme");  // 409 -> the existing team
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*id, *again);
  ASSERT_TRUE(client.CreateFolder("pv-acme", "ACME").ok());
  EXPECT_TRUE(client.CreateFolder("pv-acme", "ACME").ok());  // 409 -> confirmed by a read
  EXPECT_TRUE(client.DeleteFolder("pv-acme").ok());
  EXPECT_TRUE(client.DeleteFolder("pv-acme").ok());  // 404 on delete counts as done
  int64_t bob = grafana_.AddUser("bob", "bob@example.com");
  EXPECT_TRUE(client.AddTeamMember(*id, bob).ok());
  EXPECT_TRUE(client.AddTeamMember(*id, bob).ok());  // "already added" is not an error
  absl::Status bad = client.AddTeamMember(*id, 424242);
  EXPECT_TRUE(absl::IsNotFound(bad)) << bad;
  EXPECT_THAT(std::string(bad.message()), HasSubstr("User not found"));
}

TEST_F(FakeGrafanaTest, ClientRetriesUnavailableAndRateLimitedAnswers) {
  provision::GrafanaClient client(http_.get(), ClientSettings(grafana_, false), FastRetry());
  grafana_.FailNext(3, 503);
  absl::StatusOr<int64_t> id = client.CreateTeam("acme");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(CountRequests(grafana_, "POST /api/teams"), 4);
  EXPECT_EQ(grafana_.TeamNames().size(), 1u);
  grafana_.FailNext(1, 429, "0");
  EXPECT_TRUE(client.FindTeam("acme").ok());
  grafana_.FailNext(10, 503);
  absl::Status exhausted = client.CreateFolder("f", "F");
  EXPECT_TRUE(absl::IsUnavailable(exhausted)) << exhausted;
  EXPECT_THAT(std::string(exhausted.message()), HasSubstr("HTTP 503"));
}

TEST_F(FakeGrafanaTest, BasicAuthFailuresAreNeverRetriedTokenOnesAre) {
  provision::GrafanaSettings basic = ClientSettings(grafana_, false);
  basic.basic_password = "wrong";
  provision::GrafanaClient basic_client(http_.get(), basic, FastRetry());
  absl::Status denied = basic_client.FindTeam("x").status();
  EXPECT_TRUE(absl::IsUnauthenticated(denied)) << denied;
  EXPECT_THAT(std::string(denied.message()), HasSubstr("check the credentials"));
  EXPECT_EQ(CountRequests(grafana_, "GET /api/teams/search"), 1);

  provision::GrafanaSettings token = ClientSettings(grafana_, true);
  token.token = "glsa_wrong";
  provision::GrafanaClient token_client(http_.get(), token, FastRetry());
  EXPECT_TRUE(absl::IsUnauthenticated(token_client.FindTeam("x").status()));
  EXPECT_EQ(CountRequests(grafana_, "GET /api/teams/search"), 1 + FastRetry().max_attempts);
}

}  // namespace
}  // namespace powerview::testing
