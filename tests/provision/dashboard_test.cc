#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/provision/dashboard_model.h"
#include "server/provision/dashboard_template.h"
#include "server/provision/desired_state.h"
#include "server/provision/json_util.h"

namespace powerview::provision {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

v1::Channel Ch(const std::string& id, const std::string& label, const std::string& name,
               const std::string& unit) {
  v1::Channel c;
  c.set_channel_id(id);
  c.set_label(label);
  c.set_name(name);
  c.set_unit(unit);
  c.set_field_key(unit.empty() ? "" : id + "_" + unit);
  return c;
}

v1::Campaign TwoDevices(const std::string& name) {
  v1::Campaign campaign;
  campaign.set_company("acme");
  campaign.set_name(name);
  v1::Device* b = campaign.add_devices();
  b->set_master_sn("02000900");
  *b->add_channels() = Ch("M02000900_Ch1", "Ch1", "Four", "W");
  v1::Device* a = campaign.add_devices();
  a->set_master_sn("02000800");
  *a->add_channels() = Ch("M02000800_U2", "U2", "Ph 2", "V");
  *a->add_channels() = Ch("M02000800_U1", "U1", "Ph 1", "V");
  *a->add_channels() = Ch("M02000800_Ch1", "Ch1", "Total", "W");
  *a->add_channels() = Ch("M02000800_Ch2", "Ch2", "Courant", "A");
  *a->add_channels() = Ch("M02000800_Ch3", "Ch3", "Sans unité", "");
  return campaign;
}

DashboardContext Context(v1::InfluxApi api, const std::string& campaign) {
  DashboardContext c;
  c.api = api;
  c.company = "acme";
  c.campaign = campaign;
  c.bucket = "acme";
  c.datasource_uid = "pv-ds-acme";
  c.folder_uid = "pv-acme";
  c.dashboard_uid = "pv-acme-spring";
  c.title = "acme / " + campaign;
  return c;
}

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json.substr(0, 200);
  return doc;
}

TEST(PanelsForCampaignTest, OnePanelPerDeviceAndUnitVoltagesFirst) {
  std::vector<v1::DashboardPanelSpec> panels = PanelsForCampaign(TwoDevices("spring"));
  ASSERT_EQ(panels.size(), 4u);
  EXPECT_EQ(panels[0].device_master_sn(), "02000800");
  EXPECT_EQ(panels[0].unit(), "V");
  EXPECT_THAT(panels[0].channel_ids(), ElementsAre("M02000800_U1", "M02000800_U2"));
  EXPECT_THAT(panels[0].field_keys(), ElementsAre("M02000800_U1_V", "M02000800_U2_V"));
  EXPECT_EQ(panels[1].unit(), "W");
  EXPECT_EQ(panels[2].unit(), "A");  // other units after V and W; unitless channels left out
  EXPECT_EQ(panels[3].device_master_sn(), "02000900");
  EXPECT_EQ(panels[3].unit(), "W");
}

TEST(GenerateDashboardModelTest, FluxModelHasVariablesPanelsAndPowerOffAnnotations) {
  v1::Campaign campaign = TwoDevices("spring");
  DashboardContext context = Context(v1::INFLUX_API_V2, "spring");
  std::string model = GenerateDashboardModel(context, PanelsForCampaign(campaign));
  rapidjson::Document doc = Parse(model);
  ASSERT_TRUE(doc.IsObject());
  const auto& vars = doc["templating"]["list"];
  ASSERT_EQ(vars.Size(), 2u);
  EXPECT_STREQ(vars[0]["name"].GetString(), "campaign");
  EXPECT_STREQ(vars[0]["current"]["value"].GetString(), "spring");
  EXPECT_STREQ(vars[1]["name"].GetString(), "channel");
  EXPECT_TRUE(vars[1]["multi"].GetBool());
  const auto& panels = doc["panels"];
  ASSERT_EQ(panels.Size(), 4u);
  std::string query = panels[0]["targets"][0]["query"].GetString();
  EXPECT_THAT(query, HasSubstr("from(bucket: \"acme\")"));
  EXPECT_THAT(query, HasSubstr("r.device_master_sn == \"02000800\""));
  EXPECT_THAT(query, HasSubstr("r.channel_unit == \"V\""));
  EXPECT_THAT(query, HasSubstr("r.campaign == ${campaign:json}"));
  EXPECT_THAT(query, HasSubstr("contains(value: r.channel_id, set: ${channel:json})"));
  EXPECT_STREQ(panels[0]["datasource"]["uid"].GetString(), "pv-ds-acme");
  EXPECT_STREQ(panels[0]["fieldConfig"]["defaults"]["unit"].GetString(), "volt");
  const auto& annotation = doc["annotations"]["list"][0];
  std::string anno_query = annotation["target"]["query"].GetString();
  EXPECT_THAT(anno_query, HasSubstr("r._measurement == \"device_event\""));
  EXPECT_THAT(anno_query, HasSubstr("r.event == \"power_off\""));
  EXPECT_THAT(anno_query, HasSubstr("r._field == \"count\""));
}

