// How the InfluxDB writer waits between attempts: exponential backoff with jitter, the server's
// Retry-After when it gives one, and a total time budget after which it gives up.
#ifndef POWERVIEW_SERVER_SINK_RETRY_H_
#define POWERVIEW_SERVER_SINK_RETRY_H_

#include <functional>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace powerview::sink {

struct RetryPolicy {
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  // Failures of one request for longer than this end in UnavailableError; the caller keeps the
  // job and tries again later.
  absl::Duration max_elapsed = absl::Minutes(5);
  absl::Duration retry_after_cap = absl::Seconds(600);
  double jitter = 0.2;  // each backoff is scaled by a random factor in [1 - jitter, 1 + jitter]
};

// The waiting schedule of one request. Not thread-safe: one timer per request.
class RetryTimer {
 public:
  // `sleeper` waits for the given duration (absl::SleepFor when empty); it is copied.
  RetryTimer(const RetryPolicy& policy, std::function<void(absl::Duration)> sleeper);

  // Called after a failed attempt. Returns how long to wait before the next one, or nullopt
  // when waiting that long would exceed the policy's budget. `retry_after` is what the server
  // asked for, if anything; the wait is never shorter than that.
  std::optional<absl::Duration> NextDelay(std::optional<absl::Duration> retry_after);

  // Waits `delay` through the sleeper.
  void Wait(absl::Duration delay);

  int failures() const { return failures_; }
  // Time spent on this request so far: the wall clock, or the sum of the waits when that is
  // larger (a test sleeper returns at once).
  absl::Duration elapsed() const;

 private:
  RetryPolicy policy_;
  std::function<void(absl::Duration)> sleeper_;
  absl::Time start_;
  absl::Duration waited_ = absl::ZeroDuration();
  int failures_ = 0;
};

// Reads a Retry-After header given in seconds, capped at `cap`. Values that are not a
// non-negative number of seconds (including HTTP dates) count as 10 s.
absl::Duration ParseRetryAfter(absl::string_view value, absl::Duration cap);

}  // namespace powerview::sink

#endif  // POWERVIEW_SERVER_SINK_RETRY_H_
