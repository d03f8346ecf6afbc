// The server-streaming calls of the admin service: reprocess progress, provisioning apply and
// the live pipeline events.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/admin/admin_service.h"
#include "server/admin/convert.h"
#include "server/admin/watch_filter.h"

namespace powerview::admin {
namespace {

grpc::Status ShuttingDown() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "powerviewd is shutting down; call again once it is back");
}

}  // namespace

grpc::Status AdminService::WatchReprocessProgress(
    grpc::ServerContext* context, const v1::WatchReprocessProgressRequest* request,
    grpc::ServerWriter<v1::WatchReprocessProgressResponse>* writer) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  absl::StatusOr<v1::ReprocessProgress> progress = Progress(request->batch_id());
  if (!progress.ok()) return ToGrpc(progress.status());
  v1::WatchReprocessProgressResponse message;
  *message.mutable_progress() = *progress;
  if (!writer->Write(message)) return grpc::Status::CANCELLED;
  while (!message.progress().complete()) {
    absl::SleepFor(b_.poll_interval);
    if (stopping_) return ShuttingDown();
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    progress = Progress(request->batch_id());
    if (!progress.ok()) return ToGrpc(progress.status());
    if (google::protobuf::util::MessageDifferencer::Equals(*progress, message.progress())) {
      continue;
    }
    *message.mutable_progress() = *progress;
    if (!writer->Write(message)) return grpc::Status::CANCELLED;
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::ApplyProvisioning(
    grpc::ServerContext* context, const v1::ApplyProvisioningRequest* request,
    grpc::ServerWriter<v1::ApplyProvisioningResponse>* writer) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  if (b_.provision == nullptr) {
    return ToGrpc(ProvisioningNotConfigured());
  }
  absl::StatusOr<v1::ProvisionScope> scope = NormalizeScope(request->scope());
  if (!scope.ok()) return ToGrpc(scope.status());
  // Once started, an apply runs to its end even if the client goes away: stopping half-way
  // would leave a partly applied plan for no reason.
  int32_t total = 0;
  int32_t finished = 0;
  auto on_action = [&](const v1::ActionOutcome& outcome, int actions) {
    total = actions;
    v1::ApplyProvisioningResponse step;
    step.set_total_actions(total);
    step.set_finished_actions(++finished);
    *step.mutable_outcome() = outcome;
    writer->Write(step);
  };
  absl::StatusOr<v1::ApplyResult> result =
      ApplyShownPlan(b_.provision, *scope, request->plan_fingerprint(), on_action, b_.bus);
  if (!result.ok()) return ToGrpc(result.status());
  v1::ApplyProvisioningResponse last;
  last.set_total_actions(total > 0 ? total : result->outcomes_size());
  last.set_finished_actions(finished);
  *last.mutable_result() = std::move(*result);
  writer->Write(last);
  return grpc::Status::OK;
}

grpc::Status AdminService::Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                                 grpc::ServerWriter<v1::WatchResponse>* writer) {
  if (grpc::Status s = auth_.Check(*context); !s.ok()) return s;
  std::set<pipeline::EventType> types;
  for (int type : request->types()) {
    absl::StatusOr<pipeline::EventType> t = FromProto(static_cast<v1::PipelineEventType>(type));
    if (!t.ok()) return ToGrpc(t.status());
    types.insert(*t);
  }
  absl::StatusOr<WatchFilter> filter =
      WatchFilter::Create(b_.data_root, request->company(), request->campaign(), types);
  if (!filter.ok()) return ToGrpc(filter.status());
  std::unique_ptr<pipeline::Subscription> subscription = b_.bus->Subscribe();
  // Tells the client the subscription is in place: nothing published from now on is missed.
  writer->SendInitialMetadata();
  int64_t reported_dropped = 0;
  while (Streaming(context)) {
    std::optional<pipeline::PipelineEvent> event = subscription->Next(absl::Milliseconds(250));
    if (!event.has_value() || !filter->Admit(&*event)) continue;
    v1::WatchResponse message;
    *message.mutable_event() = ToProto(*event);
    int64_t dropped = subscription->dropped();
    message.set_dropped_events(dropped - reported_dropped);
    reported_dropped = dropped;
    if (!writer->Write(message)) return grpc::Status::CANCELLED;
  }
  if (stopping_) return ShuttingDown();
  return grpc::Status::CANCELLED;
}

}  // namespace powerview::admin
