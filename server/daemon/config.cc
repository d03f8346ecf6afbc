#include "server/daemon/config.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/common/flags.h"
#include "server/common/grpc_address.h"

namespace powerview::daemon {
namespace {

absl::StatusOr<std::vector<std::string>> ReadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  std::vector<std::string> args;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    size_t eq = text.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": expected 'name = value', got '", text, "'"));
    }
    std::string name(absl::StripAsciiWhitespace(text.substr(0, eq)));
    std::string value(absl::StripAsciiWhitespace(text.substr(eq + 1)));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    args.push_back(absl::StrCat("--", absl::StripPrefix(name, "--"), "=", value));
  }
  return args;
}

}  // namespace

absl::StatusOr<Config> ParseConfig(int argc, char** argv) {
  Config c;
  std::string config_file;
  FlagSet flags(
      "powerviewd", "[flags]",
      "PowerView daemon: receives SFTPGo file events (notifier plugin or powerview-notify),\n"
      "ingests MV2 measurement files into InfluxDB, moves them to parsed/ or error/ with a\n"
      "report, and provisions InfluxDB and Grafana. Started by SFTPGo as a notifier plugin it\n"
      "detects the go-plugin handshake environment; see --plugin.");
  bool version = false;  // handled in main(), before this parser runs; listed for --help
  flags.Bool("version", &version, "Print the version and exit");
  flags.String("config", &config_file, "File of 'name = value' lines with any of these flags");
  flags.String("data-root", &c.data_root, "SFTPGo data root: <root>/<company>/<campaign>/<device>/",
               "POWERVIEW_DATA_ROOT");
  flags.String("state-dir", &c.state_dir, "Journal, catalog and spool folder",
               "POWERVIEW_STATE_DIR");
  flags.String("spool-dir", &c.spool_dir,
               "Where powerview-notify leaves events when the daemon is down (default "
               "<state-dir>/spool)",
               "POWERVIEW_SPOOL_DIR");
  flags.List("listen", &c.listen,
             "Notifier gRPC address(es): unix:///path or host:port (repeat or comma-separate)",
             "POWERVIEW_LISTEN");
  flags.String("admin-listen", &c.admin_listen,
               "Admin gRPC address: unix:///path or host:port (TCP requires --admin-token); "
               "empty disables",
               "POWERVIEW_ADMIN_LISTEN");
  flags.String("admin-token", &c.admin_token, "Bearer token required by the admin API on TCP",
               "POWERVIEW_ADMIN_TOKEN");
  flags.String("admin-tls-cert", &c.admin_tls_cert, "PEM certificate for the admin API on TCP",
               "POWERVIEW_ADMIN_TLS_CERT");
  flags.String("admin-tls-key", &c.admin_tls_key, "PEM key for --admin-tls-cert",
               "POWERVIEW_ADMIN_TLS_KEY");
  flags.String("metrics-listen", &c.metrics_listen,
               "Prometheus metrics over HTTP (GET /metrics) on host:port; empty disables",
               "POWERVIEW_METRICS_LISTEN");
  flags.String("influxdb-url", &c.influxdb_url, "InfluxDB base URL", "INFLUXDB_URL");
  flags.String("influxdb-api", &c.influxdb_api,
               "InfluxDB API: v1 (/write?db=, 1.x) or v2 (/api/v2/write, 2.x)", "INFLUXDB_API");
  flags.String("influxdb-org", &c.influxdb_org, "InfluxDB 2.x organisation", "INFLUXDB_ORG");
  flags.String("influxdb-token", &c.influxdb_token, "InfluxDB 2.x operator token",
               "INFLUXDB_ADMIN_TOKEN");
  flags.String("influxdb-user", &c.influxdb_user, "InfluxDB 1.x user (optional)", "INFLUXDB_USER");
  flags.String("influxdb-password", &c.influxdb_password, "InfluxDB 1.x password (optional)",
               "INFLUXDB_PASSWORD");
  flags.Bool("influxdb-gzip", &c.influxdb_gzip, "Compress write requests with gzip",
             "INFLUXDB_GZIP");
  flags.String("meta-bucket", &c.meta_bucket,
               "Bucket/database for one summary point per file (empty disables)",
               "TSV_META_BUCKET");
  flags.Int("workers", &c.workers, "Files ingested in parallel", "POWERVIEW_WORKERS");
  flags.Duration("sweep-interval", &c.sweep_interval,
                 "How often the data root is scanned for files no event announced (0 disables)",
                 "POWERVIEW_SWEEP_INTERVAL");
  flags.Duration("settle-time", &c.settle_time,
                 "A file found by the sweeper is queued once unchanged for this long",
                 "POWERVIEW_SETTLE_TIME");
  flags.Duration("spool-interval", &c.spool_interval, "How often the spool is drained",
                 "POWERVIEW_SPOOL_INTERVAL");
  flags.Duration("retry-initial", &c.retry_initial, "First wait before a failed job runs again",
                 "POWERVIEW_RETRY_INITIAL");
  flags.Duration("retry-max", &c.retry_max, "Longest wait between attempts of a job",
                 "POWERVIEW_RETRY_MAX");
  flags.Duration("influxdb-retry-budget", &c.influx_retry_budget,
                 "How long one write retries before its job is put back to wait",
                 "INFLUXDB_RETRY_BUDGET");
  flags.Duration("shutdown-grace", &c.shutdown_grace,
                 "On SIGTERM, how long running jobs may take to finish (unfinished ones resume at "
                 "the next start)",
                 "POWERVIEW_SHUTDOWN_GRACE");
  flags.String("v002-timezone", &c.v002_timezone,
               "Time zone of V002 files' local timestamps (IANA name; UTC reproduces upstream)",
               "POWERVIEW_V002_TIMEZONE");
  flags.String(
      "clock-floor", &c.clock_floor,
      "Rows dated before this day (UTC) or RFC 3339 time come from an unset logger clock and "
      "are skipped",
      "POWERVIEW_CLOCK_FLOOR");
  flags.Bool("keep-files", &c.keep_files, "Leave files in place instead of moving them",
             "POWERVIEW_KEEP_FILES");
  flags.String("log-level", &c.log_level, "debug, info, warn or error", "TSV_LOG_LEVEL");
  flags.Bool("plugin", &c.plugin,
             "Run as an SFTPGo notifier plugin (normally detected from SFTPGo's environment)");
  flags.Bool("plugin-tcp", &c.plugin_tcp, "Plugin mode: listen on loopback TCP, not a Unix socket");
  flags.String("grafana-url", &c.grafana_url, "Grafana base URL (empty: no Grafana provisioning)",
               "GRAFANA_URL");
  flags.String("grafana-token", &c.grafana_token, "Grafana service-account token",
               "GRAFANA_API_TOKEN");
  flags.String("grafana-user", &c.grafana_user, "Grafana admin user (basic auth)",
               "GRAFANA_USERNAME");
  flags.String("grafana-password", &c.grafana_password, "Grafana admin password",
               "GRAFANA_PASSWORD");
  flags.Int("grafana-org-id", &c.grafana_org_id, "Grafana organisation", "GRAFANA_ORG_ID");
  flags.String("grafana-influxdb-url", &c.grafana_influx_url,
               "InfluxDB URL as Grafana reaches it (default: --influxdb-url)",
               "GRAFANA_INFLUXDB_URL");
  flags.String("grafana-influxdb-user", &c.grafana_influx_user,
               "InfluxDB 1.x user the Grafana datasources read with, created and granted READ "
               "on the company's database; {company} makes one per company (empty: none)",
               "GRAFANA_INFLUXDB_USER");
  flags.String("grafana-influxdb-password", &c.grafana_influx_password,
               "Password of --grafana-influxdb-user", "GRAFANA_INFLUXDB_PASSWORD");
  flags.Duration("influxdb-retention", &c.influxdb_retention,
                 "Retention provisioned for company buckets/databases (0: keep forever; 1.x: at "
                 "least 1h)",
                 "INFLUXDB_RETENTION");
  flags.List("grafana-team-member", &c.grafana_team_members,
             "Grafana login added to every company team (repeatable)", "GRAFANA_TEAM_MEMBERS");
  flags.String("dashboard-template", &c.dashboard_template,
               "Campaign dashboard template JSON with placeholders (default: generated)",
               "POWERVIEW_DASHBOARD_TEMPLATE");
  flags.Bool("provision", &c.provision,
             "Provision InfluxDB and Grafana when campaigns or channels appear",
             "POWERVIEW_PROVISION");
  flags.Duration("reconcile-interval", &c.reconcile_interval,
                 "How often every company is reconciled with InfluxDB and Grafana (also once at "
                 "start; 0: only at start)",
                 "POWERVIEW_RECONCILE_INTERVAL");
  flags.Bool("reconcile-apply", &c.reconcile_apply,
             "The periodic reconcile applies what differs (false: it only logs the plan)",
             "POWERVIEW_RECONCILE_APPLY");
  flags.Duration("provision-connect-timeout", &c.provision_connect_timeout,
                 "Longest wait to connect to Grafana or InfluxDB when provisioning",
                 "POWERVIEW_PROVISION_CONNECT_TIMEOUT");
  flags.Duration("provision-timeout", &c.provision_timeout,
                 "Longest wait for one provisioning HTTP call to Grafana or InfluxDB",
                 "POWERVIEW_PROVISION_TIMEOUT");
  flags.Duration("influxdb-connect-timeout", &c.influxdb_connect_timeout,
                 "Longest wait to connect to InfluxDB when writing", "INFLUXDB_CONNECT_TIMEOUT");
  flags.Duration("influxdb-timeout", &c.influxdb_timeout,
                 "Longest wait for one InfluxDB write request", "INFLUXDB_TIMEOUT");
  flags.Bool("provision-takeover", &c.provision_takeover,
             "Take over an existing team, folder, datasource or dashboard with PowerView's name "
             "or uid that PowerView did not create (otherwise it is shown in the plan and left "
             "alone)",
             "POWERVIEW_PROVISION_TAKEOVER");
  flags.String("grafana-team-permission", &c.grafana_team_permission,
               "Permission of a company's team on its folder: View, Edit (team members can save "
               "dashboards there) or Admin",
               "GRAFANA_TEAM_PERMISSION");
  flags.Bool("grafana-isolate-folders", &c.grafana_isolate_folders,
             "Remove the built-in Viewer and Editor grants from company folders, so that only "
             "the company's team (and org admins) see them",
             "GRAFANA_ISOLATE_FOLDERS");
  flags.String("influxdb-retention-policy", &c.influxdb_retention_policy,
               "InfluxDB 1.x: retention policy made the default of each company database",
               "INFLUXDB_RETENTION_POLICY");
  flags.String("naming-uid-prefix", &c.naming_uid_prefix,
               "Prefix of the uids of folders, datasources and dashboards (at most 12 characters)",
               "POWERVIEW_NAMING_UID_PREFIX");
  flags.String("naming-team", &c.naming_team, "Grafana team name ({company})",
               "POWERVIEW_NAMING_TEAM");
  flags.String("naming-folder-title", &c.naming_folder_title, "Grafana folder title ({company})",
               "POWERVIEW_NAMING_FOLDER_TITLE");
  flags.String("naming-datasource", &c.naming_datasource,
               "Grafana datasource name ({company}, {bucket})", "POWERVIEW_NAMING_DATASOURCE");
  flags.String("naming-dashboard-title", &c.naming_dashboard_title,
               "Campaign dashboard title ({company}, {campaign})",
               "POWERVIEW_NAMING_DASHBOARD_TITLE");
  flags.String("naming-token-description", &c.naming_token_description,
               "InfluxDB 2.x read token description ({company}, {bucket})",
               "POWERVIEW_NAMING_TOKEN_DESCRIPTION");
  flags.Int("provision-attempts", &c.provision_attempts,
            "Attempts of one provisioning HTTP call answered 429, 5xx or not at all",
            "POWERVIEW_PROVISION_ATTEMPTS");
  flags.Duration("provision-retry-initial", &c.provision_retry_initial,
                 "First wait before a provisioning HTTP call is tried again (doubles each time)",
                 "POWERVIEW_PROVISION_RETRY_INITIAL");
  flags.Duration("provision-retry-max", &c.provision_retry_max,
                 "Longest wait between attempts of a provisioning HTTP call",
                 "POWERVIEW_PROVISION_RETRY_MAX");
  flags.Duration("provision-max-retry-after", &c.provision_max_retry_after,
                 "Longest Retry-After honoured; a longer one fails the call",
                 "POWERVIEW_PROVISION_MAX_RETRY_AFTER");
  flags.Duration("provision-write-interval", &c.provision_write_interval,
                 "Smallest gap between two provisioning writes to Grafana or InfluxDB (0: none)",
                 "POWERVIEW_PROVISION_WRITE_INTERVAL");
  flags.Duration("health-interval", &c.health_interval,
                 "How often InfluxDB and Grafana are probed for readiness (status, health "
                 "service)",
                 "POWERVIEW_HEALTH_INTERVAL");

  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  // A --config file sits between the environment and the command line.
  for (size_t i = 0; i < args.size(); ++i) {
    std::string path;
    if (args[i] == "--config" && i + 1 < args.size()) {
      path = args[i + 1];
    } else if (absl::StartsWith(args[i], "--config=")) {
      path = args[i].substr(9);
    } else {
      continue;
    }
    absl::StatusOr<std::vector<std::string>> file_args = ReadConfigFile(path);
    if (!file_args.ok()) return file_args.status();
    args.insert(args.begin(), file_args->begin(), file_args->end());
    break;
  }
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) return rest.status();
  if (!rest->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", rest->front(), "' (see powerviewd --help)"));
  }
  for (std::string& address : c.listen) {
    absl::StatusOr<GrpcAddress> parsed = ParseGrpcAddress("listen", address, /*listening=*/true);
    if (!parsed.ok()) return parsed.status();
    address = parsed->Target();
  }
  if (!c.admin_listen.empty()) {
    absl::StatusOr<GrpcAddress> parsed =
        ParseGrpcAddress("admin-listen", c.admin_listen, /*listening=*/true);
    if (!parsed.ok()) return parsed.status();
    c.admin_listen = parsed->Target();
  }
  if (!c.metrics_listen.empty()) {
    absl::StatusOr<GrpcAddress> parsed =
        ParseGrpcAddress("metrics-listen", c.metrics_listen, /*listening=*/true);
    if (!parsed.ok()) return parsed.status();
    if (parsed->unix_socket) {
      return absl::InvalidArgumentError(
          "--metrics-listen takes host:port (Prometheus scrapes TCP)");
    }
    c.metrics_listen = parsed->Target();
  }
  if (c.spool_dir.empty()) c.spool_dir = c.state_dir + "/spool";
  if (c.influxdb_api != "v1" && c.influxdb_api != "v2") {
    return absl::InvalidArgumentError(
        absl::StrCat("--influxdb-api must be v1 or v2, not '", c.influxdb_api, "'"));
  }
  if (c.workers < 1 || c.workers > 64) {
    return absl::InvalidArgumentError("--workers must be between 1 and 64");
  }
  if (c.grafana_influx_url.empty()) c.grafana_influx_url = c.influxdb_url;
  for (const auto& [name, value] : {std::pair<const char*, absl::Duration>{
                                        "--provision-connect-timeout", c.provision_connect_timeout},
                                    {"--provision-timeout", c.provision_timeout},
                                    {"--influxdb-connect-timeout", c.influxdb_connect_timeout},
                                    {"--influxdb-timeout", c.influxdb_timeout},
                                    {"--health-interval", c.health_interval}}) {
    if (value <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be positive"));
    }
  }
  if (c.reconcile_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--reconcile-interval must not be negative");
  }
  return c;
}

}  // namespace powerview::daemon
