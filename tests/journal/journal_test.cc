// The SQLite journal on a real database file: leased claims, one lane per path in upload order,
// finishing only under the current lease, release of a dead process's claims, the ledger.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/journal/sqlite_journal.h"

namespace powerview::journal {
namespace {

namespace fs = std::filesystem;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / absl::StrCat("pv-journal-", getpid(), "-", ++counter);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "powerview.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SqliteJournal> Open(absl::Duration lease = absl::Seconds(30)) {
    auto j = SqliteJournal::Open(db_, JournalOptions{lease});
    EXPECT_TRUE(j.ok()) << j.status();
    return std::move(*j);
  }

  static NewJob Ingest(const std::string& path, const std::string& key) {
    NewJob job;
    job.path = path;
    job.company = "acme";
    job.source = "upload";
    job.dedupe_key = key;
    return job;
  }

  fs::path dir_;
  std::string db_;
};

TEST_F(JournalTest, EnqueueDedupesAndClaimLeases) {
  auto j = Open();
  auto a = j->Enqueue(Ingest("/d/a.tsv", "a"));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->created);
  auto again = j->Enqueue(Ingest("/d/a.tsv", "a"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->id, a->id);

  absl::Time now = absl::Now();
  auto lease = j->Claim(now);
  ASSERT_TRUE(lease.ok() && lease->has_value());
  EXPECT_EQ((*lease)->job.id, a->id);
  EXPECT_EQ((*lease)->job.attempts, 1);
  EXPECT_EQ((*lease)->expires, now + absl::Seconds(30));
  // Nothing else is runnable while the lease lives.
  auto none = j->Claim(now + absl::Seconds(29));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(j->Complete(**lease, "ingested").ok());
  auto job = j->Get(a->id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kDone);
  EXPECT_EQ(job->outcome, "ingested");
}

TEST_F(JournalTest, AnExpiredLeaseIsClaimedAgainAndTheOldHolderCannotFinish) {
  auto j = Open(absl::Seconds(10));
  ASSERT_TRUE(j->Enqueue(Ingest("/d/a.tsv", "a")).ok());
  absl::Time t0 = absl::Now();
  auto first = j->Claim(t0);
  ASSERT_TRUE(first.ok() && first->has_value());
  // Still held at t0 + 9 s; free at t0 + 11 s.
  ASSERT_FALSE(j->Claim(t0 + absl::Seconds(9))->has_value());
  auto second = j->Claim(t0 + absl::Seconds(11));
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->job.attempts, 2);
  EXPECT_NE((*second)->token, (*first)->token);
  // The first holder lost it: it can neither renew nor finish.
  Lease stale = **first;
  EXPECT_EQ(j->Renew(stale).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(j->Complete(stale, "ingested").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(j->Retry(stale, t0, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(j->Complete(**second, "ingested").ok());
}

TEST_F(JournalTest, RenewKeepsTheClaim) {
  auto j = Open(absl::Milliseconds(300));
  ASSERT_TRUE(j->Enqueue(Ingest("/d/a.tsv", "a")).ok());
  auto lease = j->Claim(absl::Now());
  ASSERT_TRUE(lease.ok() && lease->has_value());
  for (int i = 0; i < 4; ++i) {
    absl::SleepFor(absl::Milliseconds(150));
    ASSERT_TRUE(j->Renew(**lease).ok());
    EXPECT_FALSE(j->Claim(absl::Now())->has_value()) << "renewed claims are not taken";
  }
  EXPECT_TRUE(j->Complete(**lease, "ingested").ok());
}

TEST_F(JournalTest, OnePathRunsOneJobAtATimeInUploadOrder) {
  auto j = Open();
  auto first = j->Enqueue(Ingest("/d/a.tsv", "a1"));
  auto second = j->Enqueue(Ingest("/d/a.tsv", "a2"));
  auto other = j->Enqueue(Ingest("/d/b.tsv", "b1"));
  ASSERT_TRUE(first.ok() && second.ok() && other.ok());
  absl::Time now = absl::Now();
  auto l1 = j->Claim(now);
  ASSERT_TRUE(l1->has_value());
  EXPECT_EQ((*l1)->job.id, first->id);
  // The second upload of a.tsv waits for the first; b.tsv runs meanwhile.
  auto l2 = j->Claim(now);
  ASSERT_TRUE(l2->has_value());
  EXPECT_EQ((*l2)->job.id, other->id);
  EXPECT_FALSE(j->Claim(now)->has_value());
  ASSERT_TRUE(j->Complete(**l2, "ingested").ok());
  // The first waits for a retry an hour away: the second still does not overtake it.
  ASSERT_TRUE(j->Retry(**l1, now + absl::Hours(1), "InfluxDB down").ok());
  EXPECT_FALSE(j->Claim(now + absl::Seconds(1))->has_value());
  auto again = j->Claim(now + absl::Hours(2));
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->job.id, first->id);
  ASSERT_TRUE(j->Complete(**again, "ingested").ok());
  auto l3 = j->Claim(now + absl::Hours(2));
  ASSERT_TRUE(l3->has_value());
  EXPECT_EQ((*l3)->job.id, second->id);
}

TEST_F(JournalTest, ReleaseDoesNotCountAsAnAttempt) {
  auto j = Open();
  ASSERT_TRUE(j->Enqueue(Ingest("/d/a.tsv", "a")).ok());
  auto lease = j->Claim(absl::Now());
  ASSERT_TRUE(lease->has_value());
  ASSERT_TRUE(j->Release(**lease).ok());
  auto again = j->Claim(absl::Now());
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->job.attempts, 1);
}

TEST_F(JournalTest, StartDoesNotTakeBackALiveSiblingsClaim) {
  auto sibling = Open();
  ASSERT_TRUE(sibling->Enqueue(Ingest("/d/a.tsv", "a")).ok());
  auto lease = sibling->Claim(absl::Now());
  ASSERT_TRUE(lease->has_value());
  // A second daemon on the same journal starts: the sibling is alive, its claim stays.
  auto second = Open();
  auto released = second->RecoverAbandoned();
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, 0);
  EXPECT_FALSE(second->Claim(absl::Now())->has_value());
  EXPECT_TRUE(sibling->Complete(**lease, "ingested").ok());
}

