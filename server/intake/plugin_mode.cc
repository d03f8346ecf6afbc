#include "server/intake/plugin_mode.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/security/server_credentials.h"
#include "server/common/log.h"
#include "server/intake/tls_selfsigned.h"

namespace powerview::intake {
namespace {

// How long the plugin's own certificate is valid: the process rarely lives that long, but the
// host may compare clocks loosely.
constexpr absl::Duration kCertificateValidity = absl::Hours(24 * 365);

absl::StatusOr<int> ParsePort(const char* name, const char* value, int fallback) {
  if (value == nullptr || *value == '\0') return fallback;
  int port = 0;
  if (!absl::SimpleAtoi(value, &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, "='", value, "' is not a port number (0-65535)"));
  }
  return port;
}

std::string ErrnoText(int error) { return std::strerror(error); }

// True when nothing listens on 127.0.0.1:`port` right now.
bool TcpPortFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return free;
}

}  // namespace

absl::StatusOr<PluginEnvironment> ReadPluginEnvironment() {
  return ReadPluginEnvironment([](const char* name) { return std::getenv(name); });
}

absl::StatusOr<PluginEnvironment> ReadPluginEnvironment(const EnvironmentLookup& lookup) {
  auto get = [&lookup](const char* name) -> std::string {
    const char* value = lookup(name);
    return value == nullptr ? std::string() : std::string(value);
  };
  PluginEnvironment env;
  env.has_cookie = get(kPluginCookieKey) == kPluginCookieValue;
  for (absl::string_view item :
       absl::StrSplit(get("PLUGIN_PROTOCOL_VERSIONS"), ',', absl::SkipWhitespace())) {
    int version = 0;
    if (absl::SimpleAtoi(item, &version)) {
      env.offered_versions.push_back(version);
    } else {
      PV_LOG_WARN("plugin", "host sent invalid plugin version '%s'; ignored", item);
    }
  }
  absl::StatusOr<int> min_port = ParsePort("PLUGIN_MIN_PORT", lookup("PLUGIN_MIN_PORT"), 10000);
  if (!min_port.ok()) return min_port.status();
  absl::StatusOr<int> max_port = ParsePort("PLUGIN_MAX_PORT", lookup("PLUGIN_MAX_PORT"), 25000);
  if (!max_port.ok()) return max_port.status();
  if (*min_port > *max_port) {
    return absl::InvalidArgumentError(
        absl::StrCat("PLUGIN_MIN_PORT=", *min_port, " is above PLUGIN_MAX_PORT=", *max_port));
  }
  env.min_port = *min_port;
  env.max_port = *max_port;
  env.client_cert_pem = get("PLUGIN_CLIENT_CERT");
  env.unix_socket_dir = get("PLUGIN_UNIX_SOCKET_DIR");
  if (env.unix_socket_dir.empty()) env.unix_socket_dir = get("TMPDIR");
  if (env.unix_socket_dir.empty()) env.unix_socket_dir = "/tmp";
  return env;
}

bool IsPluginLaunch() {
  const char* cookie = std::getenv(kPluginCookieKey);
  return cookie != nullptr && std::strcmp(cookie, kPluginCookieValue) == 0;
}

std::string NotPluginLaunchMessage(absl::string_view program) {
  return absl::StrCat(
      program,
      ": plugin mode was requested, but this process was not started by SFTPGo.\n"
      "In plugin mode SFTPGo starts the program itself as a notifier plugin: it sets ",
      kPluginCookieKey,
      " and the go-plugin PLUGIN_* variables,\n"
      "reads the handshake line from stdout and sends file events over gRPC. To use it, add an\n"
      "entry to the \"plugins\" list of sftpgo.json, for example:\n"
      "  {\"type\": \"notifier\", \"cmd\": \"/usr/libexec/powerview/powerviewd-plugin\",\n"
      "   \"args\": [\"--plugin\", \"--config\", \"/etc/powerview/plugin.conf\"],\n"
      "   \"notifier_options\": {\"fs_events\": [\"upload\", \"rename\", \"mkdir\", \"delete\"],\n"
      "                        \"retry_max_time\": 300, \"retry_queue_max_size\": 10000},\n"
      "   \"auto_mtls\": true, \"env_prefix\": \"none\"}\n"
      "and restart SFTPGo (see docs/plugin-mode.md and deploy/README.md). To run PowerView as a\n"
      "standalone service fed by powerview-notify, start ",
      program, " without --plugin.\n");
}

