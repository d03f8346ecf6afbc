// InfluxAdmin for InfluxDB 1.x: InfluxQL statements on /query. Statement errors come back with
// HTTP 200 inside results[i].error, so every answer is checked there too.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "rapidjson/document.h"
#include "server/provision/influx_admin.h"
#include "server/provision/json_util.h"
#include "server/provision/query_literals.h"
#include "server/provision/rest_client.h"

namespace powerview::provision {
namespace {

// InfluxDB's default shard group duration for a retention period (0 = forever); it must not
// exceed the retention itself.
int64_t ShardGroupSeconds(int64_t retention_seconds) {
  constexpr int64_t kHour = 3600, kDay = 24 * kHour;
  if (retention_seconds <= 0) return 7 * kDay;
  if (retention_seconds < 2 * kDay) return kHour;
  if (retention_seconds <= 180 * kDay) return kDay;
  return 7 * kDay;
}

std::string DurationLiteral(int64_t seconds) {
  return seconds <= 0 ? "INF" : absl::StrCat(seconds, "s");
}

struct RetentionPolicyRow {
  std::string name;
  int64_t seconds = 0;
  bool is_default = false;
};

class InfluxV1Admin : public InfluxAdmin {
 public:
  InfluxV1Admin(HttpClient* http, const InfluxSettings& settings, const RetryPolicy& retry)
      : rest_(http, "influxdb", settings.url, AuthHeaders(settings), retry,
              /*retry_unauthorized=*/false),
        http_(http),
        url_(absl::StripSuffix(settings.url, "/")),
        retry_(retry) {}

  absl::StatusOr<std::optional<InfluxBucketState>> GetBucket(
      const v1::InfluxBucketSpec& spec) override {
    absl::StatusOr<rapidjson::Document> dbs = Query("SHOW DATABASES", /*write=*/false);
    if (!dbs.ok()) return dbs.status();
    bool found = false;
    ForEachRow(*dbs, [&](const rapidjson::Value& row, const rapidjson::Value&) {
      if (row.Size() > 0 && row[0].IsString() && spec.name() == row[0].GetString()) found = true;
    });
    if (!found) return std::optional<InfluxBucketState>();
    absl::StatusOr<std::vector<RetentionPolicyRow>> rps = RetentionPolicies(spec.name());
    if (!rps.ok()) return rps.status();
    InfluxBucketState state{spec.name(), spec.name(), 0, false};
    for (const RetentionPolicyRow& rp : *rps) {
      if (rp.name != spec.retention_policy()) continue;
      state.retention_seconds = rp.seconds;
      state.retention_policy_ok = rp.is_default;
    }
    return std::optional<InfluxBucketState>(state);
  }

  absl::StatusOr<InfluxBucketState> CreateBucket(const v1::InfluxBucketSpec& spec) override {
    // Creating an existing database is a no-op in InfluxDB 1.x.
    absl::StatusOr<rapidjson::Document> created =
        Query(absl::StrCat("CREATE DATABASE ", InfluxQlIdentifier(spec.name())), true);
    if (!created.ok()) return created.status();
    absl::StatusOr<std::optional<InfluxBucketState>> state = GetBucket(spec);
    if (!state.ok()) return state.status();
    if (!state->has_value()) {
      return absl::InternalError(absl::StrCat("influxdb: database '", spec.name(),
                                              "' is missing right after CREATE DATABASE"));
    }
    return **state;
  }

  absl::Status EnsureRetention(const InfluxBucketState& bucket,
                               const v1::InfluxBucketSpec& spec) override {
    absl::StatusOr<std::vector<RetentionPolicyRow>> rps = RetentionPolicies(spec.name());
    if (!rps.ok()) return rps.status();
    bool exists = std::any_of(rps->begin(), rps->end(), [&](const RetentionPolicyRow& rp) {
      return rp.name == spec.retention_policy();
    });
    // ALTER can make an existing policy the default; CREATE ... DEFAULT on an existing,
    // non-default policy would be refused as a conflict.
    std::string statement = absl::StrCat(
        exists ? "ALTER" : "CREATE", " RETENTION POLICY ",
        InfluxQlIdentifier(spec.retention_policy()), " ON ", InfluxQlIdentifier(spec.name()),
        " DURATION ", DurationLiteral(spec.retention().seconds()), exists ? "" : " REPLICATION 1",
        " SHARD DURATION ", ShardGroupSeconds(spec.retention().seconds()), "s DEFAULT");
    absl::StatusOr<rapidjson::Document> r = Query(statement, true);
    return r.status();
  }

