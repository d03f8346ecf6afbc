// The worker pool on a real SQLite journal: leases renewed while a job runs, retries, and a
// stop bounded by its grace.
#include "server/pipeline/worker_pool.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/journal/sqlite_journal.h"

namespace powerview::pipeline {
namespace {

namespace fs = std::filesystem;
using journal::Job;
using Kind = JobResult::Kind;

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / absl::StrCat("pv-workers-", getpid(), "-", ++counter);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto j = journal::SqliteJournal::Open((dir_ / "powerview.db").string(),
                                          journal::JournalOptions{absl::Milliseconds(300)});
    ASSERT_TRUE(j.ok()) << j.status();
    journal_ = std::move(*j);
  }
  void TearDown() override { fs::remove_all(dir_); }

  int64_t Queue(const std::string& name) {
    journal::NewJob job;
    job.path = "/d/" + name;
    job.dedupe_key = name;
    auto queued = journal_->Enqueue(job);
    EXPECT_TRUE(queued.ok());
    return queued->id;
  }

  journal::JobState WaitForState(int64_t id, journal::JobState state) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (journal_->Get(id)->state == state) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return journal_->Get(id)->state;
  }

  fs::path dir_;
  std::unique_ptr<journal::SqliteJournal> journal_;
};

TEST_F(WorkerPoolTest, ALongJobKeepsItsClaimAndFinishesOnce) {
  std::atomic<int> runs{0};
  WorkerPool pool(journal_.get(), 2, [&](const Job&) {
    ++runs;
    absl::SleepFor(absl::Milliseconds(1200));  // four lease times
    return JobResult{Kind::kDone, "ingested"};
  });
  int64_t id = Queue("a.tsv");
  pool.Start();
  pool.Wake();
  absl::SleepFor(absl::Milliseconds(600));
  // Another daemon on the same journal finds nothing to take: the lease is renewed.
  auto other = journal::SqliteJournal::Open((dir_ / "powerview.db").string());
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->Claim(absl::Now())->has_value());
  EXPECT_EQ(WaitForState(id, journal::JobState::kDone), journal::JobState::kDone);
  EXPECT_TRUE(pool.Stop(absl::Seconds(5)));
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(journal_->Get(id)->attempts, 1);
}

TEST_F(WorkerPoolTest, RetryWaitsTheGivenDelayThenRunsAgain) {
  std::atomic<int> runs{0};
  WorkerPool pool(journal_.get(), 1, [&](const Job&) {
    if (++runs == 1) return JobResult{Kind::kRetry, "InfluxDB down", absl::Milliseconds(200)};
    return JobResult{Kind::kDone, "ingested"};
  });
  int64_t id = Queue("a.tsv");
  absl::Time start = absl::Now();
  pool.Start();
  EXPECT_EQ(WaitForState(id, journal::JobState::kDone), journal::JobState::kDone);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(journal_->Get(id)->attempts, 2);
  EXPECT_TRUE(pool.Stop(absl::Seconds(5)));
}

TEST_F(WorkerPoolTest, StopWaitsForARunningJobWithoutPolling) {
  absl::Notification started;
  WorkerPool pool(journal_.get(), 1, [&](const Job&) {
    started.Notify();
    absl::SleepFor(absl::Milliseconds(300));
    return JobResult{Kind::kDone, "ingested"};
  });
  int64_t id = Queue("a.tsv");
  pool.Start();
  started.WaitForNotification();
  absl::Time stopping = absl::Now();
  EXPECT_TRUE(pool.Stop(absl::Seconds(5)));
  absl::Duration took = absl::Now() - stopping;
  EXPECT_LT(took, absl::Milliseconds(600)) << "returns as soon as the job ends";
  EXPECT_EQ(journal_->Get(id)->state, journal::JobState::kDone);
}

TEST_F(WorkerPoolTest, StopIsBoundedByTheGraceAndTheJobStaysClaimed) {
  absl::Notification started, release;
  auto pool = std::make_unique<WorkerPool>(journal_.get(), 1, [&](const Job&) {
    started.Notify();
    release.WaitForNotification();
    return JobResult{Kind::kDone, "ingested"};
  });
  int64_t id = Queue("a.tsv");
  Queue("b.tsv");
  pool->Start();
  started.WaitForNotification();
  absl::Time stopping = absl::Now();
  EXPECT_FALSE(pool->Stop(absl::Milliseconds(200)));
  absl::Duration took = absl::Now() - stopping;
  EXPECT_GE(took, absl::Milliseconds(200));
  EXPECT_LT(took, absl::Milliseconds(400));
  EXPECT_EQ(journal_->Get(id)->state, journal::JobState::kRunning);
  EXPECT_EQ(journal_->Counts(absl::Now())->pending, 1) << "no new job was started";
  release.Notify();
  // The detached worker finishes its job and exits without claiming another.
  EXPECT_EQ(WaitForState(id, journal::JobState::kDone), journal::JobState::kDone);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(journal_->Counts(absl::Now())->pending, 1);
  pool.release();  // its thread was detached; as in powerviewd, the pool is not destroyed
}

TEST_F(WorkerPoolTest, IdlePoolStopsAtOnce) {
  WorkerPool pool(journal_.get(), 4, [&](const Job&) { return JobResult{Kind::kDone, ""}; });
  pool.Start();
  absl::SleepFor(absl::Milliseconds(50));
  absl::Time stopping = absl::Now();
  EXPECT_TRUE(pool.Stop(absl::Seconds(5)));
  EXPECT_LT(absl::Now() - stopping, absl::Milliseconds(200));
}

}  // namespace
}  // namespace powerview::pipeline
