// The unary calls of the admin service; the streaming ones are in admin_streams.cc.
#include "server/admin/admin_service.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/stubs/common.h"
#include "grpcpp/grpcpp.h"
#include "server/admin/convert.h"
#include "server/admin/names.h"

namespace powerview::admin {
namespace {

void FillDependency(const DependencyHealth& h, v1::DependencyStatus* out) {
  out->set_configured(h.configured);
  out->set_reachable(h.reachable);
  out->set_url(h.url);
  out->set_version(h.version);
  out->set_error(h.error);
  if (h.configured) *out->mutable_latency() = ToDuration(h.latency);
  if (h.configured && !h.reachable && h.since != absl::InfinitePast()) {
    *out->mutable_unreachable_since_time() = ToTimestamp(h.since);
  }
}

}  // namespace

AdminService::AdminService(AdminBackends backends, BearerAuth auth)
    : b_(std::move(backends)), auth_(std::move(auth)) {}

void AdminService::Stop() { stopping_ = true; }

bool AdminService::Streaming(grpc::ServerContext* context) const {
  return !stopping_ && !context->IsCancelled();
}

namespace {

// A page of `items` sorted by `key`: those after the key in `token` (opaque, of `kind`), at most
// `page_size` (0: `default_size`; at most 1000), and the token of the next page.
template <typename T, typename KeyFn>
absl::StatusOr<std::vector<T>> Page(std::vector<T> items, KeyFn key, absl::string_view kind,
                                    int32_t page_size, const std::string& token,
                                    std::string* next) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size ", page_size, " is negative (0 = default, at most 1000)"));
  }
  size_t size = page_size == 0 ? 100 : std::min(page_size, 1000);
  std::string after;
  if (!token.empty()) {
    absl::StatusOr<std::string> decoded = DecodePageToken(kind, token);
    if (!decoded.ok()) return decoded.status();
    after = *decoded;
  }
  std::vector<T> page;
  for (T& item : items) {
    if (!token.empty() && key(item) <= after) continue;
    if (page.size() == size) {
      *next = EncodePageToken(kind, key(page.back()));
      break;
    }
    page.push_back(std::move(item));
  }
  return page;
}

}  // namespace

grpc::Status AdminService::ListCompanies(grpc::ServerContext* context,
                                         const v1::ListCompaniesRequest* request,
                                         v1::ListCompaniesResponse* response) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  absl::StatusOr<std::vector<v1::Company>> companies =
      b_.catalog->ListCompanies("", request->include_removed());
  if (!companies.ok()) return ToGrpc(companies.status());
  std::string next;
  absl::StatusOr<std::vector<v1::Company>> page = Page(
      *std::move(companies), [](const v1::Company& c) { return c.name(); }, "companies",
      request->page_size(), request->page_token(), &next);
  if (!page.ok()) return ToGrpc(page.status());
  for (v1::Company& company : *page) {
    for (v1::Campaign& campaign : *company.mutable_campaigns()) campaign.clear_devices();
    *response->add_companies() = std::move(company);
  }
  response->set_next_page_token(next);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListCampaigns(grpc::ServerContext* context,
                                         const v1::ListCampaignsRequest* request,
                                         v1::ListCampaignsResponse* response) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  if (absl::Status s = CheckKnown(b_.catalog, request->company(), request->campaign()); !s.ok()) {
    return ToGrpc(s);
  }
  absl::StatusOr<std::vector<v1::Company>> companies =
      b_.catalog->ListCompanies(request->company(), request->include_removed());
  if (!companies.ok()) return ToGrpc(companies.status());
  std::vector<v1::Campaign> campaigns;
  for (v1::Company& company : *companies) {
    for (v1::Campaign& campaign : *company.mutable_campaigns()) {
      if (!request->campaign().empty() && campaign.name() != request->campaign()) continue;
      campaigns.push_back(std::move(campaign));
    }
  }
  if (!request->campaign().empty() && campaigns.empty()) {
    return ToGrpc(absl::NotFoundError(
        absl::StrCat("campaign '", request->company(), "/", request->campaign(), "' was removed")));
  }
  std::string next;
  // Names hold no '/', so "company/campaign" sorts as (company, campaign) does.
  absl::StatusOr<std::vector<v1::Campaign>> page = Page(
      std::move(campaigns),
      [](const v1::Campaign& k) { return absl::StrCat(k.company(), "/", k.name()); }, "campaigns",
      request->page_size(), request->page_token(), &next);
  if (!page.ok()) return ToGrpc(page.status());
  for (v1::Campaign& campaign : *page) *response->add_campaigns() = std::move(campaign);
  response->set_next_page_token(next);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListIngestReports(grpc::ServerContext* context,
                                             const v1::ListIngestReportsRequest* request,
                                             v1::ListIngestReportsResponse* response) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  absl::StatusOr<catalog::ReportFilter> filter = ToReportFilter(*request);
  if (!filter.ok()) return ToGrpc(filter.status());
  if (absl::Status s = CheckKnown(b_.catalog, filter->company, filter->campaign, filter->device);
      !s.ok()) {
    return ToGrpc(s);
  }
  if (!filter->page_token.empty()) {
    absl::StatusOr<std::string> before = DecodePageToken("reports", filter->page_token);
    if (!before.ok()) return ToGrpc(before.status());
    filter->page_token = *before;
  }
  std::string next;
  absl::StatusOr<std::vector<v1::IngestReport>> reports = b_.catalog->ListReports(*filter, &next);
  if (!reports.ok()) return ToGrpc(reports.status());
  for (v1::IngestReport& r : *reports) *response->add_reports() = std::move(r);
  if (!next.empty()) response->set_next_page_token(EncodePageToken("reports", next));
  return grpc::Status::OK;
}

