#include "server/provision/settings.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/provision/naming.h"

namespace powerview::provision {
namespace {

absl::Status Invalid(absl::string_view setting, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("provisioning setting ", setting, ": ", why));
}

bool HttpUrl(const std::string& url) {
  return absl::StartsWith(url, "http://") || absl::StartsWith(url, "https://");
}

}  // namespace

absl::Status ValidateSettings(const ProvisionSettings& s) {
  if (!HttpUrl(s.influx.url)) return Invalid("influx.url", "must be an http(s) URL");
  if (s.influx.api == InfluxApiVersion::kV2) {
    if (s.influx.org.empty()) return Invalid("influx.org", "required for InfluxDB 2.x");
    if (s.influx.admin_token.empty()) {
      return Invalid("influx.admin_token", "required for InfluxDB 2.x");
    }
  } else {
    if (s.influx.v1_retention_policy.empty()) {
      return Invalid("influx.v1_retention_policy", "must not be empty");
    }
    if (s.influx.retention > absl::ZeroDuration() && s.influx.retention < absl::Hours(1)) {
      return Invalid("influx.retention", "InfluxDB 1.x keeps points at least one hour");
    }
    for (const DownsampledBucket& d : s.influx.downsampled) {
      if (d.retention > absl::ZeroDuration() && d.retention < absl::Hours(1)) {
        return Invalid("influx.downsampled", "InfluxDB 1.x keeps points at least one hour");
      }
    }
  }
  if (s.influx.retention < absl::ZeroDuration()) return Invalid("influx.retention", "negative");
  for (const DownsampledBucket& d : s.influx.downsampled) {
    if (d.suffix.empty()) return Invalid("influx.downsampled", "a suffix is empty");
    if (d.retention < absl::ZeroDuration()) return Invalid("influx.downsampled", "negative");
  }
  if (!HttpUrl(s.grafana.url)) return Invalid("grafana.url", "must be an http(s) URL");
  if (s.grafana.token.empty() && s.grafana.basic_user.empty()) {
    return Invalid("grafana.token", "set a service-account token or a Basic user and password");
  }
  if (s.grafana.org_id <= 0) return Invalid("grafana.org_id", "must be positive");
  if (!HttpUrl(s.grafana.datasource_url)) {
    return Invalid("grafana.datasource_url", "must be the http(s) URL Grafana reaches InfluxDB at");
  }
  const std::string& p = s.grafana.team_folder_permission;
  if (p != "View" && p != "Edit" && p != "Admin") {
    return Invalid("grafana.team_folder_permission", "must be View, Edit or Admin");
  }
  if (StableUid(s.naming.uid_prefix, {}).empty()) {
    return Invalid("naming.uid_prefix", "needs at least one letter or digit");
  }
  if (s.naming.uid_prefix.size() > 12) return Invalid("naming.uid_prefix", "at most 12 characters");
  // Templates are checked with every placeholder available; unknown ones fail here, at start.
  const std::map<std::string, std::string> all = {
      {"company", "c"}, {"campaign", "k"}, {"bucket", "b"}};
  const std::map<std::string, std::string> company_only = {{"company", "c"}, {"bucket", "b"}};
  struct Check {
    const char* name;
    const std::string* value;
    const std::map<std::string, std::string>* values;
  };
  for (const Check& c :
       {Check{"naming.team", &s.naming.team, &company_only},
        Check{"naming.folder_title", &s.naming.folder_title, &company_only},
        Check{"naming.datasource_name", &s.naming.datasource_name, &company_only},
        Check{"naming.dashboard_title", &s.naming.dashboard_title, &all},
        Check{"naming.token_description", &s.naming.token_description, &company_only}}) {
    absl::StatusOr<std::string> expanded = ExpandNameTemplate(*c.value, *c.values);
    if (!expanded.ok()) return Invalid(c.name, expanded.status().message());
    if (expanded->empty()) return Invalid(c.name, "expands to an empty name");
  }
  if (!s.influx.v1_read_user.empty()) {
    absl::StatusOr<std::string> expanded = ExpandNameTemplate(s.influx.v1_read_user, company_only);
    if (!expanded.ok()) return Invalid("influx.v1_read_user", expanded.status().message());
    if (s.influx.v1_read_password.empty()) {
      return Invalid("influx.v1_read_password", "required with influx.v1_read_user");
    }
  }
  for (const std::string& member : s.team_members) {
    absl::StatusOr<std::string> expanded = ExpandNameTemplate(member, company_only);
    if (!expanded.ok()) return Invalid("team_members", expanded.status().message());
  }
  if (s.retry.max_attempts < 1) return Invalid("retry.max_attempts", "must be at least 1");
  if (s.retry.connect_timeout <= absl::ZeroDuration()) {
    return Invalid("retry.connect_timeout", "must be positive");
  }
  if (s.retry.request_timeout <= absl::ZeroDuration()) {
    return Invalid("retry.request_timeout", "must be positive");
  }
  return absl::OkStatus();
}

}  // namespace powerview::provision
