// FakeGrafana: authentication, routing, org users, teams and team members. Folders and
// permissions are in fake_grafana_folders.cc, datasources in fake_grafana_datasources.cc,
// dashboards and search in fake_grafana_dashboards.cc.
#include "tests/provision/fake_grafana.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/provision/fake_json.h"

namespace powerview::testing {

using fakejson::Message;
using fakejson::Q;

FakeGrafana::FakeGrafana(Options options)
    : options_(std::move(options)),
      server_([this](const FakeRequest& request) { return Handle(request); }) {
  users_[1] = User{1, options_.admin_login, "admin@localhost"};
}

int64_t FakeGrafana::AddUser(const std::string& login, const std::string& email) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t id = next_id_++;
  users_[id] = User{id, login, email};
  return id;
}

void FakeGrafana::FailNext(int count, int status, const std::string& retry_after,
                           const std::string& method) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
  fail_retry_after_ = retry_after;
  fail_method_ = method;
}

FakeResponse FakeGrafana::Handle(const FakeRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(absl::StrCat(request.method, " ", request.path));
  std::vector<std::string> path = fakejson::Segments(request.path);
  if (request.path == "/api/health") {
    return FakeResponse::Json(200,
                              "{\"commit\":\"fake\",\"database\":\"ok\",\"version\":\"11.6.0\"}");
  }
  if (fail_count_ > 0 && (fail_method_.empty() || fail_method_ == request.method)) {
    --fail_count_;
    FakeResponse r =
        Message(fail_status_, fail_status_ == 429 ? "Too many requests" : "Service unavailable");
    if (!fail_retry_after_.empty()) r.headers.emplace_back("Retry-After", fail_retry_after_);
    return r;
  }
  Caller caller;
  if (std::optional<FakeResponse> denied = Authenticate(request, &caller)) return *denied;
  FakeResponse response = Route(request, path, caller);
  if (request.method != "GET" && response.status == 200) ++successful_writes_;
  return response;
}

std::optional<FakeResponse> FakeGrafana::Authenticate(const FakeRequest& request, Caller* caller) {
  const std::string unauthorized =
      "{\"message\":\"Unauthorized\",\"messageId\":\"auth.unauthorized\",\"statusCode\":401}";
  std::string auth = request.Header("Authorization");
  int64_t org = options_.org_id;
  std::string org_header = request.Header("X-Grafana-Org-Id");
  if (!org_header.empty() && !absl::SimpleAtoi(org_header, &org)) {
    return FakeResponse::Json(400, "{\"message\":\"invalid org id\"}");
  }
  if (absl::StartsWith(auth, "Bearer ")) {
    if (auth.substr(7) != options_.service_account_token) {
      return FakeResponse::Json(401, unauthorized);
    }
    if (org != options_.token_org_id) {
      return FakeResponse::Json(
          401,
          "{\"message\":\"API key does not belong to the requested organization\","
          "\"messageId\":\"api-key.organization-mismatch\",\"statusCode\":401}");
    }
    caller->user = false;
    return std::nullopt;
  }
  if (absl::StartsWith(auth, "Basic ")) {
    std::string decoded;
    if (!absl::Base64Unescape(auth.substr(6), &decoded) ||
        decoded != absl::StrCat(options_.admin_login, ":", options_.admin_password)) {
      return FakeResponse::Json(
          401,
          "{\"message\":\"Invalid username or password\",\"messageId\":\"password-auth.failed\","
          "\"statusCode\":401}");
    }
    if (org != options_.org_id) {
      return FakeResponse::Json(401, unauthorized);
    }
    caller->user = true;
    caller->user_id = 1;
    return std::nullopt;
  }
  return FakeResponse::Json(401, unauthorized);
}