TEST(GenerateDashboardModelTest, InfluxQlModelSelectsTheCatalogFields) {
  std::string model = GenerateDashboardModel(Context(v1::INFLUX_API_V1, "spring"),
                                             PanelsForCampaign(TwoDevices("spring")));
  rapidjson::Document doc = Parse(model);
  std::string query = doc["panels"][0]["targets"][0]["query"].GetString();
  EXPECT_EQ(query,
            "SELECT mean(\"M02000800_U1_V\") AS \"M02000800_U1\", mean(\"M02000800_U2_V\") AS "
            "\"M02000800_U2\" FROM \"electrical\" WHERE \"campaign\" =~ /^${campaign:regex}$/ AND "
            "\"device_master_sn\" = '02000800' AND \"channel_unit\" = 'V' AND \"channel_id\" =~ "
            "/^${channel:regex}$/ AND $timeFilter GROUP BY time($__interval) fill(none)");
  EXPECT_TRUE(doc["panels"][0]["targets"][0]["rawQuery"].GetBool());
  EXPECT_THAT(std::string(doc["annotations"]["list"][0]["query"].GetString()),
              HasSubstr("FROM \"device_event\" WHERE \"event\" = 'power_off'"));
  EXPECT_THAT(std::string(doc["templating"]["list"][0]["query"].GetString()),
              HasSubstr("SHOW TAG VALUES FROM \"electrical\" WITH KEY = \"campaign\""));
}

TEST(GenerateDashboardModelTest, HostileNamesCannotEscapeTheirLiterals) {
  v1::Campaign campaign;
  campaign.set_name("c");
  v1::Device* d = campaign.add_devices();
  d->set_master_sn("sn\") |> drop() //${x}[[y]]");
  *d->add_channels() = Ch("M1_U1", "U1", "Ph 1", "V");
  DashboardContext context = Context(v1::INFLUX_API_V2, "c");
  context.bucket = "b\"ucket";
  std::string model = GenerateDashboardModel(context, PanelsForCampaign(campaign));
  rapidjson::Document doc = Parse(model);
  std::string query = doc["panels"][0]["targets"][0]["query"].GetString();
  EXPECT_THAT(query, HasSubstr("from(bucket: \"b\\\"ucket\")"));
  EXPECT_THAT(query,
              HasSubstr("r.device_master_sn == \"sn\\\") |> drop() //\\x24{x}\\x5b\\x5by]]\""));
  // The only Grafana variables left are the dashboard's own.
  EXPECT_THAT(query, Not(HasSubstr("${x}")));
  EXPECT_THAT(query, Not(HasSubstr("[[y")));
}

TEST(GenerateDashboardModelTest, EmptyCampaignGetsAPlaceholderPanel) {
  v1::Campaign campaign;
  campaign.set_name("new");
  rapidjson::Document doc =
      Parse(GenerateDashboardModel(Context(v1::INFLUX_API_V2, "new"), PanelsForCampaign(campaign)));
  ASSERT_EQ(doc["panels"].Size(), 1u);
  EXPECT_STREQ(doc["panels"][0]["type"].GetString(), "text");
}

TEST(FinalizeDashboardTest, SetsIdentityTagsAndAStableHash) {
  DashboardContext context = Context(v1::INFLUX_API_V2, "spring");
  std::string model =
      "{\"id\":12,\"version\":7,\"uid\":\"other\",\"title\":\"x\",\"tags\":[\"mine\","
      "\"managed-by:powerview\",\"powerview-hash:000000000000\"],\"panels\":[]}";
  v1::GrafanaDashboardSpec a, b;
  ASSERT_TRUE(FinalizeDashboard(model, context, &a).ok());
  ASSERT_TRUE(FinalizeDashboard(model, context, &b).ok());
  EXPECT_EQ(a.model_json(), b.model_json());
  EXPECT_EQ(a.content_sha256().size(), 64u);
  rapidjson::Document doc = Parse(a.model_json());
  EXPECT_FALSE(doc.HasMember("id"));
  EXPECT_FALSE(doc.HasMember("version"));
  EXPECT_STREQ(doc["uid"].GetString(), "pv-acme-spring");
  EXPECT_STREQ(doc["title"].GetString(), "acme / spring");
  ASSERT_EQ(doc["tags"].Size(), 3u);
  EXPECT_STREQ(doc["tags"][0].GetString(), "mine");
  EXPECT_STREQ(doc["tags"][1].GetString(), kManagedTag);
  EXPECT_EQ(std::string(doc["tags"][2].GetString()),
            std::string(kHashTagPrefix) + a.content_sha256().substr(0, 12));
  EXPECT_EQ(a.model_json(), CanonicalJson(doc));
}

