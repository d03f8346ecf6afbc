#include "client/powerviewctl/commands.h"

#include <algorithm>
#include <cstring>

namespace powerview::ctl {
namespace {

// A function-local static, so registration works whatever the initialisation order of files.
std::vector<Command>& Table() {
  static std::vector<Command>* table = new std::vector<Command>;
  return *table;
}

}  // namespace

const char* ExitCodeTable() {
  return "Exit codes (the same for every command):\n"
         "  0  ok (plan: it ran; with --detailed-exitcode, nothing to change)\n"
         "  1  server, connection, authentication or I/O error; an applied action failed\n"
         "  2  usage error: bad flags or arguments (also the server's INVALID_ARGUMENT);\n"
         "     plan --detailed-exitcode: the plan has changes\n"
         "  3  not found: company, campaign, device, file, report or batch\n"
         "  4  refused: file rejected by the ingest rules (parse); apply refused because the\n"
         "     plan changed since it was shown, or not confirmed\n"
         "  5  not possible in the daemon's state: provisioning is not configured, the file\n"
         "     already waits in its device folder; status --check: InfluxDB or Grafana is\n"
         "     unreachable\n";
}

bool RegisterCommand(Command command) {
  Table().push_back(command);
  return true;
}

std::vector<Command> Commands() {
  std::vector<Command> sorted = Table();
  std::sort(sorted.begin(), sorted.end(),
            [](const Command& a, const Command& b) { return std::strcmp(a.name, b.name) < 0; });
  return sorted;
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Table()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

}  // namespace powerview::ctl
