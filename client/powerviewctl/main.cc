// powerviewctl: PowerView's command-line tool. `powerviewctl <command> [flags]`; the commands
// come from the table in commands.h.
#include <cstdio>
#include <string>
#include <vector>

#include "client/powerviewctl/commands.h"

namespace {

void PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "Usage: powerviewctl <command> [flags] [args]\n\n"
               "PowerView's command-line tool (version %s).\n\nCommands:\n",
               POWERVIEW_VERSION);
  for (const powerview::ctl::Command& c : powerview::ctl::Commands()) {
    std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  }
  std::fprintf(out, "\nRun `powerviewctl <command> --help` for a command's flags.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return powerview::ctl::kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return powerview::ctl::kExitOk;
  }
  if (name == "--version") {
    std::printf("powerviewctl %s\n", POWERVIEW_VERSION);
    return powerview::ctl::kExitOk;
  }
  const powerview::ctl::Command* command = powerview::ctl::FindCommand(name);
  if (command == nullptr) {
    std::fprintf(stderr, "powerviewctl: unknown command '%s'\n\n", name.c_str());
    PrintUsage(stderr);
    return powerview::ctl::kExitUsage;
  }
  return command->run(std::vector<std::string>(argv + 2, argv + argc));
}
