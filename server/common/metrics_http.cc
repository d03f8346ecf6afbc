#include "server/common/metrics_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/common/log.h"
#include "server/common/metrics.h"

namespace powerview {
namespace {

constexpr size_t kMaxRequest = 8192;
constexpr int kIoTimeoutMs = 5000;

// Writes all of `data` unless the peer stalls for kIoTimeoutMs.
void WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, kIoTimeoutMs) <= 0) return;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void Respond(int fd, const char* status, const std::string& type, const std::string& body,
             bool head) {
  std::string response =
      absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: ", type,
                   "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n\r\n");
  if (!head) response += body;
  WriteAll(fd, response);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(const std::string& host,
                                                                            int port) {
  std::string name = host;
  if (absl::StartsWith(name, "[") && absl::EndsWith(name, "]")) {
    name = name.substr(1, name.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = absl::StrCat(port);
  if (int rc = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen ", host, ":", port, ": ", ::gai_strerror(rc)));
  }
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer);
  int error = 0;
  for (addrinfo* a = found; a != nullptr && server->listen_fd_ < 0; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 16) == 0) {
      server->listen_fd_ = fd;
      sockaddr_storage bound{};
      socklen_t len = sizeof(bound);
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      server->port_ =
          ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    } else {
      error = errno;
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (server->listen_fd_ < 0) {
    return absl::UnavailableError(absl::StrCat("--metrics-listen ", host, ":", port,
                                               ": cannot listen: ", std::strerror(error)));
  }
  if (::pipe2(server->wake_fds_, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  server->thread_ = std::thread([s = server.get()] { s->Serve(); });
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (thread_.joinable()) {
    char byte = 0;
    (void)!::write(wake_fds_[1], &byte, 1);
    thread_.join();
  }
  for (int fd : {listen_fd_, wake_fds_[0], wake_fds_[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

void MetricsHttpServer::Serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Handle(fd);
    ::close(fd);
  }
}

void MetricsHttpServer::Handle(int fd) {
  std::string request;
  absl::Time deadline = absl::Now() + absl::Milliseconds(kIoTimeoutMs);
  while (request.find("\r\n\r\n") == std::string::npos) {
    if (request.size() >= kMaxRequest) {
      Respond(fd, "431 Request Header Fields Too Large", "text/plain", "request too large\n",
              false);
      return;
    }
    int left = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) return;
    char buffer[2048];
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    request.append(buffer, static_cast<size_t>(n));
  }
  absl::string_view line(request);
  line = line.substr(0, line.find("\r\n"));
  size_t sp1 = line.find(' ');
  size_t sp2 = line.find(' ', sp1 == absl::string_view::npos ? 0 : sp1 + 1);
  if (sp1 == absl::string_view::npos || sp2 == absl::string_view::npos) {
    Respond(fd, "400 Bad Request", "text/plain", "bad request line\n", false);
    return;
  }
  absl::string_view method = line.substr(0, sp1);
  absl::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") {
    Respond(fd, "405 Method Not Allowed", "text/plain", "GET /metrics\n", false);
    return;
  }
  if (target == "/metrics") {
    Respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics::Render(),
            method == "HEAD");
  } else if (target == "/") {
    Respond(fd, "200 OK", "text/plain", "PowerView metrics: GET /metrics\n", method == "HEAD");
  } else {
    Respond(fd, "404 Not Found", "text/plain", "not found: GET /metrics\n", method == "HEAD");
  }
}

}  // namespace powerview
