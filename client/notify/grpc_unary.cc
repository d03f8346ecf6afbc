#include "client/notify/grpc_unary.h"

#include <fcntl.h>
#include <netdb.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <thread>

namespace powerview::notify {
namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Connects without blocking past `deadline`. Returns the socket, or -1 with `*retry` telling
// whether the server may appear later (no socket yet, refused) and `*error` the reason.
int Connect(const std::string& address, Clock::time_point deadline, bool* retry,
            std::string* error) {
  *retry = false;
  if (StartsWith(address, "unix:")) {
    std::string path = address.substr(StartsWith(address, "unix://") ? 7 : 5);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) {
      *error = "bad unix socket address '" + address + "'";
      return -1;
    }
    std::memcpy(sa.sun_path, path.data(), path.size());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      int err = errno;
      if (fd >= 0) ::close(fd);
      *retry = err == ENOENT || err == ECONNREFUSED || err == EAGAIN;
      *error = "connect " + path + ": " + std::strerror(err);
      return -1;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
  }
  std::string host, port;
  std::string target = StartsWith(address, "dns:///") ? address.substr(7) : address;
  size_t colon = target.rfind(':');
  if (colon == std::string::npos || colon + 1 == target.size()) {
    *error = "bad address '" + address + "': use unix:///path or host:port";
    return -1;
  }
  host = target.substr(0, colon);
  port = target.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    *error = "resolve " + host + ": " + ::gai_strerror(rc);
    *retry = rc == EAI_AGAIN;
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      if (::poll(&p, 1, MillisLeft(deadline)) == 1 &&
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        rc = 0;
      } else {
        errno = err != 0 ? err : ETIMEDOUT;
      }
    }
    if (rc != 0) {
      *retry = errno == ECONNREFUSED;
      *error = "connect " + target + ": " + std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

// The state of the one stream of a call.
struct Call {
  int fd = -1;
  std::string request;  // the gRPC frame: flag, length, message
  size_t sent = 0;
  int32_t stream = -1;
  bool closed = false;
  uint32_t reset_code = 0;
  std::string http_status, grpc_status, grpc_message;
};

ssize_t Send(nghttp2_session*, const uint8_t* data, size_t length, int, void* user) {
  Call* call = static_cast<Call*>(user);
  ssize_t n = ::send(call->fd, data, length, MSG_NOSIGNAL);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK ? NGHTTP2_ERR_WOULDBLOCK
                                                   : NGHTTP2_ERR_CALLBACK_FAILURE;
  return n;
}

ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                 nghttp2_data_source*, void* user) {
  Call* call = static_cast<Call*>(user);
  size_t n = std::min(length, call->request.size() - call->sent);
  std::memcpy(buf, call->request.data() + call->sent, n);
  call->sent += n;
  if (call->sent == call->request.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
             const uint8_t* value, size_t valuelen, uint8_t, void* user) {
  Call* call = static_cast<Call*>(user);
  if (frame->hd.stream_id != call->stream) return 0;
  std::string n(reinterpret_cast<const char*>(name), namelen);
  std::string v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":status") call->http_status = v;
  if (n == "grpc-status") call->grpc_status = v;
  if (n == "grpc-message") call->grpc_message = v;
  return 0;
}

int OnClose(nghttp2_session*, int32_t stream, uint32_t code, void* user) {
  Call* call = static_cast<Call*>(user);
  if (stream == call->stream) {
    call->closed = true;
    call->reset_code = code;
  }
  return 0;
}

// grpc-message is percent-encoded.
std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

UnaryResult CallOnce(int fd, const std::string& method, const std::string& message,
                     Clock::time_point deadline) {
  UnaryResult result;
  Call call;
  call.fd = fd;
  uint32_t length = static_cast<uint32_t>(message.size());
  call.request.push_back('\0');  // not compressed
  for (int shift = 24; shift >= 0; shift -= 8) {
    call.request.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  call.request.append(message);

  nghttp2_session_callbacks* callbacks;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_send_callback(callbacks, Send);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, OnHeader);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, OnClose);
  nghttp2_session* session;
  nghttp2_session_client_new(&session, callbacks, &call);
  nghttp2_session_callbacks_del(callbacks);

  std::string timeout = std::to_string(std::max(1, MillisLeft(deadline))) + "m";
  auto header = [](const char* name, const std::string& value) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
                      std::strlen(name), value.size(), NGHTTP2_NV_FLAG_NONE};
  };
  const std::string post = "POST", scheme = "http", authority = "localhost",
                    type = "application/grpc", te = "trailers", agent = "powerview-notify";
  const nghttp2_nv headers[] = {header(":method", post),         header(":scheme", scheme),
                                header(":path", method),         header(":authority", authority),
                                header("content-type", type),    header("te", te),
                                header("grpc-timeout", timeout), header("user-agent", agent)};
  nghttp2_data_provider body;
  body.source.ptr = nullptr;
  body.read_callback = ReadBody;
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);
  call.stream = nghttp2_submit_request(session, nullptr, headers,
                                       sizeof headers / sizeof headers[0], &body, nullptr);
  std::string failure;
  char buffer[16384];
  while (!call.closed && failure.empty()) {
    if (nghttp2_session_send(session) != 0) {
      failure = "connection lost while sending";
      break;
    }
    if (!nghttp2_session_want_read(session) && !nghttp2_session_want_write(session)) {
      failure = "connection closed";
      break;
    }
    int wait = MillisLeft(deadline);
    if (wait == 0) {
      failure = "deadline exceeded";
      break;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (nghttp2_session_want_write(session) ? POLLOUT : 0)),
             0};
    int ready = ::poll(&p, 1, wait);
    if (ready < 0 && errno != EINTR) {
      failure = std::string("poll: ") + std::strerror(errno);
    } else if (ready > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n == 0) {
        failure = "connection closed by the server";
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        failure = std::string("receive: ") + std::strerror(errno);
      } else if (n > 0 && nghttp2_session_mem_recv(session, reinterpret_cast<uint8_t*>(buffer),
                                                   static_cast<size_t>(n)) < 0) {
        failure = "malformed HTTP/2 answer";
      }
    }
  }
  nghttp2_session_del(session);
  if (!failure.empty() && !call.closed) {
    result.error = failure;
    return result;
  }
  if (call.grpc_status.empty()) {
    result.error =
        call.reset_code != 0
            ? "stream reset by the server (HTTP/2 error " + std::to_string(call.reset_code) + ")"
            : "answer without grpc-status (HTTP " + call.http_status + ")";
    return result;
  }
  result.grpc_status = std::atoi(call.grpc_status.c_str());
  result.ok = result.grpc_status == 0;
  if (!result.ok) result.error = PercentDecode(call.grpc_message);
  return result;
}

}  // namespace

UnaryResult CallUnary(const std::string& address, const std::string& method,
                      const std::string& message, Clock::time_point deadline) {
  while (true) {
    bool retry = false;
    std::string error;
    int fd = Connect(address, deadline, &retry, &error);
    if (fd >= 0) {
      UnaryResult result = CallOnce(fd, method, message, deadline);
      ::close(fd);
      return result;
    }
    if (!retry || MillisLeft(deadline) <= 50) {
      UnaryResult result;
      result.error = error;
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace powerview::notify