grpc::Status AdminService::GetIngestReport(grpc::ServerContext* context,
                                           const v1::GetIngestReportRequest* request,
                                           v1::GetIngestReportResponse* response) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  if (request->report_id() <= 0) {
    return ToGrpc(absl::InvalidArgumentError("report_id must be a positive report id"));
  }
  absl::StatusOr<v1::IngestReport> report = b_.catalog->GetReport(request->report_id());
  if (!report.ok()) return ToGrpc(report.status());
  *response->mutable_report() = std::move(*report);
  return grpc::Status::OK;
}

grpc::Status AdminService::Reprocess(grpc::ServerContext* context,
                                     const v1::ReprocessRequest* request,
                                     v1::ReprocessResponse* response) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  if (request->report_id() < 0) {
    return ToGrpc(absl::InvalidArgumentError("report_id must be a positive report id"));
  }
  if (!request->campaign().empty() && request->company().empty()) {
    return ToGrpc(absl::InvalidArgumentError("a campaign needs its company as well"));
  }
  ReprocessTarget target;
  target.company = request->company();
  target.campaign = request->campaign();
  target.file = request->file();
  target.report_id = request->report_id();
  target.errors_only = request->errors_only();
  absl::StatusOr<ReprocessResult> result = b_.reprocessor->Run(target);
  if (!result.ok()) return ToGrpc(result.status());
  response->set_batch_id(result->batch_id);
  response->set_files_queued(static_cast<int64_t>(result->queued.size()));
  for (const std::string& path : result->queued) response->add_files(path);
  for (const SkippedFile& s : result->skipped) {
    v1::ReprocessSkippedFile* out = response->add_skipped();
    out->set_path(s.path);
    out->set_reason(s.reason);
  }
  return grpc::Status::OK;
}

absl::StatusOr<v1::ReprocessProgress> AdminService::Progress(int64_t batch_id) {
  if (batch_id <= 0) {
    return absl::InvalidArgumentError("batch_id must be the positive id Reprocess returned");
  }
  absl::StatusOr<journal::JobCounts> counts = b_.journal->BatchCounts(batch_id, absl::Now());
  if (!counts.ok()) return counts.status();
  v1::ReprocessProgress progress = ToProgress(batch_id, *counts);
  if (progress.total() == 0) {
    return absl::NotFoundError(absl::StrCat("no reprocess batch ", batch_id,
                                            " in the journal (finished jobs are kept 30 days)"));
  }
  return progress;
}

grpc::Status AdminService::GetReprocessProgress(grpc::ServerContext* context,
                                                const v1::GetReprocessProgressRequest* request,
                                                v1::GetReprocessProgressResponse* response) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  absl::StatusOr<v1::ReprocessProgress> progress = Progress(request->batch_id());
  if (!progress.ok()) return ToGrpc(progress.status());
  *response->mutable_progress() = std::move(*progress);
  return grpc::Status::OK;
}

grpc::Status AdminService::PlanProvisioning(grpc::ServerContext* context,
                                            const v1::PlanProvisioningRequest* request,
                                            v1::PlanProvisioningResponse* response) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  if (b_.provision == nullptr) {
    return ToGrpc(ProvisioningNotConfigured());
  }
  absl::StatusOr<v1::ProvisionScope> scope = NormalizeScope(request->scope());
  if (!scope.ok()) return ToGrpc(scope.status());
  absl::StatusOr<v1::Plan> plan = b_.provision->Plan(*scope);
  if (!plan.ok()) return ToGrpc(plan.status());
  *response->mutable_plan() = std::move(*plan);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetStatus(grpc::ServerContext* context,
                                     const v1::GetStatusRequest* request,
                                     v1::GetStatusResponse* response) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  absl::Time now = absl::Now();
  absl::StatusOr<journal::JobCounts> counts = b_.journal->Counts(now);
  if (!counts.ok()) return ToGrpc(counts.status());
  response->set_version(POWERVIEW_VERSION);
  response->set_grpc_version(grpc::Version());
  response->set_protobuf_version(
      google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION));
  response->set_sqlite_version(sqlite3_libversion());
  *response->mutable_started_time() = ToTimestamp(b_.started);
  *response->mutable_uptime() = ToDuration(now - b_.started);
  v1::QueueStatus* queue = response->mutable_queue();
  queue->set_pending(counts->pending);
  queue->set_running(counts->running);
  queue->set_waiting_retry(counts->waiting_retry);
  queue->set_done(counts->done);
  queue->set_failed(counts->failed);
  WorkerLoad load = b_.probe->Workers();
  response->mutable_workers()->set_workers(load.workers);
  response->mutable_workers()->set_busy(load.busy);
  FillDependency(b_.probe->InfluxDb(), response->mutable_influxdb());
  FillDependency(b_.probe->Grafana(), response->mutable_grafana());
  auto ready = [](const v1::DependencyStatus& d) { return !d.configured() || d.reachable(); };
  response->set_ready(ready(response->influxdb()) && ready(response->grafana()));
  response->set_provisioning_configured(b_.provision != nullptr);
  response->set_data_root(b_.data_root);
  return grpc::Status::OK;
}

}  // namespace powerview::admin