FakeResponse FakeGrafana::Route(const FakeRequest& request, const std::vector<std::string>& path,
                                const Caller& caller) {
  if (path.size() < 2 || path[0] != "api") return Message(404, "Not found");
  const std::string& area = path[1];
  if ((area == "admin" || (area == "users" && path.size() > 2 && path[2] == "lookup")) &&
      !caller.user) {
    return FakeResponse::Json(
        403,
        "{\"accessErrorId\":\"ACE0000000001\",\"message\":\"You'll need additional permissions "
        "to perform this action. Permissions needed: users:read\",\"title\":\"Access denied\"}");
  }
  if (area == "org" && path.size() == 3 && path[2] == "users") return OrgUsers(request);
  if (area == "org" && path.size() == 2 && request.method == "GET") {
    return FakeResponse::Json(
        200, absl::StrCat("{\"id\":", options_.org_id, ",\"name\":\"Main Org.\"}"));
  }
  if (area == "teams") return Teams(request, path, caller);
  if (area == "folders") return Folders(request, path, caller);
  if (area == "access-control") return AccessControl(request, path);
  if (area == "datasources") return Datasources(request, path);
  if (area == "dashboards") return Dashboards(request, path);
  if (area == "search" && request.method == "GET") return Search(request);
  return Message(404, "Not found");
}

FakeResponse FakeGrafana::OrgUsers(const FakeRequest& request) {
  if (request.method != "GET") return Message(405, "Method not allowed");
  std::vector<std::string> items;
  for (const auto& [id, user] : users_) {
    items.push_back(absl::StrCat("{\"orgId\":", options_.org_id, ",\"userId\":", id,
                                 ",\"email\":", Q(user.email), ",\"login\":", Q(user.login),
                                 ",\"role\":\"", id == 1 ? "Admin" : "Viewer", "\"}"));
  }
  return FakeResponse::Json(200, absl::StrCat("[", absl::StrJoin(items, ","), "]"));
}

FakeGrafana::Team* FakeGrafana::FindTeam(int64_t id) {
  auto it = teams_.find(id);
  return it == teams_.end() ? nullptr : &it->second;
}

FakeResponse FakeGrafana::Teams(const FakeRequest& request, const std::vector<std::string>& path,
                                const Caller& caller) {
  auto team_json = [this](const Team& t) {
    return absl::StrCat("{\"id\":", t.id, ",\"uid\":", Q(t.uid), ",\"orgId\":", options_.org_id,
                        ",\"name\":", Q(t.name), ",\"email\":", Q(t.email),
                        ",\"avatarUrl\":\"/avatar/x\",\"memberCount\":", t.members.size(), "}");
  };
  if (path.size() == 3 && path[2] == "search" && request.method == "GET") {
    // Exact `name`, substring `query`; no match is 200 with an empty list, not 404.
    auto name = request.params.find("name");
    auto query = request.params.find("query");
    std::vector<std::string> hits;
    for (const auto& [id, t] : teams_) {
      if (name != request.params.end() && t.name != name->second) continue;
      if (query != request.params.end() && !absl::StrContains(t.name, query->second)) continue;
      hits.push_back(team_json(t));
    }
    return FakeResponse::Json(
        200, absl::StrCat("{\"totalCount\":", hits.size(), ",\"teams\":[", absl::StrJoin(hits, ","),
                          "],\"page\":1,\"perPage\":1000}"));
  }
  if (path.size() == 2 && request.method == "POST") {
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body) || fakejson::Str(body, "name").empty()) {
      return Message(400, "bad request data");
    }
    std::string name = fakejson::Str(body, "name");
    for (const auto& [id, t] : teams_) {
      if (t.name == name) return Message(409, "Team name taken");
    }
    Team team;
    team.id = next_id_++;
    team.uid = absl::StrCat("t", team.id);
    team.name = name;
    team.email = fakejson::Str(body, "email");
    // A real user who creates a team becomes its admin; a service account does not.
    if (caller.user) team.members[caller.user_id] = 4;
    teams_[team.id] = team;
    return FakeResponse::Json(200, absl::StrCat("{\"message\":\"Team created\",\"teamId\":",
                                                team.id, ",\"uid\":", Q(team.uid), "}"));
  }
  if (path.size() < 3) return Message(404, "Not found");
  int64_t id = 0;
  if (!absl::SimpleAtoi(path[2], &id)) return Message(400, "teamId is invalid");
  Team* team = FindTeam(id);
  if (path.size() >= 4 && path[3] == "members") {
    if (team == nullptr) {
      if (request.method == "POST") return Message(500, "Failed to add Member to Team");
      if (request.method == "GET") return FakeResponse::Json(200, "[]");
      return Message(404, "Team not found");
    }
    return TeamMembers(request, *team, path);
  }
  if (path.size() != 3) return Message(404, "Not found");
  if (request.method == "GET") {
    if (team == nullptr) return Message(404, "Team not found");
    return FakeResponse::Json(200, team_json(*team));
  }
  if (request.method == "PUT") {
    if (team == nullptr) return Message(404, "Team not found");
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body)) return Message(400, "bad request data");
    std::string name = fakejson::Str(body, "name");
    for (const auto& [other_id, t] : teams_) {
      if (other_id != id && t.name == name) return Message(400, "Team name taken");
    }
    team->name = name;
    team->email = fakejson::Str(body, "email");
    return Message(200, "Team updated");
  }
  if (request.method == "DELETE") {
    if (team == nullptr) return Message(404, "Failed to delete Team. ID not found");
    teams_.erase(id);
    for (auto& [uid, folder] : folders_) {
      std::erase_if(folder.permissions, [id](const Permission& p) { return p.team_id == id; });
    }
    return Message(200, "Team deleted");
  }
  return Message(405, "Method not allowed");
}

