// InfluxDB 1.x with authentication on, for real: a second InfluxDB 1.6.7 that this test starts
// itself (auth-enabled = true, free ports). Each company's datasource reads with its own user,
// which provisioning creates with READ on exactly the company's database: a query as that user
// succeeds on its database and fails on another company's. A missing user, a lost or extra
// grant, admin rights or a changed password are drift in the plan, and repaired.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/provision/plan_render.h"
#include "server/provision/rest_client.h"
#include "tests/provision/provision_test_util.h"

namespace powerview::provision::testing {
namespace {

using ::testing::HasSubstr;

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// A port chosen by the kernel whose next port is free too (influxd also binds port + 1).
int FreePortPair() {
  for (int i = 0; i < 50; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    int port = ntohs(addr.sin_port);
    if (port < 65535 && PortFree(port + 1)) return port;
  }
  return 0;
}

const std::string kScript = std::string(POWERVIEW_SOURCE_DIR) + "/scripts/influxd.sh";

class InfluxdAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Not TestDir(): no test is running yet.
    dir_ = new std::string(absl::StrCat("/tmp/pv-influxd-auth-", getpid()));
    int port = FreePortPair();
    ASSERT_NE(port, 0);
    url_ = new std::string(absl::StrCat("http://127.0.0.1:", port));
    std::string start =
        absl::StrCat("bash ", kScript, " start ", *dir_, "/server ", port, " auth >/dev/null");
    ASSERT_EQ(std::system(start.c_str()), 0) << start;
  }
  static void TearDownTestSuite() {
    std::system(absl::StrCat("bash ", kScript, " stop ", *dir_, "/server").c_str());
    std::system(absl::StrCat("rm -rf ", *dir_).c_str());
  }

  void SetUp() override {
    // The first user of an InfluxDB with authentication must be an admin, made without one.
    static bool admin_made = false;
    if (!admin_made) {
      HttpResponse r =
          Query("", "CREATE USER \"admin\" WITH PASSWORD 'admin-pw' WITH ALL PRIVILEGES", "", "");
      ASSERT_EQ(r.status, 200) << r.body;
      admin_made = true;
    }
    ASSERT_TRUE(grafana_.Start().ok());
    auto store = SqliteProvisionStore::Open(TestDir("store") + "/state.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(Use(Settings()).ok());
  }

  ProvisionSettings Settings() const {
    ProvisionSettings s;
    s.influx.api = InfluxApiVersion::kV1;
    s.influx.url = *url_;
    s.influx.v1_admin_user = "admin";
    s.influx.v1_admin_password = "admin-pw";
    s.influx.v1_read_user = "{company}_reader";
    s.influx.v1_read_password = "reader-pw";
    s.grafana.url = grafana_.url();
    s.grafana.token = grafana_.options().service_account_token;
    s.grafana.datasource_url = "http://influxdb:8086";
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
    return {MakeCompany("acme", {MakeCampaign("acme", "spring", {TriDevice("02000800")})}),
            MakeCompany("globex", {MakeCampaign("globex", "pilot", {TriDevice("03000100")})})};
  }

  v1::Plan PlanOf() {
    auto plan = provisioner_->PlanFor(AllScope(), Catalog());
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : v1::Plan();
  }
  void Apply(const v1::Plan& plan) {
    auto result = provisioner_->Apply(plan);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->failed(), 0) << RenderPlan(plan) << result->DebugString();
  }

  // One InfluxQL statement as `user` (Basic auth; none when empty), on database `db`.
  HttpResponse Query(const std::string& db, const std::string& q, const std::string& user,
                     const std::string& password) {
    HttpRequest request;
    request.method = "POST";
    request.url = *url_ + "/query?db=" + UrlEncode(db);
    request.body = "q=" + UrlEncode(q);
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    if (!user.empty()) {
      request.headers.emplace_back(
          "Authorization",
          absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(user, ":", password))));
    }
    auto response = http_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HttpResponse();
  }
  HttpResponse AsAdmin(const std::string& q) {
    HttpResponse r = Query("", q, "admin", "admin-pw");
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    EXPECT_FALSE(absl::StrContains(r.body, "\"error\"")) << q << ": " << r.body;
    return r;
  }
  // Whether `user` may read measurements of `db`.
  bool CanRead(const std::string& user, const std::string& db) {
    HttpResponse r = Query(db, "SELECT * FROM electrical", user, "reader-pw");
    return r.status == 200 && !absl::StrContains(r.body, "\"error\"");
  }

  static std::string* dir_;
  static std::string* url_;
  ::powerview::testing::FakeGrafana grafana_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  std::unique_ptr<SqliteProvisionStore> store_;
  std::unique_ptr<Provisioner> provisioner_;
};

