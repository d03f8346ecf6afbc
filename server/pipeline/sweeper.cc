#include "server/pipeline/sweeper.h"

#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "server/common/log.h"

namespace powerview::pipeline {

namespace fs = std::filesystem;

Sweeper::Sweeper(const lifecycle::DataRoot* root, journal::JobQueue* queue, journal::Ledger* ledger,
                 absl::Duration settle)
    : root_(root), queue_(queue), ledger_(ledger), settle_(settle) {}

absl::StatusOr<SweepResult> Sweeper::Scan(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  SweepResult result;
  std::map<std::string, Seen> current;
  std::error_code ec;
  fs::recursive_directory_iterator it(root_->root(), fs::directory_options::skip_permission_denied,
                                      ec);
  if (ec) return absl::UnavailableError(absl::StrCat("scan ", root_->root(), ": ", ec.message()));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      PV_LOG_WARN("sweeper", "scan error: %s", ec.message());
      ec.clear();
      continue;
    }
    const fs::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    if (entry.is_directory(ec)) {
      if (name == "parsed" || name == "error" || (!name.empty() && name[0] == '.')) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    absl::StatusOr<lifecycle::FileLocation> file = root_->ClassifyFile(entry.path().string());
    if (!file.ok()) continue;
    struct stat st;
    if (::stat(file->path.c_str(), &st) != 0) continue;
    ++result.files_seen;
    Seen seen{st.st_size,
              static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
    current[file->path] = seen;
    absl::Time mtime = absl::FromUnixNanos(seen.mtime_ns);
    auto prev = previous_.find(file->path);
    bool unchanged = prev != previous_.end() && prev->second.size == seen.size &&
                     prev->second.mtime_ns == seen.mtime_ns;
    if (!unchanged && now - mtime < settle_) {
      ++result.still_changing;
      continue;
    }
    absl::StatusOr<bool> known = ledger_->KnowsFile(file->path, seen.size, seen.mtime_ns);
    if (!known.ok()) return known.status();
    if (*known) continue;
    journal::NewJob job;
    job.kind = journal::JobKind::kIngest;
    job.path = file->path;
    job.company = file->company;
    job.size = seen.size;
    job.source = "sweep";
    job.dedupe_key = absl::StrCat("sweep:", file->path, "|", seen.size, "|", seen.mtime_ns);
    absl::StatusOr<journal::EnqueueResult> queued = queue_->Enqueue(job);
    if (!queued.ok()) return queued.status();
    if (queued->created) {
      ++result.queued;
      PV_LOG_INFO("sweeper", "queued %s (job %d): no upload event was received for it",
                  file->relative, queued->id);
    }
  }
  previous_ = std::move(current);
  return result;
}

}  // namespace powerview::pipeline
