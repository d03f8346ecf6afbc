// Tests of the fake HTTP server at the byte level, with plain sockets, so that its framing
// does not depend on what libcurl happens to send.
#include "tests/fakes/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace powerview::testing {
namespace {

class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { close(fd_); }

  bool connected() const { return connected_; }
  void Send(absl::string_view data) { send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }

  // Reads one response: the head (status line and headers) and a Content-Length body (none
  // for the answer to a HEAD request). Returns false on EOF or after 5 s without data.
  bool Read(std::string* head, std::string* body, bool head_request = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    *head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    size_t length = 0;
    size_t pos = head->find("Content-Length: ");
    if (pos != std::string::npos && !head_request) {
      size_t eol = head->find("\r\n", pos);
      if (!absl::SimpleAtoi(head->substr(pos + 16, eol - pos - 16), &length)) return false;
    }
    while (buf_.size() < length) {
      if (!Fill()) return false;
    }
    *body = buf_.substr(0, length);
    buf_.erase(0, length);
    return true;
  }

  // True when the server closed the connection (within 5 s).
  bool Closed() {
    while (Fill()) {
    }
    return eof_;
  }

 private:
  bool Fill() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return false;
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

class FakeHttpServerTest : public ::testing::Test {
 protected:
  FakeHttpServerTest()
      : server_([this](const FakeRequest& r) {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(r);
          return answer_ ? answer_(r) : FakeResponse{200, {}, "ok:" + r.body};
        }) {}

  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  std::vector<FakeRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  std::function<FakeResponse(const FakeRequest&)> answer_;
  std::mutex mu_;
  std::vector<FakeRequest> requests_;
  FakeHttpServer server_;
};

std::string Gzip(absl::string_view in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST_F(FakeHttpServerTest, KeepAliveServesPipelinedRequestsOnOneConnection) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.connected());
  c.Send(
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_TRUE(absl::StrContains(head, "Connection: keep-alive")) << head;
  EXPECT_EQ(body, "ok:abc");
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_EQ(body, "ok:");
  ASSERT_EQ(requests().size(), 2u);
  EXPECT_EQ(requests()[1].path, "/b");
}

TEST_F(FakeHttpServerTest, ChunkedRequestBody) {
  RawClient c(server_.port());
  c.Send(
      "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\nA;ext=1\r\n, chunked!\r\n0\r\nX-Trailer: 1\r\n\r\n");
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_EQ(body, "ok:hello, chunked!");
}

TEST_F(FakeHttpServerTest, GzipBodyIsInflated) {
  std::string lines;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&lines, "m,t=a v=", i, " ", 1000 + i, "\n");
  std::string gz = Gzip(lines);
  RawClient c(server_.port());
  c.Send(absl::StrCat("POST /write HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: ",
                      gz.size(), "\r\n\r\n", gz));
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  ASSERT_EQ(requests().size(), 1u);
  EXPECT_EQ(requests()[0].body, lines);
  EXPECT_EQ(requests()[0].wire_body_size, gz.size());
  EXPECT_LT(gz.size(), lines.size() / 2);
}

TEST_F(FakeHttpServerTest, InvalidGzipIsRejectedWithoutCallingTheHandler) {
  RawClient c(server_.port());
  c.Send("POST /write HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope");
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 400 ")) << head;
  EXPECT_TRUE(requests().empty());
  EXPECT_TRUE(c.Closed());
}

TEST_F(FakeHttpServerTest, PathAndQueryAreDecoded) {
  RawClient c(server_.port());
  c.Send("GET /api/v2/buckets%2Fx?name=my+bucket&org=a%26b&flag&empty= HTTP/1.1\r\n\r\n");
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  ASSERT_EQ(requests().size(), 1u);
  const FakeRequest r = requests()[0];
  EXPECT_EQ(r.path, "/api/v2/buckets/x");
  EXPECT_EQ(r.query, "name=my+bucket&org=a%26b&flag&empty=");
  EXPECT_EQ(r.params.at("name"), "my bucket");
  EXPECT_EQ(r.params.at("org"), "a&b");
  EXPECT_EQ(r.params.at("flag"), "");
  EXPECT_EQ(r.params.at("empty"), "");
}

TEST_F(FakeHttpServerTest, ConnectionCloseAndHttp10AreHonoured) {
  {
    RawClient c(server_.port());
    c.Send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    std::string head, body;
    ASSERT_TRUE(c.Read(&head, &body));
    EXPECT_TRUE(absl::StrContains(head, "Connection: close")) << head;
    EXPECT_TRUE(c.Closed());
  }
  RawClient c(server_.port());
  c.Send("GET / HTTP/1.0\r\n\r\n");
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_TRUE(c.Closed());
}

