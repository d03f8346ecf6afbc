// SFTPGo notifier plugin mode: the go-plugin side of the contract SFTPGo uses to start a notifier
// plugin (../shared/reference/sftpgo-events.md §2). SFTPGo execs the plugin with a magic cookie
// and a few PLUGIN_* variables, reads one handshake line from its stdout
// (`1|1|unix|/path|grpc|<cert>`), connects with gRPC (optionally mutual TLS, "AutoMTLS") and
// calls proto.Notifier; Kill() calls plugin.GRPCController/Shutdown and SIGKILLs the process if
// it has not exited 2 s later.
//
// In plugin mode stdout carries the handshake line and nothing else; logs go to stderr, which
// the host relays into its own log. A typical main():
//
//   if (!IsPluginLaunch()) { fputs(NotPluginLaunchMessage("powerviewd").c_str(), stderr); exit 1; }
//   IgnoreInterruptSignal();
//   auto env = ReadPluginEnvironment();            // exit 1 on error
//   grpc::ServerBuilder builder;
//   PluginServer plugin;
//   plugin.Prepare(&builder, *env, [&] { wake_main_thread(); });
//   builder.RegisterService(&notifier);
//   auto server = builder.BuildAndStart();
//   plugin.WriteHandshake();
//   wait_until_woken_or_sigterm();
//   plugin.EndStreams(); server->Shutdown(deadline); finish journal writes; exit 0
#ifndef POWERVIEW_SERVER_INTAKE_PLUGIN_MODE_H_
#define POWERVIEW_SERVER_INTAKE_PLUGIN_MODE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_builder.h"
#include "server/intake/health_service.h"
#include "server/intake/plugin_services.h"

namespace powerview::intake {

// sftpgo/sdk plugin/notifier/notifier.go: the handshake SFTPGo expects from a notifier plugin.
inline constexpr char kPluginCookieKey[] = "SFTPGO_PLUGIN_NOTIFIER";
inline constexpr char kPluginCookieValue[] = "c499b98b-cd59-4df2-92b3-6268817f4d80";
inline constexpr int kPluginProtocolVersion = 1;  // the notifier's application protocol
inline constexpr int kCoreProtocolVersion = 1;    // go-plugin's own protocol

// What the host put in the environment, read once at start-up.
struct PluginEnvironment {
  bool has_cookie = false;            // SFTPGO_PLUGIN_NOTIFIER holds kPluginCookieValue
  std::vector<int> offered_versions;  // PLUGIN_PROTOCOL_VERSIONS; empty if the host sent none
  int min_port = 10000;               // PLUGIN_MIN_PORT
  int max_port = 25000;               // PLUGIN_MAX_PORT
  std::string client_cert_pem;        // PLUGIN_CLIENT_CERT: set when the host wants AutoMTLS
  std::string unix_socket_dir;        // PLUGIN_UNIX_SOCKET_DIR, else TMPDIR, else /tmp
};

// Looks a variable up, nullptr when unset (std::getenv's contract).
using EnvironmentLookup = std::function<const char*(const char*)>;

// Reads the process environment (or `lookup`). Malformed port numbers or a port range that is
// empty are InvalidArgument; unparseable entries in PLUGIN_PROTOCOL_VERSIONS are skipped, as
// go-plugin does.
absl::StatusOr<PluginEnvironment> ReadPluginEnvironment();
absl::StatusOr<PluginEnvironment> ReadPluginEnvironment(const EnvironmentLookup& lookup);

// True when the process was started by a go-plugin host for SFTPGo's notifier (cookie present).
bool IsPluginLaunch();

// The text to print on stderr when plugin mode is requested but the process was not started by
// SFTPGo: what plugin mode is and how to configure it. `program` names the executable.
std::string NotPluginLaunchMessage(absl::string_view program);

// True when a go-plugin host started the process (PLUGIN_PROTOCOL_VERSIONS, PLUGIN_MIN_PORT or
// PLUGIN_MAX_PORT is set), whatever the cookie says. With a missing or wrong cookie the program
// must refuse at once (WrongCookieMessage, exit 1): otherwise the host waits for a handshake
// that never comes and kills it after its start timeout.
bool HasPluginHostEnvironment();
// Why the program refuses: a go-plugin host started it without SFTPGo's notifier cookie.
std::string WrongCookieMessage(absl::string_view program);

// Picks the application protocol version: kPluginProtocolVersion if the host offered it, or if
// it offered nothing (hosts older than go-plugin's version negotiation). Otherwise
// FailedPrecondition worded like go-plugin's own refusal ("Incompatible API version with plugin.
// Plugin version: 1, Client versions: [2 3]"); the caller should log it and exit non-zero.
absl::StatusOr<int> NegotiateVersion(const PluginEnvironment& env);

// Ignores SIGINT for the rest of the process, as go-plugin plugins do: a Ctrl-C in SFTPGo's
// terminal reaches the whole process group, and the plugin must outlive it until SFTPGo's own
// orderly Kill(). Exit on GRPCController.Shutdown or SIGTERM instead.
void IgnoreInterruptSignal();

// Sets up one gRPC server as a go-plugin plugin: listener, credentials, go-plugin's services and
// the handshake line. Not thread-safe; use it from the thread that builds the server.
class PluginServer {
 public:
  // The object owns the services it registers and the Unix socket it creates, so it must outlive
  // the grpc::Server built from the builder given to Prepare: destroy the server first.
  PluginServer();
  // Removes the Unix socket and its private folder.
  ~PluginServer();

