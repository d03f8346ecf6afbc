// A fleet of loggers that each upload one daily file, laid out like SFTPGo's data root
// (<company>/<campaign>/<serial>/<file>.tsv): the input of the burst benchmark.
#ifndef POWERVIEW_CLIENT_GEN_FLEET_H_
#define POWERVIEW_CLIENT_GEN_FLEET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/gen/mv2_generator.h"

namespace powerview::gen {

struct FleetOptions {
  int loggers = 2000;
  // Loggers are spread over this many companies (round robin): <prefix>0001, <prefix>0002, ...
  int companies = 20;
  std::string company_prefix = "fleet";
  std::string campaign = "daily";
  // Format, master, slaves, rows, interval and start of every file; each logger gets its own
  // serial (first_serial + index) and seed.
  GenOptions file;
  int64_t first_serial = 30000000;
};

struct FleetFile {
  std::string path;  // absolute or relative like the root given
  int64_t bytes = 0;
  int64_t points = 0;  // values the file holds (rows x channels)
};

// Writes one file per logger under `root` (folders included) and returns them in logger order.
absl::StatusOr<std::vector<FleetFile>> WriteFleet(const FleetOptions& options,
                                                  const std::string& root);

}  // namespace powerview::gen

#endif  // POWERVIEW_CLIENT_GEN_FLEET_H_
