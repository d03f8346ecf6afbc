// Datasources, dashboards and search (the rest of GrafanaClient is in grafana_client.cc).
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "server/provision/grafana_client.h"
#include "server/provision/json_util.h"

namespace powerview::provision {

std::string GrafanaClient::DatasourceBody(const GrafanaDatasourceWrite& ds) const {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("uid", JsonValue(ds.uid, a), a);
  doc.AddMember("name", JsonValue(ds.name, a), a);
  doc.AddMember("type", "influxdb", a);
  doc.AddMember("access", "proxy", a);
  doc.AddMember("url", JsonValue(ds.url, a), a);
  doc.AddMember("user", JsonValue(ds.user, a), a);
  doc.AddMember("database", "", a);
  doc.AddMember("basicAuth", false, a);
  doc.AddMember("isDefault", ds.is_default, a);
  rapidjson::Document json_data;
  json_data.Parse(ds.json_data.data(), ds.json_data.size());
  rapidjson::Value data(rapidjson::kObjectType);
  if (!json_data.HasParseError() && json_data.IsObject()) data.CopyFrom(json_data, a);
  doc.AddMember("jsonData", data, a);
  rapidjson::Value secure(rapidjson::kObjectType);
  for (const auto& [key, value] : ds.secure_json_data) {
    secure.AddMember(JsonValue(key, a), JsonValue(value, a), a);
  }
  doc.AddMember("secureJsonData", secure, a);
  return ToJson(doc);
}

absl::StatusOr<std::optional<GrafanaDatasource>> GrafanaClient::GetDatasource(
    const std::string& uid) {
  const std::string path = absl::StrCat("/api/datasources/uid/", UrlEncode(uid));
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  if (r->status == 404) return std::optional<GrafanaDatasource>();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana datasource answer");
  if (!doc.ok()) return doc.status();
  GrafanaDatasource ds;
  ds.id = JsonInt(*doc, "id");
  ds.uid = JsonString(*doc, "uid");
  ds.name = JsonString(*doc, "name");
  ds.type = JsonString(*doc, "type");
  ds.access = JsonString(*doc, "access");
  ds.url = JsonString(*doc, "url");
  ds.user = JsonString(*doc, "user");
  ds.database = JsonString(*doc, "database");
  ds.basic_auth = JsonBool(*doc, "basicAuth");
  ds.is_default = JsonBool(*doc, "isDefault");
  ds.read_only = JsonBool(*doc, "readOnly");
  if (const rapidjson::Value* data = JsonMember(*doc, "jsonData"); data && data->IsObject()) {
    ds.json_data = CanonicalJson(*data);
  }
  if (const rapidjson::Value* fields = JsonMember(*doc, "secureJsonFields");
      fields && fields->IsObject()) {
    for (const auto& m : fields->GetObject()) {
      if (m.value.IsBool() && m.value.GetBool()) ds.secure_fields.insert(m.name.GetString());
    }
  }
  return std::optional<GrafanaDatasource>(std::move(ds));
}

absl::Status GrafanaClient::CreateDatasource(const GrafanaDatasourceWrite& datasource) {
  const std::string path = "/api/datasources";
  absl::StatusOr<HttpResponse> r = rest_.Send("POST", path, DatasourceBody(datasource));
  if (!r.ok()) return r.status();
  if (r->status == 200) return absl::OkStatus();
  if (r->status == 409) {
    // Ours from an interrupted attempt (same uid): replace it. A name taken by a datasource
    // with another uid is the operator's to resolve.
    absl::StatusOr<std::optional<GrafanaDatasource>> existing = GetDatasource(datasource.uid);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) return ReplaceDatasource(datasource);
    return absl::AlreadyExistsError(
        absl::StrCat("grafana: a datasource named '", datasource.name,
                     "' already exists with another uid than '", datasource.uid,
                     "'; rename or delete it, or change the datasource name template (",
                     ServerMessage(r->body), ")"));
  }
  return rest_.Error("POST", path, *r);
}