TEST_F(JournalTest, ClaimsOfAProcessThatDiedAreReleasedAtStart) {
  ASSERT_TRUE(Open()->Enqueue(Ingest("/d/a.tsv", "a")).ok());
  // A child process claims the job and dies without finishing it (kill -9 of a daemon).
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto j = SqliteJournal::Open(db_);
    if (!j.ok()) _exit(2);
    auto lease = (*j)->Claim(absl::Now());
    _exit(lease.ok() && lease->has_value() ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto j = Open(absl::Hours(1));
  EXPECT_FALSE(j->Claim(absl::Now())->has_value()) << "the lease has not expired yet";
  auto released = j->RecoverAbandoned();
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, 1);
  auto lease = j->Claim(absl::Now());
  ASSERT_TRUE(lease->has_value());
  EXPECT_EQ((*lease)->job.attempts, 2);
}

TEST_F(JournalTest, LedgerCountsKnowsFilesAndPrunes) {
  auto j = Open();
  auto a = j->Enqueue(Ingest("/d/a.tsv", "a"));
  NewJob b = Ingest("/d/b.tsv", "b");
  auto batch = j->NewBatchId();
  ASSERT_TRUE(batch.ok());
  b.batch_id = *batch;
  ASSERT_TRUE(j->Enqueue(b).ok());
  EXPECT_TRUE(*j->KnowsFile("/d/a.tsv", 1, 1)) << "pending jobs hold their path";
  absl::Time now = absl::Now();
  auto la = j->Claim(now);
  ASSERT_TRUE(la->has_value());
  ASSERT_TRUE(j->RecordFileSeen(a->id, 10, 20).ok());
  ASSERT_TRUE(j->Complete(**la, "ingested").ok());
  EXPECT_TRUE(*j->KnowsFile("/d/a.tsv", 10, 20));
  EXPECT_FALSE(*j->KnowsFile("/d/a.tsv", 11, 20)) << "a changed file is new";
  auto counts = j->Counts(now);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->done, 1);
  EXPECT_EQ(counts->pending, 1);
  auto bc = j->BatchCounts(*batch, now);
  ASSERT_TRUE(bc.ok());
  EXPECT_EQ(bc->pending, 1);
  EXPECT_EQ(bc->done, 0);
  EventRecord e;
  e.received = now;
  e.action = "upload";
  e.path = "/d/a.tsv";
  e.outcome = "queued job 1";
  ASSERT_TRUE(j->RecordEvent(e).ok());
  auto events = j->RecentEvents(10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].outcome, "queued job 1");
  auto jobs = j->ListJobs(JobState::kDone, 10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].path, "/d/a.tsv");
  auto pruned = j->Prune(absl::Now() + absl::Hours(1));
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 2) << "the finished job and the event; the pending one stays";
  EXPECT_EQ(j->Counts(now)->pending, 1);
}

TEST_F(JournalTest, ConcurrentEnqueuesAreAllDurableAndDistinct) {
  auto j = Open();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string key = absl::StrCat(t, "-", i);
        EXPECT_TRUE(j->Enqueue(Ingest(absl::StrCat("/d/", key, ".tsv"), key)).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  j.reset();
  EXPECT_EQ(Open()->Counts(absl::Now())->pending, 200);
}

TEST_F(JournalTest, ReleasedKeysCoalesceOnlyWhileUnfinished) {
  auto j = Open();
  NewJob p;
  p.kind = JobKind::kProvision;
  p.path = "acme";
  p.dedupe_key = "provision:acme";
  p.release_key_when_finished = true;
  auto first = j->Enqueue(p);
  auto coalesced = j->Enqueue(p);
  EXPECT_FALSE(coalesced->created);
  auto lease = j->Claim(absl::Now());
  ASSERT_TRUE(j->Complete(**lease, "provisioned").ok());
  auto next = j->Enqueue(p);
  EXPECT_TRUE(next->created);
  EXPECT_NE(next->id, first->id);
}

}  // namespace
}  // namespace powerview::journal
