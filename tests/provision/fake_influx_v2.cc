#include "tests/provision/fake_influx_v2.h"

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tests/provision/fake_json.h"

namespace powerview::testing {

using fakejson::Q;

namespace {

FakeResponse Error(int status, const std::string& code, const std::string& message) {
  return FakeResponse::Json(status,
                            absl::StrCat("{\"code\":", Q(code), ",\"message\":", Q(message), "}"));
}

int64_t RetentionOf(const rapidjson::Value& body) {
  if (!body.HasMember("retentionRules") || !body["retentionRules"].IsArray()) return 0;
  for (const auto& rule : body["retentionRules"].GetArray()) {
    if (fakejson::Str(rule, "type") == "expire") return fakejson::Int(rule, "everySeconds");
  }
  return 0;
}

// The bucket named in `from(bucket: "...")`, with Flux string escapes undone.
std::optional<std::string> FluxBucket(const std::string& flux) {
  static const std::regex kFrom(R"re(from\(\s*bucket\s*:\s*"((?:[^"\\]|\\.)*)")re");
  std::smatch m;
  if (!std::regex_search(flux, m, kFrom)) return std::nullopt;
  std::string raw = m[1].str(), out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out.push_back(raw[i]);
      continue;
    }
    char c = raw[++i];
    if (c == 'n')
      out.push_back('\n');
    else if (c == 't')
      out.push_back('\t');
    else if (c == 'r')
      out.push_back('\r');
    else if (c == 'x' && i + 2 < raw.size()) {
      out.push_back(static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

FakeInfluxV2::FakeInfluxV2(Options options)
    : options_(std::move(options)),
      server_([this](const FakeRequest& request) { return Handle(request); }) {}

void FakeInfluxV2::FailNext(int count, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_count_ = count;
  fail_status_ = status;
}

FakeResponse FakeInfluxV2::Handle(const FakeRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(absl::StrCat(request.method, " ", request.path));
  if (fail_count_ > 0) {
    --fail_count_;
    return Error(fail_status_, "unavailable", "service unavailable");
  }
  std::string auth = request.Header("Authorization");
  std::string token = absl::StartsWith(auth, "Token ") ? auth.substr(6) : "";
  bool known = token == options_.admin_token;
  for (const auto& [id, a] : authorizations_) {
    if (a.token == token && a.status == "active") known = true;
  }
  if (token.empty() || !known) return Error(401, "unauthorized", "unauthorized access");
  std::vector<std::string> path = fakejson::Segments(request.path);
  if (path.size() < 3 || path[0] != "api" || path[1] != "v2") {
    return Error(404, "not found", "path not found");
  }
  if (path[2] == "query" && request.method == "POST") return Query(request, token);
  if (path[2] == "buckets") return Buckets(request, path, token);
  // The rest is administration: the operator token only.
  if (token != options_.admin_token) {
    return Error(401, "unauthorized",
                 absl::StrCat("read:orgs/", options_.org_id, "/authorizations is unauthorized"));
  }
  if (path[2] == "orgs" && request.method == "GET") {
    auto it = request.params.find("org");
    if (it != request.params.end() && it->second != options_.org) {
      return Error(404, "not found",
                   absl::StrCat("organization name \"", it->second, "\" not found"));
    }
    return FakeResponse::Json(200, absl::StrCat("{\"orgs\":[{\"id\":", Q(options_.org_id),
                                                ",\"name\":", Q(options_.org), "}]}"));
  }
  if (path[2] == "authorizations") return Authorizations(request, path);
  return Error(404, "not found", "path not found");
}

std::string FakeInfluxV2::BucketJson(const Bucket& b) const {
  std::string rules =
      b.retention_seconds > 0
          ? absl::StrCat("[{\"type\":\"expire\",\"everySeconds\":", b.retention_seconds,
                         ",\"shardGroupDurationSeconds\":86400}]")
          : "[]";
  return absl::StrCat("{\"id\":", Q(b.id), ",\"orgID\":", Q(options_.org_id),
                      ",\"type\":\"user\","
                      "\"name\":",
                      Q(b.name), ",\"retentionRules\":", rules,
                      ",\"links\":{\"write\":", Q("/api/v2/write?bucket=" + b.id), "}}");
}

const FakeInfluxV2::Bucket* FakeInfluxV2::FindBucketByName(const std::string& name) const {
  for (const auto& [id, b] : buckets_) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

FakeResponse FakeInfluxV2::Buckets(const FakeRequest& request, const std::vector<std::string>& path,
                                   const std::string& token) {
  const bool admin = token == options_.admin_token;
  if (path.size() == 3 && request.method == "GET") {
    auto name = request.params.find("name");
    bool org_given = request.params.count("orgID") || request.params.count("org");
    std::vector<std::string> items;
    for (const auto& [id, b] : buckets_) {
      if (name != request.params.end() && b.name != name->second) continue;
      if (!Allowed(token, "read", id)) continue;  // a token lists only what it may read
      items.push_back(BucketJson(b));
    }
    if (items.empty() && name != request.params.end() && org_given) {
      return Error(404, "not found", absl::StrCat("bucket \"", name->second, "\" not found"));
    }
    return FakeResponse::Json(
        200, absl::StrCat("{\"links\":{},\"buckets\":[", absl::StrJoin(items, ","), "]}"));
  }
  if (!admin) {
    return Error(401, "unauthorized",
                 absl::StrCat("write:orgs/", options_.org_id, "/buckets is unauthorized"));
  }
  if (path.size() == 3 && request.method == "POST") {
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body)) return Error(400, "invalid", "invalid json");
    std::string name = fakejson::Str(body, "name");
    if (name.empty()) return Error(400, "invalid", "bucket name is required");
    if (fakejson::Str(body, "orgID") != options_.org_id) {
      return Error(400, "invalid", "organization not found");
    }
    if (FindBucketByName(name) != nullptr) {
      return Error(422, "conflict", absl::StrCat("bucket with name ", name, " already exists"));
    }
    Bucket b{absl::StrFormat("%016x", next_id_++), name, RetentionOf(body)};
    buckets_[b.id] = b;
    return FakeResponse::Json(201, BucketJson(b));
  }
  if (path.size() != 4) return Error(404, "not found", "path not found");
  auto it = buckets_.find(path[3]);
  if (it == buckets_.end()) return Error(404, "not found", "bucket not found");
  if (request.method == "PATCH") {
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body)) return Error(400, "invalid", "invalid json");
    if (body.HasMember("retentionRules")) it->second.retention_seconds = RetentionOf(body);
    return FakeResponse::Json(200, BucketJson(it->second));
  }
  if (request.method == "DELETE") {
    buckets_.erase(it);
    return FakeResponse{204, {}, ""};
  }
  return Error(405, "method not allowed", "method not allowed");
}

std::string FakeInfluxV2::AuthorizationJson(const Authorization& a) const {
  std::vector<std::string> perms;
  for (const auto& [action, bucket_id] : a.permissions) {
    std::string name;
    if (auto it = buckets_.find(bucket_id); it != buckets_.end()) name = it->second.name;
    perms.push_back(absl::StrCat("{\"action\":", Q(action),
                                 ",\"resource\":{\"type\":\"buckets\","
                                 "\"id\":",
                                 Q(bucket_id), ",\"orgID\":", Q(a.org_id), ",\"name\":", Q(name),
                                 "}}"));
  }
  std::string token = options_.hashed_tokens ? "" : absl::StrCat(",\"token\":", Q(a.token));
  return absl::StrCat("{\"id\":", Q(a.id), token, ",\"status\":", Q(a.status),
                      ",\"description\":", Q(a.description), ",\"orgID\":", Q(a.org_id),
                      ",\"permissions\":[", absl::StrJoin(perms, ","), "]}");
}

FakeResponse FakeInfluxV2::Authorizations(const FakeRequest& request,
                                          const std::vector<std::string>& path) {
  if (path.size() == 3 && request.method == "GET") {
    std::vector<std::string> items;
    for (const auto& [id, a] : authorizations_) items.push_back(AuthorizationJson(a));
    return FakeResponse::Json(
        200, absl::StrCat("{\"links\":{},\"authorizations\":[", absl::StrJoin(items, ","), "]}"));
  }
  if (path.size() == 3 && request.method == "POST") {
    rapidjson::Document body;
    if (!fakejson::ParseObject(request, &body)) return Error(400, "invalid", "invalid json");
    Authorization a;
    a.org_id = fakejson::Str(body, "orgID");
    if (a.org_id != options_.org_id) return Error(400, "invalid", "organization not found");
    a.description = fakejson::Str(body, "description");
    a.status = fakejson::Str(body, "status").empty() ? "active" : fakejson::Str(body, "status");
    if (!body.HasMember("permissions") || !body["permissions"].IsArray() ||
        body["permissions"].Empty()) {
      return Error(400, "invalid", "authorization must have at least one permission");
    }
    for (const auto& p : body["permissions"].GetArray()) {
      std::string action = fakejson::Str(p, "action");
      if (action != "read" && action != "write") {
        return Error(400, "invalid", "unknown action " + action);
      }
      if (!p.HasMember("resource")) return Error(400, "invalid", "permission without resource");
      const rapidjson::Value& r = p["resource"];
      if (fakejson::Str(r, "type") != "buckets") {
        return Error(400, "invalid", "this fake only grants bucket permissions");
      }
      std::string id = fakejson::Str(r, "id");
      if (!id.empty() && !buckets_.count(id)) return Error(400, "invalid", "bucket not found");
      if (fakejson::Str(r, "orgID") != a.org_id) return Error(400, "invalid", "orgID mismatch");
      a.permissions.emplace_back(action, id);
    }
    a.id = absl::StrFormat("%016x", next_id_++);
    a.token = absl::StrFormat("tok-%s-%08x==", a.id, static_cast<uint32_t>(next_id_ * 2654435761u));
    a.request_body = request.body;
    authorizations_[a.id] = a;
    // The create answer always carries the token, hashed tokens or not.
    std::string json = AuthorizationJson(a);
    if (options_.hashed_tokens) {
      json = absl::StrCat("{\"token\":", Q(a.token), ",", json.substr(1));
    }
    return FakeResponse::Json(201, json);
  }
  if (path.size() == 4 && request.method == "DELETE") {
    if (!authorizations_.erase(path[3])) return Error(404, "not found", "authorization not found");
    return FakeResponse{204, {}, ""};
  }
  return Error(405, "method not allowed", "method not allowed");
}

FakeResponse FakeInfluxV2::Query(const FakeRequest& request, const std::string& token) {
  std::string flux = request.body;
  rapidjson::Document body;
  if (fakejson::ParseObject(request, &body)) flux = fakejson::Str(body, "query");
  std::optional<std::string> bucket = FluxBucket(flux);
  if (!bucket) return Error(400, "invalid", "query has no from(bucket: ...)");
  const Bucket* b = FindBucketByName(*bucket);
  // A bucket the token may not read is reported exactly like a missing one.
  if (b == nullptr || !Allowed(token, "read", b->id)) {
    return Error(404, "not found",
                 absl::StrCat("failed to initialize execute state: could not find bucket \"",
                              *bucket, "\""));
  }
  FakeResponse r{200, {{"Content-Type", "text/csv; charset=utf-8"}}, "\r\n"};
  return r;
}

bool FakeInfluxV2::Allowed(const std::string& token, const std::string& action,
                           const std::string& bucket_id) const {
  if (token == options_.admin_token) return true;
  for (const auto& [id, a] : authorizations_) {
    if (a.token != token || a.status != "active") continue;
    for (const auto& [granted, granted_id] : a.permissions) {
      if (granted == action && (granted_id.empty() || granted_id == bucket_id)) return true;
    }
  }
  return false;
}

std::optional<FakeInfluxV2::Bucket> FakeInfluxV2::GetBucket(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Bucket* b = FindBucketByName(name);
  if (b == nullptr) return std::nullopt;
  return *b;
}

std::vector<std::string> FakeInfluxV2::BucketNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [id, b] : buckets_) names.push_back(b.name);
  return names;
}

std::vector<FakeInfluxV2::Authorization> FakeInfluxV2::Authorizations() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Authorization> out;
  for (const auto& [id, a] : authorizations_) out.push_back(a);
  return out;
}

bool FakeInfluxV2::DeleteAuthorizationDirect(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return authorizations_.erase(id) > 0;
}

bool FakeInfluxV2::CanRead(const std::string& token, const std::string& bucket) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Bucket* b = FindBucketByName(bucket);
  return b != nullptr && Allowed(token, "read", b->id);
}

bool FakeInfluxV2::CanWrite(const std::string& token, const std::string& bucket) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Bucket* b = FindBucketByName(bucket);
  return b != nullptr && Allowed(token, "write", b->id);
}

std::vector<std::string> FakeInfluxV2::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

}  // namespace powerview::testing
