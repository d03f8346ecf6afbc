// What provisioning must remember between runs: InfluxDB tokens it minted (2.x shows a token
// once), hashes of the secrets it applied (Grafana never returns them), the inventory of what
// it created (so prune deletes only its own objects), and the last plan and apply result.
#ifndef POWERVIEW_SERVER_PROVISION_PROVISION_STORE_H_
#define POWERVIEW_SERVER_PROVISION_PROVISION_STORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/common/sqlite.h"

namespace powerview::provision {

// A small durable key-value map. Implementations are safe to call from several threads.
class ProvisionStore {
 public:
  virtual ~ProvisionStore() = default;

  // The value stored under `key`, or nullopt when there is none.
  virtual absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) = 0;
  // Stores `value` under `key`, replacing any previous value; durable when it returns.
  virtual absl::Status Put(absl::string_view key, absl::string_view value) = 0;
  // Removes `key`; removing a missing key is not an error.
  virtual absl::Status Delete(absl::string_view key) = 0;
  // Every key starting with `prefix`, with its value, in key order.
  virtual absl::StatusOr<std::map<std::string, std::string>> List(absl::string_view prefix) = 0;
};

// A ProvisionStore in the table `provision_state` of an SQLite database. The database may be
// shared with other tables (the daemon's state database). The file holds InfluxDB read tokens:
// it must be readable by PowerView only.
class SqliteProvisionStore : public ProvisionStore {
 public:
  // Opens (creating if needed) the database at `path` and the table.
  static absl::StatusOr<std::unique_ptr<SqliteProvisionStore>> Open(const std::string& path);

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) override;
  absl::Status Put(absl::string_view key, absl::string_view value) override;
  absl::Status Delete(absl::string_view key) override;
  absl::StatusOr<std::map<std::string, std::string>> List(absl::string_view prefix) override;

 private:
  explicit SqliteProvisionStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  absl::Mutex mu_;
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_PROVISION_STORE_H_
