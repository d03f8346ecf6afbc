// Live pipeline events (job queued, file ingested or rejected, provisioning action) for
// watchers such as the admin API's Watch stream. Publishing never blocks the pipeline: a slow
// subscriber loses its oldest events and is told how many.
#ifndef POWERVIEW_SERVER_PIPELINE_EVENT_BUS_H_
#define POWERVIEW_SERVER_PIPELINE_EVENT_BUS_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace powerview::pipeline {

enum class EventType {
  kJobQueued,
  kJobStarted,
  kFileIngested,
  kFileRejected,
  kJobRetry,
  kEventIgnored,
  kProvisionAction,
  kProvisionDone,
};

const char* EventTypeName(EventType type);

struct PipelineEvent {
  EventType type = EventType::kJobQueued;
  absl::Time time = absl::InfinitePast();
  int64_t job_id = 0;
  std::string path;
  std::string company;
  std::string campaign;
  std::string device;
  std::string message;
  int64_t points = 0;
};

class EventBus;

// A subscriber's queue. Obtained from EventBus::Subscribe; unsubscribes on destruction.
class Subscription {
 public:
  ~Subscription();
  // Waits up to `timeout` for the next event; nullopt on timeout or after Close().
  std::optional<PipelineEvent> Next(absl::Duration timeout);
  // Events dropped because this subscriber was too slow.
  int64_t dropped() const;
  void Close();

 private:
  friend class EventBus;
  Subscription(EventBus* bus, size_t capacity) : bus_(bus), capacity_(capacity) {}
  void Push(const PipelineEvent& event);

  EventBus* bus_;
  size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<PipelineEvent> queue_;
  int64_t dropped_ = 0;
  bool closed_ = false;
};

class EventBus {
 public:
  void Publish(PipelineEvent event);
  // The subscription must not outlive the bus.
  std::unique_ptr<Subscription> Subscribe(size_t capacity = 1024);

 private:
  friend class Subscription;
  void Remove(Subscription* subscription);

  std::mutex mu_;
  std::vector<Subscription*> subscribers_;
};

}  // namespace powerview::pipeline

#endif  // POWERVIEW_SERVER_PIPELINE_EVENT_BUS_H_