std::string* InfluxdAuthTest::dir_ = nullptr;
std::string* InfluxdAuthTest::url_ = nullptr;

TEST_F(InfluxdAuthTest, EachReadUserReadsExactlyItsCompanysDatabase) {
  v1::Plan plan = PlanOf();
  const v1::PlanAction* user = nullptr;
  for (const v1::PlanAction& a : plan.actions()) {
    if (a.kind() == v1::RESOURCE_KIND_INFLUX_READ_USER && a.key() == "acme_reader") user = &a;
  }
  ASSERT_NE(user, nullptr) << RenderPlan(plan);
  EXPECT_EQ(user->type(), v1::ACTION_TYPE_CREATE);
  EXPECT_EQ(user->reason(), "missing in InfluxDB");
  EXPECT_EQ(user->changes(0).new_value(), "READ acme");
  Apply(plan);
  EXPECT_EQ(PlanOf().actions_size(), 0) << RenderPlan(PlanOf());
  EXPECT_EQ(grafana_.GetDatasource("pv-ds-acme")->user, "acme_reader");
  EXPECT_EQ(grafana_.GetDatasource("pv-ds-acme")->secure["password"], "reader-pw");

  HttpRequest write;
  for (const char* db : {"acme", "globex"}) {
    write.method = "POST";
    write.url = absl::StrCat(*url_, "/write?db=", db, "&u=admin&p=admin-pw");
    write.body = "electrical,channel_id=c1 value=1 1700000000000000000\n";
    auto r = http_->Send(write);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 204) << r->body;
  }
  EXPECT_TRUE(CanRead("acme_reader", "acme"));
  EXPECT_FALSE(CanRead("acme_reader", "globex"));
  EXPECT_TRUE(CanRead("globex_reader", "globex"));
  EXPECT_FALSE(CanRead("globex_reader", "acme"));
  HttpResponse refused = Query("globex", "SELECT * FROM electrical", "acme_reader", "reader-pw");
  EXPECT_THAT(refused.body, HasSubstr("not authorized"));
}

TEST_F(InfluxdAuthTest, LostGrantsExtraGrantsAdminAndAMissingUserAreDrift) {
  Apply(PlanOf());
  ASSERT_EQ(PlanOf().actions_size(), 0);
  AsAdmin("REVOKE ALL ON \"acme\" FROM \"acme_reader\"");
  AsAdmin("GRANT WRITE ON \"globex\" TO \"acme_reader\"");
  v1::Plan plan = PlanOf();
  ASSERT_EQ(plan.actions_size(), 1) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_UPDATE);
  EXPECT_EQ(plan.actions(0).reason(), "grants differ in InfluxDB");
  EXPECT_EQ(plan.actions(0).changes(0).old_value(), "WRITE globex");
  EXPECT_EQ(plan.actions(0).changes(0).new_value(), "READ acme");
  Apply(plan);
  EXPECT_EQ(PlanOf().actions_size(), 0) << RenderPlan(PlanOf());

  AsAdmin("GRANT ALL PRIVILEGES TO \"globex_reader\"");
  AsAdmin("SET PASSWORD FOR \"acme_reader\" = 'changed'");
  plan = PlanOf();
  ASSERT_EQ(plan.actions_size(), 2) << RenderPlan(plan);
  EXPECT_THAT(RenderPlan(plan), HasSubstr("password differs in InfluxDB"));
  EXPECT_THAT(RenderPlan(plan), HasSubstr("the read user is an admin"));
  Apply(plan);
  EXPECT_EQ(PlanOf().actions_size(), 0) << RenderPlan(PlanOf());

  AsAdmin("DROP USER \"globex_reader\"");
  plan = PlanOf();
  ASSERT_EQ(plan.actions_size(), 1) << RenderPlan(plan);
  EXPECT_EQ(plan.actions(0).type(), v1::ACTION_TYPE_CREATE);
  EXPECT_EQ(plan.actions(0).key(), "globex_reader");
  Apply(plan);
  EXPECT_EQ(PlanOf().actions_size(), 0) << RenderPlan(PlanOf());
}

}  // namespace
}  // namespace powerview::provision::testing
