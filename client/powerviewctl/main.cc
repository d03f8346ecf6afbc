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
  std::fprintf(out, "  %-12s %s\n", "help", "this text, or `help COMMAND` for a command's flags");
  std::fprintf(out,
               "\nRun `powerviewctl help <command>` (or `<command> --help`) for a command's\n"
               "flags.\n\n%s",
               powerview::ctl::ExitCodeTable());
}

int Unknown(const std::string& name) {
  std::fprintf(stderr, "powerviewctl: unknown command '%s' (see powerviewctl help)\n",
               name.c_str());
  return powerview::ctl::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace powerview::ctl;
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    if (argc == 2) {
      PrintUsage(stdout);
      return kExitOk;
    }
    if (argc > 3) {
      std::fprintf(stderr, "powerviewctl help: give one command (see powerviewctl help)\n");
      return kExitUsage;
    }
    const Command* command = FindCommand(argv[2]);
    if (command == nullptr) return Unknown(argv[2]);
    return command->run({"--help"});
  }
  if (name == "--version") {
    std::printf("powerviewctl %s\n", POWERVIEW_VERSION);
    return kExitOk;
  }
  const Command* command = FindCommand(name);
  if (command == nullptr) return Unknown(name);
  return command->run(std::vector<std::string>(argv + 2, argv + argc));
}