  absl::StatusOr<std::vector<InfluxAuthorization>> FindAuthorizations(const std::string&) override {
    return NoTokens();
  }
  absl::StatusOr<MintedToken> CreateReadAuthorization(const std::string&,
                                                      const std::vector<std::string>&) override {
    return NoTokens();
  }
  absl::Status DeleteAuthorization(const std::string&) override { return NoTokens(); }

  absl::StatusOr<std::optional<InfluxUserState>> GetUser(const std::string& name) override {
    absl::StatusOr<rapidjson::Document> users = Query("SHOW USERS", false);
    if (!users.ok()) return users.status();
    std::optional<InfluxUserState> state;
    ForEachRow(*users, [&](const rapidjson::Value& row, const rapidjson::Value&) {
      if (row.Size() >= 2 && row[0].IsString() && name == row[0].GetString()) {
        state = InfluxUserState{name, row[1].IsBool() && row[1].GetBool(), {}};
      }
    });
    if (!state.has_value()) return state;
    absl::StatusOr<rapidjson::Document> grants =
        Query(absl::StrCat("SHOW GRANTS FOR ", InfluxQlIdentifier(name)), false);
    if (!grants.ok()) return grants.status();
    ForEachRow(*grants, [&](const rapidjson::Value& row, const rapidjson::Value&) {
      if (row.Size() < 2 || !row[0].IsString() || !row[1].IsString()) return;
      std::string privilege = row[1].GetString();
      if (privilege != "NO PRIVILEGES") state->grants[row[0].GetString()] = privilege;
    });
    return state;
  }

  absl::StatusOr<bool> CheckPassword(const std::string& name,
                                     const std::string& password) override {
    HttpRequest request;
    request.url = absl::StrCat(url_, "/query?q=", UrlEncode("SHOW DATABASES"));
    request.headers = {{"Authorization", absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(
                                                                    name, ":", password)))}};
    request.timeout = retry_.request_timeout;
    request.connect_timeout = retry_.connect_timeout;
    // No retries: a refused password must not be tried again and again.
    absl::StatusOr<HttpResponse> r = http_->Send(request);
    if (!r.ok()) return absl::UnavailableError(absl::StrCat("influxdb: ", r.status().message()));
    if (r->status == 401) return false;
    if (r->status != 200) return rest_.Error("GET", "/query SHOW DATABASES (as the read user)", *r);
    return true;
  }

  absl::Status EnsureReadUser(const std::string& name, const std::string& password,
                              const std::vector<std::string>& databases, bool exclusive) override {
    absl::StatusOr<std::optional<InfluxUserState>> user = GetUser(name);
    if (!user.ok()) return user.status();
    const std::string who = InfluxQlIdentifier(name);
    const std::string secret = InfluxQlString(password);
    std::vector<std::string> statements;
    if (!user->has_value()) {
      statements.push_back(absl::StrCat("CREATE USER ", who, " WITH PASSWORD ", secret));
    } else {
      statements.push_back(absl::StrCat("SET PASSWORD FOR ", who, " = ", secret));
      if ((*user)->admin) statements.push_back(absl::StrCat("REVOKE ALL PRIVILEGES FROM ", who));
    }
    std::map<std::string, std::string> grants =
        user->has_value() ? (*user)->grants : std::map<std::string, std::string>();
    for (const std::string& db : databases) {
      auto it = grants.find(db);
      if (it != grants.end() && it->second == "READ") continue;
      if (it != grants.end()) {
        statements.push_back(absl::StrCat("REVOKE ALL ON ", InfluxQlIdentifier(db), " FROM ", who));
      }
      statements.push_back(absl::StrCat("GRANT READ ON ", InfluxQlIdentifier(db), " TO ", who));
    }
    if (exclusive) {
      for (const auto& [db, privilege] : grants) {
        if (std::find(databases.begin(), databases.end(), db) != databases.end()) continue;
        statements.push_back(absl::StrCat("REVOKE ALL ON ", InfluxQlIdentifier(db), " FROM ", who));
      }
    }
    for (const std::string& statement : statements) {
      absl::StatusOr<rapidjson::Document> r = Query(statement, true);
      if (!r.ok()) {
        // The password is not part of the message: name the statement by its start only.
        return absl::Status(r.status().code(),
                            absl::StrReplaceAll(r.status().message(), {{secret, "'***'"}}));
      }
    }
    return absl::OkStatus();
  }

