// The InfluxDB 1.x path against the real InfluxDB 1.6.7 that the ctest fixture `influxd`
// starts (Grafana is the fake): databases and retention policies, and the generated InfluxQL
// dashboard queries run for real, with names holding quotes, spaces and unicode.
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/provision/naming.h"
#include "server/provision/plan_render.h"
#include "server/provision/query_literals.h"
#include "server/provision/rest_client.h"
#include "tests/provision/provision_test_util.h"

namespace powerview::provision::testing {
namespace {

using ::testing::HasSubstr;

// What Grafana's `regex` variable format does to a value (escapeRegex in @grafana/data).
std::string GrafanaRegexFormat(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (std::string("\\^$*+?.()|[]{}/").find(c) != std::string::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Line-protocol tag value escaping (comma, equals sign, space).
std::string TagValue(const std::string& value) {
  return absl::StrReplaceAll(value, {{",", "\\,"}, {"=", "\\="}, {" ", "\\ "}});
}

class InfluxdProvisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("POWERVIEW_TEST_INFLUX_URL");
    ASSERT_NE(url, nullptr) << "run through ctest, which starts influxd";
    influx_url_ = url;
    ASSERT_TRUE(grafana_.Start().ok());
    grafana_.AddUser("viewer", "viewer@example.com");
    auto store = SqliteProvisionStore::Open(TestDir("store") + "/state.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    // Names of our own: the fixture's server is shared with other tests.
    suffix_ = absl::StrCat(absl::ToUnixMicros(absl::Now()));
    company_ = absl::StrCat("acme \"v1\" été ", suffix_);
    campaign_ = "l'été \"1\" $x";
    ASSERT_TRUE(Use(Settings()).ok());
  }

  ProvisionSettings Settings() const {
    ProvisionSettings s;
    s.influx.api = InfluxApiVersion::kV1;
    s.influx.url = influx_url_;
    s.influx.retention = absl::Hours(24 * 30);
    s.influx.downsampled = {{"_1h", absl::Hours(24 * 365)}};
    s.influx.v1_read_user = "grafana";
    s.influx.v1_read_password = "grafana-pw";
    s.grafana.url = grafana_.url();
    s.grafana.basic_user = grafana_.options().admin_login;
    s.grafana.basic_password = grafana_.options().admin_password;
    s.grafana.datasource_url = "http://influxdb:8086";
    s.team_members = {"viewer"};
    s.retry.initial_backoff = absl::Milliseconds(1);
    return s;
  }

  absl::Status Use(const ProvisionSettings& settings) {
    auto p = Provisioner::Create(settings, http_.get(), store_.get());
    if (!p.ok()) return p.status();
    provisioner_ = *std::move(p);
    return absl::OkStatus();
  }

  std::vector<v1::Company> Catalog() const {
    return {MakeCompany(company_, {MakeCampaign(company_, campaign_, {TriDevice("02000800")})})};
  }

  v1::Plan PlanOf(const std::vector<v1::Company>& catalog) {
    auto plan = provisioner_->PlanFor(CompanyScope(company_), catalog);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : v1::Plan();
  }

  void Apply(const v1::Plan& plan) {
    auto result = provisioner_->Apply(plan);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->failed(), 0) << result->DebugString();
  }

  // Runs one InfluxQL statement on the real server; the parsed answer.
  rapidjson::Document Query(const std::string& db, const std::string& q) {
    HttpRequest request;
    request.method = "POST";
    request.url = influx_url_ + "/query?db=" + UrlEncode(db);
    request.body = "q=" + UrlEncode(q);
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    auto response = http_->Send(request);
    rapidjson::Document doc;
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return doc;
    EXPECT_EQ(response->status, 200) << response->body;
    doc.Parse(response->body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << response->body;
    EXPECT_FALSE(doc["results"][0].HasMember("error")) << q << "\n" << response->body;
    return doc;
  }

  // (duration, default) of retention policy `rp` of `db`.
  std::pair<std::string, bool> RetentionPolicy(const std::string& db, const std::string& rp) {
    rapidjson::Document doc = Query(db, "SHOW RETENTION POLICIES ON " + InfluxQlIdentifier(db));
    for (const auto& row : doc["results"][0]["series"][0]["values"].GetArray()) {
      if (rp == row[0].GetString()) return {row[1].GetString(), row[4].GetBool()};
    }
    return {"(missing)", false};
  }

  std::string influx_url_, suffix_, company_, campaign_;
  ::powerview::testing::FakeGrafana grafana_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  std::unique_ptr<SqliteProvisionStore> store_;
  std::unique_ptr<Provisioner> provisioner_;
};

TEST_F(InfluxdProvisionTest, FreshApplyCreatesDatabasesWithRetentionAndASecondPlanIsEmpty) {
  v1::Plan plan = PlanOf(Catalog());
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_INFLUX_BUCKET), 2);
  EXPECT_EQ(CountActions(plan, v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_INFLUX_READ_TOKEN), 0);
  Apply(plan);
  rapidjson::Document dbs = Query("", "SHOW DATABASES");
  std::set<std::string> names;
  for (const auto& row : dbs["results"][0]["series"][0]["values"].GetArray()) {
    names.insert(row[0].GetString());
  }
  EXPECT_TRUE(names.count(company_)) << company_;
  EXPECT_TRUE(names.count(company_ + "_1h"));
  EXPECT_EQ(RetentionPolicy(company_, "autogen"), std::make_pair(std::string("720h0m0s"), true));
  EXPECT_EQ(RetentionPolicy(company_ + "_1h", "autogen"),
            std::make_pair(std::string("8760h0m0s"), true));