TEST_F(FakeHttpServerTest, JsonHeadersAndBodilessStatuses) {
  answer_ = [](const FakeRequest& r) {
    if (r.path == "/json") {
      FakeResponse resp = FakeResponse::Json(201, R"({"id":"1"})");
      resp.headers.emplace_back("Content-Length", "999");  // ignored: framing is the server's
      return resp;
    }
    return FakeResponse{204, {{"X-Influxdb-Version", "1.6.7"}}, "ignored"};
  };
  RawClient c(server_.port());
  c.Send("GET /json HTTP/1.1\r\n\r\nGET /ping HTTP/1.1\r\n\r\nHEAD /json HTTP/1.1\r\n\r\n");
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 201 Created\r\n")) << head;
  EXPECT_TRUE(absl::StrContains(head, "Content-Type: application/json\r\n")) << head;
  EXPECT_EQ(body, R"({"id":"1"})");
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 204 No Content\r\n")) << head;
  EXPECT_FALSE(absl::StrContains(head, "Content-Length")) << head;
  EXPECT_TRUE(absl::StrContains(head, "X-Influxdb-Version: 1.6.7")) << head;
  ASSERT_TRUE(c.Read(&head, &body, /*head_request=*/true));
  EXPECT_TRUE(absl::StrContains(head, "Content-Length: 10")) << head;  // announced, not sent
  c.Send("GET /ping HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 204")) << head;
}

TEST_F(FakeHttpServerTest, ExpectContinueGetsAnInterimAnswer) {
  RawClient c(server_.port());
  c.Send("POST /w HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 100 Continue")) << head;
  c.Send("hi");
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_EQ(body, "ok:hi");
}

TEST_F(FakeHttpServerTest, DropConnectionClosesWithoutAnswer) {
  answer_ = [](const FakeRequest&) { return FakeResponse{500, {}, "", {}, true}; };
  RawClient c(server_.port());
  c.Send("GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(c.Closed());
}

TEST_F(FakeHttpServerTest, StopIsPromptWithIdleConnectionsAndPendingDelays) {
  answer_ = [](const FakeRequest&) { return FakeResponse{200, {}, "", absl::Seconds(60)}; };
  RawClient idle(server_.port());
  RawClient waiting(server_.port());
  waiting.Send("GET /slow HTTP/1.1\r\n\r\n");
  for (int i = 0; i < 100 && requests().empty(); ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(requests().size(), 1u);
  absl::Time start = absl::Now();
  server_.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(waiting.Closed());
  EXPECT_TRUE(idle.Closed());
  server_.Stop();  // idempotent
}

TEST_F(FakeHttpServerTest, RestartKeepsThePort) {
  const int port = server_.port();
  RawClient before(port);
  before.Send("GET / HTTP/1.1\r\n\r\n");
  std::string head, body;
  ASSERT_TRUE(before.Read(&head, &body));
  server_.Stop();
  EXPECT_FALSE(RawClient(port).connected());
  ASSERT_TRUE(server_.Start().ok());
  EXPECT_EQ(server_.port(), port);
  EXPECT_EQ(server_.base_url(), absl::StrCat("http://127.0.0.1:", port));
  RawClient after(port);
  after.Send("GET / HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(after.Read(&head, &body));
  EXPECT_EQ(body, "ok:");
  EXPECT_FALSE(server_.Start().ok());  // already running
}

TEST_F(FakeHttpServerTest, ManyConnectionsAtOnce) {
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<RawClient>(server_.port()));
    clients.back()->Send(absl::StrCat("POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n", i % 10));
  }
  for (int i = 0; i < 50; ++i) {
    std::string head, body;
    ASSERT_TRUE(clients[i]->Read(&head, &body));
    EXPECT_EQ(body, absl::StrCat("ok:", i % 10));
  }
  EXPECT_EQ(requests().size(), 50u);
}

TEST_F(FakeHttpServerTest, MalformedRequestLineGets400) {
  RawClient c(server_.port());
  c.Send("garbage\r\n\r\n");
  std::string head, body;
  ASSERT_TRUE(c.Read(&head, &body));
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 400 ")) << head;
  EXPECT_TRUE(requests().empty());
}

}  // namespace
}  // namespace powerview::testing
