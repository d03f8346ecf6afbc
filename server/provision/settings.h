// The settings provisioning is given at start-up: where InfluxDB and Grafana are, how to
// authenticate, how resources are named, and which users every company team gets.
#ifndef POWERVIEW_SERVER_PROVISION_SETTINGS_H_
#define POWERVIEW_SERVER_PROVISION_SETTINGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace powerview::provision {

enum class InfluxApiVersion { kV1, kV2 };

// A downsampled copy of the raw bucket, named `<bucket><suffix>` (e.g. `acme_1h`).
struct DownsampledBucket {
  std::string suffix;
  absl::Duration retention = absl::ZeroDuration();  // zero keeps points forever
};

struct InfluxSettings {
  InfluxApiVersion api = InfluxApiVersion::kV2;
  // Base URL PowerView uses for administration, e.g. http://influxdb:8086.
  std::string url;
  // 2.x: organisation name and an operator (all-access) token.
  std::string org;
  std::string admin_token;
  // 1.x: admin credentials when authentication is enabled; empty otherwise.
  std::string v1_admin_user;
  std::string v1_admin_password;
  // 1.x: the retention policy made the default of each database.
  std::string v1_retention_policy = "autogen";
  // 1.x: the user and password Grafana reads with (same for every company), empty for none.
  std::string v1_read_user;
  std::string v1_read_password;
  // Retention of the raw bucket; zero keeps points forever (1.x: at least one hour).
  absl::Duration retention = absl::ZeroDuration();
  std::vector<DownsampledBucket> downsampled;
};

struct GrafanaSettings {
  std::string url;
  // Either a service-account token, or a Basic login and password.
  std::string token;
  std::string basic_user;
  std::string basic_password;
  int64_t org_id = 1;
  // The InfluxDB URL as Grafana reaches it (often differs from InfluxSettings::url).
  std::string datasource_url;
  // Permission the company team gets on its folder: View, Edit or Admin.
  std::string team_folder_permission = "View";
  // Remove the built-in Viewer and Editor grants from company folders, so that only the
  // company's team (and org admins) see its dashboards.
  bool isolate_folders = true;
};

// Name templates. Placeholders: {company}, {campaign}, {bucket}.
struct NamingSettings {
  // Prefix of every uid PowerView derives (folders, datasources, dashboards).
  std::string uid_prefix = "pv";
  std::string team = "{company}";
  std::string folder_title = "{company}";
  std::string datasource_name = "influxdb_{company}";
  std::string dashboard_title = "{company} / {campaign}";
  std::string token_description = "powerview read {bucket}";
};

// How HTTP calls to InfluxDB and Grafana are bounded in time and retried.
struct RetryPolicy {
  // Every call: establishing the connection, and the whole exchange (one attempt).
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration request_timeout = absl::Seconds(30);
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(10);
  // Longest Retry-After honoured; longer asks fail the call.
  absl::Duration max_retry_after = absl::Seconds(120);
  // Smallest gap between two writes to the same service (a simple rate limit).
  absl::Duration min_write_interval = absl::ZeroDuration();
};

struct ProvisionSettings {
  InfluxSettings influx;
  GrafanaSettings grafana;
  NamingSettings naming;
  // Logins or e-mails added to every company team; templates with {company} are allowed.
  std::vector<std::string> team_members;
  // Operator dashboard template (JSON with placeholders); empty: dashboards are generated.
  std::string dashboard_template_path;
  RetryPolicy retry;
  // Take over existing objects PowerView did not create (team, folder, datasource, dashboards
  // with PowerView's names or uids); without it, such objects are shown in the plan and left
  // alone.
  bool takeover = false;
};

// Checks the settings an operator can get wrong, with a message naming the setting.
absl::Status ValidateSettings(const ProvisionSettings& settings);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_SETTINGS_H_
