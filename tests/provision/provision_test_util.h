// What the provisioning scenario tests share: a catalog builder, and a harness with a fake
// Grafana, a fake InfluxDB 2.x, a SQLite provision store and a Provisioner wired to them.
#ifndef POWERVIEW_TESTS_PROVISION_PROVISION_TEST_UTIL_H_
#define POWERVIEW_TESTS_PROVISION_PROVISION_TEST_UTIL_H_

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "powerview/v1/models.pb.h"
#include "powerview/v1/provision.pb.h"
#include "server/common/http_client.h"
#include "server/provision/provision_store.h"
#include "server/provision/provisioner.h"
#include "tests/provision/fake_grafana.h"
#include "tests/provision/fake_influx_v2.h"

namespace powerview::provision::testing {

// (label, name, unit) of a master's channels.
using ChannelDef = std::tuple<std::string, std::string, std::string>;

v1::Device MakeDevice(const std::string& master_sn, const std::vector<ChannelDef>& channels);
v1::Campaign MakeCampaign(const std::string& company, const std::string& name,
                          const std::vector<v1::Device>& devices);
v1::Company MakeCompany(const std::string& name, const std::vector<v1::Campaign>& campaigns);
// A typical tri-phase logger: U1..U3 in V, Ch1 in W.
v1::Device TriDevice(const std::string& master_sn);

v1::ProvisionScope AllScope(bool prune = false);
v1::ProvisionScope CompanyScope(const std::string& company, bool prune = false);
v1::ProvisionScope CampaignScope(const std::string& company, const std::string& campaign);

int CountActions(const v1::Plan& plan, v1::ActionType type, v1::ResourceKind kind);
// The only action of that type and kind in the plan, or nullptr.
const v1::PlanAction* OnlyAction(const v1::Plan& plan, v1::ActionType type, v1::ResourceKind kind);
// A path under the folder of the running test, created empty.
std::string TestDir(const std::string& name);

// Fakes, store and Provisioner for one test. Start() must succeed before use.
class Harness {
 public:
  Harness();
  explicit Harness(::powerview::testing::FakeInfluxV2::Options influx_options);
  absl::Status Start();
  // Settings pointing at the fakes, with fast retries, a 30-day raw retention, a `_1h`
  // downsampled bucket, and the team members "viewer" (a login) and "ops@example.com" (an
  // e-mail), both users of the fake Grafana's org.
  ProvisionSettings DefaultSettings() const;
  // (Re)creates the provisioner with `settings` over the same fakes and store.
  absl::Status Use(const ProvisionSettings& settings);

  Provisioner& provisioner() { return *provisioner_; }
  ProvisionStore& store() { return *store_; }
  ::powerview::testing::FakeGrafana& grafana() { return grafana_; }
  ::powerview::testing::FakeInfluxV2& influx() { return influx_; }

  // Plans and applies `scope`; fails the test when an action fails.
  v1::ApplyResult PlanAndApply(const v1::ProvisionScope& scope,
                               const std::vector<v1::Company>& companies);
  v1::Plan PlanOf(const v1::ProvisionScope& scope, const std::vector<v1::Company>& companies);

 private:
  ::powerview::testing::FakeGrafana grafana_;
  ::powerview::testing::FakeInfluxV2 influx_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<SqliteProvisionStore> store_;
  std::unique_ptr<Provisioner> provisioner_;
};

}  // namespace powerview::provision::testing

#endif  // POWERVIEW_TESTS_PROVISION_PROVISION_TEST_UTIL_H_