  PluginServer(const PluginServer&) = delete;
  PluginServer& operator=(const PluginServer&) = delete;

  // Negotiates the version (see NegotiateVersion) and configures `builder`:
  // - listening on a Unix socket in a new private folder (mode 0700) under
  //   env.unix_socket_dir, or with `prefer_tcp` on 127.0.0.1 at a free port within
  //   [env.min_port, env.max_port];
  // - credentials: with env.client_cert_pem, TLS with a fresh self-signed certificate for
  //   "localhost", requiring a client certificate signed by (in practice: equal to) the host's;
  //   otherwise insecure;
  // - services: grpc.health.v1.Health ("" and "plugin" SERVING), plugin.GRPCController (Shutdown
  //   calls `on_shutdown`, see ControllerService) and plugin.GRPCStdio;
  // - no limit on received message size (the host sends up to 2 GiB).
  // The caller then registers its own services (proto.Notifier) and calls BuildAndStart.
  absl::Status Prepare(grpc::ServerBuilder* builder, const PluginEnvironment& env,
                       std::function<void()> on_shutdown, bool prefer_tcp = false);

  // The health service, to report more services or NOT_SERVING. Valid after construction.
  HealthService* health() { return &health_; }

  // After BuildAndStart: `1|<version>|unix|<path>|grpc|<cert>` or `1|<version>|tcp|<ip:port>|...`
  // where <cert> is the server certificate's DER in unpadded base64, empty without TLS.
  // FailedPrecondition if Prepare was not called or the server is not listening.
  absl::StatusOr<std::string> HandshakeLine() const;

  // Restricts the Unix socket to its owner (0600), then writes HandshakeLine() and a newline to
  // stdout and flushes. Call once, after BuildAndStart succeeded.
  absl::Status WriteHandshake();

  // Ends the streams that would otherwise stay open until the host cancels them (GRPCStdio,
  // Health.Watch), so that grpc::Server::Shutdown returns promptly. Called automatically before
  // `on_shutdown` when the host calls Shutdown; call it yourself on other paths (SIGTERM).
  void EndStreams();

 private:
  absl::Status ListenOnUnixSocket(grpc::ServerBuilder* builder, const PluginEnvironment& env,
                                  std::shared_ptr<grpc::ServerCredentials> credentials);
  absl::Status ListenOnTcp(grpc::ServerBuilder* builder, const PluginEnvironment& env,
                           std::shared_ptr<grpc::ServerCredentials> credentials);

  bool prepared_ = false;
  int version_ = kPluginProtocolVersion;
  std::string network_;      // "unix" or "tcp"
  std::string socket_dir_;   // private folder holding the socket (unix)
  std::string socket_path_;  // unix
  int tcp_port_ = 0;         // tcp: set by gRPC when the listener is bound
  std::string certificate_base64_;
  HealthService health_;
  StdioService stdio_;
  std::unique_ptr<ControllerService> controller_;
};

}  // namespace powerview::intake

#endif  // POWERVIEW_SERVER_INTAKE_PLUGIN_MODE_H_
