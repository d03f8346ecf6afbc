// SqliteJournal, ledger half: what jobs did, files seen, events, pruning.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/journal/sqlite_journal.h"
#include "server/journal/sqlite_rows.h"

namespace powerview::journal {
namespace internal {

namespace {
JobState StateFromName(const std::string& name) {
  if (name == "running") return JobState::kRunning;
  if (name == "done") return JobState::kDone;
  if (name == "failed") return JobState::kFailed;
  return JobState::kPending;
}
}  // namespace

Job ReadJob(const SqliteStatement& s) {
  Job job;
  job.id = s.ColumnInt(0);
  job.kind = s.ColumnText(1) == "provision" ? JobKind::kProvision : JobKind::kIngest;
  job.path = s.ColumnText(2);
  job.company = s.ColumnText(3);
  job.size = s.ColumnInt(4);
  job.source = s.ColumnText(5);
  job.state = StateFromName(s.ColumnText(6));
  job.attempts = static_cast<int>(s.ColumnInt(7));
  job.last_error = s.ColumnText(8);
  job.outcome = s.ColumnText(9);
  job.created = absl::FromUnixMicros(s.ColumnInt(10));
  job.updated = absl::FromUnixMicros(s.ColumnInt(11));
  job.next_attempt = absl::FromUnixMicros(s.ColumnInt(12));
  job.batch_id = s.ColumnInt(13);
  return job;
}

}  // namespace internal

using internal::kJobColumns;
using internal::Micros;
using internal::ReadJob;

absl::Status SqliteJournal::RecordFileSeen(int64_t job_id, int64_t size, int64_t mtime_ns) {
  absl::MutexLock lock(&mu_);
  auto update = db_->Prepare("UPDATE jobs SET seen_size = ?, seen_mtime_ns = ? WHERE id = ?");
  if (!update.ok()) return update.status();
  update->Bind(1, size).Bind(2, mtime_ns).Bind(3, job_id);
  return update->Run();
}

absl::StatusOr<bool> SqliteJournal::KnowsFile(const std::string& path, int64_t size,
                                              int64_t mtime_ns) {
  absl::MutexLock lock(&mu_);
  auto query = db_->Prepare(
      "SELECT 1 FROM jobs WHERE kind = 'ingest' AND path = ? AND (state IN ('pending', "
      "'running') OR (seen_size = ? AND seen_mtime_ns = ?)) LIMIT 1");
  if (!query.ok()) return query.status();
  query->Bind(1, path).Bind(2, size).Bind(3, mtime_ns);
  return query->Step();
}

absl::StatusOr<Job> SqliteJournal::Get(int64_t id) {
  absl::MutexLock lock(&mu_);
  auto query = db_->Prepare(absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE id = ?"));
  if (!query.ok()) return query.status();
  query->Bind(1, id);
  auto row = query->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("job ", id, " is not in the journal"));
  return ReadJob(*query);
}

absl::StatusOr<JobCounts> SqliteJournal::Counts(absl::Time now) {
  return CountWhere("1 = 1", 0, now);
}

absl::StatusOr<JobCounts> SqliteJournal::BatchCounts(int64_t batch_id, absl::Time now) {
  return CountWhere("batch_id = ?2", batch_id, now);
}

absl::StatusOr<int64_t> SqliteJournal::NewBatchId() {
  absl::MutexLock lock(&mu_);
  auto insert = db_->Prepare("INSERT INTO batches (created_us) VALUES (?)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, Micros(absl::Now()));
  if (absl::Status s = insert->Run(); !s.ok()) return s;
  return db_->LastInsertRowId();
}

absl::StatusOr<std::vector<Job>> SqliteJournal::ListJobs(std::optional<JobState> state, int limit) {
  absl::MutexLock lock(&mu_);
  std::string sql = absl::StrCat("SELECT ", kJobColumns, " FROM jobs",
                                 state ? " WHERE state = ?1" : "", " ORDER BY id DESC LIMIT ?2");
  auto query = db_->Prepare(sql);
  if (!query.ok()) return query.status();
  if (state) query->Bind(1, absl::string_view(JobStateName(*state)));
  query->Bind(2, int64_t{limit});
  std::vector<Job> jobs;
  while (true) {
    auto row = query->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    jobs.push_back(ReadJob(*query));
  }
  return jobs;
}

absl::Status SqliteJournal::RecordEvent(const EventRecord& e) {
  absl::MutexLock lock(&mu_);
  auto insert = db_->Prepare(
      "INSERT INTO events (received_us, action, path, target_path, size, status, "
      "event_time_ns, username, protocol, session_id, outcome) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, Micros(e.received))
      .Bind(2, e.action)
      .Bind(3, e.path)
      .Bind(4, e.target_path)
      .Bind(5, e.size)
      .Bind(6, int64_t{e.status})
      .Bind(7, e.event_time_ns)
      .Bind(8, e.username)
      .Bind(9, e.protocol)
      .Bind(10, e.session_id)
      .Bind(11, e.outcome);
  return insert->Run();
}

absl::StatusOr<std::vector<EventRecord>> SqliteJournal::RecentEvents(int limit) {
  absl::MutexLock lock(&mu_);
  auto query = db_->Prepare(
      "SELECT received_us, action, path, target_path, size, status, event_time_ns, username, "
      "protocol, session_id, outcome FROM events ORDER BY id DESC LIMIT ?");
  if (!query.ok()) return query.status();
  query->Bind(1, int64_t{limit});
  std::vector<EventRecord> events;
  while (true) {
    auto row = query->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    EventRecord e;
    e.received = absl::FromUnixMicros(query->ColumnInt(0));
    e.action = query->ColumnText(1);
    e.path = query->ColumnText(2);
    e.target_path = query->ColumnText(3);
    e.size = query->ColumnInt(4);
    e.status = static_cast<int>(query->ColumnInt(5));
    e.event_time_ns = query->ColumnInt(6);
    e.username = query->ColumnText(7);
    e.protocol = query->ColumnText(8);
    e.session_id = query->ColumnText(9);
    e.outcome = query->ColumnText(10);
    events.push_back(std::move(e));
  }
  return events;
}

absl::StatusOr<int64_t> SqliteJournal::Prune(absl::Time before) {
  absl::MutexLock lock(&mu_);
  auto jobs = db_->Prepare(
      "DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_us < ? AND "
      "(seen_size IS NULL OR path NOT IN (SELECT path FROM jobs WHERE state IN "
      "('pending','running')))");
  if (!jobs.ok()) return jobs.status();
  jobs->Bind(1, Micros(before));
  if (absl::Status s = jobs->Run(); !s.ok()) return s;
  int64_t removed = db_->Changes();
  auto events = db_->Prepare("DELETE FROM events WHERE received_us < ?");
  if (!events.ok()) return events.status();
  events->Bind(1, Micros(before));
  if (absl::Status s = events->Run(); !s.ok()) return s;
  return removed + db_->Changes();
}

absl::StatusOr<JobCounts> SqliteJournal::CountWhere(const char* where, int64_t arg,
                                                    absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto query = db_->Prepare(absl::StrCat(
      "SELECT state, next_attempt_us > ?1, COUNT(*) FROM jobs WHERE ", where, " GROUP BY 1, 2"));
  if (!query.ok()) return query.status();
  query->Bind(1, Micros(now));
  if (arg != 0) query->Bind(2, arg);
  JobCounts counts;
  while (true) {
    auto row = query->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string state = query->ColumnText(0);
    int64_t n = query->ColumnInt(2);
    if (state == "pending") {
      counts.pending += n;
      if (query->ColumnInt(1) != 0) counts.waiting_retry += n;
    } else if (state == "running") {
      counts.running += n;
    } else if (state == "done") {
      counts.done += n;
    } else {
      counts.failed += n;
    }
  }
  return counts;
}

}  // namespace powerview::journal
