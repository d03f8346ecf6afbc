// The provisioning executor: one thread of its own, never an ingest worker, that provisions
// companies one at a time, so that a slow or absent Grafana delays provisioning only.
//
// No trigger is lost: a trigger for a company that is waiting merges into that run; a trigger
// for the company being provisioned makes it run once more afterwards (the running one may have
// read the catalog before the change). The run itself reads the desired state when the
// company's turn begins. A run that fails is retried with backoff. At start and then every
// `reconcile_interval`, every company is reconciled: applied, or only planned and reported.
#ifndef POWERVIEW_SERVER_PROVISION_SCHEDULER_H_
#define POWERVIEW_SERVER_PROVISION_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace powerview::provision {

class ProvisionScheduler {
 public:
  // What a run does: apply the plan, or only compute and report it.
  enum class Mode { kReport, kApply };

  struct Options {
    // Zero disables the periodic reconcile (the one at start still runs when asked).
    absl::Duration reconcile_interval = absl::Minutes(10);
    bool reconcile_at_start = true;
    // Periodic reconciles apply; false: they only report what they would change.
    bool reconcile_applies = true;
    // Backoff of a failed company: initial, doubled each failure up to max.
    absl::Duration retry_initial = absl::Seconds(5);
    absl::Duration retry_max = absl::Minutes(10);
  };

  // Provisions one company (reading the catalog now); OK when everything was applied, an error
  // (the run is retried later) otherwise. Called on the scheduler's thread only.
  using RunFn = std::function<absl::Status(const std::string& company, Mode mode)>;
  // The companies a reconcile covers (the catalog's).
  using CompaniesFn = std::function<absl::StatusOr<std::vector<std::string>>()>;

  ProvisionScheduler(Options options, RunFn run, CompaniesFn companies);
  ~ProvisionScheduler();  // Stop(absl::ZeroDuration()) when still running

  ProvisionScheduler(const ProvisionScheduler&) = delete;
  ProvisionScheduler& operator=(const ProvisionScheduler&) = delete;

  void Start();
  // Asks for `company` to be applied; returns at once (it only takes a lock).
  void Trigger(const std::string& company, const std::string& reason);
  // Stops taking work and waits up to `grace` for the run in progress. Returns false when a run
  // (an HTTP call) was still going on: the process must then end without destroying what the
  // run uses (see powerviewd's main).
  bool Stop(absl::Duration grace);

  struct Snapshot {
    std::vector<std::string> queued;  // in turn order
    std::string running;              // "" when idle
    int64_t runs = 0;                 // finished runs
    int64_t failures = 0;             // finished runs that failed
    // Companies waiting for a retry, with the time of their next attempt.
    std::map<std::string, absl::Time> retrying;
  };
  Snapshot State() const;

  // Blocks until no company is queued, running or due for a retry before `deadline` (tests).
  bool WaitIdle(absl::Duration timeout) const;

 private:
  struct Pending {
    Mode mode = Mode::kReport;
    std::string reason;
  };
  void Loop();
  // Queues `company` with `mode` (kApply wins when merged). Requires mu_.
  void Enqueue(const std::string& company, Mode mode, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const RunFn run_;
  const CompaniesFn companies_;

  mutable absl::Mutex mu_;
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);  // turn order of pending_
  std::map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
  std::string running_ ABSL_GUARDED_BY(mu_);
  // A trigger arrived for running_ while it ran: it runs once more (with this mode).
  bool rerun_ ABSL_GUARDED_BY(mu_) = false;
  Mode rerun_mode_ ABSL_GUARDED_BY(mu_) = Mode::kReport;
  std::string rerun_reason_ ABSL_GUARDED_BY(mu_);
  struct Retry {
    absl::Time due;
    int failures = 0;
    Mode mode = Mode::kApply;
  };
  std::map<std::string, Retry> retry_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> failures_ ABSL_GUARDED_BY(mu_);  // consecutive, per company
  absl::Time next_reconcile_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool reconcile_due_ ABSL_GUARDED_BY(mu_) = false;
  int64_t runs_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_runs_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool exited_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ = false;
  std::thread thread_;
};

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_SCHEDULER_H_
