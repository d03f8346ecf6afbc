#include "server/admin/reprocessor.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/admin/names.h"
#include "server/common/log.h"

namespace powerview::admin {
namespace {

namespace fs = std::filesystem;

bool IsLifecycleFolder(const fs::path& folder) {
  return folder.filename() == "parsed" || folder.filename() == "error";
}

int64_t MtimeNs(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
}

std::string Errno(int error) { return std::strerror(error); }

}  // namespace

Reprocessor::Reprocessor(const lifecycle::DataRoot* root, journal::JobQueue* queue,
                         journal::Ledger* ledger, catalog::Catalog* catalog,
                         pipeline::EventBus* bus, std::function<void()> on_queued)
    : root_(root),
      queue_(queue),
      ledger_(ledger),
      catalog_(catalog),
      bus_(bus),
      on_queued_(std::move(on_queued)) {}

absl::StatusOr<ReprocessResult> Reprocessor::Run(const ReprocessTarget& target) {
  int kinds = (target.file.empty() ? 0 : 1) + (target.report_id != 0 ? 1 : 0) +
              (target.company.empty() && target.campaign.empty() ? 0 : 1);
  if (kinds != 1) {
    return absl::InvalidArgumentError(
        "name exactly one thing to reprocess: a file, a report id, a company, or a company and "
        "a campaign");
  }
  ReprocessResult result;
  std::vector<Candidate> candidates;
  if (target.report_id != 0) {
    absl::StatusOr<v1::IngestReport> report = catalog_->GetReport(target.report_id);
    if (!report.ok()) return report.status();
    absl::StatusOr<std::vector<Candidate>> found =
        FindOne(report->final_path().empty() ? report->path() : report->final_path());
    if (!found.ok()) return found.status();
    candidates = std::move(*found);
  } else if (!target.file.empty()) {
    absl::StatusOr<std::vector<Candidate>> found = FindOne(target.file);
    if (!found.ok()) return found.status();
    candidates = std::move(*found);
  } else {
    absl::StatusOr<std::vector<Candidate>> found = FindInFolder(target, &result.skipped);
    if (!found.ok()) return found.status();
    candidates = std::move(*found);
  }
  if (candidates.empty()) return result;

  absl::StatusOr<int64_t> batch = ledger_->NewBatchId();
  if (!batch.ok()) return batch.status();
  for (const Candidate& c : candidates) {
    absl::Status queued = Queue(c, *batch);
    if (absl::IsAlreadyExists(queued)) {
      result.skipped.push_back({c.source, std::string(queued.message())});
      continue;
    }
    if (!queued.ok()) {
      if (!result.queued.empty() && on_queued_) on_queued_();
      return absl::Status(queued.code(),
                          absl::StrCat(queued.message(), " (", result.queued.size(),
                                       " file(s) were already queued in batch ", *batch, ")"));
    }
    result.queued.push_back(c.destination.path);
  }
  if (!result.queued.empty()) {
    result.batch_id = *batch;
    if (on_queued_) on_queued_();
  }
  PV_LOG_INFO("admin", "reprocess batch %d: %d file(s) queued, %d skipped", result.batch_id,
              result.queued.size(), result.skipped.size());
  return result;
}

absl::StatusOr<Reprocessor::Candidate> Reprocessor::MakeCandidate(const std::string& source) {
  fs::path path(source);
  fs::path destination = path.parent_path().parent_path() / path.filename();
  absl::StatusOr<lifecycle::FileLocation> location = root_->ClassifyFile(destination.string());
  if (!location.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, " cannot go back to ", destination.string(), ": ", location.status().message()));
  }
  lifecycle::FileLocation real = *location;
  real.path = source;
  real.relative = fs::path(source).lexically_relative(root_->root()).string();
  if (absl::Status s = root_->CheckRealPath(real); !s.ok()) return s;
  struct stat st;
  if (::stat(source.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(source, ": ", Errno(errno)));
  }
  return Candidate{source, *std::move(location), MtimeNs(st)};
}

absl::StatusOr<std::vector<Reprocessor::Candidate>> Reprocessor::FindOne(const std::string& file) {
  fs::path path = fs::path(file).is_absolute() ? fs::path(file) : fs::path(root_->root()) / file;
  path = path.lexically_normal();
  if (IsLifecycleFolder(path.parent_path())) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      return absl::NotFoundError(absl::StrCat("no file ", path.string(), ": ", Errno(errno)));
    }
    absl::StatusOr<Candidate> c = MakeCandidate(path.string());
    if (!c.ok()) return c.status();
    return std::vector<Candidate>{*std::move(c)};
  }
  // The uploaded path: the file is in parsed/ or error/ beside it (the newer one when both).
  absl::StatusOr<lifecycle::FileLocation> location = root_->ClassifyFile(path.string());
  if (!location.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot reprocess ", path.string(), ": ", location.status().message()));
  }
  struct stat waiting;
  if (::stat(path.c_str(), &waiting) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(location->relative,
                     " is in its device folder already: it is ingested when "
                     "its job runs or the sweeper finds it"));
  }
  std::vector<Candidate> found;
  for (const char* folder : {"parsed", "error"}) {
    std::string source = absl::StrCat(location->dir, "/", folder, "/", location->name);
    struct stat st;
    if (::lstat(source.c_str(), &st) != 0) continue;
    absl::StatusOr<Candidate> c = MakeCandidate(source);
    if (!c.ok()) return c.status();
    found.push_back(*std::move(c));
  }
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no file ", location->relative, " in parsed/ or error/ of ", location->dir));
  }
  if (found.size() == 2 && found[1].mtime_ns > found[0].mtime_ns) std::swap(found[0], found[1]);
  found.resize(1);
  return found;
}

