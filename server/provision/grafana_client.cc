// Teams, users, folders and folder permissions. Datasources and dashboards are in
// grafana_content.cc.
#include "server/provision/grafana_client.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/provision/json_util.h"

namespace powerview::provision {
namespace {

std::vector<std::pair<std::string, std::string>> GrafanaHeaders(const GrafanaSettings& s) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!s.token.empty()) {
    headers.emplace_back("Authorization", absl::StrCat("Bearer ", s.token));
  } else if (!s.basic_user.empty()) {
    headers.emplace_back("Authorization",
                         absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(
                                                    s.basic_user, ":", s.basic_password))));
  }
  headers.emplace_back("X-Grafana-Org-Id", absl::StrCat(s.org_id));
  return headers;
}

GrafanaUser UserFrom(const rapidjson::Value& v) {
  GrafanaUser user;
  user.id = JsonInt(v, "userId", JsonInt(v, "id"));
  user.login = JsonString(v, "login");
  user.email = JsonString(v, "email");
  const rapidjson::Value* labels = JsonMember(v, "labels");
  user.external = labels != nullptr && labels->IsArray() && !labels->Empty();
  return user;
}

}  // namespace

GrafanaClient::GrafanaClient(HttpClient* http, const GrafanaSettings& settings,
                             const RetryPolicy& retry)
    // A service-account token cannot be locked out, so its 401s are retried as transient
    // (Grafana under load); Basic-auth 401s are never retried.
    : rest_(http, "grafana", settings.url, GrafanaHeaders(settings), retry,
            /*retry_unauthorized=*/!settings.token.empty()) {}

absl::Status GrafanaClient::CheckHealth() {
  const std::string path = "/api/health";
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<GrafanaTeam>> GrafanaClient::FindTeam(const std::string& name) {
  const std::string path =
      absl::StrCat("/api/teams/search?perpage=1000&page=1&name=", UrlEncode(name));
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  // Grafana answers 200 with an empty list when no team has the name (not 404 as documented).
  if (r->status == 404) return std::optional<GrafanaTeam>();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana team search answer");
  if (!doc.ok()) return doc.status();
  const rapidjson::Value* teams = JsonMember(*doc, "teams");
  if (teams == nullptr || !teams->IsArray()) return std::optional<GrafanaTeam>();
  for (const auto& t : teams->GetArray()) {
    if (JsonString(t, "name") == name) return GrafanaTeam{JsonInt(t, "id"), name};
  }
  return std::optional<GrafanaTeam>();
}

absl::StatusOr<int64_t> GrafanaClient::CreateTeam(const std::string& name) {
  const std::string path = "/api/teams";
  absl::StatusOr<HttpResponse> r =
      rest_.Send("POST", path, absl::StrCat("{\"name\":", JsonQuote(name), "}"));
  if (!r.ok()) return r.status();
  if (r->status == 200) {
    absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana team create answer");
    if (!doc.ok()) return doc.status();
    return JsonInt(*doc, "teamId");
  }
  if (r->status == 409) {  // "Team name taken": ours from an earlier, interrupted attempt
    absl::StatusOr<std::optional<GrafanaTeam>> team = FindTeam(name);
    if (!team.ok()) return team.status();
    if (team->has_value()) return (*team)->id;
  }
  return rest_.Error("POST", path, *r);
}

absl::Status GrafanaClient::DeleteTeam(int64_t team_id) {
  const std::string path = absl::StrCat("/api/teams/", team_id);
  absl::StatusOr<HttpResponse> r = rest_.Send("DELETE", path);
  if (!r.ok()) return r.status();
  if (r->status == 200 || r->status == 404) return absl::OkStatus();
  return rest_.Error("DELETE", path, *r);
}

absl::StatusOr<std::vector<GrafanaUser>> GrafanaClient::ListTeamMembers(int64_t team_id) {
  const std::string path = absl::StrCat("/api/teams/", team_id, "/members");
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana team members answer");
  if (!doc.ok()) return doc.status();
  std::vector<GrafanaUser> members;
  if (doc->IsArray()) {
    for (const auto& m : doc->GetArray()) members.push_back(UserFrom(m));
  }
  return members;
}

absl::Status GrafanaClient::AddTeamMember(int64_t team_id, int64_t user_id) {
  const std::string path = absl::StrCat("/api/teams/", team_id, "/members");
  absl::StatusOr<HttpResponse> r =
      rest_.Send("POST", path, absl::StrCat("{\"userId\":", user_id, "}"));
  if (!r.ok()) return r.status();
  if (r->status == 200) return absl::OkStatus();
  if (r->status == 400 && absl::StrContains(ServerMessage(r->body), "already added")) {
    return absl::OkStatus();
  }
  return rest_.Error("POST", path, *r);
}

absl::Status GrafanaClient::RemoveTeamMember(int64_t team_id, int64_t user_id) {
  const std::string path = absl::StrCat("/api/teams/", team_id, "/members/", user_id);
  absl::StatusOr<HttpResponse> r = rest_.Send("DELETE", path);
  if (!r.ok()) return r.status();
  if (r->status == 200 || r->status == 404) return absl::OkStatus();
  return rest_.Error("DELETE", path, *r);
}

absl::StatusOr<std::vector<GrafanaUser>> GrafanaClient::ListOrgUsers() {
  const std::string path = "/api/org/users";
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana org users answer");
  if (!doc.ok()) return doc.status();
  std::vector<GrafanaUser> users;
  if (doc->IsArray()) {
    for (const auto& u : doc->GetArray()) users.push_back(UserFrom(u));
  }
  return users;
}

absl::StatusOr<std::optional<GrafanaFolder>> GrafanaClient::GetFolder(const std::string& uid) {
  const std::string path = absl::StrCat("/api/folders/", UrlEncode(uid));
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  if (r->status == 404) return std::optional<GrafanaFolder>();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana folder answer");
  if (!doc.ok()) return doc.status();
  return GrafanaFolder{JsonString(*doc, "uid"), JsonString(*doc, "title")};
}

absl::Status GrafanaClient::CreateFolder(const std::string& uid, const std::string& title) {
  const std::string path = "/api/folders";
  const std::string body =
      absl::StrCat("{\"uid\":", JsonQuote(uid), ",\"title\":", JsonQuote(title), "}");
  absl::StatusOr<HttpResponse> r;
  // Grafana can answer 412 or 409 to a folder create that raced with another one, sometimes
  // although the folder was created: a read decides; a missing folder is created again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = rest_.Send("POST", path, body);
    if (!r.ok()) return r.status();
    if (r->status == 200) return absl::OkStatus();
    if (r->status != 409 && r->status != 412) break;
    absl::StatusOr<std::optional<GrafanaFolder>> existing = GetFolder(uid);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) return absl::OkStatus();
    if (r->status == 409) break;  // a title clash with another folder: not transient
  }
  return rest_.Error("POST", path, *r);
}

