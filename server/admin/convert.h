// Translation between the admin API's protobuf messages and the stages' types: status codes,
// times, pipeline events, report filters.
#ifndef POWERVIEW_SERVER_ADMIN_CONVERT_H_
#define POWERVIEW_SERVER_ADMIN_CONVERT_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/support/status.h"
#include "powerview/v1/admin_service.pb.h"
#include "server/catalog/catalog.h"
#include "server/journal/job.h"
#include "server/pipeline/event_bus.h"

namespace powerview::admin {

// Same code and message (absl and gRPC share the code numbers).
grpc::Status ToGrpc(const absl::Status& status);

google::protobuf::Timestamp ToTimestamp(absl::Time time);
google::protobuf::Duration ToDuration(absl::Duration duration);

v1::PipelineEventType ToProto(pipeline::EventType type);
// InvalidArgument for UNSPECIFIED and unknown values.
absl::StatusOr<pipeline::EventType> FromProto(v1::PipelineEventType type);
v1::PipelineEvent ToProto(const pipeline::PipelineEvent& event);

// InvalidArgument for a negative page size, an unknown status, a timestamp out of range or
// `since` after `until`.
absl::StatusOr<catalog::ReportFilter> ToReportFilter(const v1::ListIngestReportsRequest& request);

v1::ReprocessProgress ToProgress(int64_t batch_id, const journal::JobCounts& counts);

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_CONVERT_H_
