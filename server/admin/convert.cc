#include "server/admin/convert.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace powerview::admin {
namespace {

using google::protobuf::util::TimeUtil;

absl::StatusOr<absl::Time> FromTimestamp(const google::protobuf::Timestamp& t, const char* what) {
  if (t.seconds() < TimeUtil::kTimestampMinSeconds ||
      t.seconds() > TimeUtil::kTimestampMaxSeconds || t.nanos() < 0 || t.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrCat("'", what, "' is not a valid timestamp"));
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp t;
  int64_t nanos = absl::ToUnixNanos(time);
  t.set_seconds(nanos / 1000000000);
  t.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  if (t.nanos() < 0) {
    t.set_seconds(t.seconds() - 1);
    t.set_nanos(t.nanos() + 1000000000);
  }
  return t;
}

google::protobuf::Duration ToDuration(absl::Duration duration) {
  google::protobuf::Duration d;
  int64_t nanos = absl::ToInt64Nanoseconds(duration);
  d.set_seconds(nanos / 1000000000);
  d.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return d;
}

v1::PipelineEventType ToProto(pipeline::EventType type) {
  using T = pipeline::EventType;
  switch (type) {
    case T::kJobQueued:
      return v1::PIPELINE_EVENT_TYPE_JOB_QUEUED;
    case T::kJobStarted:
      return v1::PIPELINE_EVENT_TYPE_JOB_STARTED;
    case T::kFileIngested:
      return v1::PIPELINE_EVENT_TYPE_FILE_INGESTED;
    case T::kFileRejected:
      return v1::PIPELINE_EVENT_TYPE_FILE_REJECTED;
    case T::kJobRetry:
      return v1::PIPELINE_EVENT_TYPE_JOB_RETRY;
    case T::kEventIgnored:
      return v1::PIPELINE_EVENT_TYPE_EVENT_IGNORED;
    case T::kProvisionAction:
      return v1::PIPELINE_EVENT_TYPE_PROVISION_ACTION;
    case T::kProvisionDone:
      return v1::PIPELINE_EVENT_TYPE_PROVISION_DONE;
  }
  return v1::PIPELINE_EVENT_TYPE_UNSPECIFIED;
}

absl::StatusOr<pipeline::EventType> FromProto(v1::PipelineEventType type) {
  using T = pipeline::EventType;
  for (T t : {T::kJobQueued, T::kJobStarted, T::kFileIngested, T::kFileRejected, T::kJobRetry,
              T::kEventIgnored, T::kProvisionAction, T::kProvisionDone}) {
    if (ToProto(t) == type) return t;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown pipeline event type ", static_cast<int>(type),
                   " (use PIPELINE_EVENT_TYPE_JOB_QUEUED ... PIPELINE_EVENT_TYPE_PROVISION_DONE)"));
}

v1::PipelineEvent ToProto(const pipeline::PipelineEvent& e) {
  v1::PipelineEvent out;
  out.set_type(ToProto(e.type));
  if (e.time != absl::InfinitePast()) *out.mutable_event_time() = ToTimestamp(e.time);
  out.set_job_id(e.job_id);
  out.set_path(e.path);
  out.set_company(e.company);
  out.set_campaign(e.campaign);
  out.set_device(e.device);
  out.set_message(e.message);
  out.set_points(e.points);
  return out;
}

absl::StatusOr<catalog::ReportFilter> ToReportFilter(const v1::ListIngestReportsRequest& r) {
  catalog::ReportFilter filter;
  if (r.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size ", r.page_size(), " is negative (0 = default, at most 1000)"));
  }
  if (!v1::IngestStatus_IsValid(r.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown ingest status ", static_cast<int>(r.status())));
  }
  filter.company = r.company();
  filter.campaign = r.campaign();
  filter.device = r.device();
  filter.status = r.status();
  filter.page_size = r.page_size() == 0 ? 50 : std::min(r.page_size(), 1000);
  filter.page_token = r.page_token();
  if (r.has_since_time()) {
    absl::StatusOr<absl::Time> since = FromTimestamp(r.since_time(), "since_time");
    if (!since.ok()) return since.status();
    filter.since = *since;
  }
  if (r.has_until_time()) {
    absl::StatusOr<absl::Time> until = FromTimestamp(r.until_time(), "until_time");
    if (!until.ok()) return until.status();
    filter.until = *until;
  }
  if (filter.since > filter.until) {
    return absl::InvalidArgumentError("'since_time' is after 'until_time': no report can match");
  }
  return filter;
}

v1::ReprocessProgress ToProgress(int64_t batch_id, const journal::JobCounts& c) {
  v1::ReprocessProgress p;
  p.set_batch_id(batch_id);
  p.set_pending(c.pending);
  p.set_running(c.running);
  p.set_waiting_retry(c.waiting_retry);
  p.set_done(c.done);
  p.set_failed(c.failed);
  p.set_total(c.pending + c.running + c.done + c.failed);
  p.set_complete(c.pending == 0 && c.running == 0);
  return p;
}

}  // namespace powerview::admin
