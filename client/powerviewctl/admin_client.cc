#include "client/powerviewctl/admin_client.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/powerviewctl/admin_format.h"
#include "client/powerviewctl/json_output.h"
#include "grpc/support/log.h"
#include "server/common/grpc_address.h"

namespace powerview::ctl {

std::string AdminHelpFooter() {
  return absl::StrCat(
      "\n\nThe admin API is powerviewd's --admin-listen address: a Unix socket by default (its\n"
      "file permissions decide who may call), or host:port, where --token is required and\n"
      "--tls-ca makes the connection use TLS. Times are UTC ('Z') unless --local.\n\n",
      ExitCodeTable());
}

void AddAdminFlags(FlagSet* flags, AdminFlags* out) {
  flags->String("address", &out->address,
                "powerviewd admin API: unix:///absolute/path or host:port",
                "POWERVIEW_ADMIN_ADDRESS");
  flags->String("token", &out->token, "Bearer token (required on TCP)", "POWERVIEW_ADMIN_TOKEN");
  flags->String("tls-ca", &out->tls_ca,
                "PEM file of the CA (or self-signed certificate) to trust; enables TLS on TCP",
                "POWERVIEW_ADMIN_TLS_CA");
  flags->String("output", &out->output_text,
                "table (for people), json (one document) or ndjson (one object per line)");
  flags->Bool("json", &out->json, "The same as --output json");
  flags->Bool("local", &out->local, "Show times in the local time zone (with its offset)");
  flags->Duration("timeout", &out->timeout, "Deadline of each call (not of streams)");
}

void AddScopeFlags(FlagSet* flags, Scope* scope, const std::string& what) {
  flags->String("company", &scope->company, absl::StrCat("Only this company's ", what));
  flags->String("campaign", &scope->campaign,
                absl::StrCat("Only this campaign's ", what, ": COMPANY/CAMPAIGN, or CAMPAIGN ",
                             "with --company"));
}

namespace {

int Usage(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "powerviewctl %s: %s (see powerviewctl help %s)\n", command.c_str(),
               message.c_str(), command.c_str());
  return kExitUsage;
}

absl::Status ResolveScope(Scope* scope) {
  if (size_t slash = scope->campaign.find('/'); slash != std::string::npos) {
    std::string company = scope->campaign.substr(0, slash);
    std::string campaign = scope->campaign.substr(slash + 1);
    if (!scope->company.empty() && scope->company != company) {
      return absl::InvalidArgumentError(absl::StrCat("--campaign ", scope->campaign,
                                                     " names another company than --company ",
                                                     scope->company));
    }
    scope->company = company;
    scope->campaign = campaign;
  }
  if (!scope->campaign.empty() && scope->company.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--campaign ", scope->campaign,
                                                   " needs its company: --campaign COMPANY/",
                                                   scope->campaign));
  }
  if (scope->company.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--company takes a company name; for a campaign write --campaign ", scope->company));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<std::vector<std::string>> ParseAdminArgs(const std::string& command, FlagSet* flags,
                                                       AdminFlags* admin, Scope* scope,
                                                       const std::vector<std::string>& args,
                                                       size_t positional, int* exit_code) {
  absl::StatusOr<std::vector<std::string>> rest = flags->Parse(args);
  if (!rest.ok()) {
    if (absl::IsCancelled(rest.status())) {
      *exit_code = kExitOk;
    } else {
      *exit_code = Usage(command, std::string(rest.status().message()));
    }
    return std::nullopt;
  }
  *exit_code = kExitUsage;
  if (rest->size() > positional) {
    std::string extra = (*rest)[positional];
    Usage(command, positional == 0
                       ? absl::StrCat("unexpected argument '", absl::CEscape(extra),
                                      "': this command takes only flags",
                                      scope != nullptr ? " (a scope is --company C or "
                                                         "--campaign C/K)"
                                                       : "")
                       : absl::StrCat("unexpected argument '", absl::CEscape(extra), "'"));
    return std::nullopt;
  }
  if (rest->size() < positional) {
    Usage(command, "missing argument");
    return std::nullopt;
  }
  std::string output = absl::AsciiStrToLower(admin->output_text);
  if (admin->json && output != "table" && output != "json") {
    Usage(command, "--json and --output " + admin->output_text + " contradict each other");
    return std::nullopt;
  }
  if (admin->json || output == "json") {
    admin->output = Output::kJson;
  } else if (output == "ndjson") {
    admin->output = Output::kNdjson;
  } else if (output == "table") {
    admin->output = Output::kTable;
  } else {
    Usage(command, "--output is table, json or ndjson, not '" + admin->output_text + "'");
    return std::nullopt;
  }
  SetLocalTimes(admin->local);
  if (scope != nullptr) {
    if (absl::Status s = ResolveScope(scope); !s.ok()) {
      Usage(command, std::string(s.message()));
      return std::nullopt;
    }
  }
  *exit_code = kExitOk;
  return *std::move(rest);
}

