// `powerviewctl reprocess --file F | --report ID | --company C [--campaign K]`: sends files back
// through the pipeline and follows the batch to its end with a progress bar on stderr.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/powerviewctl/admin_client.h"
#include "client/powerviewctl/admin_format.h"
#include "client/powerviewctl/commands.h"

namespace powerview::ctl {
namespace {

std::string Detail(const v1::ReprocessProgress& p) {
  std::string detail;
  if (p.running() > 0) absl::StrAppend(&detail, p.running(), " running");
  if (p.waiting_retry() > 0) {
    absl::StrAppend(&detail, detail.empty() ? "" : ", ", p.waiting_retry(),
                    " waiting for a retry (is InfluxDB reachable?)");
  }
  if (p.failed() > 0) absl::StrAppend(&detail, detail.empty() ? "" : ", ", p.failed(), " failed");
  return detail;
}

int RunReprocess(const std::vector<std::string>& args) {
  AdminFlags admin;
  std::string file, company, campaign;
  int64_t report_id = 0;
  bool errors_only = false, no_wait = false;
  FlagSet flags(
      "powerviewctl reprocess", "--file F | --report ID | --company C [--campaign K] [flags]",
      "Moves files back from parsed/ and error/ to their device folder and queues them again,\n"
      "as one batch, then shows the batch's progress on stderr until every job has finished.\n"
      "Re-ingesting writes the same points again, so the data in InfluxDB ends the same.\n"
      "--campaign also takes COMPANY/CAMPAIGN. A file named by the path it was uploaded to is\n"
      "found in parsed/ or error/ beside it. Files rejected again are in error/ with a new\n"
      "report (`powerviewctl reports --status rejected`)." +
          AdminHelpFooter());
  flags.String("file", &file, "One file: absolute or relative to the data root");
  flags.Int("report", &report_id, "The file of this ingest report");
  flags.String("company", &company, "Every file of this company");
  flags.String("campaign", &campaign, "Every file of this campaign (with --company)");
  flags.Bool("errors-only", &errors_only, "Only files in error/ (company and campaign)");
  flags.Bool("no-wait", &no_wait, "Queue and return the batch id without following it");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  auto positional = ParseAdminArgs(&flags, args, &code);
  if (!positional) return code;
  if (size_t slash = campaign.find('/'); slash != std::string::npos && company.empty()) {
    company = campaign.substr(0, slash);
    campaign = campaign.substr(slash + 1);
  }
  int targets = !file.empty() + (report_id != 0) + !company.empty();
  if (targets != 1 || !positional->empty() || (!campaign.empty() && company.empty())) {
    std::fprintf(stderr,
                 "powerviewctl reprocess: give exactly one of --file, --report, --company "
                 "(with --campaign for one campaign); see --help\n");
    return kAdminExitUsage;
  }
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("reprocess", conn.status());

  v1::ReprocessRequest request;
  request.set_file(file);
  request.set_report_id(report_id);
  request.set_company(company);
  request.set_campaign(campaign);
  request.set_errors_only(errors_only);
  v1::ReprocessResponse queued;
  grpc::Status s = conn->stub()->Reprocess(conn->Context().get(), request, &queued);
  if (!s.ok()) return ReportError("reprocess", s);
  if (!admin.json) {
    for (const v1::ReprocessSkippedFile& skipped : queued.skipped()) {
      std::fprintf(stderr, "skipped %s: %s\n", skipped.path().c_str(), skipped.reason().c_str());
    }
    if (queued.batch_id() == 0) {
      std::printf("Nothing to reprocess: no file in parsed/ or error/ matched.\n");
      return kAdminExitOk;
    }
    std::printf("Batch %lld: %lld file(s) queued.\n", static_cast<long long>(queued.batch_id()),
                static_cast<long long>(queued.files_queued()));
    std::fflush(stdout);
  }
  if (no_wait || queued.batch_id() == 0) {
    if (admin.json) std::printf("%s\n", ToJson(queued).c_str());
    return kAdminExitOk;
  }

  v1::WatchReprocessProgressRequest watch;
  watch.set_batch_id(queued.batch_id());
  std::unique_ptr<grpc::ClientContext> context = conn->Context(/*streaming=*/true);
  auto reader = conn->stub()->WatchReprocessProgress(context.get(), watch);
  ProgressBar bar(absl::StrCat("batch ", queued.batch_id()));
  v1::WatchReprocessProgressResponse update;
  v1::ReprocessProgress last;
  while (reader->Read(&update)) {
    last = update.progress();
    bar.Update(last.done() + last.failed(), last.total(), Detail(last));
  }
  bar.Finish();
  s = reader->Finish();
  if (!s.ok()) return ReportError("reprocess", s);
  if (admin.json) {
    std::printf("{\"queued\": %s, \"progress\": %s}\n", ToJson(queued, false).c_str(),
                ToJson(last, false).c_str());
    return kAdminExitOk;
  }
  std::printf("Batch %lld complete: %lld done, %lld failed.\n",
              static_cast<long long>(last.batch_id()), static_cast<long long>(last.done()),
              static_cast<long long>(last.failed()));
  return kAdminExitOk;
}

const bool kRegistered =
    RegisterCommand({"reprocess", "ingest files again: a file, a campaign or a company (admin API)",
                     &RunReprocess});

}  // namespace
}  // namespace powerview::ctl
