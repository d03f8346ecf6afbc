#include "server/provision/provision_store.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace powerview::provision {

absl::StatusOr<std::unique_ptr<SqliteProvisionStore>> SqliteProvisionStore::Open(
    const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path, /*durable=*/true);
  if (!db.ok()) {
    return absl::Status(db.status().code(),
                        absl::StrCat("provision store: ", db.status().message()));
  }
  absl::Status status = (*db)->Exec(
      "CREATE TABLE IF NOT EXISTS provision_state ("
      " key TEXT PRIMARY KEY NOT NULL,"
      " value BLOB NOT NULL,"
      " updated_unix_ms INTEGER NOT NULL)");
  if (!status.ok()) return status;
  return std::unique_ptr<SqliteProvisionStore>(new SqliteProvisionStore(*std::move(db)));
}

absl::StatusOr<std::optional<std::string>> SqliteProvisionStore::Get(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<SqliteStatement> stmt =
      db_->Prepare("SELECT value FROM provision_state WHERE key = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->ColumnText(0));
}

absl::Status SqliteProvisionStore::Put(absl::string_view key, absl::string_view value) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<SqliteStatement> stmt = db_->Prepare(
      "INSERT INTO provision_state (key, value, updated_unix_ms) VALUES (?, ?, ?) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
      "updated_unix_ms = excluded.updated_unix_ms");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key).Bind(2, value).Bind(3, absl::ToUnixMillis(absl::Now()));
  return stmt->Run();
}

absl::Status SqliteProvisionStore::Delete(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<SqliteStatement> stmt = db_->Prepare("DELETE FROM provision_state WHERE key = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  return stmt->Run();
}

absl::StatusOr<std::map<std::string, std::string>> SqliteProvisionStore::List(
    absl::string_view prefix) {
  absl::MutexLock lock(&mu_);
  // A byte-wise prefix match: LIKE would treat `%` and `_` in company names as wildcards, and
  // substr() on text counts characters, not bytes.
  absl::StatusOr<SqliteStatement> stmt = db_->Prepare(
      "SELECT key, value FROM provision_state "
      "WHERE substr(CAST(key AS BLOB), 1, ?) = CAST(? AS BLOB) ORDER BY key");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(prefix.size())).Bind(2, prefix);
  std::map<std::string, std::string> out;
  while (true) {
    absl::StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.emplace(stmt->ColumnText(0), stmt->ColumnText(1));
  }
  return out;
}

}  // namespace powerview::provision