TEST(DashboardTemplateTest, PlaceholdersAreFormattedForTheirQueryLanguage) {
  DashboardContext context = Context(v1::INFLUX_API_V2, "l'été \"25\" $x");
  absl::StatusOr<std::string> rendered = RenderDashboardTemplate(
      R"({"title":"{{title}}","panels":[{"q":"r.campaign == {{campaign|flux}}",
          "s":"\"campaign\" = {{campaign|influxql}}","r":"{{ campaign | influxql_regex }}",
          "ds":"{{datasource_uid}}","grafana":"${channel:json}"}]})",
      context);
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  rapidjson::Document doc = Parse(*rendered);
  const auto& p = doc["panels"][0];
  EXPECT_STREQ(doc["title"].GetString(), "acme / l'été \"25\" $x");
  EXPECT_STREQ(p["q"].GetString(), "r.campaign == \"l'été \\\"25\\\" \\x24x\"");
  EXPECT_STREQ(p["s"].GetString(), "\"campaign\" = 'l\\'été \"25\" $x'");
  EXPECT_STREQ(p["r"].GetString(), "/^l'été \"25\" \\x24x$/");
  EXPECT_STREQ(p["ds"].GetString(), "pv-ds-acme");
  EXPECT_STREQ(p["grafana"].GetString(), "${channel:json}");
}

