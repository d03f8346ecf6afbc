#include "client/powerviewctl/admin_client.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace powerview::ctl {

std::string AdminHelpFooter() {
  return "\n\nThe admin API is powerviewd's --admin-listen address: a Unix socket by default (its\n"
         "file permissions decide who may call), or host:port, where --token is required and\n"
         "--tls-ca makes the connection use TLS.\n\n"
         "Exit codes: 0 ok; 1 server or connection error; 2 usage error; 3 not found (company,\n"
         "campaign, report, batch); 4 plan not empty, or apply refused because the plan changed.";
}

void AddAdminFlags(FlagSet* flags, AdminFlags* out) {
  flags->String("address", &out->address, "powerviewd admin API: unix:///path or host:port",
                "POWERVIEW_ADMIN_ADDRESS");
  flags->String("token", &out->token, "Bearer token (required on TCP)", "POWERVIEW_ADMIN_TOKEN");
  flags->String("tls-ca", &out->tls_ca,
                "PEM file of the CA (or self-signed certificate) to trust; enables TLS on TCP",
                "POWERVIEW_ADMIN_TLS_CA");
  flags->Bool("json", &out->json, "Print JSON (proto field names) instead of tables");
  flags->Duration("timeout", &out->timeout, "Deadline of each call (not of streams)");
}

std::optional<std::vector<std::string>> ParseAdminArgs(FlagSet* flags,
                                                       const std::vector<std::string>& args,
                                                       int* exit_code) {
  absl::StatusOr<std::vector<std::string>> positional = flags->Parse(args);
  if (positional.ok()) return *std::move(positional);
  if (absl::IsCancelled(positional.status())) {
    *exit_code = kAdminExitOk;
  } else {
    std::fprintf(stderr, "%s\n", std::string(positional.status().message()).c_str());
    *exit_code = kAdminExitUsage;
  }
  return std::nullopt;
}

absl::StatusOr<AdminConnection> AdminConnection::Open(const AdminFlags& flags) {
  if (flags.address.empty()) {
    return absl::InvalidArgumentError("--address is empty (unix:///path or host:port)");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  bool unix_socket = absl::StartsWith(flags.address, "unix:");
  if (!flags.tls_ca.empty()) {
    if (unix_socket) {
      return absl::InvalidArgumentError("--tls-ca applies to a host:port address, not a socket");
    }
    std::ifstream in(flags.tls_ca, std::ios::binary);
    std::stringstream pem;
    pem << in.rdbuf();
    if (!in || pem.str().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("cannot read --tls-ca ", flags.tls_ca));
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  AdminConnection c;
  c.channel_ = grpc::CreateChannel(flags.address, credentials);
  c.stub_ = v1::AdminService::NewStub(c.channel_);
  c.token_ = flags.token;
  c.timeout_ = flags.timeout;
  return c;
}

std::unique_ptr<grpc::ClientContext> AdminConnection::Context(bool streaming) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
  if (!streaming && timeout_ > absl::ZeroDuration()) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout_)));
  }
  return context;
}

int ReportError(const std::string& command, const grpc::Status& status) {
  std::string hint;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      hint = "\n  is powerviewd running with its admin API on --address (POWERVIEW_ADMIN_ADDRESS)?";
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      hint = "\n  pass the daemon's --admin-token with --token or POWERVIEW_ADMIN_TOKEN";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      hint = "\n  the call took longer than --timeout";
      break;
    default:
      break;
  }
  std::fprintf(stderr, "powerviewctl %s: %s%s\n", command.c_str(), status.error_message().c_str(),
               hint.c_str());
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      return kAdminExitNotFound;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kAdminExitUsage;
    default:
      return kAdminExitError;
  }
}

int ReportError(const std::string& command, const absl::Status& status) {
  return ReportError(command, grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                                           std::string(status.message())));
}

}  // namespace powerview::ctl