 private:
  static std::vector<std::pair<std::string, std::string>> AuthHeaders(const InfluxSettings& s) {
    if (s.v1_admin_user.empty()) return {};
    return {
        {"Authorization", absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(
                                                     s.v1_admin_user, ":", s.v1_admin_password)))}};
  }

  static absl::Status NoTokens() {
    return absl::FailedPreconditionError("influxdb 1.x has no authorization tokens");
  }

  // Runs one statement: GET for reads, POST (form body) for writes, as InfluxDB 1.x wants.
  absl::StatusOr<rapidjson::Document> Query(const std::string& statement, bool write) {
    std::string q = UrlEncode(statement);
    absl::StatusOr<HttpResponse> r = write ? rest_.Send("POST", "/query", absl::StrCat("q=", q),
                                                        "application/x-www-form-urlencoded")
                                           : rest_.Send("GET", absl::StrCat("/query?q=", q));
    if (!r.ok()) return r.status();
    if (r->status != 200) return rest_.Error(write ? "POST" : "GET", "/query " + statement, *r);
    absl::StatusOr<rapidjson::Document> doc = ParseJson(r->body, "influxdb /query answer");
    if (!doc.ok()) return doc.status();
    if (const rapidjson::Value* results = JsonMember(*doc, "results");
        results && results->IsArray()) {
      for (const auto& result : results->GetArray()) {
        std::string error = JsonString(result, "error");
        if (!error.empty()) {
          return absl::FailedPreconditionError(absl::StrCat("influxdb: ", statement, ": ", error));
        }
      }
    }
    return doc;
  }

  // Calls `fn(row, columns)` for every row of every series of the first result.
  template <typename Fn>
  static void ForEachRow(const rapidjson::Value& doc, Fn fn) {
    const rapidjson::Value* results = JsonMember(doc, "results");
    if (results == nullptr || !results->IsArray() || results->Empty()) return;
    const rapidjson::Value* series = JsonMember((*results)[0], "series");
    if (series == nullptr || !series->IsArray()) return;
    for (const auto& s : series->GetArray()) {
      const rapidjson::Value* columns = JsonMember(s, "columns");
      const rapidjson::Value* values = JsonMember(s, "values");
      if (columns == nullptr || values == nullptr || !values->IsArray()) continue;
      for (const auto& row : values->GetArray()) {
        if (row.IsArray()) fn(row, *columns);
      }
    }
  }

  absl::StatusOr<std::vector<RetentionPolicyRow>> RetentionPolicies(const std::string& db) {
    absl::StatusOr<rapidjson::Document> doc =
        Query(absl::StrCat("SHOW RETENTION POLICIES ON ", InfluxQlIdentifier(db)), false);
    if (!doc.ok()) return doc.status();
    std::vector<RetentionPolicyRow> out;
    ForEachRow(*doc, [&](const rapidjson::Value& row, const rapidjson::Value& columns) {
      RetentionPolicyRow rp;
      for (rapidjson::SizeType i = 0; i < columns.Size() && i < row.Size(); ++i) {
        std::string column = columns[i].IsString() ? columns[i].GetString() : "";
        if (column == "name" && row[i].IsString()) rp.name = row[i].GetString();
        if (column == "default" && row[i].IsBool()) rp.is_default = row[i].GetBool();
        if (column == "duration" && row[i].IsString()) {
          absl::Duration d;  // Go duration text such as "720h0m0s"; "0s" is forever
          if (absl::ParseDuration(row[i].GetString(), &d)) rp.seconds = absl::ToInt64Seconds(d);
        }
      }
      out.push_back(rp);
    });
    return out;
  }

  RestClient rest_;
  HttpClient* const http_;
  const std::string url_;
  const RetryPolicy retry_;
};

}  // namespace

std::unique_ptr<InfluxAdmin> NewInfluxV1Admin(HttpClient* http, const InfluxSettings& settings,
                                              const RetryPolicy& retry) {
  return std::make_unique<InfluxV1Admin>(http, settings, retry);
}

}  // namespace powerview::provision