absl::Status GrafanaClient::ReplaceDatasource(const GrafanaDatasourceWrite& datasource) {
  // No `version`: PowerView owns the datasource and overwrites concurrent edits.
  const std::string path = absl::StrCat("/api/datasources/uid/", UrlEncode(datasource.uid));
  absl::StatusOr<HttpResponse> r = rest_.Send("PUT", path, DatasourceBody(datasource));
  if (!r.ok()) return r.status();
  if (r->status == 200) return absl::OkStatus();
  return rest_.Error("PUT", path, *r);
}

absl::Status GrafanaClient::DeleteDatasource(const std::string& uid) {
  const std::string path = absl::StrCat("/api/datasources/uid/", UrlEncode(uid));
  absl::StatusOr<HttpResponse> r = rest_.Send("DELETE", path);
  if (!r.ok()) return r.status();
  if (r->status == 200 || r->status == 404) return absl::OkStatus();
  return rest_.Error("DELETE", path, *r);
}

absl::StatusOr<std::optional<GrafanaDashboard>> GrafanaClient::GetDashboard(
    const std::string& uid) {
  const std::string path = absl::StrCat("/api/dashboards/uid/", UrlEncode(uid));
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  if (r->status == 404) return std::optional<GrafanaDashboard>();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana dashboard answer");
  if (!doc.ok()) return doc.status();
  auto model = doc->FindMember("dashboard");
  if (model == doc->MemberEnd() || !model->value.IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat("grafana: GET ", path, ": answer without a dashboard object"));
  }
  GrafanaDashboard dashboard;
  dashboard.uid = uid;
  dashboard.version = JsonInt(model->value, "version");
  model->value.RemoveMember("id");
  model->value.RemoveMember("version");
  dashboard.model_json = CanonicalJson(model->value);
  if (const rapidjson::Value* meta = JsonMember(*doc, "meta")) {
    dashboard.folder_uid = JsonString(*meta, "folderUid");
    dashboard.provisioned = JsonBool(*meta, "provisioned");
  }
  return std::optional<GrafanaDashboard>(std::move(dashboard));
}

absl::Status GrafanaClient::SaveDashboard(const std::string& model_json,
                                          const std::string& folder_uid,
                                          const std::string& message) {
  absl::StatusOr<rapidjson::Document> model = ParseJson(model_json, "dashboard model");
  if (!model.ok()) return model.status();
  if (!model->IsObject()) return absl::InvalidArgumentError("dashboard model is not an object");
  rapidjson::Document body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  rapidjson::Value dashboard;
  dashboard.CopyFrom(*model, a);
  dashboard.RemoveMember("version");
  dashboard.RemoveMember("id");
  dashboard.AddMember("id", rapidjson::Value(), a);  // null: Grafana matches on the uid
  body.AddMember("dashboard", dashboard, a);
  body.AddMember("folderUid", JsonValue(folder_uid, a), a);
  body.AddMember("overwrite", true, a);
  body.AddMember("message", JsonValue(message.substr(0, 500), a), a);
  const std::string path = "/api/dashboards/db";
  absl::StatusOr<HttpResponse> r = rest_.Send("POST", path, ToJson(body));
  if (!r.ok()) return r.status();
  if (r->status == 200) return absl::OkStatus();
  return rest_.Error("POST", path, *r);
}

absl::Status GrafanaClient::DeleteDashboard(const std::string& uid) {
  const std::string path = absl::StrCat("/api/dashboards/uid/", UrlEncode(uid));
  absl::StatusOr<HttpResponse> r = rest_.Send("DELETE", path);
  if (!r.ok()) return r.status();
  if (r->status == 200 || r->status == 404) return absl::OkStatus();
  return rest_.Error("DELETE", path, *r);
}

absl::StatusOr<std::vector<std::string>> GrafanaClient::SearchDashboards(
    const std::string& folder_uid, const std::string& tag) {
  const std::string path =
      absl::StrCat("/api/search?type=dash-db&limit=5000&folderUIDs=", UrlEncode(folder_uid),
                   "&tag=", UrlEncode(tag));
  absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
  if (!r.ok()) return r.status();
  if (r->status != 200) return rest_.Error("GET", path, *r);
  absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "grafana search answer");
  if (!doc.ok()) return doc.status();
  std::vector<std::string> uids;
  if (doc->IsArray()) {
    for (const auto& hit : doc->GetArray()) uids.push_back(JsonString(hit, "uid"));
  }
  return uids;
}

}  // namespace powerview::provision
