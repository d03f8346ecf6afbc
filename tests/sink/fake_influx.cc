#include "tests/sink/fake_influx.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rapidjson/document.h"

namespace powerview::testing {
namespace {

std::string FormValue(absl::string_view body, absl::string_view key) {
  for (absl::string_view pair : absl::StrSplit(body, '&')) {
    if (!absl::ConsumePrefix(&pair, key) || !absl::ConsumePrefix(&pair, "=")) continue;
    std::string out;
    for (size_t i = 0; i < pair.size(); ++i) {
      if (pair[i] == '+') {
        out.push_back(' ');
      } else if (pair[i] == '%' && i + 2 < pair.size()) {
        out.push_back(
            static_cast<char>(std::stoi(std::string(pair.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(pair[i]);
      }
    }
    return out;
  }
  return "";
}

FakeResponse V1Error(int status, absl::string_view message) {
  return FakeResponse::Json(status, absl::StrCat(R"({"error":")", message, R"("})"));
}

FakeResponse V2Error(int status, absl::string_view code, absl::string_view message) {
  return FakeResponse::Json(
      status, absl::StrCat(R"({"code":")", code, R"(","message":")", message, R"("})"));
}

}  // namespace

FakeInflux::FakeInflux() : server_([this](const FakeRequest& r) { return Handle(r); }) {}

void FakeInflux::AddDatabase(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  databases_.insert(name);
}

std::set<std::string> FakeInflux::databases() const {
  std::lock_guard<std::mutex> lock(mu_);
  return databases_;
}

void FakeInflux::SetOrg(const std::string& name, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  org_name_ = name;
  org_id_ = id;
}

void FakeInflux::RequireToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = token;
}

void FakeInflux::SetMaxLinesPerWrite(int64_t max_lines) {
  std::lock_guard<std::mutex> lock(mu_);
  max_lines_ = max_lines;
}

void FakeInflux::Script(const std::string& path, std::vector<FakeResponse> responses) {
  std::lock_guard<std::mutex> lock(mu_);
  for (FakeResponse& r : responses) scripts_[path].push_back(std::move(r));
}

std::vector<std::string> FakeInflux::lines(const std::string& database) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = lines_.find(database);
  return it == lines_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<FakeRequest> FakeInflux::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<FakeRequest> FakeInflux::requests_to(const std::string& path) const {
  std::vector<FakeRequest> out;
  for (FakeRequest& r : requests()) {
    if (r.path == path) out.push_back(std::move(r));
  }
  return out;
}

std::vector<int64_t> FakeInflux::accepted_batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_batches_;
}

FakeResponse FakeInflux::Handle(const FakeRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(request);
  if (auto it = scripts_.find(request.path); it != scripts_.end() && !it->second.empty()) {
    FakeResponse scripted = std::move(it->second.front());
    it->second.pop_front();
    return scripted;
  }
  if (request.path == "/ping") {
    return FakeResponse{204,
                        {{"X-Influxdb-Version", org_id_.empty() ? "1.6.7~fake" : "v2.7.fake"}}};
  }
  const bool v2 = absl::StartsWith(request.path, "/api/v2/");
  if (v2 && !token_.empty() && request.Header("Authorization") != "Token " + token_) {
    return V2Error(401, "unauthorized", "unauthorized access");
  }
  if (request.path == "/write" && request.method == "POST") {
    return Write(request, request.params.count("db") ? request.params.at("db") : "", false);
  }
  if (request.path == "/api/v2/write" && request.method == "POST") {
    if (!request.params.count("org") || request.params.at("org") != org_name_) {
      return V2Error(404, "not found", "organization name \\\"?\\\" not found");
    }
    return Write(request, request.params.count("bucket") ? request.params.at("bucket") : "", true);
  }
  if (request.path == "/query") return Query(request);
  if (request.path == "/api/v2/orgs") {
    auto org = request.params.find("org");
    if (org == request.params.end() || org->second != org_name_) {
      return V2Error(404, "not found", "organization name not found");
    }
    return FakeResponse::Json(
        200, absl::StrCat(R"({"orgs":[{"id":")", org_id_, R"(","name":")", org_name_, R"("}]})"));
  }
  if (request.path == "/api/v2/buckets") return Buckets(request);
  return V1Error(404, "page not found");
}

FakeResponse FakeInflux::Write(const FakeRequest& request, const std::string& database, bool v2) {
  if (request.params.count("precision") == 0 || request.params.at("precision") != "s") {
    return V1Error(400, "this fake expects precision=s");
  }
  if (databases_.count(database) == 0) {
    return v2 ? V2Error(404, "not found", absl::StrCat("bucket \\\"", database, "\\\" not found"))
              : V1Error(404, absl::StrCat("database not found: \\\"", database, "\\\""));
  }
  std::vector<std::string> lines = absl::StrSplit(request.body, '\n', absl::SkipEmpty());
  if (max_lines_ > 0 && static_cast<int64_t>(lines.size()) > max_lines_) {
    return V1Error(413, "Request Entity Too Large");
  }
  std::vector<std::string> bad;
  for (std::string& line : lines) {
    if (line.find(' ') == std::string::npos) {
      bad.push_back(line);
    } else {
      lines_[database].push_back(std::move(line));
    }
  }
  accepted_batches_.push_back(static_cast<int64_t>(lines.size() - bad.size()));
  if (!bad.empty()) {  // 1.x keeps the good lines and reports the first bad one
    return V1Error(400, absl::StrCat("partial write: unable to parse '", bad[0],
                                     "': missing fields dropped=0"));
  }
  return FakeResponse{204};
}

FakeResponse FakeInflux::Query(const FakeRequest& request) {
  std::string q = request.method == "POST" ? FormValue(request.body, "q") : "";
  if (q.empty() && request.params.count("q")) q = request.params.at("q");
  if (q.empty()) return V1Error(400, "missing required parameter \\\"q\\\"");
  if (absl::StartsWith(q, "CREATE DATABASE \"") && absl::EndsWith(q, "\"")) {
    std::string name;  // InfluxQL identifier escapes: \" and \\ .
    for (size_t i = 17; i + 1 < q.size(); ++i) {
      if (q[i] == '\\' && i + 2 < q.size()) ++i;
      name.push_back(q[i]);
    }
    databases_.insert(name);
    return FakeResponse::Json(200, R"({"results":[{"statement_id":0}]})");
  }
  std::string db = request.params.count("db") ? request.params.at("db") : "";
  if (databases_.count(db) == 0) {
    return FakeResponse::Json(
        200, absl::StrCat(R"({"results":[{"statement_id":0,"error":"database not found: )", db,
                          R"("}]})"));
  }
  return FakeResponse::Json(200, R"({"results":[{"statement_id":0}]})");
}

