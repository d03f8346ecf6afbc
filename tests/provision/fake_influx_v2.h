// A fake InfluxDB 2.x admin API (/api/v2/orgs, buckets, authorizations, and a query endpoint
// that only checks bucket access) with the permission model of the real one: an operator
// token may do everything; a minted token may read or write exactly the buckets its
// permissions name. Error bodies follow InfluxDB's `{"code","message"}` shape; a missing bucket
// looked up by name and org is 404, a name clash on create 422.
#ifndef POWERVIEW_TESTS_PROVISION_FAKE_INFLUX_V2_H_
#define POWERVIEW_TESTS_PROVISION_FAKE_INFLUX_V2_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "tests/fakes/http_server.h"

namespace powerview::testing {

class FakeInfluxV2 {
 public:
  struct Options {
    std::string org = "powerview";
    std::string org_id = "0a1b2c3d4e5f6071";
    std::string admin_token = "operator-token";
    // InfluxDB 2.9 hashes tokens: lists no longer show them.
    bool hashed_tokens = false;
  };

  struct Bucket {
    std::string id, name;
    int64_t retention_seconds = 0;
  };

  struct Authorization {
    std::string id, token, description, status, org_id;
    std::vector<std::pair<std::string, std::string>> permissions;  // (action, bucket id)
    std::string request_body;  // the create request, as received
  };

  explicit FakeInfluxV2(Options options);
  FakeInfluxV2() : FakeInfluxV2(Options()) {}

  absl::Status Start() { return server_.Start(); }
  std::string url() const { return server_.base_url(); }
  const Options& options() const { return options_; }

  // The next `count` requests answer `status` before anything is done.
  void FailNext(int count, int status);

  std::optional<Bucket> GetBucket(const std::string& name) const;
  std::vector<std::string> BucketNames() const;
  std::vector<Authorization> Authorizations() const;
  bool DeleteAuthorizationDirect(const std::string& id);
  // The permission model: may `token` read (or write) the bucket named `bucket`?
  bool CanRead(const std::string& token, const std::string& bucket) const;
  bool CanWrite(const std::string& token, const std::string& bucket) const;
  std::vector<std::string> requests() const;

 private:
  FakeResponse Handle(const FakeRequest& request);
  FakeResponse Buckets(const FakeRequest& request, const std::vector<std::string>& path,
                       const std::string& token);
  FakeResponse Authorizations(const FakeRequest& request, const std::vector<std::string>& path);
  FakeResponse Query(const FakeRequest& request, const std::string& token);
  bool Allowed(const std::string& token, const std::string& action,
               const std::string& bucket_id) const;
  const Bucket* FindBucketByName(const std::string& name) const;
  std::string BucketJson(const Bucket& b) const;
  std::string AuthorizationJson(const Authorization& a) const;

  const Options options_;
  mutable std::mutex mu_;
  int64_t next_id_ = 0x1000;
  std::map<std::string, Bucket> buckets_;                // by id
  std::map<std::string, Authorization> authorizations_;  // by id
  int fail_count_ = 0;
  int fail_status_ = 0;
  std::vector<std::string> requests_;
  FakeHttpServer server_;
};

}  // namespace powerview::testing

#endif  // POWERVIEW_TESTS_PROVISION_FAKE_INFLUX_V2_H_