TEST(DashboardTemplateTest, UnknownPlaceholderOrFormatIsAnError) {
  DashboardContext context = Context(v1::INFLUX_API_V2, "c");
  EXPECT_THAT(
      std::string(RenderDashboardTemplate(R"({"t":"{{compnay}}"})", context).status().message()),
      HasSubstr("{{compnay}}"));
  EXPECT_FALSE(RenderDashboardTemplate(R"({"t":"{{campaign|sql}}"})", context).ok());
  EXPECT_FALSE(RenderDashboardTemplate(R"({"t":"{{campaign"})", context).ok());
}

TEST(DashboardTemplateTest, ShippedExamplesRender) {
  for (const char* name : {"campaign-dashboard.flux.json", "campaign-dashboard.influxql.json"}) {
    std::string path = std::string(POWERVIEW_SOURCE_DIR) + "/deploy/grafana/" + name;
    absl::StatusOr<std::string> text = LoadDashboardTemplate(path);
    ASSERT_TRUE(text.ok()) << text.status();
    absl::StatusOr<std::string> rendered =
        RenderDashboardTemplate(*text, Context(v1::INFLUX_API_V2, "spring \"25\""));
    ASSERT_TRUE(rendered.ok()) << name << ": " << rendered.status();
    EXPECT_THAT(*rendered, Not(HasSubstr("{{"))) << name;
    v1::GrafanaDashboardSpec spec;
    EXPECT_TRUE(FinalizeDashboard(*rendered, Context(v1::INFLUX_API_V2, "s"), &spec).ok());
  }
  EXPECT_FALSE(LoadDashboardTemplate("/nonexistent/template.json").ok());
}

ProvisionSettings Settings(InfluxApiVersion api) {
  ProvisionSettings s;
  s.influx.api = api;
  s.influx.url = "http://influx:8086";
  s.influx.org = "powerview";
  s.influx.admin_token = "t";
  s.influx.retention = absl::Hours(24 * 30);
  s.influx.downsampled = {{"_1h", absl::Hours(24 * 365)}};
  s.grafana.url = "http://grafana:3000";
  s.grafana.token = "glsa";
  s.grafana.datasource_url = "http://influxdb:8086";
  s.team_members = {"viewer", "{company}-user"};
  return s;
}

TEST(DesiredStateBuilderTest, CompanyResourcesFromCatalogAndSettings) {
  v1::Company company;
  company.set_name("ACME Corp");
  company.set_bucket("acme");
  *company.add_campaigns() = TwoDevices("spring");
  *company.add_campaigns() = TwoDevices("autumn");
  DesiredStateBuilder builder(Settings(InfluxApiVersion::kV2), "");
  absl::StatusOr<v1::CompanyDesiredState> state = builder.ForCompany(company, "");
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_EQ(state->buckets_size(), 2);
  EXPECT_EQ(state->buckets(0).name(), "acme");
  EXPECT_EQ(state->buckets(0).retention().seconds(), 30 * 86400);
  EXPECT_EQ(state->buckets(1).name(), "acme_1h");
  EXPECT_THAT(state->read_token().bucket_names(), ElementsAre("acme", "acme_1h"));
  EXPECT_EQ(state->read_token().description(), "powerview read acme");
  EXPECT_EQ(state->team().name(), "ACME Corp");
  EXPECT_THAT(state->team().member_logins(), ElementsAre("viewer", "ACME Corp-user"));
  EXPECT_THAT(state->folder().uid(), ::testing::MatchesRegex("pv-acme-corp-[0-9a-f]{8}"));
  EXPECT_EQ(state->datasource().name(), "influxdb_ACME Corp");
  EXPECT_EQ(state->datasource().secret_key(), "token");
  EXPECT_EQ(state->datasource().json_data(),
            "{\"defaultBucket\":\"acme\",\"httpMode\":\"POST\",\"maxSeries\":1000,"
            "\"organization\":\"powerview\",\"version\":\"Flux\"}");
  ASSERT_EQ(state->folder_permissions().entries_size(), 3);
  EXPECT_EQ(state->folder_permissions().entries(0).team_name(), "ACME Corp");
  EXPECT_EQ(state->folder_permissions().entries(0).permission(), "View");
  EXPECT_EQ(state->folder_permissions().entries(1).built_in_role(), "Viewer");
  EXPECT_EQ(state->folder_permissions().entries(1).permission(), "");
  ASSERT_EQ(state->dashboards_size(), 2);  // sorted by campaign
  EXPECT_EQ(state->dashboards(0).campaign(), "autumn");
  EXPECT_EQ(state->dashboards(1).title(), "ACME Corp / spring");
  EXPECT_EQ(state->dashboards(1).panels_size(), 4);

  absl::StatusOr<v1::CompanyDesiredState> one = builder.ForCompany(company, "spring");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->dashboards_size(), 1);
  EXPECT_EQ(one->dashboards(0).uid(), state->dashboards(1).uid());
}

TEST(DesiredStateBuilderTest, InfluxV1UsesDatabasesAndInfluxQl) {
  ProvisionSettings s = Settings(InfluxApiVersion::kV1);
  s.influx.v1_read_user = "grafana";
  s.influx.v1_read_password = "pw";
  v1::Company company;
  company.set_name("acme");
  DesiredStateBuilder builder(s, "");
  absl::StatusOr<v1::CompanyDesiredState> state = builder.ForCompany(company, "");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->buckets(0).name(), "acme");  // the company name when the catalog has none
  EXPECT_EQ(state->buckets(0).retention_policy(), "autogen");
  EXPECT_FALSE(state->has_read_token());
  EXPECT_EQ(state->datasource().json_data(),
            "{\"dbName\":\"acme\",\"httpMode\":\"POST\",\"version\":\"InfluxQL\"}");
  EXPECT_EQ(state->datasource().user(), "grafana");
  EXPECT_EQ(state->datasource().secret_key(), "password");
  EXPECT_EQ(state->datasource().secret_sha256().size(), 64u);
}

TEST(DesiredStateBuilderTest, ScopesSelectCompanies) {
  std::vector<v1::Company> companies(2);
  companies[0].set_name("b");
  companies[1].set_name("a");
  DesiredStateBuilder builder(Settings(InfluxApiVersion::kV2), "");
  v1::ProvisionScope all;
  all.set_kind(v1::PROVISION_SCOPE_KIND_ALL);
  absl::StatusOr<v1::DesiredState> state = builder.Build(companies, all);
  ASSERT_TRUE(state.ok());
  ASSERT_EQ(state->companies_size(), 2);
  EXPECT_EQ(state->companies(0).company(), "a");
  v1::ProvisionScope one;
  one.set_kind(v1::PROVISION_SCOPE_KIND_COMPANY);
  one.set_company("b");
  EXPECT_EQ(builder.Build(companies, one)->companies_size(), 1);
  one.set_company("gone");
  EXPECT_EQ(builder.Build(companies, one)->companies_size(), 0);
}

}  // namespace
}  // namespace powerview::provision
