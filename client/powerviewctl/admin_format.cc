#include "client/powerviewctl/admin_format.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace powerview::ctl {
namespace {

// Display width of UTF-8 text: one column per code point (good enough for names and paths).
size_t Width(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

void Table::Print(std::FILE* out) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - Width(row[i]) + 2, ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
  }
}

namespace {
bool local_times = false;
}  // namespace

void SetLocalTimes(bool local) { local_times = local; }

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  absl::Time t = absl::FromUnixSeconds(time.seconds());
  if (local_times) return absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez", t, absl::LocalTimeZone());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string FormatDuration(const google::protobuf::Duration& d) {
  int64_t ms = d.seconds() * 1000 + d.nanos() / 1000000;
  if (ms < 1000) return absl::StrCat(ms, "ms");
  int64_t s = ms / 1000;
  if (s < 60) return absl::StrFormat("%.1fs", ms / 1000.0);
  if (s < 3600) return absl::StrCat(s / 60, "m ", s % 60, "s");
  if (s < 86400) return absl::StrCat(s / 3600, "h ", (s % 3600) / 60, "m");
  return absl::StrCat(s / 86400, "d ", (s % 86400) / 3600, "h");
}

bool IsTerminal(std::FILE* stream) { return ::isatty(::fileno(stream)) == 1; }

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), terminal_(IsTerminal(stderr)) {}

void ProgressBar::Update(int64_t done, int64_t total, const std::string& detail) {
  constexpr int kWidth = 30;
  int filled = total > 0 ? static_cast<int>(kWidth * std::min(done, total) / total) : kWidth;
  int percent = total > 0 ? static_cast<int>(100 * std::min(done, total) / total) : 100;
  std::string line = absl::StrFormat("%s [%s%s] %d/%d (%d%%)%s%s", label_, std::string(filled, '#'),
                                     std::string(kWidth - filled, '.'), done, total, percent,
                                     detail.empty() ? "" : " ", detail);
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
    return;
  }
  absl::Time now = absl::Now();
  if (done == last_done_ || now - last_line_ < absl::Seconds(1)) {
    pending_line_ = line;  // printed by Finish if nothing newer comes
    last_done_ = done;
    return;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  pending_line_.clear();
  last_done_ = done;
  last_line_ = now;
}

void ProgressBar::Finish() {
  if (terminal_) {
    if (drawn_) std::fprintf(stderr, "\n");
  } else if (!pending_line_.empty()) {
    std::fprintf(stderr, "%s\n", pending_line_.c_str());
  }
  pending_line_.clear();
  drawn_ = false;
}

}  // namespace powerview::ctl
