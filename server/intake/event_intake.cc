#include "server/intake/event_intake.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/log.h"

namespace powerview::intake {

EventIntake::EventIntake(const lifecycle::DataRoot* root, journal::JobQueue* queue,
                         journal::Ledger* ledger, catalog::Catalog* catalog,
                         pipeline::EventBus* bus, std::function<void()> on_queued,
                         std::function<void(const std::string&)> on_campaign)
    : root_(root),
      queue_(queue),
      ledger_(ledger),
      catalog_(catalog),
      bus_(bus),
      on_queued_(std::move(on_queued)),
      on_campaign_(std::move(on_campaign)) {}

absl::Status EventIntake::Accept(const proto::FsEvent& event) {
  journal::EventRecord record;
  record.received = absl::Now();
  record.action = event.action();
  record.path = event.fs_path();
  record.target_path = event.fs_target_path();
  record.size = event.file_size();
  record.status = event.status();
  record.event_time_ns = event.timestamp();
  record.username = event.username();
  record.protocol = event.protocol();
  record.session_id = event.session_id();

  const std::string& action = event.action();
  std::string outcome;
  // Actions whose target path is the file to ingest: a rename (clients that upload under a
  // temporary name rename at the end) and a server-side copy.
  const bool to_target = action == "rename" || action == "copy";
  if (event.fs_provider() != 0 && (action == "upload" || to_target)) {
    outcome = absl::StrCat("ignored: storage provider ", event.fs_provider(),
                           " is not a local folder PowerView can read");
  } else if (action == "upload") {
    if (event.status() != 1) {
      outcome =
          absl::StrCat("ignored: ", event.status() == 3 ? "upload over quota" : "incomplete upload",
                       " (status ", event.status(), ")");
    } else if (absl::Status s = QueueIngest(event, event.fs_path(), "upload", &outcome); !s.ok()) {
      return s;
    }
  } else if (to_target) {
    if (action == "copy" && event.status() != 1) {
      // SFTPGo removes what a failed copy left behind.
      outcome = absl::StrCat("ignored: copy failed (status ", event.status(), ")");
    } else if (absl::Status s =
                   QueueIngest(event, event.fs_target_path(), action.c_str(), &outcome);
               !s.ok()) {
      return s;
    }
  } else if (action == "mkdir" || action == "rmdir") {
    absl::StatusOr<lifecycle::FolderLocation> folder = root_->ClassifyFolder(event.fs_path());
    if (!folder.ok()) {
      outcome = absl::StrCat("ignored: ", folder.status().message());
    } else if (folder->depth == 1 && action == "mkdir") {
      if (absl::Status s = catalog_->RecordCompany(folder->company, record.received); !s.ok()) {
        return s;
      }
      outcome = absl::StrCat("company '", folder->company, "' created");
    } else if (folder->depth == 2) {
      {
        std::lock_guard<std::mutex> lock(known_mu_);
        known_campaigns_.erase({folder->company, folder->campaign});
      }
      absl::Status s =
          action == "mkdir"
              ? catalog_->RecordCampaign(folder->company, folder->campaign, record.received)
              : catalog_->RecordCampaignRemoved(folder->company, folder->campaign, record.received);
      if (!s.ok()) return s;
      outcome = absl::StrCat("campaign '", folder->company, "/", folder->campaign, "' ",
                             action == "mkdir" ? "created" : "removed");
      if (action == "mkdir" && on_campaign_) on_campaign_(folder->company);
    } else {
      outcome = "recorded";
    }
  } else if (action == "delete") {
    outcome = "recorded: file deleted";
  } else {
    return absl::OkStatus();  // download, ssh_cmd, pre-*: nothing for PowerView to do
  }
  record.outcome = outcome;
  if (absl::Status s = ledger_->RecordEvent(record); !s.ok()) {
    // The job (if any) is already durable; the event log is informative.
    PV_LOG_WARN("intake", "event log write failed: %s", s.message());
  }
  PV_LOG_INFO("intake", "%s %s: %s", action, to_target ? event.fs_target_path() : event.fs_path(),
              outcome);
  if (absl::StartsWith(outcome, "ignored")) {
    pipeline::PipelineEvent e;
    e.type = pipeline::EventType::kEventIgnored;
    e.path = to_target ? event.fs_target_path() : event.fs_path();
    e.message = outcome;
    bus_->Publish(std::move(e));
  }
  return absl::OkStatus();
}

absl::Status EventIntake::QueueIngest(const proto::FsEvent& event, const std::string& path,
                                      const char* source, std::string* outcome) {
  absl::StatusOr<lifecycle::FileLocation> file = root_->ClassifyFile(path);
  if (!file.ok()) {
    *outcome = absl::StrCat("ignored: ", file.status().message());
    return absl::OkStatus();
  }
  journal::NewJob job;
  job.kind = journal::JobKind::kIngest;
  job.path = file->path;
  job.company = file->company;
  job.size = event.file_size();
  job.source = source;
  // A re-delivered event is the same job; a later upload of the same path is a new one.
  job.dedupe_key =
      absl::StrCat("event:", file->path, "|", event.file_size(), "|", event.timestamp());
  absl::StatusOr<journal::EnqueueResult> queued = queue_->Enqueue(job);
  if (!queued.ok()) return queued.status();
  if (queued->created) {
    bool known;
    {
      std::lock_guard<std::mutex> lock(known_mu_);
      known = !known_campaigns_.insert({file->company, file->campaign}).second;
    }
    if (!known) {
      if (absl::Status s = catalog_->RecordCampaign(file->company, file->campaign, absl::Now());
          !s.ok()) {
        PV_LOG_WARN("intake", "catalog: %s", s.message());
        std::lock_guard<std::mutex> lock(known_mu_);
        known_campaigns_.erase({file->company, file->campaign});
      }
    }
    *outcome = absl::StrCat("queued job ", queued->id);
    pipeline::PipelineEvent e;
    e.type = pipeline::EventType::kJobQueued;
    e.job_id = queued->id;
    e.path = file->path;
    e.company = file->company;
    e.campaign = file->campaign;
    e.device = file->device_folder;
    bus_->Publish(std::move(e));
    if (on_queued_) on_queued_();
  } else {
    *outcome = absl::StrCat("duplicate of job ", queued->id);
  }
  return absl::OkStatus();
}

}  // namespace powerview::intake
