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
