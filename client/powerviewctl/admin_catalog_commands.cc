// `powerviewctl companies | campaigns | reports | report ID`: what the catalog knows, from
// powerviewd's admin API.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "client/powerviewctl/admin_client.h"
#include "client/powerviewctl/admin_format.h"
#include "client/powerviewctl/commands.h"
#include "client/powerviewctl/json_output.h"

namespace powerview::ctl {
namespace {

const char* StatusWord(v1::IngestStatus status) {
  switch (status) {
    case v1::INGEST_STATUS_INGESTED:
      return "ingested";
    case v1::INGEST_STATUS_REJECTED:
      return "rejected";
    case v1::INGEST_STATUS_FAILED:
      return "failed";
    default:
      return "-";
  }
}

std::string Base(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "2026-03-01", an RFC 3339 time, or an age such as "36h", "90m" or "7d" (that long ago).
// A day is midnight UTC, or local midnight with --local.
bool ParseWhen(const std::string& text, bool local, google::protobuf::Timestamp* out) {
  absl::Time t;
  std::string error;
  absl::Duration age;
  int64_t days = 0;
  bool absolute =
      absl::ParseTime("%Y-%m-%d", text, local ? absl::LocalTimeZone() : absl::UTCTimeZone(), &t,
                      &error) ||
      absl::ParseTime(absl::RFC3339_full, text, &t, &error);
  if (!absolute) {
    if (absl::EndsWith(text, "d") && absl::SimpleAtoi(absl::StripSuffix(text, "d"), &days)) {
      t = absl::Now() - absl::Hours(24 * days);
    } else if (absl::ParseDuration(text, &age)) {
      t = absl::Now() - age;
    } else {
      return false;
    }
  }
  out->set_seconds(absl::ToUnixSeconds(t));
  return true;
}

int RunCompanies(const std::vector<std::string>& args) {
  AdminFlags admin;
  bool include_removed = false;
  FlagSet flags("powerviewctl companies", "[flags]",
                "Lists the companies PowerView knows, with their campaigns and file counts." +
                    AdminHelpFooter());
  flags.Bool("include-removed", &include_removed, "Count campaigns whose folder was removed");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  if (!ParseAdminArgs("companies", &flags, &admin, nullptr, args, 0, &code)) return code;
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("companies", conn.status());
  v1::ListCompaniesRequest request;
  request.set_include_removed(include_removed);
  v1::ListCompaniesResponse response;
  while (true) {  // every page
    v1::ListCompaniesResponse page;
    grpc::Status s = conn->stub()->ListCompanies(conn->Context().get(), request, &page);
    if (!s.ok()) return conn->Fail("companies", s);
    for (v1::Company& c : *page.mutable_companies()) *response.add_companies() = std::move(c);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (admin.output != Output::kTable) {
    PrintItems(admin, response, "companies");
    return kExitOk;
  }
  Table table({"COMPANY", "BUCKET", "CAMPAIGNS", "INGESTED", "REJECTED", "LAST INGEST"});
  for (const v1::Company& c : response.companies()) {
    int64_t ingested = 0, rejected = 0;
    google::protobuf::Timestamp last;
    for (const v1::Campaign& k : c.campaigns()) {
      ingested += k.files_ingested();
      rejected += k.files_rejected();
      if (k.last_ingest_time().seconds() > last.seconds()) last = k.last_ingest_time();
    }
    table.Add({c.name(), c.bucket(), absl::StrCat(c.campaigns_size()), absl::StrCat(ingested),
               absl::StrCat(rejected), FormatTime(last)});
  }
  if (table.empty()) {
    std::printf("No companies yet: none has uploaded a file or created a campaign folder.\n");
  } else {
    table.Print(stdout);
  }
  return kExitOk;
}

int RunCampaigns(const std::vector<std::string>& args) {
  AdminFlags admin;
  v1::ListCampaignsRequest request;
  Scope scope;
  bool include_removed = false, devices = false, channels = false;
  FlagSet flags("powerviewctl campaigns", "[--company C | --campaign C/K] [flags]",
                "Lists campaigns with their devices and channels (--devices, --channels for the\n"
                "details)." +
                    AdminHelpFooter());
  AddScopeFlags(&flags, &scope, "campaigns");
  flags.Bool("include-removed", &include_removed, "Also campaigns whose folder was removed");
  flags.Bool("devices", &devices, "List the devices of each campaign");
  flags.Bool("channels", &channels, "List the channels of each device");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  if (!ParseAdminArgs("campaigns", &flags, &admin, &scope, args, 0, &code)) return code;
  if (devices && channels) {
    std::fprintf(stderr, "powerviewctl campaigns: give --devices or --channels, not both\n");
    return kExitUsage;
  }
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("campaigns", conn.status());
  request.set_company(scope.company);
  request.set_campaign(scope.campaign);
  request.set_include_removed(include_removed);
  v1::ListCampaignsResponse response;
  while (true) {  // every page
    v1::ListCampaignsResponse page;
    grpc::Status s = conn->stub()->ListCampaigns(conn->Context().get(), request, &page);
    if (!s.ok()) return conn->Fail("campaigns", s);
    for (v1::Campaign& k : *page.mutable_campaigns()) *response.add_campaigns() = std::move(k);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (admin.output != Output::kTable) {
    PrintItems(admin, response, "campaigns");
    return kExitOk;
  }
  if (channels) {
    Table table({"COMPANY", "CAMPAIGN", "DEVICE", "CHANNEL", "NAME", "UNIT", "FIELD"});
    for (const v1::Campaign& k : response.campaigns()) {
      for (const v1::Device& d : k.devices()) {
        for (const v1::Channel& ch : d.channels()) {
          table.Add({k.company(), k.name(), d.master_sn(), ch.channel_id(), ch.name(),
                     ch.unit().empty() ? "-" : ch.unit(), ch.field_key()});
        }
      }
    }
    table.Print(stdout);
  } else if (devices) {
    Table table({"COMPANY", "CAMPAIGN", "DEVICE", "TYPE", "FOLDERS", "CHANNELS", "LAST SAMPLE",
                 "LAST INGEST"});
    for (const v1::Campaign& k : response.campaigns()) {
      for (const v1::Device& d : k.devices()) {
        table.Add({k.company(), k.name(), d.master_sn(), d.subtype().empty() ? "-" : d.subtype(),
                   absl::StrJoin(d.folder_serials(), ","), absl::StrCat(d.channels_size()),
                   FormatTime(d.last_sample_time()), FormatTime(d.last_ingest_time())});
      }
    }
    table.Print(stdout);
  } else {
    Table table(
        {"COMPANY", "CAMPAIGN", "DEVICES", "CHANNELS", "INGESTED", "REJECTED", "LAST INGEST"});
    for (const v1::Campaign& k : response.campaigns()) {
      int channel_count = 0;
      for (const v1::Device& d : k.devices()) channel_count += d.channels_size();
      table.Add({k.company(), k.name(), absl::StrCat(k.devices_size()), absl::StrCat(channel_count),
                 absl::StrCat(k.files_ingested()), absl::StrCat(k.files_rejected()),
                 FormatTime(k.last_ingest_time())});
    }
    table.Print(stdout);
  }
  return kExitOk;
}

int RunReports(const std::vector<std::string>& args) {
  AdminFlags admin;
  v1::ListIngestReportsRequest request;
  Scope scope;
  std::string device, status, since, until, page_token;
  int64_t limit = 50;
  bool all = false;
  FlagSet flags("powerviewctl reports", "[--company C | --campaign C/K] [filters] [flags]",
                "Lists ingest reports, newest first. --since and --until take a day (2026-03-01),\n"
                "an RFC 3339 time, or an age (36h, 7d). The token of the next page is printed on\n"
                "stderr; --all fetches every page." +
                    AdminHelpFooter());
  AddScopeFlags(&flags, &scope, "reports");
  flags.String("device", &device, "Only this device (master serial or folder serial)");
  flags.String("status", &status, "ingested, rejected or failed");
  flags.String("since", &since, "Files finished at or after this time");
  flags.String("until", &until, "Files finished at or before this time");
  flags.Int("limit", &limit, "Reports per page (at most 1000)");
  flags.String("page-token", &page_token, "Token of the page to show (from a previous call)");
  flags.Bool("all", &all, "Fetch every page");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  if (!ParseAdminArgs("reports", &flags, &admin, &scope, args, 0, &code)) return code;
  if (all && !page_token.empty()) {
    std::fprintf(stderr, "powerviewctl reports: give --all or --page-token, not both\n");
    return kExitUsage;
  }
  if (limit < 1 || limit > 1000) {
    std::fprintf(stderr, "powerviewctl reports: --limit is from 1 to 1000\n");
    return kExitUsage;
  }
  request.set_company(scope.company);
  request.set_campaign(scope.campaign);
  request.set_device(device);
  std::string lower = absl::AsciiStrToLower(status);
  if (lower == "ingested") {
    request.set_status(v1::INGEST_STATUS_INGESTED);
  } else if (lower == "rejected") {
    request.set_status(v1::INGEST_STATUS_REJECTED);
  } else if (lower == "failed") {
    request.set_status(v1::INGEST_STATUS_FAILED);
  } else if (!lower.empty()) {
    std::fprintf(stderr, "powerviewctl reports: --status is ingested, rejected or failed\n");
    return kExitUsage;
  }
  if (!since.empty() && !ParseWhen(since, admin.local, request.mutable_since_time())) {
    std::fprintf(stderr, "powerviewctl reports: cannot read --since '%s'\n", since.c_str());
    return kExitUsage;
  }
  if (!until.empty() && !ParseWhen(until, admin.local, request.mutable_until_time())) {
    std::fprintf(stderr, "powerviewctl reports: cannot read --until '%s'\n", until.c_str());
    return kExitUsage;
  }
  request.set_page_size(static_cast<int32_t>(limit));
  request.set_page_token(page_token);
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("reports", conn.status());
  v1::ListIngestReportsResponse all_pages;
  while (true) {
    v1::ListIngestReportsResponse page;
    grpc::Status s = conn->stub()->ListIngestReports(conn->Context().get(), request, &page);
    if (!s.ok()) return conn->Fail("reports", s);
    for (v1::IngestReport& r : *page.mutable_reports()) *all_pages.add_reports() = std::move(r);
    all_pages.set_next_page_token(page.next_page_token());
    if (!all || page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (admin.output != Output::kTable) {
    PrintItems(admin, all_pages, "reports");
    if (admin.output == Output::kNdjson && !all_pages.next_page_token().empty()) {
      std::fprintf(stderr, "more: --page-token %s (or --all)\n",
                   all_pages.next_page_token().c_str());
    }
    return kExitOk;
  }
  Table table(
      {"ID", "FINISHED", "STATUS", "COMPANY", "CAMPAIGN", "DEVICE", "FILE", "POINTS", "ERROR"});
  for (const v1::IngestReport& r : all_pages.reports()) {
    table.Add({absl::StrCat(r.report_id()), FormatTime(r.finished_time()), StatusWord(r.status()),
               r.company(), r.campaign(), r.folder_serial(), Base(r.path()),
               absl::StrCat(r.counts().points()), r.error().empty() ? "" : r.error()});
  }
  if (table.empty()) {
    std::printf("No reports match.\n");
  } else {
    table.Print(stdout);
  }
  if (!all_pages.next_page_token().empty()) {
    std::fprintf(stderr, "more: --page-token %s (or --all)\n", all_pages.next_page_token().c_str());
  }
  return kExitOk;
}

int RunReport(const std::vector<std::string>& args) {
  AdminFlags admin;
  FlagSet flags("powerviewctl report", "ID [flags]",
                "Shows one ingest report: the file's counts, channels, warnings and error." +
                    AdminHelpFooter());
  AddAdminFlags(&flags, &admin);
  int code = 0;
  auto positional = ParseAdminArgs("report", &flags, &admin, nullptr, args, 1, &code);
  if (!positional) return code;
  int64_t id = 0;
  if (!absl::SimpleAtoi((*positional)[0], &id) || id <= 0) {
    std::fprintf(stderr, "powerviewctl report: give one report ID (see `powerviewctl reports`)\n");
    return kExitUsage;
  }
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("report", conn.status());
  v1::GetIngestReportRequest request;
  request.set_report_id(id);
  v1::GetIngestReportResponse response;
  grpc::Status s = conn->stub()->GetIngestReport(conn->Context().get(), request, &response);
  if (!s.ok()) return conn->Fail("report", s);
  if (admin.output != Output::kTable) {
    PrintMessage(admin, response.report());
    return kExitOk;
  }
  const v1::IngestReport& r = response.report();
  const v1::IngestCounts& c = r.counts();
  Table info({"REPORT", absl::StrCat(r.report_id())});
  info.Add({"status", StatusWord(r.status())});
  if (!r.error().empty()) info.Add({"error", r.error()});
  info.Add({"file", r.path()});
  info.Add({"now at", r.final_path()});
  info.Add({"company / campaign", absl::StrCat(r.company(), " / ", r.campaign())});
  info.Add({"device", absl::StrCat(r.folder_serial(),
                                   r.master_sn().empty() || r.master_sn() == r.folder_serial()
                                       ? ""
                                       : absl::StrCat(" (header serial ", r.master_sn(), ")"))});
  info.Add({"format", r.format().empty() ? "-" : r.format()});
  info.Add({"time zone", r.time_zone().empty() ? "-" : r.time_zone()});
  info.Add({"size / sha256", absl::StrCat(r.file_size(), " bytes / ", r.sha256())});
  info.Add({"started / finished",
            absl::StrCat(FormatTime(r.started_time()), " / ", FormatTime(r.finished_time()))});
  info.Add({"data from / to",
            absl::StrCat(FormatTime(r.first_time()), " / ", FormatTime(r.last_time()))});
  info.Add({"rows / points", absl::StrCat(c.rows(), " / ", c.points())});
  info.Add({"power-off markers",
            absl::StrCat(c.power_off_markers(), " (", c.device_events(), " device events)")});
  info.Add(
      {"invalid clock / timestamps / values",
       absl::StrCat(c.invalid_clock(), " / ", c.invalid_timestamps(), " / ", c.invalid_values())});
  info.Add({"truncated last row", absl::StrCat(c.truncated_last_row())});
  info.Add({"write batches / retries", absl::StrCat(r.write_batches(), " / ", r.write_retries())});
  info.Add({"journal job", absl::StrCat(r.job_id())});
  for (const std::string& w : r.warnings()) info.Add({"warning", w});
  info.Print(stdout);
  if (r.channels_size() > 0) {
    std::printf("\n");
    Table channels({"CHANNEL", "NAME", "UNIT", "POINTS", "MIN", "MAX", "MEAN"});
    for (const v1::ChannelStats& ch : r.channels()) {
      channels.Add({ch.channel().channel_id(), ch.channel().name(), ch.channel().unit(),
                    absl::StrCat(ch.points()), absl::StrCat(ch.min()), absl::StrCat(ch.max()),
                    absl::StrCat(ch.mean())});
    }
    channels.Print(stdout);
  }
  return kExitOk;
}

const bool kRegistered =
    RegisterCommand({"companies", "list companies (admin API)", &RunCompanies}) &&
    RegisterCommand(
        {"campaigns", "list campaigns, devices, channels (admin API)", &RunCampaigns}) &&
    RegisterCommand({"reports", "list ingest reports (admin API)", &RunReports}) &&
    RegisterCommand({"report", "show one ingest report (admin API)", &RunReport});

}  // namespace
}  // namespace powerview::ctl
