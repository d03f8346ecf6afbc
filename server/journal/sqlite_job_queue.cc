// SqliteJournal, queue half: schema, enqueue (group commit), leased claims.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/journal/sqlite_journal.h"
#include "server/journal/sqlite_rows.h"

namespace powerview::journal {
namespace {

using internal::kJobColumns;
using internal::Micros;
using internal::ReadJob;

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

// Columns added after the first release; journals written by it are upgraded in place.
constexpr const char* kLeaseColumns[][2] = {
    {"lease_owner", "TEXT NOT NULL DEFAULT ''"},
    {"lease_token", "TEXT NOT NULL DEFAULT ''"},
    {"lease_until_us", "INTEGER NOT NULL DEFAULT 0"},
};

std::string ReadFirstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Names this boot of this machine and this pid namespace: two processes with the same machine
// name can check each other's pids.
std::string MachineName() {
  std::string boot = ReadFirstLine("/proc/sys/kernel/random/boot_id");
  char ns[128] = {};
  ssize_t n = ::readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
  std::string pid_ns = n > 0 ? std::string(ns, static_cast<size_t>(n)) : "";
  if (boot.empty() || pid_ns.empty()) {
    // Cannot tell: a name nobody else has, so no lease is ever released early by pid.
    std::random_device rd;
    return absl::StrCat("unknown-", rd(), rd());
  }
  return absl::StrCat(boot, "|", pid_ns);
}

bool ProcessIsGone(int64_t pid) {
  if (pid <= 0 || pid == ::getpid()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

struct SqliteJournal::PendingEnqueue {
  const NewJob* job;
  absl::StatusOr<EnqueueResult> result = absl::InternalError("not committed");
  bool done = false;
};

SqliteJournal::SqliteJournal(std::unique_ptr<SqliteDb> db, JournalOptions options,
                             std::string owner)
    : options_(options), owner_(std::move(owner)), db_(std::move(db)) {}

absl::StatusOr<std::unique_ptr<SqliteJournal>> SqliteJournal::Open(const std::string& path,
                                                                   JournalOptions options) {
  if (options.lease_time <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("journal: the lease time must be positive");
  }
  // Enqueue makes its own commits durable; see CommitEnqueues.
  auto db = SqliteDb::Open(path, /*durable=*/false);
  if (!db.ok()) return db.status();
  std::unique_ptr<SqliteJournal> journal(
      new SqliteJournal(std::move(*db), options, absl::StrCat(MachineName(), "/", ::getpid())));
  if (absl::Status s = journal->Init(); !s.ok()) return s;
  return journal;
}

absl::Status SqliteJournal::Init() {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = db_->Exec(kSchema); !s.ok()) return s;
  for (const auto& column : kLeaseColumns) {
    auto has = db_->Prepare("SELECT 1 FROM pragma_table_info('jobs') WHERE name = ?");
    if (!has.ok()) return has.status();
    has->Bind(1, absl::string_view(column[0]));
    absl::StatusOr<bool> found = has->Step();
    if (!found.ok()) return found.status();
    if (*found) continue;
    if (absl::Status s =
            db_->Exec(absl::StrCat("ALTER TABLE jobs ADD COLUMN ", column[0], " ", column[1]));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteJournal::RecoverAbandoned() {
  absl::MutexLock lock(&mu_);
  auto owners = db_->Prepare("SELECT DISTINCT lease_owner FROM jobs WHERE state = 'running'");
  if (!owners.ok()) return owners.status();
  std::string machine = owner_.substr(0, owner_.rfind('/'));
  std::vector<std::string> gone;
  while (true) {
    absl::StatusOr<bool> row = owners->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string owner = owners->ColumnText(0);
    size_t slash = owner.rfind('/');
    int64_t pid = 0;
    // Jobs claimed by a journal without leases (owner '') were left by a stopped process too.
    if (owner.empty() || (slash != std::string::npos && owner.substr(0, slash) == machine &&
                          absl::SimpleAtoi(owner.substr(slash + 1), &pid) && ProcessIsGone(pid))) {
      gone.push_back(owner);
    }
  }
  int64_t released = 0;
  for (const std::string& owner : gone) {
    auto release = db_->Prepare(
        "UPDATE jobs SET state = 'pending', lease_owner = '', lease_token = '', "
        "lease_until_us = 0 WHERE state = 'running' AND lease_owner = ?");
    if (!release.ok()) return release.status();
    release->Bind(1, owner);
    if (absl::Status s = release->Run(); !s.ok()) return s;
    released += db_->Changes();
  }
  return released;
}

// Group commit: concurrent callers (SFTPGo sends events from many goroutines) share one
// transaction and one fsync. The first caller to find no commit in progress becomes the
// leader and commits everything queued so far; the others wait for their result.
absl::StatusOr<EnqueueResult> SqliteJournal::Enqueue(const NewJob& job) {
  PendingEnqueue pending{&job};
  absl::MutexLock lock(&group_mu_);
  group_queue_.push_back(&pending);
  while (!pending.done) {
    if (group_leader_active_) {
      auto turn = [this, &pending]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(group_mu_) {
        return pending.done || !group_leader_active_;
      };
      group_mu_.Await(absl::Condition(&turn));
      continue;
    }
    group_leader_active_ = true;
    std::vector<PendingEnqueue*> batch;
    batch.swap(group_queue_);
    group_mu_.Unlock();
    CommitEnqueues(batch);
    group_mu_.Lock();
    for (PendingEnqueue* p : batch) p->done = true;
    group_leader_active_ = false;
  }
  return pending.result;
}

// One durable transaction for all of `batch`: synchronous=FULL for this commit only (every
// other journal write may be lost by a power cut and is then simply done again).
void SqliteJournal::CommitEnqueues(const std::vector<PendingEnqueue*>& batch) {
  absl::MutexLock lock(&mu_);
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

absl::StatusOr<EnqueueResult> SqliteJournal::InsertLocked(const NewJob& job) {
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

// Runnable: pending and due, or running under an expired lease. Jobs of one path run one at a
// time and in the order they were queued: nothing is claimed while an older job of the same
// path is unfinished, or while a live lease holds the path.
absl::StatusOr<std::optional<Lease>> SqliteJournal::Claim(absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::string token = absl::StrCat(owner_, "#", ++claims_);
  absl::Time expires = now + options_.lease_time;
  auto claim = db_->Prepare(absl::StrCat(
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_us = ?1, "
      "lease_owner = ?2, lease_token = ?3, lease_until_us = ?4 "
      "WHERE id = (SELECT id FROM jobs j WHERE "
      "((state = 'pending' AND next_attempt_us <= ?1) OR "
      " (state = 'running' AND lease_until_us < ?1)) "
      "AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.path = j.path AND o.kind = j.kind AND "
      " o.id != j.id AND ((o.id < j.id AND o.state IN ('pending', 'running')) OR "
      " (o.state = 'running' AND o.lease_until_us >= ?1))) "
      "ORDER BY next_attempt_us, id LIMIT 1) RETURNING ",
      kJobColumns));
  if (!claim.ok()) return claim.status();
  claim->Bind(1, Micros(now))
      .Bind(2, absl::string_view(owner_))
      .Bind(3, absl::string_view(token))
      .Bind(4, Micros(expires));
  auto row = claim->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Lease>();
  Lease lease{ReadJob(*claim), token, expires};
  if (absl::Status s = claim->Run(); !s.ok()) return s;
  return std::optional<Lease>(std::move(lease));
}

absl::Status SqliteJournal::Renew(Lease& lease) {
  absl::MutexLock lock(&mu_);
  absl::Time expires = absl::Now() + options_.lease_time;
  auto update = db_->Prepare(
      "UPDATE jobs SET lease_until_us = ? WHERE id = ? AND lease_token = ? AND state = "
      "'running'");
  if (!update.ok()) return update.status();
  update->Bind(1, Micros(expires)).Bind(2, lease.job.id).Bind(3, lease.token);
  if (absl::Status s = update->Run(); !s.ok()) return s;
  if (db_->Changes() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", lease.job.id, ": lease lost (it expired and was claimed again)"));
  }
  lease.expires = expires;
  return absl::OkStatus();
}

absl::Status SqliteJournal::Complete(const Lease& lease, const std::string& outcome) {
  return Finish(lease, "done", outcome, "");
}

absl::Status SqliteJournal::Fail(const Lease& lease, const std::string& error) {
  return Finish(lease, "failed", "", error);
}

absl::Status SqliteJournal::Retry(const Lease& lease, absl::Time next_attempt,
                                  const std::string& error) {
  absl::MutexLock lock(&mu_);
  auto update = db_->Prepare(
      "UPDATE jobs SET state = 'pending', next_attempt_us = ?, last_error = ?, updated_us = ?, "
      "lease_owner = '', lease_token = '', lease_until_us = 0 "
      "WHERE id = ? AND lease_token = ? AND state = 'running'");
  if (!update.ok()) return update.status();
  update->Bind(1, Micros(next_attempt))
      .Bind(2, error)
      .Bind(3, Micros(absl::Now()))
      .Bind(4, lease.job.id)
      .Bind(5, lease.token);
  if (absl::Status s = update->Run(); !s.ok()) return s;
  if (db_->Changes() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", lease.job.id, ": lease lost (it expired and was claimed again)"));
  }
  return absl::OkStatus();
}

absl::Status SqliteJournal::Release(const Lease& lease) {
  absl::MutexLock lock(&mu_);
  auto update = db_->Prepare(
      "UPDATE jobs SET state = 'pending', attempts = MAX(attempts - 1, 0), updated_us = ?, "
      "lease_owner = '', lease_token = '', lease_until_us = 0 "
      "WHERE id = ? AND lease_token = ? AND state = 'running'");
  if (!update.ok()) return update.status();
  update->Bind(1, Micros(absl::Now())).Bind(2, lease.job.id).Bind(3, lease.token);
  if (absl::Status s = update->Run(); !s.ok()) return s;
  if (db_->Changes() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", lease.job.id, ": lease lost (it expired and was claimed again)"));
  }
  return absl::OkStatus();
}

absl::Status SqliteJournal::Finish(const Lease& lease, const char* state,
                                   const std::string& outcome, const std::string& error) {
  absl::MutexLock lock(&mu_);
  auto update = db_->Prepare(
      "UPDATE jobs SET state = ?, outcome = ?, last_error = ?, updated_us = ?, "
      "lease_owner = '', lease_token = '', lease_until_us = 0, "
      "dedupe_key = CASE WHEN release_key = 1 THEN NULL ELSE dedupe_key END "
      "WHERE id = ? AND lease_token = ? AND state = 'running'");
  if (!update.ok()) return update.status();
  update->Bind(1, absl::string_view(state))
      .Bind(2, outcome)
      .Bind(3, error)
      .Bind(4, Micros(absl::Now()))
      .Bind(5, lease.job.id)
      .Bind(6, lease.token);
  if (absl::Status s = update->Run(); !s.ok()) return s;
  if (db_->Changes() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", lease.job.id,
                     ": lease lost (it expired and was claimed again), or not in the "
                     "journal"));
  }
  return absl::OkStatus();
}

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

}  // namespace powerview::journal
