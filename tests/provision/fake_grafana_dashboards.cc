// FakeGrafana: dashboards (version and overwrite rules) and search.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/provision/fake_grafana.h"
#include "tests/provision/fake_json.h"

namespace powerview::testing {

using fakejson::Message;
using fakejson::Q;

namespace {

std::string Slug(const std::string& title) {
  std::string out;
  for (char c : title) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

bool ContainsIgnoreCase(const std::string& text, const std::string& part) {
  return absl::StrContains(absl::AsciiStrToLower(text), absl::AsciiStrToLower(part));
}

}  // namespace

FakeResponse FakeGrafana::Dashboards(const FakeRequest& request,
                                     const std::vector<std::string>& path) {
  if (path.size() == 3 && path[2] == "db" && request.method == "POST") {
    return SaveDashboard(request);
  }
  if (path.size() != 4 || path[2] != "uid") return Message(404, "Not found");
  auto it = dashboards_.find(path[3]);
  if (request.method == "GET") {
    if (it == dashboards_.end()) return Message(404, "Dashboard not found");
    const Dashboard& d = it->second;
    std::string folder_title;
    if (const Folder* f = FindFolder(d.folder_uid)) folder_title = f->title;
    return FakeResponse::Json(
        200, absl::StrCat("{\"dashboard\":", d.model,
                          ",\"meta\":{\"type\":\"db\",\"canSave\":true,"
                          "\"canEdit\":true,\"canAdmin\":true,\"canStar\":true,\"canDelete\":true,"
                          "\"slug\":",
                          Q(Slug(d.title)), ",\"url\":", Q("/d/" + d.uid + "/" + Slug(d.title)),
                          ",\"version\":", d.version, ",\"isFolder\":false,\"folderUid\":",
                          Q(d.folder_uid), ",\"folderTitle\":", Q(folder_title),
                          ",\"provisioned\":", d.provisioned ? "true" : "false", "}}"));
  }
  if (request.method == "DELETE") {
    if (it == dashboards_.end()) return Message(404, "Dashboard not found");
    if (it->second.provisioned) return Message(400, "provisioned dashboard cannot be deleted");
    std::string title = it->second.title, uid = it->second.uid;
    dashboards_.erase(it);
    return FakeResponse::Json(
        200, absl::StrCat("{\"title\":", Q(title), ",\"message\":",
                          Q("Dashboard " + title + " deleted"), ",\"uid\":", Q(uid), "}"));
  }
  return Message(405, "Method not allowed");
}

FakeResponse FakeGrafana::SaveDashboard(const FakeRequest& request) {
  rapidjson::Document body;
  if (!fakejson::ParseObject(request, &body) || !body.HasMember("dashboard") ||
      !body["dashboard"].IsObject()) {
    return Message(400, "bad request data");
  }
  rapidjson::Value& model = body["dashboard"];
  auto& a = body.GetAllocator();
  std::string title = fakejson::Str(model, "title");
  if (title.empty()) {
    return FakeResponse::Json(
        400, "{\"status\":\"empty-name\",\"message\":\"Dashboard title cannot be empty\"}");
  }
  if (fakejson::Str(body, "message").size() > 500) {
    return Message(400, "message too long, max 500 characters");
  }
  std::string uid = fakejson::Str(model, "uid");
  if (std::string problem = UidProblem(uid); !problem.empty()) return Message(400, problem);
  std::string folder_uid = fakejson::Str(body, "folderUid");
  if (!folder_uid.empty() && FindFolder(folder_uid) == nullptr) {
    return Message(400, "folder not found");
  }
  if (!uid.empty() && folders_.count(uid)) {
    return Message(400, "Dashboard cannot be changed to a folder");
  }
  int64_t id = fakejson::Int(model, "id");
  Dashboard* by_id = nullptr;
  if (id > 0) {
    for (auto& [u, d] : dashboards_) {
      if (d.id == id) by_id = &d;
    }
    if (by_id == nullptr) return Message(404, "Dashboard not found");
  }
  Dashboard* by_uid = nullptr;
  if (!uid.empty()) {
    auto it = dashboards_.find(uid);
    if (it != dashboards_.end()) by_uid = &it->second;
  }
  if (by_id != nullptr && by_uid != nullptr && by_id != by_uid) {
    return Message(400, "A dashboard with the same uid already exists");
  }
  Dashboard* existing = by_uid != nullptr ? by_uid : by_id;
  bool overwrite = fakejson::Bool(body, "overwrite");
  Dashboard d;
  if (existing != nullptr) {
    if (existing->provisioned) return Message(400, "Cannot save provisioned dashboard");
    if (fakejson::Int(model, "version") != existing->version && !overwrite) {
      return FakeResponse::Json(412,
                                "{\"status\":\"version-mismatch\",\"message\":\"The dashboard has "
                                "been changed by someone else\"}");
    }
    d.id = existing->id;
    d.uid = existing->uid;
    d.version = existing->version + 1;
  } else {
    d.id = next_id_++;
    d.uid = uid.empty() ? absl::StrCat("d", d.id) : uid;
    d.version = 1;
  }
  d.title = title;
  d.folder_uid = folder_uid;  // no folderUid on an update moves the dashboard to the root
  if (model.HasMember("tags") && model["tags"].IsArray()) {
    for (const auto& t : model["tags"].GetArray()) {
      if (t.IsString()) d.tags.push_back(t.GetString());
    }
  }
  model.RemoveMember("id");
  model.RemoveMember("uid");
  model.RemoveMember("version");
  model.AddMember("id", d.id, a);
  model.AddMember("uid", rapidjson::Value(d.uid.c_str(), a), a);
  model.AddMember("version", d.version, a);
  d.model = fakejson::Dump(model);
  if (existing != nullptr && existing->uid != d.uid) dashboards_.erase(existing->uid);
  dashboards_[d.uid] = d;
  return FakeResponse::Json(
      200, absl::StrCat("{\"id\":", d.id, ",\"uid\":", Q(d.uid),
                        ",\"url\":", Q("/d/" + d.uid + "/" + Slug(d.title)),
                        ",\"status\":\"success\",\"version\":", d.version,
                        ",\"slug\":", Q(Slug(d.title)), ",\"folderUid\":", Q(d.folder_uid), "}"));
}

FakeResponse FakeGrafana::Search(const FakeRequest& request) {
  int64_t limit = 1000;
  if (auto it = request.params.find("limit"); it != request.params.end()) {
    absl::SimpleAtoi(it->second, &limit);
  }
  if (limit > 5000) {
    return Message(422,
                   "Limit is above maximum allowed (5000), use page parameter to access "
                   "hits beyond limit");
  }
  std::string type, query;
  if (auto it = request.params.find("type"); it != request.params.end()) type = it->second;
  if (auto it = request.params.find("query"); it != request.params.end()) query = it->second;
  std::vector<std::string> tags = fakejson::QueryValues(request.query, "tag");
  std::vector<std::string> folder_uids = fakejson::QueryValues(request.query, "folderUIDs");
  std::vector<std::string> uids = fakejson::QueryValues(request.query, "dashboardUIDs");
  std::vector<std::string> hits;
  if (type.empty() || type == "dash-folder") {
    for (const auto& [uid, f] : folders_) {
      if (!tags.empty() || !folder_uids.empty() || !uids.empty()) continue;
      if (!query.empty() && !ContainsIgnoreCase(f.title, query)) continue;
      hits.push_back(absl::StrCat("{\"id\":", f.id, ",\"uid\":", Q(uid), ",\"title\":", Q(f.title),
                                  ",\"type\":\"dash-folder\",\"tags\":[]}"));
    }
  }
  if (type.empty() || type == "dash-db") {
    for (const auto& [uid, d] : dashboards_) {
      if (!folder_uids.empty() &&
          std::find(folder_uids.begin(), folder_uids.end(), d.folder_uid) == folder_uids.end()) {
        continue;
      }
      if (!uids.empty() && std::find(uids.begin(), uids.end(), uid) == uids.end()) continue;
      bool all_tags = std::all_of(tags.begin(), tags.end(), [&d](const std::string& t) {
        return std::find(d.tags.begin(), d.tags.end(), t) != d.tags.end();
      });
      if (!all_tags) continue;
      if (!query.empty() && !ContainsIgnoreCase(d.title, query)) continue;
      std::vector<std::string> quoted;
      for (const std::string& t : d.tags) quoted.push_back(Q(t));
      hits.push_back(absl::StrCat("{\"id\":", d.id, ",\"uid\":", Q(uid), ",\"title\":", Q(d.title),
                                  ",\"type\":\"dash-db\",\"tags\":[", absl::StrJoin(quoted, ","),
                                  "],\"folderUid\":", Q(d.folder_uid), "}"));
    }
  }
  if (static_cast<int64_t>(hits.size()) > limit) hits.resize(limit);
  return FakeResponse::Json(200, absl::StrCat("[", absl::StrJoin(hits, ","), "]"));
}

bool FakeGrafana::EditDashboard(const std::string& uid,
                                const std::function<void(std::string& model)>& edit) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dashboards_.find(uid);
  if (it == dashboards_.end()) return false;
  edit(it->second.model);
  ++it->second.version;
  rapidjson::Document doc;
  doc.Parse(it->second.model.c_str());
  if (!doc.HasParseError() && doc.IsObject()) {
    doc.RemoveMember("version");
    doc.AddMember("version", it->second.version, doc.GetAllocator());
    it->second.model = fakejson::Dump(doc);
    it->second.title = fakejson::Str(doc, "title");
  }
  return true;
}

bool FakeGrafana::DeleteDashboardDirect(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  return dashboards_.erase(uid) > 0;
}

std::optional<FakeGrafana::Dashboard> FakeGrafana::GetDashboard(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dashboards_.find(uid);
  if (it == dashboards_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeGrafana::DashboardUids() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> uids;
  for (const auto& [uid, d] : dashboards_) uids.push_back(uid);
  return uids;
}

}  // namespace powerview::testing
