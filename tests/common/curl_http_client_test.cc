#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/common/http_client.h"
#include "tests/fakes/http_server.h"

namespace powerview {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

// Records every request and answers with whatever `answer` says.
class Recorder {
 public:
  explicit Recorder(std::function<FakeResponse(const FakeRequest&)> answer)
      : answer_(std::move(answer)), server_([this](const FakeRequest& r) { return Handle(r); }) {}

  FakeHttpServer& server() { return server_; }
  std::vector<FakeRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  FakeResponse Handle(const FakeRequest& r) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(r);
    }
    return answer_(r);
  }

  std::function<FakeResponse(const FakeRequest&)> answer_;
  std::mutex mu_;
  std::vector<FakeRequest> requests_;
  FakeHttpServer server_;
};

HttpRequest Request(std::string method, std::string url, std::string body = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.timeout = absl::Seconds(10);
  return r;
}

TEST(CurlHttpClientTest, GetReturnsStatusHeadersAndBody) {
  Recorder rec([](const FakeRequest&) {
    FakeResponse r;
    r.status = 200;
    r.headers = {{"X-Influxdb-Version", "1.6.7"}, {"Content-Type", "text/plain"}};
    r.body = "hello";
    return r;
  });
  ASSERT_TRUE(rec.server().Start().ok());
  auto client = NewCurlHttpClient();
  auto resp = client->Send(Request("GET", rec.server().base_url() + "/ping?verbose=true"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "hello");
  EXPECT_EQ(resp->Header("x-influxdb-version"), "1.6.7");
  EXPECT_EQ(resp->Header("Content-Length"), "5");
  ASSERT_EQ(rec.requests().size(), 1u);
  EXPECT_EQ(rec.requests()[0].method, "GET");
  EXPECT_EQ(rec.requests()[0].path, "/ping");
  EXPECT_EQ(rec.requests()[0].params.at("verbose"), "true");
}

TEST(CurlHttpClientTest, PostSendsBodyHeadersAndParams) {
  Recorder rec([](const FakeRequest&) { return FakeResponse{204}; });
  ASSERT_TRUE(rec.server().Start().ok());
  auto client = NewCurlHttpClient();
  HttpRequest req =
      Request("POST", rec.server().base_url() + "/write?db=a%20b&precision=s", "m,t=x v=1 1\n");
  req.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Authorization", "Token abc"}};
  auto resp = client->Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 204);
  EXPECT_TRUE(resp->body.empty());
  auto reqs = rec.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].body, "m,t=x v=1 1\n");
  EXPECT_EQ(reqs[0].params.at("db"), "a b");
  EXPECT_EQ(reqs[0].Header("authorization"), "Token abc");
  EXPECT_EQ(reqs[0].Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(reqs[0].Header("Expect"), "");
}

TEST(CurlHttpClientTest, OtherMethodsWithAndWithoutBodies) {
  Recorder rec([](const FakeRequest& r) {
    FakeResponse resp;
    resp.body = r.method + ":" + r.body;
    return resp;
  });
  ASSERT_TRUE(rec.server().Start().ok());
  auto client = NewCurlHttpClient();
  const std::string url = rec.server().base_url() + "/api/x";
  for (const auto& [method, body] :
       std::vector<std::pair<std::string, std::string>>{{"PUT", "{\"a\":1}"},
                                                        {"PUT", ""},
                                                        {"PATCH", "{}"},
                                                        {"DELETE", ""},
                                                        {"DELETE", "{\"b\":2}"},
                                                        {"POST", ""}}) {
    auto resp = client->Send(Request(method, url, body));
    ASSERT_TRUE(resp.ok()) << resp.status();
    EXPECT_EQ(resp->body, method + ":" + body);
    FakeRequest seen = rec.requests().back();
    EXPECT_EQ(seen.method, method);
    if (method != "DELETE" || !body.empty()) {
      EXPECT_EQ(seen.Header("Content-Length"), std::to_string(body.size())) << method;
    }
  }
  auto head = client->Send(Request("HEAD", url));
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(rec.requests().back().method, "HEAD");
}

