#include "server/sink/group_writer.h"

#include <algorithm>

namespace powerview::sink {

GroupWriter::GroupWriter(InfluxWriter* writer, std::string bucket, int max_lines)
    : writer_(writer),
      bucket_(std::move(bucket)),
      max_lines_(static_cast<size_t>(std::max(1, max_lines))) {}

absl::Status GroupWriter::Write(std::string line) {
  Pending pending;
  pending.line = std::move(line);
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&pending);
  while (!pending.done) {
    if (sending_) {
      done_.wait(lock);
      continue;
    }
    // Lead: send what is queued (ours included, up to max_lines_ oldest first).
    sending_ = true;
    size_t n = std::min(queue_.size(), max_lines_);
    std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<long>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
    lock.unlock();
    Send(batch);
    lock.lock();
    for (Pending* p : batch) p->done = true;
    sending_ = false;
    done_.notify_all();
  }
  return pending.result;
}

void GroupWriter::Send(const std::vector<Pending*>& batch) {
  std::string body;
  for (const Pending* p : batch) {
    body += p->line;
    body += '\n';
  }
  WriteStats stats;
  absl::Status status = writer_->Write(bucket_, body, static_cast<int64_t>(batch.size()), &stats);
  if (absl::IsInvalidArgument(status) && batch.size() > 1) {
    // Refused for its content: find out whose line it was.
    for (Pending* p : batch) {
      p->result = writer_->Write(bucket_, p->line + "\n", 1, &stats);
    }
  } else {
    for (Pending* p : batch) p->result = status;
  }
  std::lock_guard<std::mutex> lock(mu_);
  requests_ += stats.requests;
}

int64_t GroupWriter::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

}  // namespace powerview::sink
