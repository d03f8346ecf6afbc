// `powerviewctl watch` (live pipeline events) and `powerviewctl status` (queue, workers,
// InfluxDB and Grafana, versions, uptime).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/powerviewctl/admin_client.h"
#include "client/powerviewctl/admin_format.h"
#include "client/powerviewctl/commands.h"
#include "client/powerviewctl/json_output.h"

namespace powerview::ctl {
namespace {

// PIPELINE_EVENT_TYPE_FILE_INGESTED -> "file_ingested".
std::string TypeText(v1::PipelineEventType type) {
  return absl::AsciiStrToLower(
      absl::StripPrefix(v1::PipelineEventType_Name(type), "PIPELINE_EVENT_TYPE_"));
}

// "file_ingested", "file-ingested" or the enum name.
bool ParseType(const std::string& text, v1::PipelineEventType* out) {
  std::string name = absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}}));
  if (!absl::StartsWith(name, "PIPELINE_EVENT_TYPE_")) name = "PIPELINE_EVENT_TYPE_" + name;
  return v1::PipelineEventType_Parse(name, out) && *out != v1::PIPELINE_EVENT_TYPE_UNSPECIFIED;
}

int RunWatch(const std::vector<std::string>& args) {
  AdminFlags admin;
  Scope scope;
  std::vector<std::string> types;
  FlagSet flags(
      "powerviewctl watch", "[--company C | --campaign C/K] [--type T ...] [flags]",
      "Prints pipeline events as they happen, one line each (--output json or ndjson: one\n"
      "JSON object per line), until interrupted. Types: job_queued, job_started, file_ingested,\n"
      "file_rejected, job_retry, event_ignored, provision_action, provision_done." +
          AdminHelpFooter());
  AddScopeFlags(&flags, &scope, "events");
  flags.List("type", &types, "Only events of these types (repeat or comma-separate)");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  if (!ParseAdminArgs("watch", &flags, &admin, &scope, args, 0, &code)) return code;
  v1::WatchRequest request;
  request.set_company(scope.company);
  request.set_campaign(scope.campaign);
  for (const std::string& list : types) {
    for (absl::string_view t : absl::StrSplit(list, ',', absl::SkipEmpty())) {
      v1::PipelineEventType type;
      if (!ParseType(std::string(t), &type)) {
        std::fprintf(stderr, "powerviewctl watch: unknown event type '%s' (see --help)\n",
                     std::string(t).c_str());
        return kExitUsage;
      }
      request.add_types(type);
    }
  }
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("watch", conn.status());
  std::unique_ptr<grpc::ClientContext> context = conn->Context(/*streaming=*/true);
  auto reader = conn->stub()->Watch(context.get(), request);
  v1::WatchResponse message;
  while (reader->Read(&message)) {
    if (admin.output != Output::kTable) {
      std::printf("%s\n", ToJson(message, /*pretty=*/false).c_str());
    } else {
      const v1::PipelineEvent& e = message.event();
      if (message.dropped_events() > 0) {
        std::printf("(%lld event(s) lost: this client read too slowly)\n",
                    static_cast<long long>(message.dropped_events()));
      }
      std::string where = e.company();
      if (!e.campaign().empty()) absl::StrAppend(&where, "/", e.campaign());
      if (!e.device().empty()) absl::StrAppend(&where, "/", e.device());
      std::string file = e.path().substr(e.path().rfind('/') + 1);
      std::printf("%s  %-16s %s%s%s%s%s\n", FormatTime(e.event_time()).c_str(),
                  TypeText(e.type()).c_str(), where.c_str(),
                  file.empty() ? "" : absl::StrCat(" ", file).c_str(),
                  e.job_id() != 0 ? absl::StrCat(" (job ", e.job_id(), ")").c_str() : "",
                  e.message().empty() ? "" : ": ", e.message().c_str());
    }
    std::fflush(stdout);
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return conn->Fail("watch", s);
  return kExitOk;
}

std::string Dependency(const v1::DependencyStatus& d) {
  if (!d.configured()) return "not configured";
  std::string text = absl::StrCat(d.url(), ": ", d.reachable() ? "reachable" : "UNREACHABLE");
  if (!d.version().empty()) absl::StrAppend(&text, ", version ", d.version());
  if (d.reachable()) absl::StrAppend(&text, ", ", FormatDuration(d.latency()));
  if (!d.reachable() && d.has_unreachable_since_time()) {
    absl::StrAppend(&text, " since ", FormatTime(d.unreachable_since_time()));
  }
  if (!d.error().empty()) absl::StrAppend(&text, " (", d.error(), ")");
  return text;
}

int RunStatus(const std::vector<std::string>& args) {
  AdminFlags admin;
  FlagSet flags("powerviewctl status", "[flags]",
                "Shows powerviewd's state: the journal's queue, the workers, whether InfluxDB and\n"
                "Grafana answer (probed now) and since when they do not, versions and uptime.\n"
                "With --check, exits 5 when InfluxDB or Grafana is unreachable (a readiness\n"
                "check for systemd, compose or monitoring)." +
                    AdminHelpFooter());
  AddAdminFlags(&flags, &admin);
  bool check = false;
  flags.Bool("check", &check, "Exit 5 when a configured dependency is unreachable");
  int code = 0;
  if (!ParseAdminArgs("status", &flags, &admin, nullptr, args, 0, &code)) return code;
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("status", conn.status());
  v1::GetStatusResponse r;
  grpc::Status s = conn->stub()->GetStatus(conn->Context().get(), v1::GetStatusRequest(), &r);
  if (!s.ok()) return conn->Fail("status", s);
  const int code_for_state = check && !r.ready() ? kExitNotReady : kExitOk;
  if (admin.output != Output::kTable) {
    PrintMessage(admin, r);
    return code_for_state;
  }
  const v1::QueueStatus& q = r.queue();
  Table table({"powerviewd", absl::StrCat(r.version(), ", up ", FormatDuration(r.uptime()),
                                          " (since ", FormatTime(r.started_time()), ")")});
  table.Add({"queue", absl::StrCat(q.pending(), " pending (", q.waiting_retry(),
                                   " waiting for a retry), ", q.running(), " running")});
  table.Add({"finished (30 days)", absl::StrCat(q.done(), " done, ", q.failed(), " failed")});
  table.Add({"workers", absl::StrCat(r.workers().busy(), " busy of ", r.workers().workers())});
  table.Add({"InfluxDB", Dependency(r.influxdb())});
  table.Add({"Grafana", Dependency(r.grafana())});
  table.Add({"provisioning", r.provisioning_configured() ? "configured" : "not configured"});
  table.Add({"data root", r.data_root()});
  table.Add({"versions", absl::StrCat("gRPC ", r.grpc_version(), ", protobuf ",
                                      r.protobuf_version(), ", SQLite ", r.sqlite_version())});
  table.Add({"ready", r.ready() ? "yes" : "NO: a dependency is unreachable"});
  table.Print(stdout);
  return code_for_state;
}

const bool kRegistered =
    RegisterCommand({"watch", "follow pipeline events live (admin API)", &RunWatch}) &&
    RegisterCommand(
        {"status", "queue, workers, InfluxDB/Grafana, versions (admin API)", &RunStatus});

}  // namespace
}  // namespace powerview::ctl