TEST(CurlHttpClientTest, ErrorStatusesAreAnswersNotErrors) {
  Recorder rec([](const FakeRequest&) {
    return FakeResponse::Json(404, R"({"error":"database not found: \"x\""})");
  });
  ASSERT_TRUE(rec.server().Start().ok());
  auto client = NewCurlHttpClient();
  auto resp = client->Send(Request("POST", rec.server().base_url() + "/write?db=x", "m v=1\n"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 404);
  EXPECT_EQ(resp->Header("Content-Type"), "application/json");
  EXPECT_TRUE(absl::StrContains(resp->body, "database not found"));
}

TEST(CurlHttpClientTest, TimeoutIsUnavailableAndNamesTheRequest) {
  Recorder rec([](const FakeRequest&) {
    FakeResponse r;
    r.delay = absl::Seconds(5);
    return r;
  });
  ASSERT_TRUE(rec.server().Start().ok());
  auto client = NewCurlHttpClient();
  HttpRequest req = Request("GET", rec.server().base_url() + "/slow");
  req.timeout = absl::Milliseconds(200);
  absl::Time start = absl::Now();
  auto resp = client->Send(req);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(resp.status().message(), "GET " + req.url + ": ")) << resp.status();
  EXPECT_TRUE(absl::StrContains(resp.status().message(), "imed out")) << resp.status();
}

TEST(CurlHttpClientTest, ConnectionRefusedIsUnavailable) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse{}; });
  ASSERT_TRUE(server.Start().ok());
  std::string url = server.base_url() + "/write";
  server.Stop();
  auto resp = NewCurlHttpClient()->Send(Request("POST", url, "x"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(resp.status().message(), "POST " + url + ": ")) << resp.status();
}

TEST(CurlHttpClientTest, DroppedConnectionIsUnavailable) {
  Recorder rec([](const FakeRequest&) {
    FakeResponse r;
    r.drop_connection = true;
    return r;
  });
  ASSERT_TRUE(rec.server().Start().ok());
  auto resp = NewCurlHttpClient()->Send(Request("POST", rec.server().base_url() + "/w", "x"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kUnavailable);
}

// A server that accepts exactly one TCP connection: a client that did not keep the connection
// alive cannot get a second answer from it.
TEST(CurlHttpClientTest, ReusesTheKeptAliveConnection) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  constexpr int kRequests = 5;
  std::thread server([listener] {
    int fd = accept(listener, nullptr, nullptr);
    close(listener);  // later connection attempts are refused
    std::string buf;
    for (int served = 0; served < kRequests;) {
      char chunk[4096];
      ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      size_t end;
      while ((end = buf.find("\r\n\r\n")) != std::string::npos) {  // GETs have no body
        buf.erase(0, end + 4);
        std::string resp = absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", served);
        send(fd, resp.data(), resp.size(), MSG_NOSIGNAL);
        ++served;
      }
    }
    close(fd);
  });
  auto client = NewCurlHttpClient();
  for (int i = 0; i < kRequests; ++i) {
    auto resp = client->Send(Request("GET", absl::StrCat("http://127.0.0.1:", port, "/n")));
    ASSERT_TRUE(resp.ok()) << "request " << i << ": " << resp.status();
    EXPECT_EQ(resp->body, absl::StrCat(i));
  }
  server.join();
}

TEST(CurlHttpClientTest, ConcurrentRequestsFromManyThreads) {
  std::atomic<int> served{0};
  FakeHttpServer server([&served](const FakeRequest& r) {
    served++;
    FakeResponse resp;
    resp.body = r.body;
    return resp;
  });
  ASSERT_TRUE(server.Start().ok());
  auto client = NewCurlHttpClient();
  constexpr int kThreads = 12, kEach = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string body = absl::StrCat("t", t, "i", i);
        auto resp = client->Send(Request("POST", server.base_url() + "/echo", body));
        if (resp.ok() && resp->body == body) ok++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(served.load(), kThreads * kEach);
}

TEST(CurlHttpClientTest, LargeBodiesBothWays) {
  FakeHttpServer server([](const FakeRequest& r) {
    FakeResponse resp;
    resp.body = r.body + r.body;
    return resp;
  });
  ASSERT_TRUE(server.Start().ok());
  std::string body(6 << 20, 'x');
  for (size_t i = 0; i < body.size(); i += 97) body[i] = static_cast<char>('a' + i % 26);
  auto resp = NewCurlHttpClient()->Send(Request("POST", server.base_url() + "/big", body));
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->body, body + body);
}

}  // namespace
}  // namespace powerview
