#include "server/pipeline/event_bus.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace powerview::pipeline {

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kJobQueued:
      return "job_queued";
    case EventType::kJobStarted:
      return "job_started";
    case EventType::kFileIngested:
      return "file_ingested";
    case EventType::kFileRejected:
      return "file_rejected";
    case EventType::kJobRetry:
      return "job_retry";
    case EventType::kEventIgnored:
      return "event_ignored";
    case EventType::kProvisionAction:
      return "provision_action";
    case EventType::kProvisionDone:
      return "provision_done";
  }
  return "unknown";
}

Subscription::~Subscription() { bus_->Remove(this); }

std::optional<PipelineEvent> Subscription::Next(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() { return closed_ || !queue_.empty(); };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (queue_.empty()) return std::nullopt;
  PipelineEvent event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

int64_t Subscription::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void Subscription::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

void Subscription::Push(const PipelineEvent& event) {
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  if (queue_.size() >= capacity_) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(event);
}

void EventBus::Publish(PipelineEvent event) {
  if (event.time == absl::InfinitePast()) event.time = absl::Now();
  std::lock_guard<std::mutex> lock(mu_);
  for (Subscription* s : subscribers_) s->Push(event);
}

std::unique_ptr<Subscription> EventBus::Subscribe(size_t capacity) {
  std::unique_ptr<Subscription> s(new Subscription(this, capacity));
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.push_back(s.get());
  return s;
}

void EventBus::Remove(Subscription* subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), subscription),
                     subscribers_.end());
}

}  // namespace powerview::pipeline
