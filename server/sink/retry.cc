#include "server/sink/retry.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"

namespace powerview::sink {
namespace {

double Uniform(double lo, double hi) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

}  // namespace

RetryTimer::RetryTimer(const RetryPolicy& policy, std::function<void(absl::Duration)> sleeper)
    : policy_(policy), sleeper_(std::move(sleeper)), start_(absl::Now()) {}

absl::Duration RetryTimer::elapsed() const { return std::max(absl::Now() - start_, waited_); }

std::optional<absl::Duration> RetryTimer::NextDelay(std::optional<absl::Duration> retry_after) {
  ++failures_;
  // initial * 2^(failures-1), computed in floating point so that it cannot overflow.
  double factor = std::pow(2.0, std::min(failures_ - 1, 62));
  absl::Duration backoff = std::min(policy_.initial_backoff * factor, policy_.max_backoff);
  double jitter = std::clamp(policy_.jitter, 0.0, 1.0);
  if (jitter > 0) backoff *= Uniform(1.0 - jitter, 1.0 + jitter);
  absl::Duration delay = backoff;
  if (retry_after.has_value()) {
    delay = std::max(delay, std::min(*retry_after, policy_.retry_after_cap));
  }
  delay = std::max(delay, absl::ZeroDuration());
  if (elapsed() + delay > policy_.max_elapsed) return std::nullopt;
  return delay;
}

void RetryTimer::Wait(absl::Duration delay) {
  waited_ += delay;
  if (sleeper_) {
    sleeper_(delay);
  } else {
    absl::SleepFor(delay);
  }
}

absl::Duration ParseRetryAfter(absl::string_view value, absl::Duration cap) {
  double seconds = 0;
  absl::string_view text = absl::StripAsciiWhitespace(value);
  if (text.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(text[0])) ||
      !absl::SimpleAtod(text, &seconds) || !std::isfinite(seconds)) {
    return std::min(absl::Seconds(10), cap);
  }
  return std::min(absl::Seconds(seconds), cap);
}

}  // namespace powerview::sink
