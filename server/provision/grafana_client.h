// The parts of Grafana's HTTP API that provisioning uses (teams, members, folders, folder
// permissions, datasources, dashboards), with Grafana's quirks absorbed here: "already exists"
// answers resolved by a confirming read, 404 on delete taken as done, empty bodies tolerated.
// Every call is one org's (X-Grafana-Org-Id).
#ifndef POWERVIEW_SERVER_PROVISION_GRAFANA_CLIENT_H_
#define POWERVIEW_SERVER_PROVISION_GRAFANA_CLIENT_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/common/http_client.h"
#include "server/provision/rest_client.h"
#include "server/provision/settings.h"

namespace powerview::provision {

struct GrafanaTeam {
  int64_t id = 0;
  std::string name;
};

struct GrafanaUser {
  int64_t id = 0;
  std::string login;
  std::string email;
  // Team members only: synced from LDAP/OAuth (Grafana reports labels).
  bool external = false;
};

struct GrafanaFolder {
  std::string uid;
  std::string title;
};

// One entry of GET /api/access-control/folders/:uid.
struct GrafanaPermission {
  int64_t team_id = 0;
  int64_t user_id = 0;
  std::string built_in_role;
  std::string permission;  // View, Edit, Admin
  bool managed = false;
  bool inherited = false;
};

// A principal's new permission on a folder; exactly one of team_id or built_in_role is set;
// an empty permission removes the principal's grant.
struct GrafanaPermissionChange {
  int64_t team_id = 0;
  std::string built_in_role;
  std::string permission;
};

struct GrafanaDatasource {
  int64_t id = 0;
  std::string uid;
  std::string name;
  std::string type;
  std::string access;
  std::string url;
  std::string user;
  std::string database;
  bool basic_auth = false;
  bool is_default = false;
  bool read_only = false;
  // Canonical JSON of jsonData ("{}" when absent).
  std::string json_data = "{}";
  // Keys of secureJsonData that hold a value (Grafana never returns the values).
  std::set<std::string> secure_fields;
};

// The full body of a datasource create or replace.
struct GrafanaDatasourceWrite {
  std::string uid;
  std::string name;
  std::string url;
  std::string user;
  std::string json_data = "{}";  // JSON object text
  bool is_default = false;
  // secureJsonData; keys absent here keep their stored value on replace.
  std::vector<std::pair<std::string, std::string>> secure_json_data;
};

struct GrafanaDashboard {
  std::string uid;
  std::string folder_uid;
  // The stored model without `id` and `version`, canonical JSON.
  std::string model_json;
  int64_t version = 0;
  bool provisioned = false;
};

class GrafanaClient {
 public:
  // `http` is not owned and must outlive the client.
  GrafanaClient(HttpClient* http, const GrafanaSettings& settings, const RetryPolicy& retry);

  // GET /api/health: fails when Grafana is unreachable or its database is failing.
  absl::Status CheckHealth();

  absl::StatusOr<std::optional<GrafanaTeam>> FindTeam(const std::string& name);
  // Creates the team, or returns the id of the team that already has the name.
  absl::StatusOr<int64_t> CreateTeam(const std::string& name);
  absl::Status DeleteTeam(int64_t team_id);
  absl::StatusOr<std::vector<GrafanaUser>> ListTeamMembers(int64_t team_id);
  // Adding a member twice is not an error.
  absl::Status AddTeamMember(int64_t team_id, int64_t user_id);
  absl::Status RemoveTeamMember(int64_t team_id, int64_t user_id);
  // Users of the org (works with a service-account token, unlike the admin user lookup).
  absl::StatusOr<std::vector<GrafanaUser>> ListOrgUsers();

  absl::StatusOr<std::optional<GrafanaFolder>> GetFolder(const std::string& uid);
  // Creates the folder; a folder that already has the uid counts as created (its title is
  // then set by UpdateFolderTitle if it differs).
  absl::Status CreateFolder(const std::string& uid, const std::string& title);
  absl::Status UpdateFolderTitle(const std::string& uid, const std::string& title);
  // Deletes the folder and, in Grafana, every dashboard in it.
  absl::Status DeleteFolder(const std::string& uid);
  absl::StatusOr<std::vector<GrafanaPermission>> ListFolderPermissions(const std::string& uid);
  // Sets the listed principals' permissions and leaves the others as they are.
  absl::Status SetFolderPermissions(const std::string& uid,
                                    const std::vector<GrafanaPermissionChange>& changes);

  absl::StatusOr<std::optional<GrafanaDatasource>> GetDatasource(const std::string& uid);
  // Creates the datasource; when one with this uid exists it is replaced instead.
  absl::Status CreateDatasource(const GrafanaDatasourceWrite& datasource);
  // Replaces every non-secret field (Grafana's PUT semantics) and merges secureJsonData.
  absl::Status ReplaceDatasource(const GrafanaDatasourceWrite& datasource);
  absl::Status DeleteDatasource(const std::string& uid);

  absl::StatusOr<std::optional<GrafanaDashboard>> GetDashboard(const std::string& uid);
  // Saves `model_json` (which must carry the uid) into the folder with overwrite:true, so a
  // dashboard edited in Grafana meanwhile is replaced rather than refused.
  absl::Status SaveDashboard(const std::string& model_json, const std::string& folder_uid,
                             const std::string& message);
  absl::Status DeleteDashboard(const std::string& uid);
  // Uids of the dashboards in `folder_uid` that carry `tag`.
  absl::StatusOr<std::vector<std::string>> SearchDashboards(const std::string& folder_uid,
                                                            const std::string& tag);

 private:
  std::string DatasourceBody(const GrafanaDatasourceWrite& datasource) const;

  RestClient rest_;
};

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_GRAFANA_CLIENT_H_
