// FakeGrafana: folders, the legacy folder permission API (replaces everything) and the
// resource-permission API (sets only the listed principals).
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/provision/fake_grafana.h"
#include "tests/provision/fake_json.h"

namespace powerview::testing {

using fakejson::Message;
using fakejson::Q;

namespace {

int LegacyLevel(const std::string& permission) {
  if (permission == "View") return 1;
  if (permission == "Edit") return 2;
  if (permission == "Admin") return 4;
  return 0;
}

std::string LevelName(int64_t level) {
  if (level == 1) return "View";
  if (level == 2) return "Edit";
  if (level == 4) return "Admin";
  return "";
}

}  // namespace

std::string FakeGrafana::UidProblem(const std::string& uid) {
  if (uid.size() > 40) return "uid too long, max 40 characters";
  for (char c : uid) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return "uid contains illegal characters";
  }
  return "";
}

FakeGrafana::Folder* FakeGrafana::FindFolder(const std::string& uid) {
  auto it = folders_.find(uid);
  return it == folders_.end() ? nullptr : &it->second;
}

std::string FakeGrafana::FolderJson(const Folder& f) const {
  return absl::StrCat("{\"id\":", f.id, ",\"uid\":", Q(f.uid), ",\"orgId\":", options_.org_id,
                      ",\"title\":", Q(f.title), ",\"url\":", Q("/dashboards/f/" + f.uid),
                      ",\"hasAcl\":false,\"canSave\":true,\"canEdit\":true,\"canAdmin\":true,"
                      "\"canDelete\":true,\"createdBy\":\"admin\",\"updatedBy\":\"admin\","
                      "\"version\":",
                      f.version, "}");
}

FakeResponse FakeGrafana::Folders(const FakeRequest& request, const std::vector<std::string>& path,
                                  const Caller& caller) {
  const FakeResponse not_found =
      FakeResponse::Json(404, "{\"status\":\"not-found\",\"message\":\"folder not found\"}");
  if (path.size() == 2 && request.method == "GET") {
    std::vector<std::string> items;
    for (const auto& [uid, f] : folders_) {
      items.push_back(
          absl::StrCat("{\"id\":", f.id, ",\"uid\":", Q(uid), ",\"title\":", Q(f.title), "}"));
    }
    return FakeResponse::Json(200, absl::StrCat("[", absl::StrJoin(items, ","), "]"));
  }
  if (path.size() == 2 && request.method == "POST") {
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body)) return Message(400, "bad request data");
    std::string title = fakejson::Str(body, "title");
    if (title.empty()) return Message(400, "folder title cannot be empty");
    std::string uid = fakejson::Str(body, "uid");
    if (uid.empty()) uid = absl::StrCat("f", next_id_);
    if (std::string problem = UidProblem(uid); !problem.empty()) return Message(400, problem);
    if (uid == "general") return Message(400, "invalid uid for folder provided");
    if (folders_.count(uid) || dashboards_.count(uid)) {
      return Message(409, "a folder/dashboard with the same uid already exists");
    }
    Folder folder;
    folder.id = next_id_++;
    folder.uid = uid;
    folder.title = title;
    // permissions_on_creation: the creating user is Admin; root folders grant Editor and
    // Viewer their usual rights.
    if (caller.user) folder.permissions.push_back(Permission{caller.user_id, 0, "", "Admin"});
    folder.permissions.push_back(Permission{0, 0, "Editor", "Edit"});
    folder.permissions.push_back(Permission{0, 0, "Viewer", "View"});
    folders_[uid] = folder;
    return FakeResponse::Json(200, FolderJson(folder));
  }
  if (path.size() < 3) return Message(404, "Not found");
  Folder* folder = FindFolder(path[2]);
  if (path.size() == 4 && path[3] == "permissions") {
    if (folder == nullptr) return not_found;
    return LegacyFolderPermissions(request, *folder);
  }
  if (path.size() != 3) return Message(404, "Not found");
  if (request.method == "GET") {
    if (folder == nullptr) return not_found;
    return FakeResponse::Json(200, FolderJson(*folder));
  }
  if (request.method == "PUT") {
    if (folder == nullptr) return not_found;
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body)) return Message(400, "bad request data");
    if (!fakejson::Bool(body, "overwrite") && fakejson::Int(body, "version") != folder->version) {
      return FakeResponse::Json(412,
                                "{\"status\":\"version-mismatch\",\"message\":\"the folder has "
                                "been changed by someone else\"}");
    }
    std::string title = fakejson::Str(body, "title");
    if (title.empty()) return Message(400, "folder title cannot be empty");
    folder->title = title;
    ++folder->version;
    return FakeResponse::Json(200, FolderJson(*folder));
  }
  if (request.method == "DELETE") {
    if (folder == nullptr) return not_found;
    std::string uid = folder->uid, title = folder->title;
    int64_t id = folder->id;
    // Deleting a folder deletes every dashboard in it.
    std::erase_if(dashboards_,
                  [&uid](const auto& entry) { return entry.second.folder_uid == uid; });
    folders_.erase(uid);
    return FakeResponse::Json(200, absl::StrCat("{\"message\":\"Folder deleted\",\"id\":", id,
                                                ",\"title\":", Q(title), "}"));
  }
  return Message(405, "Method not allowed");
}

