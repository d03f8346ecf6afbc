// powerviewd's configuration, read once at start-up from flags, an optional config file and the
// environment (names as in the upstream .env). Nothing else reads the environment.
#ifndef POWERVIEW_SERVER_DAEMON_CONFIG_H_
#define POWERVIEW_SERVER_DAEMON_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace powerview::daemon {

struct Config {
  std::string data_root = "/srv/sftpgo/data";
  std::string state_dir = "/var/lib/powerview";
  std::string spool_dir;  // default: <state_dir>/spool
  std::vector<std::string> listen = {"unix:///run/powerview/notify.sock"};
  std::string admin_listen = "unix:///run/powerview/admin.sock";
  std::string admin_token;
  std::string admin_tls_cert;
  std::string admin_tls_key;
  std::string metrics_listen;  // host:port of the Prometheus endpoint; empty: none

  std::string influxdb_url = "http://127.0.0.1:8086";
  std::string influxdb_api = "v1";
  std::string influxdb_org;
  std::string influxdb_token;
  std::string influxdb_user;
  std::string influxdb_password;
  bool influxdb_gzip = true;
  std::string meta_bucket = "powerview_meta";

  int64_t workers = 2;
  absl::Duration sweep_interval = absl::Minutes(5);
  absl::Duration settle_time = absl::Seconds(30);
  absl::Duration spool_interval = absl::Seconds(30);
  absl::Duration retry_initial = absl::Seconds(5);
  absl::Duration retry_max = absl::Minutes(10);
  absl::Duration influx_retry_budget = absl::Minutes(2);
  absl::Duration shutdown_grace = absl::Seconds(10);
  std::string v002_timezone = "Europe/Paris";
  std::string clock_floor = "2021-01-01";
  bool keep_files = false;
  std::string log_level = "info";

  bool plugin = false;      // force plugin mode (otherwise detected from the environment)
  bool plugin_tcp = false;  // plugin mode: listen on TCP instead of a Unix socket

  std::string grafana_url;
  std::string grafana_token;
  std::string grafana_user;
  std::string grafana_password;
  int64_t grafana_org_id = 1;
  std::string grafana_influx_url;   // InfluxDB URL as Grafana reaches it (default: influxdb_url)
  std::string grafana_influx_user;  // 1.x: the user Grafana reads with
  std::string grafana_influx_password;
  absl::Duration influxdb_retention = absl::ZeroDuration();  // provisioned retention; 0 = forever
  std::vector<std::string> grafana_team_members;
  std::string dashboard_template;
  bool provision = true;  // provision automatically when campaigns or channels appear
  absl::Duration reconcile_interval = absl::Minutes(10);  // 0: only at start
  bool reconcile_apply = true;  // false: the periodic reconcile only reports
  absl::Duration provision_connect_timeout = absl::Seconds(5);
  absl::Duration provision_timeout = absl::Seconds(30);
  absl::Duration influxdb_connect_timeout = absl::Seconds(5);
  absl::Duration influxdb_timeout = absl::Seconds(30);
  absl::Duration health_interval = absl::Seconds(15);
  bool provision_takeover = false;  // take over objects PowerView did not create
  std::string grafana_team_permission = "View";
  bool grafana_isolate_folders = true;
  std::string influxdb_retention_policy = "autogen";  // 1.x
  std::string naming_uid_prefix = "pv";
  std::string naming_team = "{company}";
  std::string naming_folder_title = "{company}";
  std::string naming_datasource = "influxdb_{company}";
  std::string naming_dashboard_title = "{company} / {campaign}";
  std::string naming_token_description = "powerview read {bucket}";
  int64_t provision_attempts = 5;
  absl::Duration provision_retry_initial = absl::Milliseconds(250);
  absl::Duration provision_retry_max = absl::Seconds(10);
  absl::Duration provision_max_retry_after = absl::Seconds(120);
  absl::Duration provision_write_interval = absl::ZeroDuration();
};

// Parses argv. Returns CancelledError after printing --help. A `--config FILE` argument names a
// file of `name = value` lines (flag names without dashes; '#' starts a comment); its values
// override the environment and are overridden by the command line.
absl::StatusOr<Config> ParseConfig(int argc, char** argv);

}  // namespace powerview::daemon

#endif  // POWERVIEW_SERVER_DAEMON_CONFIG_H_
