// The subcommands of powerviewctl. Each lives in its own file and registers itself from a
// namespace-scope initializer, so adding a command touches no other file:
//
//   namespace { int RunFoo(const std::vector<std::string>& args); }
//   static const bool kFooRegistered =
//       powerview::ctl::RegisterCommand({"foo", "does foo", &RunFoo});
//
// `args` are the arguments after the command name. Every command returns one of the exit codes
// below (the table is printed by `powerviewctl help` and in docs/admin-api.md).
#ifndef POWERVIEW_CLIENT_POWERVIEWCTL_COMMANDS_H_
#define POWERVIEW_CLIENT_POWERVIEWCTL_COMMANDS_H_

#include <string>
#include <vector>

namespace powerview::ctl {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

// Adds `command` to the table; returns true so it can initialise a static.
bool RegisterCommand(Command command);

// The registered commands, sorted by name.
std::vector<Command> Commands();

// The command called `name`, or nullptr.
const Command* FindCommand(const std::string& name);

// Exit codes shared by every command, so that scripts can rely on them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;     // I/O, server, connection or authentication failure,
                                         // or an applied action failed
inline constexpr int kExitUsage = 2;     // bad flags or arguments (also INVALID_ARGUMENT)
inline constexpr int kExitNotFound = 3;  // no such company, campaign, device, file, report, batch
inline constexpr int kExitRefused = 4;   // file rejected by the ingest rules, apply refused
                                         // (plan changed since shown, or not confirmed)
// The daemon cannot do it in its state (FAILED_PRECONDITION: provisioning not configured, file
// already waiting), or `status --check`: InfluxDB or Grafana unreachable.
inline constexpr int kExitNotReady = 5;
inline constexpr int kExitPlanChanges = 2;  // `plan --detailed-exitcode`: the plan has changes

// The table above, for --help texts.
const char* ExitCodeTable();

}  // namespace powerview::ctl

#endif  // POWERVIEW_CLIENT_POWERVIEWCTL_COMMANDS_H_
