#include "server/provision/scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/log.h"

namespace powerview::provision {
namespace {

const char* ModeName(ProvisionScheduler::Mode mode) {
  return mode == ProvisionScheduler::Mode::kApply ? "apply" : "report";
}

}  // namespace

ProvisionScheduler::ProvisionScheduler(Options options, RunFn run, CompaniesFn companies)
    : options_(options), run_(std::move(run)), companies_(std::move(companies)) {}

ProvisionScheduler::~ProvisionScheduler() { Stop(absl::ZeroDuration()); }

void ProvisionScheduler::Start() {
  absl::MutexLock lock(&mu_);
  if (started_) return;
  started_ = true;
  if (options_.reconcile_at_start) {
    reconcile_due_ = true;
  } else if (options_.reconcile_interval > absl::ZeroDuration()) {
    next_reconcile_ = absl::Now() + options_.reconcile_interval;
  }
  thread_ = std::thread([this] { Loop(); });
}

void ProvisionScheduler::Enqueue(const std::string& company, Mode mode, const std::string& reason) {
  if (company == running_) {
    // The run in progress may have read the catalog before this change: one more run after it.
    if (!rerun_ || mode == Mode::kApply) {
      rerun_mode_ = rerun_ ? std::max(rerun_mode_, mode) : mode;
      rerun_reason_ = reason;
    }
    rerun_ = true;
    return;
  }
  auto it = pending_.find(company);
  if (it != pending_.end()) {
    // Merged: the waiting run reads the catalog when its turn comes.
    if (mode == Mode::kApply && it->second.mode != Mode::kApply) it->second = {mode, reason};
    return;
  }
  auto retry = retry_.find(company);
  if (retry != retry_.end()) {
    // A new trigger runs a company that waits for a retry now; its failure count stays.
    mode = std::max(mode, retry->second.mode);
    retry_.erase(retry);
  }
  pending_[company] = {mode, reason};
  order_.push_back(company);
}

void ProvisionScheduler::Trigger(const std::string& company, const std::string& reason) {
  absl::MutexLock lock(&mu_);
  if (stop_) return;
  Enqueue(company, Mode::kApply, reason);
}

void ProvisionScheduler::Loop() {
  while (true) {
    std::string company;
    Pending job;
    bool reconcile = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        if (stop_ || reconcile_due_ || !order_.empty()) return true;
        absl::Time now = absl::Now();
        if (now >= next_reconcile_) return true;
        for (const auto& [name, r] : retry_) {
          if (now >= r.due) return true;
        }
        return false;
      };
      while (!ready()) {
        absl::Time wake = next_reconcile_;
        for (const auto& [name, r] : retry_) wake = std::min(wake, r.due);
        mu_.AwaitWithDeadline(absl::Condition(&ready), wake);
      }
      if (stop_) {
        exited_ = true;
        return;
      }
      absl::Time now = absl::Now();
      if (reconcile_due_ || now >= next_reconcile_) {
        reconcile = true;
        reconcile_due_ = false;
        next_reconcile_ = options_.reconcile_interval > absl::ZeroDuration()
                              ? now + options_.reconcile_interval
                              : absl::InfiniteFuture();
      } else if (order_.empty()) {
        // A retry is due.
        for (auto it = retry_.begin(); it != retry_.end(); ++it) {
          if (now < it->second.due) continue;
          Enqueue(it->first, it->second.mode, "retry after a failure");
          break;  // Enqueue erased the entry
        }
      }
    }
    if (reconcile) {
      // Listing companies reads the local catalog only, never Grafana.
      absl::StatusOr<std::vector<std::string>> companies = companies_();
      absl::MutexLock lock(&mu_);
      if (!companies.ok()) {
        PV_LOG_WARN("provision", "reconcile: cannot list companies: %s",
                    companies.status().message());
        continue;
      }
      const Mode mode = options_.reconcile_applies ? Mode::kApply : Mode::kReport;
      PV_LOG_INFO("provision", "reconcile (%s) of %d compan%s", ModeName(mode), companies->size(),
                  companies->size() == 1 ? "y" : "ies");
      for (const std::string& c : *companies) Enqueue(c, mode, "periodic reconcile");
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      if (order_.empty()) continue;
      company = order_.front();
      order_.erase(order_.begin());
      job = pending_[company];
      pending_.erase(company);
      running_ = company;
      rerun_ = false;
    }
    PV_LOG_DEBUG("provision", "'%s': %s (%s)", company, ModeName(job.mode), job.reason);
    absl::Status status = run_(company, job.mode);
    absl::MutexLock lock(&mu_);
    running_.clear();
    ++runs_;
    if (status.ok()) {
      failures_.erase(company);
    } else {
      ++failed_runs_;
      int failures = ++failures_[company];
      absl::Duration wait = options_.retry_initial;
      for (int i = 1; i < failures && wait < options_.retry_max; ++i) wait *= 2;
      wait = std::min(wait, options_.retry_max);
      PV_LOG_WARN("provision", "'%s': %s failed (%s); next attempt in %s", company,
                  ModeName(job.mode), status.message(), absl::FormatDuration(wait));
      if (!rerun_) retry_[company] = {absl::Now() + wait, failures, job.mode};
    }
    if (rerun_) {
      rerun_ = false;
      Enqueue(company, rerun_mode_, rerun_reason_);
    }
  }
}

bool ProvisionScheduler::Stop(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || !thread_.joinable()) return true;
    stop_ = true;
    auto exited = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return exited_; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&exited), grace)) {
      // A run is inside an HTTP call; it ends by its own timeout. The thread is left to the
      // process's end.
      thread_.detach();
      return false;
    }
  }
  thread_.join();
  return true;
}

ProvisionScheduler::Snapshot ProvisionScheduler::State() const {
  absl::MutexLock lock(&mu_);
  Snapshot s;
  s.queued = order_;
  s.running = running_;
  s.runs = runs_;
  s.failures = failed_runs_;
  for (const auto& [company, r] : retry_) s.retrying[company] = r.due;
  return s;
}

bool ProvisionScheduler::WaitIdle(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return order_.empty() && running_.empty() && !reconcile_due_ && retry_.empty();
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

}  // namespace powerview::provision
