// The provisioning executor: triggers merged or followed by one more run, never lost; failed
// runs retried; the periodic reconcile applying or only reporting; a run that hangs does not
// hold back triggers' bookkeeping nor Stop beyond its grace.
#include "server/provision/scheduler.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace powerview::provision {
namespace {

using Mode = ProvisionScheduler::Mode;

// Records runs; a run of `block_company` waits until Release().
class Recorder {
 public:
  absl::Status Run(const std::string& company, Mode mode) {
    {
      absl::MutexLock lock(&mu_);
      runs_.push_back(company + (mode == Mode::kApply ? ":apply" : ":report"));
      if (company == block_company_) {
        in_block_ = true;
        auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return released_; };
        mu_.Await(absl::Condition(&released));
        released_ = false;
        block_company_.clear();
      }
      if (fail_left_ > 0) {
        --fail_left_;
        return absl::UnavailableError("grafana: GET /api/teams/search: HTTP 503");
      }
    }
    return absl::OkStatus();
  }
  void BlockOn(const std::string& company) {
    absl::MutexLock lock(&mu_);
    block_company_ = company;
  }
  void WaitBlocked() {
    absl::MutexLock lock(&mu_);
    auto blocked = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_block_; };
    mu_.Await(absl::Condition(&blocked));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
    in_block_ = false;
  }
  void FailNext(int n) {
    absl::MutexLock lock(&mu_);
    fail_left_ = n;
  }
  std::vector<std::string> runs() {
    absl::MutexLock lock(&mu_);
    return runs_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> runs_ ABSL_GUARDED_BY(mu_);
  std::string block_company_ ABSL_GUARDED_BY(mu_);
  bool in_block_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  int fail_left_ ABSL_GUARDED_BY(mu_) = 0;
};

ProvisionScheduler::Options Quiet() {
  ProvisionScheduler::Options o;
  o.reconcile_at_start = false;
  o.reconcile_interval = absl::ZeroDuration();
  o.retry_initial = absl::Milliseconds(50);
  o.retry_max = absl::Milliseconds(200);
  return o;
}

TEST(ProvisionScheduler, TriggerWhileRunningRunsOnceMoreAfter) {
  Recorder r;
  ProvisionScheduler s(
      Quiet(), [&](const std::string& c, Mode m) { return r.Run(c, m); },
      [] { return std::vector<std::string>{}; });
  r.BlockOn("acme");
  s.Start();
  s.Trigger("acme", "campaign folder created");
  r.WaitBlocked();
  // While acme is applied (with the catalog it read before), a new campaign and its first
  // file arrive: two triggers, one more run after the current one.
  s.Trigger("acme", "campaign folder created");
  s.Trigger("acme", "2 new channel(s) in spring");
  s.Trigger("globex", "campaign folder created");
  EXPECT_EQ(s.State().running, "acme");
  r.Release();
  ASSERT_TRUE(s.WaitIdle(absl::Seconds(10)));
  std::vector<std::string> runs = r.runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0], "acme:apply");
  // globex waited first; acme's extra run is queued when its run ends.
  EXPECT_EQ(runs[1], "globex:apply");
  EXPECT_EQ(runs[2], "acme:apply");
  EXPECT_TRUE(s.Stop(absl::Seconds(5)));
}

TEST(ProvisionScheduler, TriggersForAWaitingCompanyMerge) {
  Recorder r;
  ProvisionScheduler s(
      Quiet(), [&](const std::string& c, Mode m) { return r.Run(c, m); },
      [] { return std::vector<std::string>{}; });
  r.BlockOn("first");
  s.Start();
  s.Trigger("first", "x");
  r.WaitBlocked();
  for (int i = 0; i < 5; ++i) s.Trigger("acme", "new channel");
  EXPECT_EQ(s.State().queued, std::vector<std::string>{"acme"});
  r.Release();
  ASSERT_TRUE(s.WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(r.runs(), (std::vector<std::string>{"first:apply", "acme:apply"}));
}

TEST(ProvisionScheduler, FailedRunIsRetriedWithBackoff) {
  Recorder r;
  r.FailNext(2);
  ProvisionScheduler s(
      Quiet(), [&](const std::string& c, Mode m) { return r.Run(c, m); },
      [] { return std::vector<std::string>{}; });
  s.Start();
  absl::Time start = absl::Now();
  s.Trigger("acme", "campaign folder created");
  ASSERT_TRUE(s.WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(r.runs().size(), 3u);
  // 50 ms, then 100 ms.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
  ProvisionScheduler::Snapshot state = s.State();
  EXPECT_EQ(state.runs, 3);
  EXPECT_EQ(state.failures, 2);
}

TEST(ProvisionScheduler, ReconcileAtStartAndPeriodically) {
  Recorder r;
  ProvisionScheduler::Options o = Quiet();
  o.reconcile_at_start = true;
  o.reconcile_interval = absl::Milliseconds(100);
  std::atomic<int> listed{0};
  ProvisionScheduler s(
      o, [&](const std::string& c, Mode m) { return r.Run(c, m); },
      [&] {
        ++listed;
        return std::vector<std::string>{"acme", "globex"};
      });
  s.Start();
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (listed < 3 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(s.Stop(absl::Seconds(5)));
  std::vector<std::string> runs = r.runs();
  ASSERT_GE(runs.size(), 4u);
  EXPECT_EQ(runs[0], "acme:apply");
  EXPECT_EQ(runs[1], "globex:apply");
}

TEST(ProvisionScheduler, ReportOnlyReconcileButTriggersStillApply) {
  Recorder r;
  ProvisionScheduler::Options o = Quiet();
  o.reconcile_at_start = true;
  o.reconcile_applies = false;
  ProvisionScheduler s(
      o, [&](const std::string& c, Mode m) { return r.Run(c, m); },
      [] { return std::vector<std::string>{"acme"}; });
  s.Start();
  ASSERT_TRUE(s.WaitIdle(absl::Seconds(10)));
  s.Trigger("acme", "campaign folder created");
  ASSERT_TRUE(s.WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(r.runs(), (std::vector<std::string>{"acme:report", "acme:apply"}));
}

TEST(ProvisionScheduler, StopGivesUpOnAHungRunAfterItsGrace) {
  Recorder r;
  auto s = std::make_unique<ProvisionScheduler>(
      Quiet(), [&](const std::string& c, Mode m) { return r.Run(c, m); },
      [] { return std::vector<std::string>{}; });
  r.BlockOn("acme");
  s->Start();
  s->Trigger("acme", "x");
  r.WaitBlocked();
  absl::Time start = absl::Now();
  EXPECT_FALSE(s->Stop(absl::Milliseconds(200)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  // The hung call ends by its own timeout; the thread then exits without running anything.
  r.Release();
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(r.runs().size(), 1u);
  s.release();  // the detached thread may still touch it: leak it, as the process would exit
}

}  // namespace
}  // namespace powerview::provision
