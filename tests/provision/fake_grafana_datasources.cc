// FakeGrafana: datasources (first one default, secrets hidden, PUT full replace with merged
// secrets, version check).

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/provision/fake_grafana.h"
#include "tests/provision/fake_json.h"

namespace powerview::testing {

using fakejson::Message;
using fakejson::Q;

namespace {

FakeResponse ErrUtil(int status, const std::string& id, const std::string& message) {
  return FakeResponse::Json(status, absl::StrCat("{\"statusCode\":", status, ",\"messageId\":",
                                                 Q(id), ",\"message\":", Q(message), "}"));
}

}  // namespace

std::string FakeGrafana::DatasourceJson(const Datasource& ds, bool with_secure_fields) const {
  std::string json = absl::StrCat(
      "{\"id\":", ds.id, ",\"uid\":", Q(ds.uid), ",\"orgId\":", options_.org_id,
      ",\"name\":", Q(ds.name), ",\"type\":", Q(ds.type),
      ",\"typeLogoUrl\":\"\",\"access\":", Q(ds.access), ",\"url\":", Q(ds.url),
      ",\"user\":", Q(ds.user), ",\"database\":", Q(ds.database),
      ",\"basicAuth\":", ds.basic_auth ? "true" : "false",
      ",\"isDefault\":", ds.is_default ? "true" : "false", ",\"jsonData\":", ds.json_data,
      ",\"readOnly\":", ds.read_only ? "true" : "false");
  if (with_secure_fields) {
    // Only the presence of non-empty secrets is ever shown.
    std::vector<std::string> fields;
    for (const auto& [key, value] : ds.secure) {
      if (!value.empty()) fields.push_back(absl::StrCat(Q(key), ":true"));
    }
    absl::StrAppend(&json, ",\"basicAuthUser\":\"\",\"withCredentials\":false,",
                    "\"secureJsonFields\":{", absl::StrJoin(fields, ","),
                    "},\"version\":", ds.version);
  }
  return json + "}";
}

FakeResponse FakeGrafana::Datasources(const FakeRequest& request,
                                      const std::vector<std::string>& path) {
  const FakeResponse not_found = Message(404, "Data source not found");
  if (path.size() == 2 && request.method == "GET") {
    std::vector<std::string> items;
    for (const auto& [uid, ds] : datasources_) items.push_back(DatasourceJson(ds, false));
    return FakeResponse::Json(200, absl::StrCat("[", absl::StrJoin(items, ","), "]"));
  }
  if (path.size() == 2 && request.method == "POST") return SaveDatasource(request, nullptr);
  Datasource* ds = nullptr;
  if (path.size() == 4 && (path[2] == "uid" || path[2] == "name")) {
    for (auto& [uid, candidate] : datasources_) {
      if ((path[2] == "uid" ? candidate.uid : candidate.name) == path[3]) ds = &candidate;
    }
  } else if (path.size() == 4 && path[2] == "id") {
    for (const auto& [uid, candidate] : datasources_) {
      if (candidate.name == path[3]) {
        return FakeResponse::Json(200, absl::StrCat("{\"id\":", candidate.id, "}"));
      }
    }
    return not_found;
  } else if (path.size() == 3) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(path[2], &id)) return Message(400, "id is invalid");
    for (auto& [uid, candidate] : datasources_) {
      if (candidate.id == id) ds = &candidate;
    }
  } else {
    return Message(404, "Not found");
  }
  if (request.method == "GET") {
    if (ds == nullptr) return not_found;
    return FakeResponse::Json(200, DatasourceJson(*ds, true));
  }
  if (request.method == "PUT") {
    if (ds == nullptr) return not_found;
    return SaveDatasource(request, ds);
  }
  if (request.method == "DELETE") {
    if (ds == nullptr) return not_found;
    if (ds->read_only) return Message(403, "Cannot delete read-only data source");
    int64_t id = ds->id;
    datasources_.erase(ds->uid);
    return FakeResponse::Json(
        200, absl::StrCat("{\"message\":\"Data source deleted\",\"id\":", id, "}"));
  }
  return Message(405, "Method not allowed");
}