FakeResponse FakeInflux::Buckets(const FakeRequest& request) {
  if (request.method == "GET") {
    auto name = request.params.find("name");
    auto org = request.params.find("orgID");
    if (org == request.params.end() || org->second != org_id_) {
      return V2Error(404, "not found", "organization not found");
    }
    if (name == request.params.end() || databases_.count(name->second) == 0) {
      return V2Error(404, "not found", "bucket not found");
    }
    return FakeResponse::Json(
        200, absl::StrCat(R"({"buckets":[{"id":"b1","name":")", name->second, R"("}]})"));
  }
  rapidjson::Document doc;
  doc.Parse(request.body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("name") || !doc["name"].IsString() ||
      !doc.HasMember("orgID") || !doc["orgID"].IsString()) {
    return V2Error(400, "invalid", "bucket needs a name and an orgID");
  }
  if (std::string(doc["orgID"].GetString()) != org_id_) {
    return V2Error(404, "not found", "organization not found");
  }
  std::string name = doc["name"].GetString();
  if (!databases_.insert(name).second) {
    return V2Error(422, "conflict", absl::StrCat("bucket with name ", name, " already exists"));
  }
  return FakeResponse::Json(201, absl::StrCat(R"({"id":"b2","name":")", name, R"("})"));
}

}  // namespace powerview::testing