absl::Status GrafanaClient::UpdateFolderTitle(const std::string& uid, const std::string& title) {
  const std::string path = absl::StrCat("/api/folders/", UrlEncode(uid));
  absl::StatusOr<HttpResponse> r = rest_.Send(
      "PUT", path, absl::StrCat("{\"title\":", JsonQuote(title), ",\"overwrite\":true}"));
  if (!r.ok()) return r.status();
  if (r->status == 200) return absl::OkStatus();
  return rest_.Error("PUT", path, *r);
}

absl::Status GrafanaClient::DeleteFolder(const std::string& uid) {
  const std::string path = absl::StrCat("/api/folders/", UrlEncode(uid), "?forceDeleteRules=true");
  absl::StatusOr<HttpResponse> r = rest_.Send("DELETE", path);
  if (!r.ok()) return r.status();
  // Grafana 9.3-10.x answer 200 with an empty body: only the status matters.
  if (r->status == 200 || r->status == 404) return absl::OkStatus();
  return rest_.Error("DELETE", path, *r);
}

absl::StatusOr<std::vector<GrafanaPermission>> GrafanaClient::ListFolderPermissions(
    const std::string& uid) {
  const std::string path = absl::StrCat("/api/access-control/folders/", UrlEncode(uid));
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana folder permissions");
  if (!doc.ok()) return doc.status();
  std::vector<GrafanaPermission> out;
  if (!doc->IsArray()) return out;
  for (const auto& p : doc->GetArray()) {
    GrafanaPermission permission;
    permission.team_id = JsonInt(p, "teamId");
    permission.user_id = JsonInt(p, "userId");
    permission.built_in_role = JsonString(p, "builtInRole");
    permission.permission = JsonString(p, "permission");
    permission.managed = JsonBool(p, "isManaged");
    permission.inherited = JsonBool(p, "isInherited");
    out.push_back(std::move(permission));
  }
  return out;
}

absl::Status GrafanaClient::SetFolderPermissions(
    const std::string& uid, const std::vector<GrafanaPermissionChange>& changes) {
  if (changes.empty()) return absl::OkStatus();
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("permissions");
  w.StartArray();
  for (const GrafanaPermissionChange& c : changes) {
    w.StartObject();
    if (c.team_id != 0) {
      w.Key("teamId");
      w.Int64(c.team_id);
    } else {
      w.Key("builtInRole");
      w.String(c.built_in_role.c_str());
    }
    w.Key("permission");
    w.String(c.permission.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  // The resource-permission API sets only the listed principals; the legacy
  // /api/folders/:uid/permissions would replace (and wipe) the whole list.
  const std::string path = absl::StrCat("/api/access-control/folders/", UrlEncode(uid));
  absl::StatusOr<HttpResponse> r = rest_.Send("POST", path, buffer.GetString());
  if (!r.ok()) return r.status();
  if (r->status == 200) return absl::OkStatus();
  return rest_.Error("POST", path, *r);
}

}  // namespace powerview::provision
