#include "tests/fakes/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace powerview::testing {
namespace {

constexpr size_t kMaxHeaderBytes = size_t{1} << 20;
constexpr size_t kMaxBodyBytes = size_t{1} << 30;

const char* Reason(int status) {
  // clang-format off
  static constexpr std::pair<int, const char*> kReasons[] = {
      {100, "Continue"}, {200, "OK"}, {201, "Created"}, {204, "No Content"},
      {304, "Not Modified"}, {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
      {404, "Not Found"}, {405, "Method Not Allowed"}, {409, "Conflict"},
      {412, "Precondition Failed"}, {413, "Payload Too Large"}, {422, "Unprocessable Entity"},
      {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
      {503, "Service Unavailable"}, {504, "Gateway Timeout"}};
  // clang-format on
  for (const auto& [code, text] : kReasons) {
    if (code == status) return text;
  }
  return "Status";
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in`; in query components '+' also stands for a space.
std::string Unescape(absl::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size() && HexDigit(in[i + 1]) >= 0 && HexDigit(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(in[i + 1]) * 16 + HexDigit(in[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Inflates a gzip or zlib stream (auto-detected); false when the data is not valid.
bool Inflate(absl::string_view in, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out->append(chunk, sizeof(chunk) - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated stream
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END;
}

// One accepted connection: buffered, interruptible reads and writes on a non-blocking socket.
// Every wait also watches `wake_fd`, which becomes readable when the server stops.
class Connection {
 public:
  Connection(int fd, int wake_fd) : fd_(fd), wake_fd_(wake_fd) {}

  // Reads until `buf_` holds at least `n` bytes. False on EOF, error or stop.
  bool Fill(size_t n) {
    while (buf_.size() < n) {
      if (!Wait(POLLIN, -1)) return false;
      char chunk[64 * 1024];
      ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
      if (got > 0) {
        buf_.append(chunk, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        return false;
      }
    }
    return true;
  }

  // Reads one CRLF-terminated line (without the CRLF). False on EOF or if it grows past `max`.
  bool Line(std::string* line, size_t max) {
    size_t scanned = 0;
    for (;;) {
      size_t eol = buf_.find("\r\n", scanned);
      if (eol != std::string::npos) {
        line->assign(buf_, 0, eol);
        buf_.erase(0, eol + 2);
        return true;
      }
      if (buf_.size() > max) return false;
      scanned = buf_.empty() ? 0 : buf_.size() - 1;
      if (!Fill(buf_.size() + 1)) return false;
    }
  }

  bool Take(size_t n, std::string* out) {
    if (!Fill(n)) return false;
    out->append(buf_, 0, n);
    buf_.erase(0, n);
    return true;
  }

  bool Send(absl::string_view data) {
    while (!data.empty()) {
      ssize_t sent = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent > 0) {
        data.remove_prefix(static_cast<size_t>(sent));
      } else if (errno == EAGAIN || errno == EINTR) {
        if (!Wait(POLLOUT, -1)) return false;
      } else {
        return false;
      }
    }
    return true;
  }

  // Sleeps up to `d`; false if the server is stopping.
  bool Sleep(absl::Duration d) {
    pollfd p{wake_fd_, POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(d));
    return poll(&p, 1, ms) == 0;
  }

 private:
  bool Wait(short events, int timeout_ms) {
    for (;;) {
      pollfd p[2] = {{fd_, events, 0}, {wake_fd_, POLLIN, 0}};
      int rc = poll(p, 2, timeout_ms);
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0 || (p[1].revents & POLLIN)) return false;
      return true;
    }
  }

  int fd_;
  int wake_fd_;
  std::string buf_;
};

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK); }

std::string Status(int status, absl::string_view text) {
  return absl::StrCat("HTTP/1.1 ", status, " ", Reason(status),
                      "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ",
                      text.size(), "\r\n\r\n", text);
}

enum class ReadResult { kOk, kClosed, kRejected };

// Reads the next request from `conn`. kRejected means an answer was already sent and the
// connection must be closed.
ReadResult ReadRequest(Connection& conn, FakeRequest* req, bool* keep_alive) {
  std::string line;
  do {  // Tolerate stray empty lines between requests (RFC 9112 section 2.2).
    if (!conn.Line(&line, kMaxHeaderBytes)) return ReadResult::kClosed;
  } while (line.empty());
  std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (parts.size() != 3 || !absl::StartsWith(parts[2], "HTTP/1.")) {
    conn.Send(Status(400, "malformed request line\n"));
    return ReadResult::kRejected;
  }
  req->method = parts[0];
  absl::string_view target = parts[1];
  size_t q = target.find('?');
  req->path = Unescape(target.substr(0, q), false);
  if (q != absl::string_view::npos) {
    req->query = std::string(target.substr(q + 1));
    for (absl::string_view pair : absl::StrSplit(req->query, '&', absl::SkipEmpty())) {
      size_t eq = pair.find('=');
      std::string key = Unescape(pair.substr(0, eq), true);
      std::string value = eq == absl::string_view::npos ? "" : Unescape(pair.substr(eq + 1), true);
      req->params.emplace(std::move(key), std::move(value));
    }
  }
  size_t header_bytes = 0;
  for (;;) {
    if (!conn.Line(&line, kMaxHeaderBytes)) return ReadResult::kClosed;
    if (line.empty()) break;
    header_bytes += line.size();
    size_t colon = line.find(':');
    if (colon == std::string::npos || header_bytes > kMaxHeaderBytes) {
      conn.Send(Status(colon == std::string::npos ? 400 : 431, "bad header\n"));
      return ReadResult::kRejected;
    }
    req->headers.emplace_back(
        std::string(absl::StripAsciiWhitespace(absl::string_view(line).substr(0, colon))),
        std::string(absl::StripAsciiWhitespace(absl::string_view(line).substr(colon + 1))));
  }
  std::string connection = absl::AsciiStrToLower(req->Header("Connection"));
  *keep_alive = parts[2] == "HTTP/1.0" ? absl::StrContains(connection, "keep-alive")
                                       : !absl::StrContains(connection, "close");

  if (absl::EqualsIgnoreCase(req->Header("Expect"), "100-continue") &&
      !conn.Send("HTTP/1.1 100 Continue\r\n\r\n")) {
    return ReadResult::kClosed;
  }
  std::string raw;
  if (absl::StrContains(absl::AsciiStrToLower(req->Header("Transfer-Encoding")), "chunked")) {
    for (;;) {
      if (!conn.Line(&line, 1024)) return ReadResult::kClosed;
      absl::string_view size_text = absl::StripAsciiWhitespace(line.substr(0, line.find(';')));
      uint64_t size = 0;
      if (!absl::SimpleHexAtoi(size_text, &size) || raw.size() + size > kMaxBodyBytes) {
        conn.Send(Status(400, "bad chunk size\n"));
        return ReadResult::kRejected;
      }
      if (size == 0) break;
      std::string crlf;
      if (!conn.Take(size, &raw) || !conn.Take(2, &crlf)) return ReadResult::kClosed;
    }
    do {  // Trailer fields, ignored.
      if (!conn.Line(&line, kMaxHeaderBytes)) return ReadResult::kClosed;
    } while (!line.empty());
  } else if (std::string length = req->Header("Content-Length"); !length.empty()) {
    uint64_t size = 0;
    if (!absl::SimpleAtoi(length, &size) || size > kMaxBodyBytes) {
      conn.Send(Status(400, "bad Content-Length\n"));
      return ReadResult::kRejected;
    }
    if (!conn.Take(size, &raw)) return ReadResult::kClosed;
  }
  req->wire_body_size = raw.size();
  std::string encoding = absl::AsciiStrToLower(req->Header("Content-Encoding"));
  if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
    if (!Inflate(raw, &req->body)) {
      conn.Send(Status(400, "request body is not valid " + encoding + "\n"));
      return ReadResult::kRejected;
    }
  } else {
    req->body = std::move(raw);
  }
  return ReadResult::kOk;
}

std::string FormatResponse(const FakeRequest& req, const FakeResponse& resp, bool keep_alive) {
  std::string out = absl::StrCat("HTTP/1.1 ", resp.status, " ", Reason(resp.status), "\r\n");
  for (const auto& [name, value] : resp.headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Length") ||
        absl::EqualsIgnoreCase(name, "Connection") ||
        absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;  // framing is ours
    }
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  bool bodiless_status = resp.status < 200 || resp.status == 204 || resp.status == 304;
  if (!bodiless_status) absl::StrAppend(&out, "Content-Length: ", resp.body.size(), "\r\n");
  absl::StrAppend(&out, "Connection: ", keep_alive ? "keep-alive" : "close", "\r\n\r\n");
  if (!bodiless_status && req.method != "HEAD") out += resp.body;
  return out;
}

}  // namespace

std::string FakeRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

FakeResponse FakeResponse::Json(int status, std::string body) {
  FakeResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

struct FakeHttpServer::State {
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  Handler handler;
  std::mutex mu;  // guards `running` and `port`; the fields below belong to Start/Stop
  bool running = false;
  int port = 0;
  int listen_fd = -1;
  int wake_read = -1;
  int wake_write = -1;
  std::thread acceptor;
  std::list<Worker> workers;  // touched by the acceptor while running, by Stop() after

  void Serve(int fd) {
    Connection conn(fd, wake_read);
    bool keep_alive = true;
    while (keep_alive) {
      FakeRequest req;
      if (ReadRequest(conn, &req, &keep_alive) != ReadResult::kOk) break;
      FakeResponse resp = handler(req);
      if (resp.delay > absl::ZeroDuration() && !conn.Sleep(resp.delay)) break;
      if (resp.drop_connection) break;
      if (!conn.Send(FormatResponse(req, resp, keep_alive))) break;
    }
    close(fd);
  }

  void Accept() {
    for (;;) {
      pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake_read, POLLIN, 0}};
      if (poll(p, 2, -1) < 0 && errno != EINTR) return;
      if (p[1].revents & POLLIN) return;
      if (!(p[0].revents & POLLIN)) continue;
      int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) continue;  // the peer went away, or EINTR
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      for (auto it = workers.begin(); it != workers.end();) {
        if (it->done->load()) {
          it->thread.join();
          it = workers.erase(it);
        } else {
          ++it;
        }
      }
      auto done = std::make_shared<std::atomic<bool>>(false);
      workers.push_back({std::thread([this, fd, done] {
                           Serve(fd);
                           done->store(true);
                         }),
                         done});
    }
  }
};

FakeHttpServer::FakeHttpServer(Handler handler) : state_(std::make_unique<State>()) {
  state_->handler = std::move(handler);
}

FakeHttpServer::~FakeHttpServer() { Stop(); }

absl::Status FakeHttpServer::Start() {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.running) return absl::FailedPreconditionError("fake HTTP server already started");
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(s.port));  // a restart keeps its port
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 128) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    absl::Status st = absl::UnavailableError(
        absl::StrCat("fake HTTP server on 127.0.0.1:", s.port, ": ", std::strerror(errno)));
    close(fd);
    return st;
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  SetNonBlocking(fd);
  s.listen_fd = fd;
  s.wake_read = pipe_fds[0];
  s.wake_write = pipe_fds[1];
  s.port = ntohs(addr.sin_port);
  s.running = true;
  s.acceptor = std::thread([&s] { s.Accept(); });
  return absl::OkStatus();
}

void FakeHttpServer::Stop() {
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (!s.running) return;
    s.running = false;
  }
  // The byte is never read, so the pipe stays readable and wakes every waiter at once.
  char byte = 1;
  while (write(s.wake_write, &byte, 1) < 0 && errno == EINTR) {
  }
  s.acceptor.join();
  for (State::Worker& w : s.workers) w.thread.join();
  s.workers.clear();
  close(s.listen_fd);
  close(s.wake_read);
  close(s.wake_write);
  s.listen_fd = s.wake_read = s.wake_write = -1;
}

int FakeHttpServer::port() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->port;
}

std::string FakeHttpServer::base_url() const { return absl::StrCat("http://127.0.0.1:", port()); }

}  // namespace powerview::testing
