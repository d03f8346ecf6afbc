#include "server/admin/admin_server.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/ext/health_check_service_server_builder_option.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/server_credentials.h"
#include "server/common/log.h"

namespace powerview::admin {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read the admin TLS ", what, " ", path));
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const AdminServerOptions& options, bool tcp) {
  bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (!tls) return grpc::InsecureServerCredentials();
  if (!tcp) {
    return absl::InvalidArgumentError(
        "admin TLS applies to a TCP listener; the Unix socket is protected by its permissions");
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("admin TLS needs both a certificate and its key");
  }
  absl::StatusOr<std::string> cert = ReadPem(options.tls_cert_file, "certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(options.tls_key_file, "key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(const AdminServerOptions& options,
                                                                AdminBackends backends) {
  bool tcp = !IsUnixAddress(options.address);
  if (options.address.empty()) return absl::InvalidArgumentError("no admin address");
  if (tcp && options.token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the admin API on TCP (", options.address,
                     ") needs a bearer token: set --admin-token, or listen on a unix:// socket"));
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = Credentials(options, tcp);
  if (!credentials.ok()) return credentials.status();

  std::unique_ptr<AdminServer> server(new AdminServer);
  server->service_ = std::make_unique<AdminService>(std::move(backends),
                                                    tcp ? BearerAuth(options.token) : BearerAuth());
  server->health_ = std::make_unique<intake::HealthService>();
  server->health_->SetStatus("", grpc::health::v1::HealthCheckResponse::SERVING);
  server->health_->SetStatus(v1::AdminService::service_full_name(),
                             grpc::health::v1::HealthCheckResponse::SERVING);

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Our own health service (visible through reflection) replaces gRPC's built-in one.
  builder.SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  builder.AddListeningPort(options.address, *credentials, tcp ? &server->port_ : nullptr);
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->health_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || (tcp && server->port_ == 0)) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.address,
        " for the admin API (address in use, or no permission for the socket folder?)"));
  }
  if (!tcp) {
    // Owner and group only: whoever can open the socket can administer PowerView.
    std::string path(options.address.substr(options.address.find(':') + 1));
    while (absl::StartsWith(path, "//")) path = path.substr(1);
    ::chmod(path.c_str(), 0660);
  }
  PV_LOG_INFO(
      "admin", "admin API listening on %s%s",
      tcp ? absl::StrCat(options.address.substr(0, options.address.rfind(':')), ":", server->port_)
          : options.address,
      tcp ? (options.tls_cert_file.empty() ? " (bearer token, no TLS)" : " (bearer token, TLS)")
          : "");
  return server;
}

AdminServer::~AdminServer() { Shutdown(absl::Seconds(2)); }

void AdminServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  service_->Stop();
  health_->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(absl::ToInt64Milliseconds(grace)));
  server_.reset();
}

}  // namespace powerview::admin
