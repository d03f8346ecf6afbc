// What the admin subcommands of powerviewctl share: the connection flags, the channel to
// powerviewd's admin API, the exit codes, and error reporting.
#ifndef POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_CLIENT_H_
#define POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/powerviewctl/commands.h"
#include "grpcpp/grpcpp.h"
#include "powerview/v1/admin_service.grpc.pb.h"
#include "server/common/flags.h"

namespace powerview::ctl {

// Exit codes of the admin subcommands (printed by each one's --help).
inline constexpr int kAdminExitOk = kExitOk;
inline constexpr int kAdminExitError = kExitError;        // the server or the connection failed
inline constexpr int kAdminExitUsage = kExitUsage;        // bad flags or arguments
inline constexpr int kAdminExitNotFound = kExitNotFound;  // no such company, campaign, report
inline constexpr int kAdminExitRefused = kExitRefused;    // plan not empty, or apply refused

// The paragraph on flags and exit codes that ends every admin subcommand's --help.
std::string AdminHelpFooter();

struct AdminFlags {
  std::string address = "unix:///run/powerview/admin.sock";
  std::string token;
  std::string tls_ca;
  bool json = false;
  absl::Duration timeout = absl::Seconds(30);
};

// Adds --address, --token, --tls-ca, --json and --timeout (with their environment variables).
void AddAdminFlags(FlagSet* flags, AdminFlags* out);

// Parses `args` with `flags`. Returns the positional arguments, or sets `*exit_code` (0 after
// --help, kAdminExitUsage after an error, which is printed) and returns nullopt.
std::optional<std::vector<std::string>> ParseAdminArgs(FlagSet* flags,
                                                       const std::vector<std::string>& args,
                                                       int* exit_code);

class AdminConnection {
 public:
  // A channel to `flags.address`: unix:///path, or host:port (TLS when --tls-ca is given).
  static absl::StatusOr<AdminConnection> Open(const AdminFlags& flags);

  v1::AdminService::Stub* stub() const { return stub_.get(); }
  // A context with the bearer token and, unless `streaming`, the --timeout deadline.
  std::unique_ptr<grpc::ClientContext> Context(bool streaming = false) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<v1::AdminService::Stub> stub_;
  std::string token_;
  absl::Duration timeout_;
};

// Prints `powerviewctl <command>: <what the status says>` on stderr, with a hint for the usual
// causes, and returns the exit code for it.
int ReportError(const std::string& command, const grpc::Status& status);
// The same for a local error (e.g. an unreadable --tls-ca).
int ReportError(const std::string& command, const absl::Status& status);

}  // namespace powerview::ctl

#endif  // POWERVIEW_CLIENT_POWERVIEWCTL_ADMIN_CLIENT_H_