absl::StatusOr<std::vector<Reprocessor::Candidate>> Reprocessor::FindInFolder(
    const ReprocessTarget& target, std::vector<SkippedFile>* skipped) {
  if (absl::Status s = CheckName("company", target.company); !s.ok()) return s;
  fs::path folder = fs::path(root_->root()) / target.company;
  if (!target.campaign.empty()) {
    if (absl::Status s = CheckName("campaign", target.campaign); !s.ok()) return s;
    folder /= target.campaign;
  }
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return absl::NotFoundError(
        target.campaign.empty()
            ? absl::StrCat("company '", target.company, "' has no folder in the data root")
            : absl::StrCat("campaign '", target.company, "/", target.campaign,
                           "' has no folder in the data root"));
  }
  // By destination: a name in both parsed/ and error/ goes back once, the newer copy.
  std::map<std::string, Candidate> chosen;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  if (ec)
    return absl::PermissionDeniedError(absl::StrCat("read ", folder.string(), ": ", ec.message()));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return absl::UnavailableError(absl::StrCat("read ", folder.string(), ": ", ec.message()));
    }
    const fs::directory_entry& entry = *it;
    const fs::path& path = entry.path();
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    if (!absl::EndsWith(path.filename().string(), ".tsv")) continue;
    if (!IsLifecycleFolder(path.parent_path())) continue;
    if (target.errors_only && path.parent_path().filename() != "error") continue;
    absl::StatusOr<Candidate> c = MakeCandidate(path.string());
    if (!c.ok()) {
      skipped->push_back({path.string(), std::string(c.status().message())});
      continue;
    }
    auto [slot, inserted] = chosen.try_emplace(c->destination.path, *c);
    if (!inserted) {
      Candidate older = std::move(*c);
      if (older.mtime_ns > slot->second.mtime_ns) std::swap(older, slot->second);
      skipped->push_back({older.source, absl::StrCat("a newer copy, ", slot->second.source,
                                                     ", is reprocessed instead")});
    }
  }
  std::vector<Candidate> candidates;
  candidates.reserve(chosen.size());
  for (auto& [destination, c] : chosen) candidates.push_back(std::move(c));
  return candidates;
}

absl::Status Reprocessor::Queue(const Candidate& c, int64_t batch_id) {
  const lifecycle::FileLocation& to = c.destination;
  // Never replaces a file of the same name that was uploaded since: that one is newer.
  if (::renameat2(AT_FDCWD, c.source.c_str(), AT_FDCWD, to.path.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat("a file of that name waits in ", to.dir, " and is ingested as uploaded"));
    }
    return absl::UnavailableError(
        absl::StrCat("move ", c.source, " back to ", to.dir, ": ", Errno(errno)));
  }
  // The old report would describe the previous run; the new run writes its own.
  ::unlink((c.source + ".report.json").c_str());
  struct stat st {};
  ::stat(to.path.c_str(), &st);

  journal::NewJob job;
  job.kind = journal::JobKind::kIngest;
  job.path = to.path;
  job.company = to.company;
  job.size = st.st_size;
  job.source = "reprocess";
  job.dedupe_key = absl::StrCat("reprocess:", batch_id, ":", to.path);
  job.batch_id = batch_id;
  absl::StatusOr<journal::EnqueueResult> queued = queue_->Enqueue(job);
  if (!queued.ok()) {
    // Put the file back where it was, so that nothing sits unqueued in the device folder.
    if (::rename(to.path.c_str(), c.source.c_str()) != 0) {
      PV_LOG_WARN("admin", "%s stays in %s (the sweeper will queue it): %s", to.name, to.dir,
                  Errno(errno));
    }
    return absl::Status(queued.status().code(), absl::StrCat("journal: cannot queue ", to.relative,
                                                             ": ", queued.status().message()));
  }
  pipeline::PipelineEvent e;
  e.type = pipeline::EventType::kJobQueued;
  e.time = absl::Now();
  e.job_id = queued->id;
  e.path = to.path;
  e.company = to.company;
  e.campaign = to.campaign;
  e.device = to.device_folder;
  e.message = absl::StrCat("reprocess batch ", batch_id);
  bus_->Publish(std::move(e));
  return absl::OkStatus();
}

}  // namespace powerview::admin
