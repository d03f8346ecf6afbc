// Output of the admin subcommands: aligned tables and times for people, JSON for scripts, and
// a progress bar on stderr.
#ifndef POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_FORMAT_H_
#define POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_FORMAT_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace powerview::ctl {

// Columns padded to their widest cell; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.size() == 1; }
  void Print(std::FILE* out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "2026-03-01T14:05:09Z" (UTC), or after SetLocalTimes(true) "2026-03-01 15:05:09 +01:00";
// "-" when unset.
std::string FormatTime(const google::protobuf::Timestamp& time);
void SetLocalTimes(bool local);
// "3d 4h", "5m 2s", "850ms".
std::string FormatDuration(const google::protobuf::Duration& duration);

// Whether `stream` is a terminal (colours, redrawn progress bars).
bool IsTerminal(std::FILE* stream);

// A one-line progress bar on stderr: redrawn in place on a terminal, otherwise a line each time
// the count changes (at most once a second, and always the last one).
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  // `detail` follows the counts, e.g. "2 running, 1 waiting for a retry".
  void Update(int64_t done, int64_t total, const std::string& detail);
  // Ends the line.
  void Finish();

 private:
  std::string label_;
  bool terminal_;
  bool drawn_ = false;
  int64_t last_done_ = -1;
  absl::Time last_line_ = absl::InfinitePast();
  std::string pending_line_;
};

}  // namespace powerview::ctl

#endif  // POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_FORMAT_H_
