// A fake InfluxDB (1.x `/write`, `/query`; 2.x `/api/v2/write`, orgs and buckets) on top of
// FakeHttpServer, for the writer's tests: it records the lines it accepts and can be told how
// to answer the next requests of a path.
#ifndef POWERVIEW_TESTS_SINK_FAKE_INFLUX_H_
#define POWERVIEW_TESTS_SINK_FAKE_INFLUX_H_

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/fakes/http_server.h"

namespace powerview::testing {

class FakeInflux {
 public:
  FakeInflux();

  absl::Status Start() { return server_.Start(); }
  // Stops answering; Start() again listens on the same port.
  void Stop() { server_.Stop(); }
  std::string url() const { return server_.base_url(); }

  // Databases (1.x) or buckets (2.x) that exist; writes elsewhere get 404.
  void AddDatabase(const std::string& name);
  std::set<std::string> databases() const;
  // 2.x: the organisation /api/v2/orgs knows, and the token every /api/v2 request must carry
  // (none required when empty).
  void SetOrg(const std::string& name, const std::string& id);
  void RequireToken(const std::string& token);
  // Answers 413 to write bodies with more lines than this (0: no limit).
  void SetMaxLinesPerWrite(int64_t max_lines);
  // The next requests to `path` get these answers, in order, instead of the normal ones.
  void Script(const std::string& path, std::vector<FakeResponse> responses);

  // Lines accepted into `database`, in arrival order.
  std::vector<std::string> lines(const std::string& database) const;
  std::vector<FakeRequest> requests() const;
  std::vector<FakeRequest> requests_to(const std::string& path) const;
  // Line counts of the write bodies that were accepted, in order.
  std::vector<int64_t> accepted_batches() const;

 private:
  FakeResponse Handle(const FakeRequest& request);
  FakeResponse Write(const FakeRequest& request, const std::string& database, bool v2);
  FakeResponse Query(const FakeRequest& request);
  FakeResponse Buckets(const FakeRequest& request);

  mutable std::mutex mu_;
  std::set<std::string> databases_;
  std::string org_name_, org_id_, token_;
  int64_t max_lines_ = 0;
  std::map<std::string, std::deque<FakeResponse>> scripts_;
  std::map<std::string, std::vector<std::string>> lines_;
  std::vector<int64_t> accepted_batches_;
  std::vector<FakeRequest> requests_;
  FakeHttpServer server_;  // last: stopped before the state above goes away
};

// A sleeper for InfluxWriter that only records what it was asked to wait. Thread-safe.
class RecordingSleeper {
 public:
  std::function<void(absl::Duration)> AsFunction() {
    return [this](absl::Duration d) {
      std::lock_guard<std::mutex> lock(mu_);
      waits_.push_back(d);
    };
  }
  std::vector<absl::Duration> waits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waits_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<absl::Duration> waits_;
};

}  // namespace powerview::testing

#endif  // POWERVIEW_TESTS_SINK_FAKE_INFLUX_H_
