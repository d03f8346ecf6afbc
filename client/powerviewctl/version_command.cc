// `powerviewctl version`: the version of this program (and of the protocol it speaks).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "client/powerviewctl/commands.h"
#include "client/powerviewctl/json_output.h"
#include "server/common/flags.h"

namespace powerview::ctl {
namespace {

int RunVersion(const std::vector<std::string>& args) {
  std::string output = "table";
  FlagSet flags("powerviewctl version", "[--output table|json|ndjson]",
                "Prints powerviewctl's version. `powerviewctl status` shows the daemon's.\n\n" +
                    std::string(ExitCodeTable()));
  flags.String("output", &output, "table, json or ndjson");
  absl::StatusOr<std::vector<std::string>> rest = flags.Parse(args);
  if (!rest.ok()) {
    if (absl::IsCancelled(rest.status())) return kExitOk;
    std::fprintf(stderr, "powerviewctl version: %s\n",
                 std::string(rest.status().message()).c_str());
    return kExitUsage;
  }
  if (!rest->empty()) {
    std::fprintf(stderr, "powerviewctl version: unexpected argument '%s'\n", (*rest)[0].c_str());
    return kExitUsage;
  }
  output = absl::AsciiStrToLower(output);
  if (output == "table") {
    std::printf("powerviewctl %s\n", POWERVIEW_VERSION);
  } else if (output == "json" || output == "ndjson") {
    std::printf(output == "json" ? "{\n  \"version\": %s\n}\n" : "{\"version\":%s}\n",
                JsonString(POWERVIEW_VERSION).c_str());
  } else {
    std::fprintf(stderr, "powerviewctl version: --output is table, json or ndjson\n");
    return kExitUsage;
  }
  return kExitOk;
}

const bool kRegistered = RegisterCommand({"version", "print powerviewctl's version", &RunVersion});

}  // namespace
}  // namespace powerview::ctl
