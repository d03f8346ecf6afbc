#include "server/sink/async_batch_sink.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/sink/influx_writer.h"
#include "tests/sink/fake_influx.h"

namespace powerview::sink {
namespace {

// Records batches; can be held closed (deliveries block) and told to fail at a batch.
class ScriptedSink : public BatchSink {
 public:
  absl::Status WriteBatch(absl::string_view lines, int64_t line_count) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
    if (static_cast<int>(batches_.size()) == fail_at_) {
      return absl::InvalidArgumentError("InfluxDB refused batch " + std::string(lines));
    }
    batches_.emplace_back(lines);
    lines_ += line_count;
    return absl::OkStatus();
  }
  absl::Status Flush() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++flushes_;
    return flush_status_;
  }

  void SetOpen(bool open) {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = open;
    changed_.notify_all();
  }
  void WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return entered_ >= n; });
  }
  int entered() {
    std::lock_guard<std::mutex> lock(mu_);
    return entered_;
  }

  std::mutex mu_;
  std::condition_variable changed_;
  bool open_ = true;
  int entered_ = 0;
  int fail_at_ = -1;
  int flushes_ = 0;
  absl::Status flush_status_;
  std::vector<std::string> batches_;
  int64_t lines_ = 0;
};

TEST(AsyncBatchSinkTest, DeliversInOrderAndFlushesTheTarget) {
  ScriptedSink target;
  {
    AsyncBatchSink sink(&target);
    for (int i = 0; i < 200; ++i) {
      std::string batch = absl::StrCat("batch", i, "\n");
      ASSERT_TRUE(sink.WriteBatch(batch, 1).ok());
      batch.assign("overwritten");  // the sink must have copied the bytes
    }
    ASSERT_TRUE(sink.Flush().ok());
    EXPECT_EQ(target.flushes_, 1);
  }
  ASSERT_EQ(target.batches_.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(target.batches_[i], absl::StrCat("batch", i, "\n"));
  EXPECT_EQ(target.lines_, 200);
}

TEST(AsyncBatchSinkTest, HoldsAtMostMaxInFlightBatches) {
  for (int max_in_flight : {1, 2, 3}) {
    ScriptedSink target;
    target.SetOpen(false);
    AsyncBatchSink sink(&target, max_in_flight);
    // Accepted at once: the one being delivered (blocked) plus max_in_flight - 1 queued.
    for (int i = 0; i < max_in_flight; ++i) ASSERT_TRUE(sink.WriteBatch("x\n", 1).ok());
    target.WaitEntered(1);
    std::atomic<bool> returned{false};
    std::thread producer([&] {
      EXPECT_TRUE(sink.WriteBatch("last\n", 1).ok());
      returned = true;
    });
    absl::SleepFor(absl::Milliseconds(100));
    EXPECT_FALSE(returned.load()) << "max_in_flight " << max_in_flight;
    target.SetOpen(true);
    producer.join();
    EXPECT_TRUE(returned.load());
    ASSERT_TRUE(sink.Flush().ok());
    EXPECT_EQ(target.batches_.size(), static_cast<size_t>(max_in_flight + 1));
    EXPECT_EQ(target.batches_.back(), "last\n");
  }
}

TEST(AsyncBatchSinkTest, FirstErrorStopsDeliveryAndIsReturned) {
  ScriptedSink target;
  target.fail_at_ = 3;  // the fourth batch fails
  AsyncBatchSink sink(&target);
  absl::Status first_refusal;
  int accepted = 0;
  for (int i = 0; i < 50; ++i) {
    absl::Status s = sink.WriteBatch(absl::StrCat("b", i, "\n"), 1);
    if (!s.ok()) {
      first_refusal = s;
      break;
    }
    ++accepted;
  }
  EXPECT_EQ(first_refusal.code(), absl::StatusCode::kInvalidArgument) << first_refusal;
  EXPECT_LE(accepted, 4 + 2);  // the failing batch and at most what was in flight behind it
  absl::Status flushed = sink.Flush();
  EXPECT_EQ(flushed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(flushed.message(), "InfluxDB refused batch b3\n");
  EXPECT_EQ(sink.WriteBatch("more\n", 1).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(target.batches_.size(), 3u);  // nothing after the failed batch was delivered
  EXPECT_EQ(target.flushes_, 0);
}

TEST(AsyncBatchSinkTest, FlushReportsTheTargetsFlushError) {
  ScriptedSink target;
  target.flush_status_ = absl::UnavailableError("target could not flush");
  AsyncBatchSink sink(&target);
  ASSERT_TRUE(sink.WriteBatch("a\n", 1).ok());
  EXPECT_EQ(sink.Flush().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sink.WriteBatch("b\n", 1).code(), absl::StatusCode::kUnavailable);
}

TEST(AsyncBatchSinkTest, DestructionWaitsForPendingBatches) {
  ScriptedSink target;
  target.SetOpen(false);
  std::thread opener([&] {
    target.WaitEntered(1);
    absl::SleepFor(absl::Milliseconds(50));
    target.SetOpen(true);
  });
  {
    AsyncBatchSink sink(&target);
    ASSERT_TRUE(sink.WriteBatch("a\n", 1).ok());
    ASSERT_TRUE(sink.WriteBatch("b\n", 1).ok());
  }
  opener.join();
  EXPECT_EQ(target.batches_, (std::vector<std::string>{"a\n", "b\n"}));
}

// Through a real HTTP exchange: the writer's retries happen on the sink's thread.
TEST(AsyncBatchSinkTest, SeveralSendersDeliverAtOnceAndStillHoldTheBound) {
  ScriptedSink target;
  target.SetOpen(false);  // deliveries block until opened
  AsyncBatchSink async(&target, /*max_in_flight=*/3, /*senders=*/2);
  ASSERT_TRUE(async.WriteBatch("a\n", 1).ok());
  ASSERT_TRUE(async.WriteBatch("b\n", 1).ok());
  target.WaitEntered(2);  // both senders are inside the target at the same time
  ASSERT_TRUE(async.WriteBatch("c\n", 1).ok());  // third slot: queued
  std::atomic<bool> fourth_returned{false};
  std::thread producer([&] {
    EXPECT_TRUE(async.WriteBatch("d\n", 1).ok());
    fourth_returned = true;
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(fourth_returned.load()) << "a fourth batch must wait for a free slot";
  target.SetOpen(true);
  producer.join();
  ASSERT_TRUE(async.Flush().ok());
  std::vector<std::string> got = target.batches_;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"a\n", "b\n", "c\n", "d\n"}));
  EXPECT_EQ(target.lines_, 4);
}

TEST(AsyncBatchSinkTest, OverInfluxBatchSink) {
  testing::FakeInflux influx;
  ASSERT_TRUE(influx.Start().ok());
  influx.AddDatabase("acme");
  influx.Script("/write", {testing::FakeResponse::Json(503, "{}")});
  InfluxConfig config;
  config.url = influx.url();
  auto http = NewCurlHttpClient();
  testing::RecordingSleeper sleeper;
  InfluxWriter writer(config, http.get(), sleeper.AsFunction());
  InfluxBatchSink influx_sink(&writer, "acme");
  AsyncBatchSink sink(&influx_sink);
  std::string all;
  for (int b = 0; b < 20; ++b) {
    std::string batch;
    for (int i = 0; i < 100; ++i) absl::StrAppend(&batch, "m,b=", b, " v=", i, " ", 1000 + i, "\n");
    all += batch;
    ASSERT_TRUE(sink.WriteBatch(batch, 100).ok());
  }
  ASSERT_TRUE(sink.Flush().ok());
  std::vector<std::string> want = absl::StrSplit(all, '\n', absl::SkipEmpty());
  EXPECT_EQ(influx.lines("acme"), want);
  EXPECT_EQ(influx_sink.stats().lines, 2000);
  EXPECT_EQ(influx_sink.stats().retries, 1);
  EXPECT_EQ(sleeper.waits().size(), 1u);
}

}  // namespace
}  // namespace powerview::sink