  std::string ds_uid = StableUid("pv-ds", {company_});
  std::optional<::powerview::testing::FakeGrafana::Datasource> ds = grafana_.GetDatasource(ds_uid);
  ASSERT_TRUE(ds.has_value());
  EXPECT_THAT(ds->json_data, HasSubstr("\"version\":\"InfluxQL\""));
  EXPECT_EQ(ds->user, "grafana");
  EXPECT_EQ(ds->secure["password"], "grafana-pw");

  v1::Plan second = PlanOf(Catalog());
  EXPECT_EQ(second.actions_size(), 0) << RenderPlan(second);
}

TEST_F(InfluxdProvisionTest, RetentionChangesAndAForeignDefaultPolicyAreRepaired) {
  Apply(PlanOf(Catalog()));
  // Someone made another policy the default of the raw database.
  Query(company_, "CREATE RETENTION POLICY \"other\" ON " + InfluxQlIdentifier(company_) +
                      " DURATION 2d REPLICATION 1 DEFAULT");
  ProvisionSettings settings = Settings();
  settings.influx.retention = absl::ZeroDuration();  // forever
  ASSERT_TRUE(Use(settings).ok());
  v1::Plan plan = PlanOf(Catalog());
  ASSERT_EQ(plan.actions_size(), 1) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_UPDATE);
  EXPECT_EQ(plan.actions(0).key(), company_);
  EXPECT_EQ(plan.actions(0).changes(0).old_value(), "30d");
  EXPECT_EQ(plan.actions(0).changes(0).new_value(), "forever");
  EXPECT_EQ(plan.actions(0).changes(1).field(), "default retention policy");
  Apply(plan);
  EXPECT_EQ(RetentionPolicy(company_, "autogen"), std::make_pair(std::string("0s"), true));
  EXPECT_EQ(RetentionPolicy(company_, "other").second, false);
  EXPECT_EQ(PlanOf(Catalog()).actions_size(), 0);
}

TEST_F(InfluxdProvisionTest, GeneratedInfluxQlQueriesRunOnTheRealServer) {
  Apply(PlanOf(Catalog()));
  // Data as the ingest writes it, for the campaign with quotes, `$` and unicode.
  std::string lines = absl::StrCat(
      "electrical,campaign=", TagValue(campaign_),
      ",channel_id=M02000800_U1,channel_unit=V,device_master_sn=02000800 M02000800_U1_V=231.5 ",
      absl::ToUnixSeconds(absl::Now()) - 60, "\n", "device_event,campaign=", TagValue(campaign_),
      ",device_master_sn=02000800,event=power_off count=1i ", absl::ToUnixSeconds(absl::Now()) - 30,
      "\n");
  HttpRequest write;
  write.method = "POST";
  write.url = influx_url_ + "/write?precision=s&db=" + UrlEncode(company_);
  write.body = lines;
  auto written = http_->Send(write);
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->status, 204) << written->body;

  std::string uid = StableUid("pv", {company_, campaign_});
  std::optional<::powerview::testing::FakeGrafana::Dashboard> d = grafana_.GetDashboard(uid);
  ASSERT_TRUE(d.has_value()) << uid;
  rapidjson::Document model;
  model.Parse(d->model.c_str());
  ASSERT_FALSE(model.HasParseError());
  // Expand the Grafana macros as Grafana would, then run the queries.
  auto expand = [&](std::string q) {
    return absl::StrReplaceAll(q, {{"${campaign:regex}", GrafanaRegexFormat(campaign_)},
                                   {"${channel:regex}", "(M02000800_U1|M02000800_U2)"},
                                   {"$timeFilter", "time > now() - 1h"},
                                   {"$__interval", "1m"}});
  };
  std::string panel = model["panels"][0]["targets"][0]["query"].GetString();
  rapidjson::Document result = Query(company_, expand(panel));
  ASSERT_TRUE(result["results"][0].HasMember("series")) << expand(panel);
  const auto& series = result["results"][0]["series"][0];
  EXPECT_STREQ(series["columns"][1].GetString(), "M02000800_U1");
  bool found = false;
  for (const auto& row : series["values"].GetArray()) {
    if (row[1].IsNumber() && row[1].GetDouble() == 231.5) found = true;
  }
  EXPECT_TRUE(found);
  std::string annotation = model["annotations"]["list"][0]["query"].GetString();
  rapidjson::Document events = Query(company_, expand(annotation));
  ASSERT_TRUE(events["results"][0].HasMember("series")) << expand(annotation);
  for (const auto& variable : model["templating"]["list"].GetArray()) {
    rapidjson::Document values = Query(company_, expand(variable["query"].GetString()));
    ASSERT_TRUE(values["results"][0].HasMember("series")) << variable["query"].GetString();
  }
}

}  // namespace
}  // namespace powerview::provision::testing
