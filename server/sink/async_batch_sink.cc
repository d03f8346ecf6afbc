#include "server/sink/async_batch_sink.h"

#include <algorithm>
#include <utility>

namespace powerview::sink {

AsyncBatchSink::AsyncBatchSink(BatchSink* target, int max_in_flight, int senders)
    : target_(target), max_in_flight_(static_cast<size_t>(std::max(1, max_in_flight))) {
  for (int i = 0; i < std::max(1, senders); ++i) threads_.emplace_back([this] { Run(); });
}

AsyncBatchSink::~AsyncBatchSink() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return queue_.empty() && delivering_ == 0; });
    stopping_ = true;
  }
  changed_.notify_all();
  for (std::thread& t : threads_) t.join();
}

absl::Status AsyncBatchSink::WriteBatch(absl::string_view lines, int64_t line_count) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] {
    return !error_.ok() || queue_.size() + static_cast<size_t>(delivering_) < max_in_flight_;
  });
  if (!error_.ok()) return error_;
  queue_.push_back(Batch{std::string(lines), line_count});
  lock.unlock();
  changed_.notify_all();
  return absl::OkStatus();
}

absl::Status AsyncBatchSink::Flush() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return queue_.empty() && delivering_ == 0; });
    if (!error_.ok()) return error_;
  }
  absl::Status status = target_->Flush();
  if (!status.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = status;
  }
  return status;
}

void AsyncBatchSink::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    ++delivering_;
    lock.unlock();
    absl::Status status = target_->WriteBatch(batch.lines, batch.line_count);
    batch = Batch{};  // release the memory before taking the next one
    lock.lock();
    --delivering_;
    if (!status.ok() && error_.ok()) {
      error_ = std::move(status);
      queue_.clear();
    }
    changed_.notify_all();
  }
}

}  // namespace powerview::sink
