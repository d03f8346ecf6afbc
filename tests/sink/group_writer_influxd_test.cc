// GroupWriter against the real InfluxDB 1.6.7 that the ctest fixture `influxd` starts: lines
// written by many threads at once share requests, every caller learns the fate of its own line,
// and a line InfluxDB refuses does not fail the lines it was sent with.
#include <atomic>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "server/sink/group_writer.h"

namespace powerview::sink {
namespace {

class GroupWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("POWERVIEW_TEST_INFLUX_URL");
    ASSERT_NE(url, nullptr) << "run through ctest, which starts influxd";
    config_.url = url;
    config_.retry.max_elapsed = absl::Seconds(20);
    // A database of our own: the fixture's server is shared with other tests.
    database_ =
        absl::StrCat("pv_group_", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                     "_", absl::ToUnixMicros(absl::Now()));
    writer_ = std::make_unique<InfluxWriter>(config_, http_.get());
  }
  void TearDown() override {
    if (writer_ != nullptr) {
      writer_->Query("", absl::StrCat("DROP DATABASE \"", database_, "\"")).IgnoreError();
    }
  }
  int64_t Count(const std::string& field) {
    absl::StatusOr<std::string> answer =
        writer_->Query(database_, absl::StrCat("SELECT count(\"", field, "\") FROM files"));
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!answer.ok()) return -1;
    rapidjson::Document doc;
    doc.Parse(answer->c_str());
    const rapidjson::Value& result = doc["results"][0];
    if (!result.HasMember("series")) return 0;
    return result["series"][0]["values"][0][1].GetInt64();
  }

  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  InfluxConfig config_;
  std::string database_;
  std::unique_ptr<InfluxWriter> writer_;
};

// 16 threads, 20 lines each (one per "file"), into a database that does not exist yet.
TEST_F(GroupWriterTest, ConcurrentLinesShareRequestsAndAllArrive) {
  GroupWriter group(writer_.get(), database_);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        absl::Status s =
            group.Write(absl::StrCat("files,worker=w", t, " rows=", i, "i ", 1700000000 + i));
        if (!s.ok()) {
          ++failed;
          ADD_FAILURE() << s;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(Count("rows"), 320);
  // The database was created by the first request (404, create, write again): at most a few
  // more requests than batches, far fewer than lines.
  EXPECT_LT(group.requests(), 320);
  std::printf("320 lines from 16 threads in %lld requests\n",
              static_cast<long long>(group.requests()));
}

TEST_F(GroupWriterTest, ARefusedLineFailsAlone) {
  // `rows` is a float here: an integer `rows` is then a field type conflict (HTTP 400).
  ASSERT_TRUE(
      writer_->Write(database_, "files,worker=seed rows=1.5 1700000000\n", 1, nullptr).ok());
  GroupWriter group(writer_.get(), database_);
  std::vector<absl::Status> results(12);
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      std::string field = t == 5 ? "rows=7i" : absl::StrCat("rows=", t, ".5");
      results[t] = group.Write(absl::StrCat("files,worker=w", t, " ", field, " 1700000100"));
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 12; ++t) {
    if (t == 5) {
      EXPECT_TRUE(absl::IsInvalidArgument(results[t])) << results[t];
      EXPECT_NE(results[t].message().find("conflict"), absl::string_view::npos) << results[t];
    } else {
      EXPECT_TRUE(results[t].ok()) << t << ": " << results[t];
    }
  }
  EXPECT_EQ(Count("rows"), 12);  // the seed and the 11 good lines
}

}  // namespace
}  // namespace powerview::sink