bool HasPluginHostEnvironment() {
  for (const char* name : {"PLUGIN_PROTOCOL_VERSIONS", "PLUGIN_MIN_PORT", "PLUGIN_MAX_PORT"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

std::string WrongCookieMessage(absl::string_view program) {
  const char* cookie = std::getenv(kPluginCookieKey);
  return absl::StrCat(
      program, ": started by a go-plugin host (PLUGIN_* variables are set), but ", kPluginCookieKey,
      cookie == nullptr || *cookie == '\0' ? " is missing" : " holds another value",
      ".\nThis program is SFTPGo's *notifier* plugin only: configure it in sftpgo.json with\n"
      "\"type\": \"notifier\" (SFTPGo then sets the cookie), or run it without a plugin host.\n"
      "See docs/plugin-mode.md. Refusing to start.\n");
}

absl::StatusOr<int> NegotiateVersion(const PluginEnvironment& env) {
  if (env.offered_versions.empty()) return kPluginProtocolVersion;
  for (int version : env.offered_versions) {
    if (version == kPluginProtocolVersion) return kPluginProtocolVersion;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("Incompatible API version with plugin. Plugin version: ", kPluginProtocolVersion,
                   ", Client versions: [", absl::StrJoin(env.offered_versions, " "),
                   "] (PLUGIN_PROTOCOL_VERSIONS; this program speaks version ",
                   kPluginProtocolVersion, " of SFTPGo's notifier protocol)"));
}

void IgnoreInterruptSignal() { signal(SIGINT, SIG_IGN); }

PluginServer::PluginServer() = default;

PluginServer::~PluginServer() {
  if (!socket_path_.empty()) unlink(socket_path_.c_str());
  if (!socket_dir_.empty()) rmdir(socket_dir_.c_str());
}

absl::Status PluginServer::Prepare(grpc::ServerBuilder* builder, const PluginEnvironment& env,
                                   std::function<void()> on_shutdown, bool prefer_tcp) {
  if (prepared_) return absl::FailedPreconditionError("PluginServer::Prepare called twice");
  absl::StatusOr<int> version = NegotiateVersion(env);
  if (!version.ok()) return version.status();
  version_ = *version;

  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!env.client_cert_pem.empty()) {
    if (absl::Status s = CheckCertificatePem(env.client_cert_pem, "PLUGIN_CLIENT_CERT"); !s.ok()) {
      return s;
    }
    absl::StatusOr<SelfSignedCertificate> own =
        MakeSelfSignedCertificate("localhost", kCertificateValidity);
    if (!own.ok()) return own.status();
    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = env.client_cert_pem;
    options.pem_key_cert_pairs.push_back({own->private_key_pem, own->certificate_pem});
    credentials = grpc::SslServerCredentials(options);
    certificate_base64_ = Base64RawStd(own->certificate_der);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }

  absl::Status listening = prefer_tcp ? ListenOnTcp(builder, env, credentials)
                                      : ListenOnUnixSocket(builder, env, credentials);
  if (!listening.ok()) return listening;

  controller_ = std::make_unique<ControllerService>([this, on_shutdown = std::move(on_shutdown)] {
    EndStreams();
    if (on_shutdown) on_shutdown();
  });
  health_.SetStatus("", grpc::health::v1::HealthCheckResponse::SERVING);
  health_.SetStatus("plugin", grpc::health::v1::HealthCheckResponse::SERVING);
  builder->RegisterService(&health_);
  builder->RegisterService(controller_.get());
  builder->RegisterService(&stdio_);
  builder->SetMaxReceiveMessageSize(std::numeric_limits<int>::max());
  prepared_ = true;
  return absl::OkStatus();
}

absl::Status PluginServer::ListenOnUnixSocket(
    grpc::ServerBuilder* builder, const PluginEnvironment& env,
    std::shared_ptr<grpc::ServerCredentials> credentials) {
  // A folder only we can enter: the socket is private from the moment gRPC creates it, whatever
  // the umask, and two plugins never race for a name.
  std::string pattern =
      absl::StrCat(absl::StripSuffix(env.unix_socket_dir, "/"), "/powerview-plugin-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create a folder for the plugin socket in ", env.unix_socket_dir,
                     " (PLUGIN_UNIX_SOCKET_DIR or TMPDIR): ", ErrnoText(errno)));
  }
  socket_dir_ = pattern;
  std::string path = absl::StrCat(socket_dir_, "/plugin.sock");
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugin socket path '", path, "' is longer than a Unix socket allows (",
                     sizeof(sockaddr_un{}.sun_path) - 1,
                     " bytes); set PLUGIN_UNIX_SOCKET_DIR or TMPDIR to a shorter folder"));
  }
  socket_path_ = path;
  network_ = "unix";
  builder->AddListeningPort(absl::StrCat("unix:", socket_path_), std::move(credentials));
  return absl::OkStatus();
}

