// Delivers batches on a background thread, so that encoding the next batch overlaps the write
// of the previous one, while at most a fixed number of batches is held in memory.
#ifndef POWERVIEW_SERVER_SINK_ASYNC_BATCH_SINK_H_
#define POWERVIEW_SERVER_SINK_ASYNC_BATCH_SINK_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/sink/batch_sink.h"

namespace powerview::sink {

class AsyncBatchSink : public BatchSink {
 public:
  // Forwards batches to `target`, which is not owned and must outlive this sink. At most
  // `max_in_flight` batches (at least 1) are held: those being delivered plus the queued ones.
  // With one sender (the default) batches are delivered in order; with more, up to `senders`
  // batches are delivered at once (for targets, like InfluxDB, where batches are independent
  // and `target` is thread-safe). WriteBatch and Flush are meant for one producer thread.
  explicit AsyncBatchSink(BatchSink* target, int max_in_flight = 2, int senders = 1);
  // Waits for the batches already handed over, as Flush() does, then stops the thread.
  ~AsyncBatchSink() override;

  AsyncBatchSink(const AsyncBatchSink&) = delete;
  AsyncBatchSink& operator=(const AsyncBatchSink&) = delete;

  // Copies the batch into the queue, waiting while the queue is full. Returns at once with
  // the first delivery error once one has happened; batches queued behind a failed one are
  // dropped, never delivered out of order.
  absl::Status WriteBatch(absl::string_view lines, int64_t line_count) override;

  // Waits until every batch handed over is delivered, then flushes `target`. Returns the first
  // error of either.
  absl::Status Flush() override;

 private:
  struct Batch {
    std::string lines;
    int64_t line_count;
  };

  void Run();

  BatchSink* const target_;
  const size_t max_in_flight_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;  // not yet taken by the thread
  int delivering_ = 0;       // batches held by sender threads
  bool stopping_ = false;
  absl::Status error_;
  std::vector<std::thread> threads_;
};

}  // namespace powerview::sink

#endif  // POWERVIEW_SERVER_SINK_ASYNC_BATCH_SINK_H_
