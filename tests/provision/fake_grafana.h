// A fake Grafana (legacy /api HTTP API of Grafana 9-12) written to the contract in
// shared/reference/grafana-http-api.md: status codes and error bodies, team search answering
// 200 with an empty list, the creator of a team or folder added as its admin under Basic auth,
// the first datasource of the org made default, secure fields hidden (only secureJsonFields),
// datasource PUT full-replace with merged secrets, dashboard version and overwrite rules,
// legacy (replace-all) and resource-permission (partial) folder permission APIs, search.
// Tests can also edit its state directly, as a person in the UI would, and make it fail.
#ifndef POWERVIEW_TESTS_PROVISION_FAKE_GRAFANA_H_
#define POWERVIEW_TESTS_PROVISION_FAKE_GRAFANA_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/fakes/http_server.h"

namespace powerview::testing {

class FakeGrafana {
 public:
  struct Options {
    std::string admin_login = "admin";
    std::string admin_password = "admin-secret";
    // Service-account token accepted as `Bearer`, and the org it belongs to.
    std::string service_account_token = "glsa_fake_token";
    int64_t token_org_id = 1;
    int64_t org_id = 1;
  };

  struct Datasource {
    int64_t id = 0;
    std::string uid, name, type, access, url, user, database;
    bool basic_auth = false, is_default = false, read_only = false;
    std::string json_data = "{}";               // JSON object text
    std::map<std::string, std::string> secure;  // stored secrets (never returned by the API)
    int64_t version = 1;
  };

  struct Dashboard {
    int64_t id = 0;
    std::string uid, title, folder_uid;
    std::string model;  // stored JSON, with id, uid and version as Grafana sets them
    int64_t version = 1;
    std::vector<std::string> tags;
    bool provisioned = false;
  };

  // One managed permission entry on a folder (resource-permission model).
  struct Permission {
    int64_t user_id = 0;
    int64_t team_id = 0;
    std::string built_in_role;
    std::string permission;  // View, Edit, Admin
  };

  explicit FakeGrafana(Options options);
  FakeGrafana() : FakeGrafana(Options()) {}

  absl::Status Start() { return server_.Start(); }
  std::string url() const { return server_.base_url(); }
  const Options& options() const { return options_; }

  // Users of the org (the admin user exists from the start with id 1).
  int64_t AddUser(const std::string& login, const std::string& email);

  // The next `count` requests (except /api/health; only those with `method` when given)
  // answer `status` with a Grafana-style body before anything is done, optionally with a
  // Retry-After header.
  void FailNext(int count, int status, const std::string& retry_after = "",
                const std::string& method = "");

  // Direct edits, as a person in the Grafana UI would make them.
  bool EditDashboard(const std::string& uid, const std::function<void(std::string& model)>& edit);
  bool RemoveTeamMember(const std::string& team, const std::string& login);
  bool SetDatasourceUrl(const std::string& uid, const std::string& url);
  bool DeleteDashboardDirect(const std::string& uid);

  // Inspection.
  std::vector<std::string> TeamNames() const;
  std::vector<std::string> TeamMemberLogins(const std::string& team) const;
  std::optional<int64_t> TeamId(const std::string& team) const;
  std::map<std::string, std::string> Folders() const;  // uid -> title
  std::vector<Permission> FolderPermissions(const std::string& uid) const;
  std::optional<Datasource> GetDatasource(const std::string& uid) const;
  std::vector<std::string> DatasourceUids() const;
  std::optional<Dashboard> GetDashboard(const std::string& uid) const;
  std::vector<std::string> DashboardUids() const;
  // Requests answered, as "METHOD path" (query excluded), and successful writes.
  std::vector<std::string> requests() const;
  int successful_writes() const;

 private:
  struct Team {
    int64_t id = 0;
    std::string uid, name, email;
    std::map<int64_t, int> members;  // user id -> permission (0 member, 4 admin)
  };
  struct User {
    int64_t id = 0;
    std::string login, email;
  };
  struct Folder {
    int64_t id = 0;
    std::string uid, title;
    int64_t version = 1;
    std::vector<Permission> permissions;
  };
  // Who is calling: a real user (Basic) or a service account (Bearer).
  struct Caller {
    bool user = false;
    int64_t user_id = 0;
  };

  FakeResponse Handle(const FakeRequest& request);
  std::optional<FakeResponse> Authenticate(const FakeRequest& request, Caller* caller);
  FakeResponse Route(const FakeRequest& request, const std::vector<std::string>& path,
                     const Caller& caller);
  // fake_grafana.cc
  FakeResponse Teams(const FakeRequest& request, const std::vector<std::string>& path,
                     const Caller& caller);
  FakeResponse TeamMembers(const FakeRequest& request, Team& team,
                           const std::vector<std::string>& path);
  FakeResponse OrgUsers(const FakeRequest& request);
  // fake_grafana_folders.cc
  FakeResponse Folders(const FakeRequest& request, const std::vector<std::string>& path,
                       const Caller& caller);
  FakeResponse LegacyFolderPermissions(const FakeRequest& request, Folder& folder);
  FakeResponse AccessControl(const FakeRequest& request, const std::vector<std::string>& path);
  std::string FolderJson(const Folder& folder) const;
  // fake_grafana_datasources.cc
  FakeResponse Datasources(const FakeRequest& request, const std::vector<std::string>& path);
  FakeResponse SaveDatasource(const FakeRequest& request, Datasource* existing);
  std::string DatasourceJson(const Datasource& ds, bool with_secure_fields) const;
  // fake_grafana_dashboards.cc
  FakeResponse Dashboards(const FakeRequest& request, const std::vector<std::string>& path);
  FakeResponse SaveDashboard(const FakeRequest& request);
  FakeResponse Search(const FakeRequest& request);

  Team* FindTeam(int64_t id);
  Folder* FindFolder(const std::string& uid);
  static std::string UidProblem(const std::string& uid);

  const Options options_;
  mutable std::mutex mu_;
  int64_t next_id_ = 100;
  std::map<int64_t, User> users_;
  std::map<int64_t, Team> teams_;
  std::map<std::string, Folder> folders_;
  std::map<std::string, Datasource> datasources_;
  std::map<std::string, Dashboard> dashboards_;
  int fail_count_ = 0;
  int fail_status_ = 0;
  std::string fail_retry_after_;
  std::string fail_method_;
  std::vector<std::string> requests_;
  int successful_writes_ = 0;
  FakeHttpServer server_;
};

}  // namespace powerview::testing

#endif  // POWERVIEW_TESTS_PROVISION_FAKE_GRAFANA_H_