absl::Status PluginServer::ListenOnTcp(grpc::ServerBuilder* builder, const PluginEnvironment& env,
                                       std::shared_ptr<grpc::ServerCredentials> credentials) {
  // Like go-plugin, take the first free port of the range; start at a random offset so that
  // plugins started together rarely probe the same port.
  const int count = env.max_port - env.min_port + 1;
  std::random_device random;
  const int offset = static_cast<int>(random() % static_cast<unsigned>(count));
  for (int i = 0; i < count; ++i) {
    const int port = env.min_port + (offset + i) % count;
    if (port == 0 || !TcpPortFree(port)) continue;
    network_ = "tcp";
    builder->AddListeningPort(absl::StrCat("127.0.0.1:", port), std::move(credentials), &tcp_port_);
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(absl::StrCat("no free TCP port on 127.0.0.1 between ",
                                                   env.min_port, " and ", env.max_port,
                                                   " (PLUGIN_MIN_PORT, PLUGIN_MAX_PORT)"));
}

absl::StatusOr<std::string> PluginServer::HandshakeLine() const {
  if (!prepared_) return absl::FailedPreconditionError("PluginServer::Prepare was not called");
  std::string address;
  if (network_ == "tcp") {
    if (tcp_port_ == 0) {
      return absl::FailedPreconditionError(
          "the plugin server is not listening (BuildAndStart failed or was not called)");
    }
    address = absl::StrCat("127.0.0.1:", tcp_port_);
  } else {
    struct stat st;
    if (stat(socket_path_.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("the plugin server is not listening on ", socket_path_,
                       " (BuildAndStart failed or was not called)"));
    }
    address = socket_path_;
  }
  return absl::StrCat(kCoreProtocolVersion, "|", version_, "|", network_, "|", address, "|grpc|",
                      certificate_base64_);
}

absl::Status PluginServer::WriteHandshake() {
  absl::StatusOr<std::string> line = HandshakeLine();
  if (!line.ok()) return line.status();
  if (network_ == "unix" && chmod(socket_path_.c_str(), 0600) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot restrict ", socket_path_, " to its owner: ", ErrnoText(errno)));
  }
  std::string text = *line + "\n";
  // write(2), not stdio: nothing may sit in a buffer, and nothing else may precede the line.
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::InternalError(
          absl::StrCat("cannot write the handshake line to stdout: ", ErrnoText(errno)));
    }
    done += static_cast<size_t>(n);
  }
  PV_LOG_DEBUG("plugin", "handshake sent: protocol %d over %s, TLS %s", version_, network_,
               certificate_base64_.empty() ? "off" : "on (AutoMTLS)");
  return absl::OkStatus();
}

void PluginServer::EndStreams() {
  stdio_.End();
  health_.Shutdown();
}

}  // namespace powerview::intake