FakeResponse FakeGrafana::SaveDatasource(const FakeRequest& request, Datasource* existing) {
  rapidjson::Document body;
  if (!fakejson::ParseObject(request, &body)) return Message(400, "bad request data");
  std::string name = fakejson::Str(body, "name"), type = fakejson::Str(body, "type"),
              access = fakejson::Str(body, "access");
  if (name.empty() || type.empty() || access.empty()) return Message(400, "bad request data");
  if (name.size() > 190) return ErrUtil(400, "datasource.nameInvalid", "invalid datasource name");
  std::string url = fakejson::Str(body, "url");
  if (url.size() > 255) return ErrUtil(400, "datasource.urlInvalid", "invalid datasource url");
  if (existing != nullptr && existing->read_only) {
    return Message(403, "Cannot update read-only data source");
  }
  std::string uid = fakejson::Str(body, "uid");
  for (const auto& [other_uid, other] : datasources_) {
    if (&other == existing) continue;
    if (other.name == name) {
      return Message(409, existing ? "Failed to update datasource: data source with the same "
                                     "name already exists"
                                   : "data source with the same name already exists");
    }
    if (existing == nullptr && !uid.empty() && other.uid == uid) {
      return Message(409, "data source with the same uid already exists");
    }
  }
  Datasource ds;
  if (existing != nullptr) {
    int64_t version = fakejson::Int(body, "version");
    if (version != 0 && existing->version > version) {
      return Message(409,
                     "Datasource has already been updated by someone else. Please reload "
                     "and try again");
    }
    ds.id = existing->id;
    ds.uid = existing->uid;  // an omitted uid keeps the stored one
    if (!uid.empty()) ds.uid = uid;
    ds.secure = existing->secure;  // secrets not in the request keep their stored value
    ds.version = version + 1;
    ds.read_only = existing->read_only;
  } else {
    ds.id = next_id_++;
    ds.uid = uid.empty() ? absl::StrCat("ds", ds.id) : uid;
    ds.version = 1;
  }
  if (std::string problem = UidProblem(ds.uid); !problem.empty()) {
    return Message(400, "Failed to add datasource: invalid uid");
  }
  // Full replace of the non-secret fields: anything omitted is cleared.
  ds.name = name;
  ds.type = type;
  ds.access = access;
  ds.url = url;
  ds.user = fakejson::Str(body, "user");
  ds.database = fakejson::Str(body, "database");
  ds.basic_auth = fakejson::Bool(body, "basicAuth");
  ds.is_default = fakejson::Bool(body, "isDefault");
  ds.json_data = "{}";
  if (body.HasMember("jsonData") && body["jsonData"].IsObject()) {
    ds.json_data = fakejson::Dump(body["jsonData"]);
  }
  if (body.HasMember("secureJsonData") && body["secureJsonData"].IsObject()) {
    for (const auto& m : body["secureJsonData"].GetObject()) {
      if (m.value.IsString()) ds.secure[m.name.GetString()] = m.value.GetString();
    }
  }
  // The first datasource of an org becomes its default, whatever the request says.
  if (existing == nullptr && datasources_.empty()) ds.is_default = true;
  if (ds.is_default) {
    for (auto& [other_uid, other] : datasources_) other.is_default = false;
  }
  if (existing != nullptr && existing->uid != ds.uid) datasources_.erase(existing->uid);
  datasources_[ds.uid] = ds;
  std::string dto = DatasourceJson(ds, true);
  return FakeResponse::Json(
      200,
      absl::StrCat("{\"message\":\"", existing ? "Datasource updated" : "Datasource added",
                   "\",\"id\":", ds.id, ",\"name\":", Q(ds.name), ",\"datasource\":", dto, "}"));
}

bool FakeGrafana::SetDatasourceUrl(const std::string& uid, const std::string& url) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = datasources_.find(uid);
  if (it == datasources_.end()) return false;
  it->second.url = url;
  ++it->second.version;
  return true;
}

std::optional<FakeGrafana::Datasource> FakeGrafana::GetDatasource(const std::string& uid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = datasources_.find(uid);
  if (it == datasources_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeGrafana::DatasourceUids() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> uids;
  for (const auto& [uid, ds] : datasources_) uids.push_back(uid);
  return uids;
}

}  // namespace powerview::testing
