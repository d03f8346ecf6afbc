// `powerviewctl reprocess --file F | --report ID | --company C [--campaign K]`: sends files back
// through the pipeline and follows the batch to its end with a progress bar on stderr.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/powerviewctl/admin_client.h"
#include "client/powerviewctl/admin_format.h"
#include "client/powerviewctl/commands.h"
#include "client/powerviewctl/json_output.h"

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

// Follows batch `batch_id` until it is complete (progress bar on stderr); returns its last
// progress in `*last`.
grpc::Status Follow(const AdminConnection& conn, int64_t batch_id, v1::ReprocessProgress* last) {
  v1::WatchReprocessProgressRequest watch;
  watch.set_batch_id(batch_id);
  std::unique_ptr<grpc::ClientContext> context = conn.Context(/*streaming=*/true);
  auto reader = conn.stub()->WatchReprocessProgress(context.get(), watch);
  ProgressBar bar(absl::StrCat("batch ", batch_id));
  v1::WatchReprocessProgressResponse update;
  while (reader->Read(&update)) {
    *last = update.progress();
    bar.Update(last->done() + last->failed(), last->total(), Detail(*last));
  }
  bar.Finish();
  return reader->Finish();
}

void PrintProgress(const AdminFlags& admin, const v1::ReprocessProgress& p) {
  if (admin.output != Output::kTable) {
    PrintMessage(admin, p);
    return;
  }
  std::printf("Batch %lld %s: %lld of %lld done, %lld failed%s%s.\n",
              static_cast<long long>(p.batch_id()), p.complete() ? "complete" : "running",
              static_cast<long long>(p.done()), static_cast<long long>(p.total()),
              static_cast<long long>(p.failed()), Detail(p).empty() ? "" : ", ", Detail(p).c_str());
}

int RunReprocess(const std::vector<std::string>& args) {
  AdminFlags admin;
  Scope scope;
  std::string file;
  int64_t report_id = 0, follow = 0;
  bool errors_only = false, no_wait = false;
  FlagSet flags(
      "powerviewctl reprocess",
      "--file F | --report ID | --company C | --campaign C/K | --follow BATCH [flags]",
      "Moves files back from parsed/ and error/ to their device folder and queues them again,\n"
      "as one batch, then shows the batch's progress on stderr until every job has finished.\n"
      "Re-ingesting writes the same points again, so the data in InfluxDB ends the same.\n"
      "A file may be named by its path in parsed/ or error/, by the path it was uploaded to\n"
      "(absolute or relative to the data root), or by --report ID: the answer is the same.\n"
      "--errors-only takes only files in error/, whatever the target. Files rejected again\n"
      "are in error/ with a new report (`powerviewctl reports --status rejected`).\n"
      "--follow BATCH follows a batch started earlier (e.g. with --no-wait); with --no-wait\n"
      "it prints where the batch stands now." +
          AdminHelpFooter());
  flags.String("file", &file, "One file: absolute or relative to the data root");
  flags.Int("report", &report_id, "The file of this ingest report");
  AddScopeFlags(&flags, &scope, "files");
  flags.Bool("errors-only", &errors_only, "Only files in error/ (rejected or failed ones)");
  flags.Bool("no-wait", &no_wait, "Queue and return the batch id without following it");
  flags.Int("follow", &follow, "Follow this batch (from an earlier reprocess) instead");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  if (!ParseAdminArgs("reprocess", &flags, &admin, &scope, args, 0, &code)) return code;
  int targets = !file.empty() + (report_id != 0) + !scope.company.empty() + (follow != 0);
  if (targets != 1) {
    std::fprintf(stderr,
                 "powerviewctl reprocess: give exactly one of --file, --report, --company, "
                 "--campaign C/K or --follow (see powerviewctl help reprocess)\n");
    return kExitUsage;
  }
  if (report_id < 0 || follow < 0) {
    std::fprintf(stderr, "powerviewctl reprocess: --report and --follow take a positive id\n");
    return kExitUsage;
  }
  if (follow != 0 && errors_only) {
    std::fprintf(stderr, "powerviewctl reprocess: --errors-only does not apply to --follow\n");
    return kExitUsage;
  }
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("reprocess", conn.status());

  if (follow != 0) {
    v1::ReprocessProgress last;
    grpc::Status s;
    if (no_wait) {
      v1::GetReprocessProgressRequest request;
      request.set_batch_id(follow);
      v1::GetReprocessProgressResponse response;
      s = conn->stub()->GetReprocessProgress(conn->Context().get(), request, &response);
      last = response.progress();
    } else {
      s = Follow(*conn, follow, &last);
    }
    if (!s.ok()) return conn->Fail("reprocess", s);
    PrintProgress(admin, last);
    return kExitOk;
  }

  v1::ReprocessRequest request;
  request.set_file(file);
  request.set_report_id(report_id);
  request.set_company(scope.company);
  request.set_campaign(scope.campaign);
  request.set_errors_only(errors_only);
  v1::ReprocessResponse queued;
  grpc::Status s = conn->stub()->Reprocess(conn->Context().get(), request, &queued);
  if (!s.ok()) return conn->Fail("reprocess", s);
  for (const v1::ReprocessSkippedFile& skipped : queued.skipped()) {
    std::fprintf(stderr, "skipped %s: %s\n", skipped.path().c_str(), skipped.reason().c_str());
  }
  if (admin.output == Output::kTable) {
    if (queued.batch_id() == 0) {
      std::printf("Nothing to reprocess: no file in %s matched.\n",
                  errors_only ? "error/" : "parsed/ or error/");
      return kExitOk;
    }
    std::printf("Batch %lld: %lld file(s) queued.%s\n", static_cast<long long>(queued.batch_id()),
                static_cast<long long>(queued.files_queued()),
                no_wait ? absl::StrCat(" Follow it with: powerviewctl reprocess --follow ",
                                       queued.batch_id())
                              .c_str()
                        : "");
    std::fflush(stdout);
  }
  if (no_wait || queued.batch_id() == 0) {
    if (admin.output != Output::kTable) PrintMessage(admin, queued);
    return kExitOk;
  }
  v1::ReprocessProgress last;
  s = Follow(*conn, queued.batch_id(), &last);
  if (!s.ok()) return conn->Fail("reprocess", s);
  if (admin.output != Output::kTable) {
    std::printf(admin.output == Output::kJson ? "{\n  \"queued\": %s,\n  \"progress\": %s\n}\n"
                                              : "{\"queued\":%s,\"progress\":%s}\n",
                ToJson(queued, false).c_str(), ToJson(last, false).c_str());
    return kExitOk;
  }
  PrintProgress(admin, last);
  return kExitOk;
}

const bool kRegistered =
    RegisterCommand({"reprocess", "ingest files again: a file, a campaign or a company (admin API)",
                     &RunReprocess});

}  // namespace
}  // namespace powerview::ctl