FakeResponse FakeGrafana::TeamMembers(const FakeRequest& request, Team& team,
                                      const std::vector<std::string>& path) {
  if (path.size() == 4 && request.method == "GET") {
    std::vector<std::string> items;
    for (const auto& [user_id, permission] : team.members) {
      const User& u = users_[user_id];
      items.push_back(absl::StrCat(
          "{\"orgId\":", options_.org_id, ",\"teamId\":", team.id, ",\"userId\":", user_id,
          ",\"email\":", Q(u.email), ",\"login\":", Q(u.login),
          ",\"avatarUrl\":\"/avatar/u\",\"labels\":[],\"permission\":", permission, "}"));
    }
    return FakeResponse::Json(200, absl::StrCat("[", absl::StrJoin(items, ","), "]"));
  }
  if (path.size() == 4 && request.method == "POST") {
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body) || !fakejson::Has(body, "userId")) {
      return Message(400, "bad request data");
    }
    int64_t user_id = fakejson::Int(body, "userId");
    if (!users_.count(user_id)) return Message(404, "User not found");
    if (team.members.count(user_id)) return Message(400, "User is already added to this team");
    team.members[user_id] = static_cast<int>(fakejson::Int(body, "permission", 0));
    return Message(200, "Member added to Team");
  }
  int64_t user_id = 0;
  if (path.size() != 5 || !absl::SimpleAtoi(path[4], &user_id)) return Message(404, "Not found");
  if (request.method == "DELETE") {
    if (!team.members.erase(user_id)) return Message(404, "Team member not found");
    return Message(200, "Team Member removed");
  }
  if (request.method == "PUT") {
    if (!team.members.count(user_id)) return Message(404, "Team member not found.");
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body)) return Message(400, "bad request data");
    team.members[user_id] = static_cast<int>(fakejson::Int(body, "permission", 0));
    return Message(200, "Team member updated");
  }
  return Message(405, "Method not allowed");
}

bool FakeGrafana::RemoveTeamMember(const std::string& team_name, const std::string& login) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, team] : teams_) {
    if (team.name != team_name) continue;
    for (auto it = team.members.begin(); it != team.members.end(); ++it) {
      if (users_[it->first].login == login) {
        team.members.erase(it);
        return true;
      }
    }
  }
  return false;
}

std::vector<std::string> FakeGrafana::TeamNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [id, t] : teams_) names.push_back(t.name);
  return names;
}

std::vector<std::string> FakeGrafana::TeamMemberLogins(const std::string& team_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> logins;
  for (const auto& [id, t] : teams_) {
    if (t.name != team_name) continue;
    for (const auto& [user_id, permission] : t.members) logins.push_back(users_.at(user_id).login);
  }
  return logins;
}

std::optional<int64_t> FakeGrafana::TeamId(const std::string& team_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, t] : teams_) {
    if (t.name == team_name) return id;
  }
  return std::nullopt;
}

std::vector<std::string> FakeGrafana::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int FakeGrafana::successful_writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return successful_writes_;
}

}  // namespace powerview::testing
