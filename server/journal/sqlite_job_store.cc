#include <condition_variable>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/common/sqlite.h"
#include "server/journal/job_store.h"

namespace powerview::journal {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  company TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL DEFAULT '',
  dedupe_key TEXT UNIQUE,
  release_key INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT '',
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL,
  next_attempt_us INTEGER NOT NULL DEFAULT 0,
  seen_size INTEGER,
  seen_mtime_ns INTEGER,
  batch_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(state, next_attempt_us, id);
CREATE INDEX IF NOT EXISTS jobs_path ON jobs(path, state);
CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch_id, state);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_us INTEGER NOT NULL,
  action TEXT NOT NULL,
  path TEXT NOT NULL,
  target_path TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 0,
  event_time_ns INTEGER NOT NULL DEFAULT 0,
  username TEXT NOT NULL DEFAULT '',
  protocol TEXT NOT NULL DEFAULT '',
  session_id TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY AUTOINCREMENT, created_us INTEGER);
)sql";

constexpr char kJobColumns[] =
    "id, kind, path, company, size, source, state, attempts, last_error, outcome, created_us, "
    "updated_us, next_attempt_us, batch_id";

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

JobState StateFromName(const std::string& name) {
  if (name == "running") return JobState::kRunning;
  if (name == "done") return JobState::kDone;
  if (name == "failed") return JobState::kFailed;
  return JobState::kPending;
}

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

class SqliteJobStore : public JobStore {
 public:
  explicit SqliteJobStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  absl::Status Init() { return db_->Exec(kSchema); }

  // Group commit: concurrent callers (SFTPGo sends events from many goroutines) share one
  // transaction and one fsync. The first caller to find no commit in progress becomes the
  // leader and commits everything queued so far; the others wait for their result.
  absl::StatusOr<EnqueueResult> Enqueue(const NewJob& job) override {
    PendingEnqueue pending{&job};
    std::unique_lock<std::mutex> lock(group_mu_);
    group_queue_.push_back(&pending);
    while (!pending.done) {
      if (group_leader_active_) {
        group_cv_.wait(lock);
        continue;
      }
      group_leader_active_ = true;
      std::vector<PendingEnqueue*> batch;
      batch.swap(group_queue_);
      lock.unlock();
      CommitEnqueues(batch);
      lock.lock();
      for (PendingEnqueue* p : batch) p->done = true;
      group_leader_active_ = false;
      group_cv_.notify_all();
    }
    return pending.result;
  }

