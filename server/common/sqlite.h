// A thin RAII layer over the SQLite C API: one connection, prepared statements with typed
// binding, errors as absl::Status naming the statement. Not thread-safe: callers serialise.
#ifndef POWERVIEW_SERVER_COMMON_SQLITE_H_
#define POWERVIEW_SERVER_COMMON_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace powerview {

class SqliteStatement;

class SqliteDb {
 public:
  // Opens (creating if needed) the database at `path` in WAL mode with a busy timeout.
  // `durable`: synchronous=FULL (every commit reaches the disk) instead of NORMAL.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool durable);
  ~SqliteDb();

  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results.
  absl::Status Exec(absl::string_view sql);
  absl::StatusOr<SqliteStatement> Prepare(absl::string_view sql);
  int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* raw() { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A prepared statement. Bind with 1-based indexes, then Step() until it returns false.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string sql);
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, absl::string_view value);
  SqliteStatement& Bind(int index, double value);
  SqliteStatement& BindNull(int index);

  // True when a row is available; false when done. Errors carry the SQL text.
  absl::StatusOr<bool> Step();
  // Steps to completion, ignoring rows.
  absl::Status Run();
  void Reset();

  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
  absl::Status bind_error_;
};

}  // namespace powerview

#endif  // POWERVIEW_SERVER_COMMON_SQLITE_H_
