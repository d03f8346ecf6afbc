// What the admin subcommands of powerviewctl share: the connection and output flags, the scope
// flags, the channel to powerviewd's admin API, and error reporting with the exit codes.
#ifndef POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_CLIENT_H_
#define POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/powerviewctl/commands.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "powerview/v1/admin_service.grpc.pb.h"
#include "server/common/flags.h"

namespace powerview::ctl {

// The paragraph on flags and exit codes that ends every admin subcommand's --help.
std::string AdminHelpFooter();

enum class Output { kTable, kJson, kNdjson };

struct AdminFlags {
  std::string address = "unix:///run/powerview/admin.sock";
  std::string token;
  std::string tls_ca;
  std::string output_text = "table";
  bool json = false;   // --json: the same as --output json
  bool local = false;  // times in the local zone instead of UTC
  absl::Duration timeout = absl::Seconds(30);
  Output output = Output::kTable;  // from output_text and json, set by ParseAdminArgs
};

// Adds --address, --token, --tls-ca, --output, --json, --local and --timeout.
void AddAdminFlags(FlagSet* flags, AdminFlags* out);

// A company, or one campaign of a company. Every subcommand with a scope takes it the same way:
// `--company C`, `--campaign C/K`, or `--company C --campaign K`.
struct Scope {
  std::string company;
  std::string campaign;
};

// Adds --company and --campaign; `what` completes "Only this company's ...".
void AddScopeFlags(FlagSet* flags, Scope* scope, const std::string& what);

// Parses `args`. Returns the positional arguments when there are exactly `positional` of them
// and the scope (if any) and output flags are consistent; otherwise sets `*exit_code` (0 after
// --help, kExitUsage after an error, which is printed naming `command`) and returns nullopt.
std::optional<std::vector<std::string>> ParseAdminArgs(const std::string& command, FlagSet* flags,
                                                       AdminFlags* admin, Scope* scope,
                                                       const std::vector<std::string>& args,
                                                       size_t positional, int* exit_code);

// Prints `message` for --output json (indented) or ndjson (one line).
void PrintMessage(const AdminFlags& admin, const google::protobuf::Message& message);
// For --output json the whole `message`; for ndjson one line per element of its repeated field
// `items`.
void PrintItems(const AdminFlags& admin, const google::protobuf::Message& message,
                const std::string& items);

// Checks and normalises a --address value: unix:///absolute/path, host:port or [v6]:port
// (port 1-65535), http://host:port read as host:port. InvalidArgument with a hint otherwise.
absl::StatusOr<std::string> NormalizeAdminAddress(const std::string& address, bool tls);

class AdminConnection {
 public:
  // A channel to `flags.address` (TLS when --tls-ca is given). InvalidArgument for a bad
  // address or an unreadable --tls-ca.
  static absl::StatusOr<AdminConnection> Open(const AdminFlags& flags);

  v1::AdminService::Stub* stub() const { return stub_.get(); }
  // A context with the bearer token and, unless `streaming`, the --timeout deadline.
  std::unique_ptr<grpc::ClientContext> Context(bool streaming = false) const;

  // Prints `powerviewctl <command>: <what the status says>` on stderr with a hint that says
  // what failed (the connection to powerviewd, or a service behind it), and returns the exit
  // code for it.
  int Fail(const std::string& command, const grpc::Status& status) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<v1::AdminService::Stub> stub_;
  std::string address_;
  std::string token_;
  absl::Duration timeout_;
};

// The exit code of a gRPC status code (the table in AdminHelpFooter).
int ExitCodeFor(grpc::StatusCode code);

// The same as AdminConnection::Fail for an error found before or without a connection.
int ReportError(const std::string& command, const absl::Status& status);

// Keeps gRPC's own log lines (C-core internals) off the terminal; POWERVIEW_GRPC_LOG=1 shows
// them for debugging.
void SilenceGrpcLogs();

}  // namespace powerview::ctl

#endif  // POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_CLIENT_H_