  absl::StatusOr<std::optional<Job>> Claim(absl::Time now) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto claim = db_->Prepare(absl::StrCat(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_us = ?1 "
        "WHERE id = (SELECT id FROM jobs j WHERE state = 'pending' AND next_attempt_us <= ?1 "
        "AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.path = j.path "
        "AND r.kind = j.kind) ORDER BY next_attempt_us, id LIMIT 1) RETURNING ",
        kJobColumns));
    if (!claim.ok()) return claim.status();
    claim->Bind(1, Micros(now));
    auto row = claim->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<Job>();
    Job job = ReadJob(*claim);
    if (absl::Status s = claim->Run(); !s.ok()) return s;
    return std::optional<Job>(std::move(job));
  }

  absl::Status Complete(int64_t id, const std::string& outcome) override {
    return Finish(id, "done", outcome, "");
  }

  absl::Status Fail(int64_t id, const std::string& error) override {
    return Finish(id, "failed", "", error);
  }

  absl::Status Retry(int64_t id, absl::Time next_attempt, const std::string& error) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto update = db_->Prepare(
        "UPDATE jobs SET state = 'pending', next_attempt_us = ?, last_error = ?, updated_us = ? "
        "WHERE id = ?");
    if (!update.ok()) return update.status();
    update->Bind(1, Micros(next_attempt)).Bind(2, error).Bind(3, Micros(absl::Now())).Bind(4, id);
    return update->Run();
  }

  absl::StatusOr<int64_t> RequeueRunning() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = db_->Exec("UPDATE jobs SET state = 'pending' WHERE state = 'running'");
        !s.ok()) {
      return s;
    }
    return db_->Changes();
  }

  absl::Status RecordFileSeen(int64_t id, int64_t size, int64_t mtime_ns) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto update = db_->Prepare("UPDATE jobs SET seen_size = ?, seen_mtime_ns = ? WHERE id = ?");
    if (!update.ok()) return update.status();
    update->Bind(1, size).Bind(2, mtime_ns).Bind(3, id);
    return update->Run();
  }

  absl::StatusOr<bool> KnowsFile(const std::string& path, int64_t size, int64_t mtime_ns) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto query = db_->Prepare(
        "SELECT 1 FROM jobs WHERE kind = 'ingest' AND path = ? AND (state IN ('pending', "
        "'running') OR (seen_size = ? AND seen_mtime_ns = ?)) LIMIT 1");
    if (!query.ok()) return query.status();
    query->Bind(1, path).Bind(2, size).Bind(3, mtime_ns);
    return query->Step();
  }

  absl::StatusOr<Job> Get(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto query = db_->Prepare(absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE id = ?"));
    if (!query.ok()) return query.status();
    query->Bind(1, id);
    auto row = query->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("job ", id, " is not in the journal"));
    return ReadJob(*query);
  }

  absl::StatusOr<JobCounts> Counts(absl::Time now) override { return CountWhere("1 = 1", 0, now); }

  absl::StatusOr<JobCounts> BatchCounts(int64_t batch_id, absl::Time now) override {
    return CountWhere("batch_id = ?2", batch_id, now);
  }

  absl::StatusOr<int64_t> NewBatchId() override {
    std::lock_guard<std::mutex> lock(mu_);
    auto insert = db_->Prepare("INSERT INTO batches (created_us) VALUES (?)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, Micros(absl::Now()));
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    return db_->LastInsertRowId();
  }

  absl::StatusOr<std::vector<Job>> ListJobs(std::optional<JobState> state, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
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

  absl::Status RecordEvent(const EventRecord& e) override {
    std::lock_guard<std::mutex> lock(mu_);
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

  absl::StatusOr<std::vector<EventRecord>> RecentEvents(int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
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

  absl::StatusOr<int64_t> Prune(absl::Time before) override {
    std::lock_guard<std::mutex> lock(mu_);
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

 private:
  struct PendingEnqueue {
    const NewJob* job;
    absl::StatusOr<EnqueueResult> result = absl::InternalError("not committed");
    bool done = false;
  };

  // One durable transaction for all of `batch`: synchronous=FULL for this commit only (every
  // other journal write may be lost by a power cut and is then simply done again).
  void CommitEnqueues(const std::vector<PendingEnqueue*>& batch) {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status status = db_->Exec("PRAGMA synchronous=FULL; BEGIN IMMEDIATE");
    if (status.ok()) {
      for (PendingEnqueue* p : batch) {
        p->result = InsertLocked(*p->job);
        if (!p->result.ok()) {
          status = p->result.status();
          break;
        }
      }
    }
    status.Update(status.ok() ? db_->Exec("COMMIT") : db_->Exec("ROLLBACK"));
    db_->Exec("PRAGMA synchronous=NORMAL").IgnoreError();
    if (!status.ok()) {
      for (PendingEnqueue* p : batch) p->result = status;
    }
  }

  absl::StatusOr<EnqueueResult> InsertLocked(const NewJob& job) {
    int64_t now = Micros(absl::Now());
    auto insert = db_->Prepare(
        "INSERT OR IGNORE INTO jobs (kind, path, company, size, source, dedupe_key, release_key, "
        "created_us, updated_us, next_attempt_us, batch_id) VALUES (?,?,?,?,?,?,?,?,?,0,?)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, absl::string_view(JobKindName(job.kind)))
        .Bind(2, job.path)
        .Bind(3, job.company)
        .Bind(4, job.size)
        .Bind(5, job.source);
    if (job.dedupe_key.empty()) {
      insert->BindNull(6);
    } else {
      insert->Bind(6, job.dedupe_key);
    }
    insert->Bind(7, int64_t{job.release_key_when_finished ? 1 : 0})
        .Bind(8, now)
        .Bind(9, now)
        .Bind(10, job.batch_id);
    if (absl::Status s = insert->Run(); !s.ok()) return s;
    if (db_->Changes() > 0) return EnqueueResult{db_->LastInsertRowId(), true};
    auto find = db_->Prepare("SELECT id FROM jobs WHERE dedupe_key = ?");
    if (!find.ok()) return find.status();
    find->Bind(1, job.dedupe_key);
    auto row = find->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::InternalError("journal: job vanished during enqueue");
    return EnqueueResult{find->ColumnInt(0), false};
  }

  absl::Status Finish(int64_t id, const char* state, const std::string& outcome,
                      const std::string& error) {
    std::lock_guard<std::mutex> lock(mu_);
    auto update = db_->Prepare(
        "UPDATE jobs SET state = ?, outcome = ?, last_error = ?, updated_us = ?, "
        "dedupe_key = CASE WHEN release_key = 1 THEN NULL ELSE dedupe_key END WHERE id = ?");
    if (!update.ok()) return update.status();
    update->Bind(1, absl::string_view(state))
        .Bind(2, outcome)
        .Bind(3, error)
        .Bind(4, Micros(absl::Now()))
        .Bind(5, id);
    if (absl::Status s = update->Run(); !s.ok()) return s;
    if (db_->Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("job ", id, " is not in the journal"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<JobCounts> CountWhere(const char* where, int64_t arg, absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
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

  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;

  std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::vector<PendingEnqueue*> group_queue_;
  bool group_leader_active_ = false;
};

}  // namespace

const char* JobKindName(JobKind kind) {
  return kind == JobKind::kProvision ? "provision" : "ingest";
}

const char* JobStateName(JobState state) {
  switch (state) {
    case JobState::kPending:
      return "pending";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
  }
  return "pending";
}

absl::StatusOr<std::unique_ptr<JobStore>> OpenSqliteJobStore(const std::string& path) {
  // Enqueue makes its own commits durable; see CommitEnqueues.
  auto db = SqliteDb::Open(path, /*durable=*/false);
  if (!db.ok()) return db.status();
  auto store = std::make_unique<SqliteJobStore>(std::move(*db));
  if (absl::Status s = store->Init(); !s.ok()) return s;
  return std::unique_ptr<JobStore>(std::move(store));
}

}  // namespace powerview::journal
