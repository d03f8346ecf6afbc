// InfluxAdmin for InfluxDB 2.x (/api/v2, JSON, `Authorization: Token <operator token>`).
#include <algorithm>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rapidjson/document.h"
#include "server/provision/influx_admin.h"
#include "server/provision/json_util.h"
#include "server/provision/rest_client.h"

namespace powerview::provision {

std::unique_ptr<InfluxAdmin> NewInfluxV1Admin(HttpClient* http, const InfluxSettings& settings,
                                              const RetryPolicy& retry);

namespace {

int64_t RetentionOf(const rapidjson::Value& bucket) {
  const rapidjson::Value* rules = JsonMember(bucket, "retentionRules");
  if (rules == nullptr || !rules->IsArray()) return 0;
  for (const auto& rule : rules->GetArray()) {
    if (JsonString(rule, "type") == "expire") return JsonInt(rule, "everySeconds");
  }
  return 0;
}

// `[{"type":"expire","everySeconds":N}]`, or `[]` (keep forever) for 0.
std::string RetentionRules(int64_t seconds) {
  if (seconds <= 0) return "[]";
  return absl::StrCat("[{\"type\":\"expire\",\"everySeconds\":", seconds, "}]");
}

class InfluxV2Admin : public InfluxAdmin {
 public:
  InfluxV2Admin(HttpClient* http, const InfluxSettings& settings, const RetryPolicy& retry)
      : settings_(settings),
        rest_(http, "influxdb", settings.url,
              {{"Authorization", absl::StrCat("Token ", settings.admin_token)}}, retry,
              /*retry_unauthorized=*/false) {}

  absl::StatusOr<std::optional<InfluxBucketState>> GetBucket(
      const v1::InfluxBucketSpec& spec) override {
    absl::StatusOr<std::string> org = OrgId();
    if (!org.ok()) return org.status();
    const std::string path =
        absl::StrCat("/api/v2/buckets?orgID=", UrlEncode(*org), "&name=", UrlEncode(spec.name()));
    absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
    if (!r.ok()) return r.status();
    // With both a name and an org, InfluxDB answers 404 `bucket "x" not found`.
    if (r->status == 404) return std::optional<InfluxBucketState>();
    if (r->status != 200) return rest_.Error("GET", path, *r);
    absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "influxdb buckets answer");
    if (!doc.ok()) return doc.status();
    const rapidjson::Value* buckets = JsonMember(*doc, "buckets");
    if (buckets == nullptr || !buckets->IsArray()) return std::optional<InfluxBucketState>();
    for (const auto& b : buckets->GetArray()) {
      if (JsonString(b, "name") != spec.name()) continue;
      return InfluxBucketState{JsonString(b, "id"), spec.name(), RetentionOf(b), true};
    }
    return std::optional<InfluxBucketState>();
  }

  absl::StatusOr<InfluxBucketState> CreateBucket(const v1::InfluxBucketSpec& spec) override {
    absl::StatusOr<std::string> org = OrgId();
    if (!org.ok()) return org.status();
    const std::string path = "/api/v2/buckets";
    std::string body =
        absl::StrCat("{\"orgID\":", JsonQuote(*org), ",\"name\":", JsonQuote(spec.name()),
                     ",\"description\":\"Provisioned by PowerView\",\"retentionRules\":",
                     RetentionRules(spec.retention().seconds()), "}");
    absl::StatusOr<HttpResponse> r = rest_.Send("POST", path, body);
    if (!r.ok()) return r.status();
    if (r->status == 201 || r->status == 200) {
      absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "influxdb bucket answer");
      if (!doc.ok()) return doc.status();
      return InfluxBucketState{JsonString(*doc, "id"), spec.name(), RetentionOf(*doc), true};
    }
    if (r->status == 422 || r->status == 409) {  // the name exists: an earlier attempt's
      absl::StatusOr<std::optional<InfluxBucketState>> existing = GetBucket(spec);
      if (!existing.ok()) return existing.status();
      if (existing->has_value()) return **existing;
    }
    return rest_.Error("POST", path, *r);
  }

  absl::Status EnsureRetention(const InfluxBucketState& bucket,
                               const v1::InfluxBucketSpec& spec) override {
    if (bucket.retention_seconds == spec.retention().seconds()) return absl::OkStatus();
    const std::string path = absl::StrCat("/api/v2/buckets/", UrlEncode(bucket.id));
    absl::StatusOr<HttpResponse> r = rest_.Send(
        "PATCH", path,
        absl::StrCat("{\"retentionRules\":", RetentionRules(spec.retention().seconds()), "}"));
    if (!r.ok()) return r.status();
    if (r->status == 200) return absl::OkStatus();
    return rest_.Error("PATCH", path, *r);
  }