FakeResponse FakeGrafana::LegacyFolderPermissions(const FakeRequest& request, Folder& folder) {
  if (request.method == "GET") {
    std::vector<std::string> items;
    for (const Permission& p : folder.permissions) {
      std::string role = p.built_in_role.empty() ? "null" : Q(p.built_in_role);
      items.push_back(absl::StrCat("{\"folderId\":", folder.id, ",\"userId\":", p.user_id,
                                   ",\"teamId\":", p.team_id, ",\"role\":", role,
                                   ",\"permission\":", LegacyLevel(p.permission),
                                   ",\"permissionName\":", Q(p.permission),
                                   ",\"uid\":", Q(folder.uid), ",\"inherited\":false}"));
    }
    return FakeResponse::Json(200, absl::StrCat("[", absl::StrJoin(items, ","), "]"));
  }
  if (request.method != "POST") return Message(405, "Method not allowed");
  rapidjson::Document body;
  if (!fakejson::ParseObject(request, &body) || !body.HasMember("items") ||
      !body["items"].IsArray()) {
    return Message(400, "bad request data");
  }
  // The whole list is replaced: entries left out are removed.
  std::vector<Permission> replaced;
  for (const auto& item : body["items"].GetArray()) {
    Permission p;
    p.user_id = fakejson::Int(item, "userId");
    p.team_id = fakejson::Int(item, "teamId");
    p.built_in_role = fakejson::Str(item, "role");
    p.permission = LevelName(fakejson::Int(item, "permission"));
    if (!p.built_in_role.empty() && (p.user_id != 0 || p.team_id != 0)) {
      return Message(400, "team and user permissions cannot have an associated role");
    }
    if (p.built_in_role == "Admin") return Message(400, "Admin role cannot be assigned");
    if (p.permission.empty()) return Message(400, "bad request data");
    replaced.push_back(p);
  }
  folder.permissions = replaced;
  return Message(200, "Folder permissions updated");
}

FakeResponse FakeGrafana::AccessControl(const FakeRequest& request,
                                        const std::vector<std::string>& path) {
  if (path.size() != 4 || path[2] != "folders") return Message(404, "Not found");
  Folder* folder = FindFolder(path[3]);
  if (folder == nullptr) return Message(404, "Not found");
  if (request.method == "GET") {
    std::vector<std::string> items;
    for (const Permission& p : folder->permissions) {
      std::string item = absl::StrCat("{\"id\":", items.size() + 1, ",\"isManaged\":true,",
                                      "\"isInherited\":false,\"isServiceAccount\":false,");
      if (p.user_id != 0) {
        absl::StrAppend(&item, "\"userId\":", p.user_id,
                        ",\"userLogin\":", Q(users_[p.user_id].login), ",");
      } else if (p.team_id != 0) {
        const Team* team = FindTeam(p.team_id);
        absl::StrAppend(&item, "\"teamId\":", p.team_id, ",\"team\":", Q(team ? team->name : ""),
                        ",");
      } else {
        absl::StrAppend(&item, "\"builtInRole\":", Q(p.built_in_role), ",");
      }
      absl::StrAppend(&item, "\"actions\":[\"folders:read\"],\"permission\":", Q(p.permission),
                      "}");
      items.push_back(item);
    }
    // OSS lists the Admin role's access as a synthetic, unmanaged entry.
    items.push_back(absl::StrCat("{\"id\":", items.size() + 1,
                                 ",\"builtInRole\":\"Admin\",\"isManaged\":false,"
                                 "\"isInherited\":false,\"actions\":[\"folders:read\"],"
                                 "\"permission\":\"Admin\"}"));
    return FakeResponse::Json(200, absl::StrCat("[", absl::StrJoin(items, ","), "]"));
  }
  if (request.method != "POST") return Message(405, "Method not allowed");
  rapidjson::Document body;
  if (!fakejson::ParseObject(request, &body) || !body.HasMember("permissions") ||
      !body["permissions"].IsArray()) {
    return Message(400, "Bad request data: permissions missing");
  }
  std::vector<Permission> changes;
  for (const auto& item : body["permissions"].GetArray()) {
    Permission p;
    p.user_id = fakejson::Int(item, "userId");
    p.team_id = fakejson::Int(item, "teamId");
    p.built_in_role = fakejson::Str(item, "builtInRole");
    p.permission = fakejson::Str(item, "permission");
    int principals = (p.user_id != 0) + (p.team_id != 0) + (!p.built_in_role.empty());
    if (principals != 1) return Message(400, "Bad request data: exactly one principal per entry");
    if (!p.permission.empty() && LegacyLevel(p.permission) == 0) {
      return Message(400, "Bad request data: invalid permission");
    }
    if (!p.built_in_role.empty() && p.built_in_role != "Viewer" && p.built_in_role != "Editor") {
      return Message(400, "Bad request data: invalid built-in role");
    }
    if (p.team_id != 0 && FindTeam(p.team_id) == nullptr) {
      return Message(400, "Bad request data: team not found");
    }
    changes.push_back(p);
  }
  // Only the listed principals change; "" removes one.
  for (const Permission& change : changes) {
    std::erase_if(folder->permissions, [&change](const Permission& p) {
      return p.user_id == change.user_id && p.team_id == change.team_id &&
             p.built_in_role == change.built_in_role;
    });
    if (!change.permission.empty()) folder->permissions.push_back(change);
  }
  return Message(200, "Permissions updated");
}

std::map<std::string, std::string> FakeGrafana::Folders() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [uid, f] : folders_) out[uid] = f.title;
  return out;
}

std::vector<FakeGrafana::Permission> FakeGrafana::FolderPermissions(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = folders_.find(uid);
  if (it == folders_.end()) return {};
  return it->second.permissions;
}

}  // namespace powerview::testing