void PrintMessage(const AdminFlags& admin, const google::protobuf::Message& message) {
  std::printf("%s\n", ToJson(message, admin.output == Output::kJson).c_str());
}

void PrintItems(const AdminFlags& admin, const google::protobuf::Message& message,
                const std::string& items) {
  if (admin.output != Output::kNdjson) {
    PrintMessage(admin, message);
    return;
  }
  const auto* field = message.GetDescriptor()->FindFieldByName(items);
  const auto* r = message.GetReflection();
  for (int i = 0; i < r->FieldSize(message, field); ++i) {
    std::printf("%s\n", ToJson(r->GetRepeatedMessage(message, field, i), false).c_str());
  }
}

absl::StatusOr<std::string> NormalizeAdminAddress(const std::string& address, bool tls) {
  absl::StatusOr<GrpcAddress> parsed = ParseGrpcAddress("address", address, /*listening=*/false);
  if (!parsed.ok()) return parsed.status();
  if (tls && parsed->unix_socket) {
    return absl::InvalidArgumentError("--tls-ca applies to a host:port address, not a socket");
  }
  if (tls && absl::StartsWith(absl::StripAsciiWhitespace(address), "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--address '", address, "' says http:// but --tls-ca asks for TLS"));
  }
  return parsed->Target();
}

absl::StatusOr<AdminConnection> AdminConnection::Open(const AdminFlags& flags) {
  SilenceGrpcLogs();
  absl::StatusOr<std::string> address = NormalizeAdminAddress(flags.address, !flags.tls_ca.empty());
  if (!address.ok()) return address.status();
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (!flags.tls_ca.empty()) {
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
  c.channel_ = grpc::CreateChannel(*address, credentials);
  c.stub_ = v1::AdminService::NewStub(c.channel_);
  c.address_ = *address;
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

int ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return kExitUsage;
    case grpc::StatusCode::ABORTED:
      return kExitRefused;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return kExitNotReady;
    default:
      return kExitError;
  }
}

int AdminConnection::Fail(const std::string& command, const grpc::Status& status) const {
  std::string hint;
  // The channel never reached powerviewd when it is not READY; a READY channel means the
  // daemon itself answered (e.g. about InfluxDB or Grafana behind it).
  bool connected = channel_ != nullptr && channel_->GetState(false) == GRPC_CHANNEL_READY;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      hint = connected
                 ? "\n  powerviewd answered: a service it needs (InfluxDB, Grafana) is unavailable"
                 : absl::StrCat("\n  cannot reach powerviewd's admin API at ", address_,
                                ": is powerviewd running with --admin-listen ", address_,
                                "? (--address or POWERVIEW_ADMIN_ADDRESS)");
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      hint = "\n  pass the daemon's --admin-token with --token or POWERVIEW_ADMIN_TOKEN";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      hint = connected ? "\n  powerviewd did not answer within --timeout"
                       : absl::StrCat("\n  no connection to powerviewd at ", address_,
                                      " within --timeout");
      break;
    default:
      break;
  }
  std::fprintf(stderr, "powerviewctl %s: %s%s\n", command.c_str(), status.error_message().c_str(),
               hint.c_str());
  return ExitCodeFor(status.error_code());
}

int ReportError(const std::string& command, const absl::Status& status) {
  std::fprintf(stderr, "powerviewctl %s: %s\n", command.c_str(),
               std::string(status.message()).c_str());
  return ExitCodeFor(static_cast<grpc::StatusCode>(status.code()));
}

namespace {
void DropGrpcLog(gpr_log_func_args*) {}
}  // namespace

void SilenceGrpcLogs() {
  const char* debug = std::getenv("POWERVIEW_GRPC_LOG");
  if (debug == nullptr || std::string(debug) != "1") gpr_set_log_function(DropGrpcLog);
}

}  // namespace powerview::ctl
