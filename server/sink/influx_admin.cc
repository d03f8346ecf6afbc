// InfluxWriter's administrative calls: Ping, EnsureBucket (1.x CREATE DATABASE, 2.x
// /api/v2/buckets) and Query.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/sink/influx_http.h"
#include "server/sink/influx_writer.h"

namespace powerview::sink {
namespace {

std::string Abbreviated(absl::string_view text) {
  constexpr size_t kMax = 120;
  return text.size() <= kMax ? std::string(text) : absl::StrCat(text.substr(0, kMax), "...");
}

bool ParseJson(const std::string& body, rapidjson::Document* doc) {
  doc->Parse(body.data(), body.size());
  return !doc->HasParseError() && doc->IsObject();
}

std::string StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

absl::Status InfluxWriter::Ping() {
  HttpRequest request = NewRequest("GET", "/ping", {});
  // A health probe: a slow InfluxDB is as good as an absent one here.
  request.timeout = std::min(request.timeout, absl::Seconds(5));
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  if (!response.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "InfluxDB at ", config_.url, " does not answer: ", Redact(response.status().message())));
  }
  if (response->status != 204 && response->status != 200) {
    return AnswerError(*response, "the ping");
  }
  std::lock_guard<std::mutex> lock(mu_);
  version_ = response->Header("X-Influxdb-Version");
  return absl::OkStatus();
}

std::string InfluxWriter::server_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

absl::Status InfluxWriter::EnsureBucket(absl::string_view bucket) {
  if (bucket.empty()) return absl::InvalidArgumentError("an InfluxDB bucket needs a name");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ensured_.find(bucket) != ensured_.end()) return absl::OkStatus();
  }
  absl::Status status =
      config_.api == InfluxConfig::Api::kV2 ? CreateBucketV2(bucket) : CreateDatabaseV1(bucket);
  if (status.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    ensured_.emplace(bucket);
  }
  return status;
}

absl::Status InfluxWriter::CreateDatabaseV1(absl::string_view database) {
  // CREATE DATABASE is a no-op for an existing database with the default policy.
  absl::StatusOr<std::string> answer =
      Query("", absl::StrCat("CREATE DATABASE ", QuoteIdentifier(database)));
  if (answer.ok()) return absl::OkStatus();
  if (absl::IsInvalidArgument(answer.status())) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create InfluxDB database '", database,
                                                   "': ", answer.status().message()));
  }
  return answer.status();
}

absl::StatusOr<std::string> InfluxWriter::OrgIdV2() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!org_id_.empty()) return org_id_;
  }
  if (config_.org.empty()) {
    return absl::FailedPreconditionError(
        "InfluxDB 2.x needs an organisation name; none is configured");
  }
  WriteStats ignored;
  std::string what = absl::StrCat("looking up organisation '", config_.org, "'");
  absl::StatusOr<HttpResponse> response =
      SendWithRetry(NewRequest("GET", "/api/v2/orgs", {{"org", config_.org}}), what, &ignored);
  if (!response.ok()) return response.status();
  if (response->status != 200) return AnswerError(*response, what);
  rapidjson::Document doc;
  std::string id;
  if (ParseJson(response->body, &doc)) {
    auto orgs = doc.FindMember("orgs");
    if (orgs != doc.MemberEnd() && orgs->value.IsArray()) {
      for (const rapidjson::Value& org : orgs->value.GetArray()) {
        if (StringMember(org, "name") == config_.org) id = StringMember(org, "id");
      }
    }
  }
  if (id.empty()) {
    return absl::NotFoundError(
        absl::StrCat("InfluxDB at ", config_.url, " has no organisation '", config_.org, "'"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  org_id_ = id;
  return id;
}

absl::Status InfluxWriter::CreateBucketV2(absl::string_view bucket) {
  absl::StatusOr<std::string> org_id = OrgIdV2();
  if (!org_id.ok()) return org_id.status();
  WriteStats ignored;
  std::string what = absl::StrCat("looking up bucket '", bucket, "'");
  absl::StatusOr<HttpResponse> response = SendWithRetry(
      NewRequest("GET", "/api/v2/buckets", {{"name", std::string(bucket)}, {"orgID", *org_id}}),
      what, &ignored);
  if (!response.ok()) return response.status();
  if (response->status == 200) {
    rapidjson::Document doc;
    if (ParseJson(response->body, &doc)) {
      auto buckets = doc.FindMember("buckets");
      if (buckets != doc.MemberEnd() && buckets->value.IsArray()) {
        for (const rapidjson::Value& b : buckets->value.GetArray()) {
          if (StringMember(b, "name") == bucket) return absl::OkStatus();
        }
      }
    }
  } else if (response->status != 404) {
    return AnswerError(*response, what);
  }

  rapidjson::StringBuffer json;
  rapidjson::Writer<rapidjson::StringBuffer> w(json);
  w.StartObject();
  w.Key("orgID");
  w.String(org_id->data(), static_cast<rapidjson::SizeType>(org_id->size()));
  w.Key("name");
  w.String(bucket.data(), static_cast<rapidjson::SizeType>(bucket.size()));
  w.Key("retentionRules");  // empty: keep the data forever
  w.StartArray();
  w.EndArray();
  w.EndObject();
  HttpRequest create = NewRequest("POST", "/api/v2/buckets", {});
  create.headers.emplace_back("Content-Type", "application/json");
  create.body = json.GetString();
  what = absl::StrCat("creating bucket '", bucket, "'");
  response = SendWithRetry(create, what, &ignored);
  if (!response.ok()) return response.status();
  // 422 is a name conflict: someone created it meanwhile, which is what we wanted.
  if (response->status == 201 || response->status == 200 || response->status == 422) {
    return absl::OkStatus();
  }
  return AnswerError(*response, what);
}

absl::StatusOr<std::string> InfluxWriter::Query(absl::string_view database,
                                                absl::string_view influxql) {
  HttpRequest request = NewRequest("POST", "/query", {{"db", std::string(database)}});
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.body = absl::StrCat("q=", UrlEncode(influxql));
  std::string what = absl::StrCat("the query '", Abbreviated(influxql), "'");
  WriteStats ignored;
  absl::StatusOr<HttpResponse> response = SendWithRetry(request, what, &ignored);
  if (!response.ok()) return response.status();
  if (response->status != 200) return AnswerError(*response, what);
  rapidjson::Document doc;
  if (!ParseJson(response->body, &doc)) {
    return absl::UnavailableError(
        absl::StrCat("InfluxDB at ", config_.url, " answered ", what,
                     " with something that is not JSON: ", Abbreviated(response->body)));
  }
  if (std::string error = StringMember(doc, "error"); !error.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("InfluxDB at ", config_.url, " refused ", what, ": ", error));
  }
  auto results = doc.FindMember("results");
  if (results != doc.MemberEnd() && results->value.IsArray()) {
    int index = 0;
    for (const rapidjson::Value& result : results->value.GetArray()) {
      if (std::string error = StringMember(result, "error"); !error.empty()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "InfluxDB at %s: statement %d of %s failed: %s", config_.url, index, what, error));
      }
      ++index;
    }
  }
  return std::move(response->body);
}

}  // namespace powerview::sink