  absl::StatusOr<std::vector<InfluxAuthorization>> FindAuthorizations(
      const std::string& description) override {
    absl::StatusOr<std::string> org = OrgId();
    if (!org.ok()) return org.status();
    const std::string path = absl::StrCat("/api/v2/authorizations?orgID=", UrlEncode(*org));
    absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
    if (!r.ok()) return r.status();
    if (r->status != 200) return rest_.Error("GET", path, *r);
    absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "influxdb authorizations answer");
    if (!doc.ok()) return doc.status();
    std::vector<InfluxAuthorization> out;
    const rapidjson::Value* list = JsonMember(*doc, "authorizations");
    if (list == nullptr || !list->IsArray()) return out;
    for (const auto& a : list->GetArray()) {
      if (JsonString(a, "description") != description) continue;
      InfluxAuthorization auth;
      auth.id = JsonString(a, "id");
      auth.description = description;
      auth.status = JsonString(a, "status");
      if (const rapidjson::Value* perms = JsonMember(a, "permissions"); perms && perms->IsArray()) {
        for (const auto& p : perms->GetArray()) {
          const rapidjson::Value* resource = JsonMember(p, "resource");
          std::string type = resource ? JsonString(*resource, "type") : "";
          std::string id = resource ? JsonString(*resource, "id") : "";
          // Anything but a bucket permission is reported with its type, so it shows as drift.
          auth.permissions.emplace_back(JsonString(p, "action"),
                                        type == "buckets" ? id : absl::StrCat(type, ":", id));
        }
      }
      std::sort(auth.permissions.begin(), auth.permissions.end());
      out.push_back(std::move(auth));
    }
    return out;
  }

  absl::StatusOr<MintedToken> CreateReadAuthorization(
      const std::string& description, const std::vector<std::string>& bucket_ids) override {
    absl::StatusOr<std::string> org = OrgId();
    if (!org.ok()) return org.status();
    rapidjson::Document body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("orgID", JsonValue(*org, a), a);
    body.AddMember("description", JsonValue(description, a), a);
    body.AddMember("status", "active", a);
    rapidjson::Value permissions(rapidjson::kArrayType);
    for (const std::string& id : bucket_ids) {
      rapidjson::Value resource(rapidjson::kObjectType);
      resource.AddMember("type", "buckets", a);
      resource.AddMember("id", JsonValue(id, a), a);
      resource.AddMember("orgID", JsonValue(*org, a), a);
      rapidjson::Value permission(rapidjson::kObjectType);
      permission.AddMember("action", "read", a);
      permission.AddMember("resource", resource, a);
      permissions.PushBack(permission, a);
    }
    body.AddMember("permissions", permissions, a);
    const std::string path = "/api/v2/authorizations";
    // An answer lost after InfluxDB created the authorization leaves an orphan with the same
    // description; the applier deletes authorizations with the description it does not keep.
    absl::StatusOr<HttpResponse> r = rest_.Send("POST", path, ToJson(body));
    if (!r.ok()) return r.status();
    if (r->status != 201 && r->status != 200) return rest_.Error("POST", path, *r);
    absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "influxdb authorization answer");
    if (!doc.ok()) return doc.status();
    MintedToken minted{JsonString(*doc, "id"), JsonString(*doc, "token")};
    if (minted.token.empty()) {
      return absl::InternalError(absl::StrCat(
          "influxdb: POST ", path, ": the answer carries no token for '", description, "'"));
    }
    return minted;
  }

  absl::Status DeleteAuthorization(const std::string& authorization_id) override {
    const std::string path = absl::StrCat("/api/v2/authorizations/", UrlEncode(authorization_id));
    absl::StatusOr<HttpResponse> r = rest_.Send("DELETE", path);
    if (!r.ok()) return r.status();
    if (r->status == 204 || r->status == 200 || r->status == 404) return absl::OkStatus();
    return rest_.Error("DELETE", path, *r);
  }

 private:
  absl::StatusOr<std::string> OrgId() {
    absl::MutexLock lock(&mu_);
    if (!org_id_.empty()) return org_id_;
    const std::string path = absl::StrCat("/api/v2/orgs?org=", UrlEncode(settings_.org));
    absl::StatusOr<HttpResponse> r = rest_.Send("GET", path);
    if (!r.ok()) return r.status();
    if (r->status == 404) {
      return absl::NotFoundError(absl::StrCat("influxdb: organisation '", settings_.org,
                                              "' not found; create it or fix the org setting"));
    }
    if (r->status != 200) return rest_.Error("GET", path, *r);
    absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "influxdb orgs answer");
    if (!doc.ok()) return doc.status();
    const rapidjson::Value* orgs = JsonMember(*doc, "orgs");
    if (orgs != nullptr && orgs->IsArray()) {
      for (const auto& o : orgs->GetArray()) {
        if (JsonString(o, "name") == settings_.org) org_id_ = JsonString(o, "id");
      }
    }
    if (org_id_.empty()) {
      return absl::NotFoundError(
          absl::StrCat("influxdb: organisation '", settings_.org, "' not in the answer"));
    }
    return org_id_;
  }

  const InfluxSettings settings_;
  RestClient rest_;
  absl::Mutex mu_;
  std::string org_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::optional<InfluxUserState>> InfluxAdmin::GetUser(const std::string&) {
  return absl::FailedPreconditionError("influxdb users are managed on 1.x only");
}

absl::StatusOr<bool> InfluxAdmin::CheckPassword(const std::string&, const std::string&) {
  return absl::FailedPreconditionError("influxdb users are managed on 1.x only");
}

absl::Status InfluxAdmin::EnsureReadUser(const std::string&, const std::string&,
                                         const std::vector<std::string>&, bool) {
  return absl::FailedPreconditionError("influxdb users are managed on 1.x only");
}

std::unique_ptr<InfluxAdmin> NewInfluxAdmin(HttpClient* http, const InfluxSettings& settings,
                                            const RetryPolicy& retry) {
  if (settings.api == InfluxApiVersion::kV1) return NewInfluxV1Admin(http, settings, retry);
  return std::make_unique<InfluxV2Admin>(http, settings, retry);
}

}  // namespace powerview::provision
