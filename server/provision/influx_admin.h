// InfluxDB administration as provisioning needs it: the company's buckets (2.x) or databases
// with their default retention policy (1.x), and, on 2.x, the read-only authorizations whose
// tokens Grafana's datasources use.
#ifndef POWERVIEW_SERVER_PROVISION_INFLUX_ADMIN_H_
#define POWERVIEW_SERVER_PROVISION_INFLUX_ADMIN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "powerview/v1/provision.pb.h"
#include "server/common/http_client.h"
#include "server/provision/settings.h"

namespace powerview::provision {

struct InfluxBucketState {
  std::string id;  // 2.x bucket id; the database name on 1.x
  std::string name;
  // Retention of the bucket (2.x) or of the spec's retention policy (1.x); 0 = forever.
  int64_t retention_seconds = 0;
  // 1.x: false when the spec's retention policy is missing or not the database's default.
  bool retention_policy_ok = true;
};

struct InfluxAuthorization {
  std::string id;
  std::string description;
  std::string status;  // active, inactive
  // (action, bucket id) pairs, sorted; an empty bucket id means every bucket of the org.
  std::vector<std::pair<std::string, std::string>> permissions;
};

// InfluxDB 1.x: a user and its privileges.
struct InfluxUserState {
  std::string name;
  bool admin = false;
  // database -> READ, WRITE or ALL PRIVILEGES (databases without a privilege are absent).
  std::map<std::string, std::string> grants;
};

// A token InfluxDB minted for PowerView; the token is only ever shown in this answer.
struct MintedToken {
  std::string authorization_id;
  std::string token;
};

class InfluxAdmin {
 public:
  virtual ~InfluxAdmin() = default;

  virtual absl::StatusOr<std::optional<InfluxBucketState>> GetBucket(
      const v1::InfluxBucketSpec& spec) = 0;
  // Creates the bucket with the spec's retention; an existing bucket of that name is returned
  // as it is (EnsureRetention then aligns it).
  virtual absl::StatusOr<InfluxBucketState> CreateBucket(const v1::InfluxBucketSpec& spec) = 0;
  virtual absl::Status EnsureRetention(const InfluxBucketState& bucket,
                                       const v1::InfluxBucketSpec& spec) = 0;

  // 2.x only; 1.x answers FailedPrecondition.
  virtual absl::StatusOr<std::vector<InfluxAuthorization>> FindAuthorizations(
      const std::string& description) = 0;
  // Read permission on exactly `bucket_ids`, nothing else (no write, no other bucket).
  virtual absl::StatusOr<MintedToken> CreateReadAuthorization(
      const std::string& description, const std::vector<std::string>& bucket_ids) = 0;
  virtual absl::Status DeleteAuthorization(const std::string& authorization_id) = 0;

  // 1.x only (2.x answers FailedPrecondition): the read user of the datasources.
  virtual absl::StatusOr<std::optional<InfluxUserState>> GetUser(const std::string& name);
  // Whether InfluxDB accepts `password` for `name` (always true without authentication).
  virtual absl::StatusOr<bool> CheckPassword(const std::string& name, const std::string& password);
  // Creates the user (or sets its password when it exists), takes admin away, grants READ on
  // each of `databases` (a WRITE or ALL grant there becomes READ) and, when `exclusive`, revokes
  // every grant on other databases.
  virtual absl::Status EnsureReadUser(const std::string& name, const std::string& password,
                                      const std::vector<std::string>& databases, bool exclusive);
};

// The admin client for `settings.api`. `http` is not owned and must outlive the result.
std::unique_ptr<InfluxAdmin> NewInfluxAdmin(HttpClient* http, const InfluxSettings& settings,
                                            const RetryPolicy& retry);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_INFLUX_ADMIN_H_
