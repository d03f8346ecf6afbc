// A small demo data root laid out like SFTPGo's: <company>/<campaign>/<serial>/*.tsv.
#ifndef POWERVIEW_CLIENT_GEN_DEMO_TREE_H_
#define POWERVIEW_CLIENT_GEN_DEMO_TREE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace powerview::gen {

struct DemoFile {
  std::string relative_path;  // under the root
  std::string description;
  bool accepted;  // whether ingest accepts it
};

// Creates the demo files under `root` (folders included) and returns what it wrote: 2 companies,
// 3 campaigns; V002 tri with slaves and power-off markers, V002 mono across the end of summer
// time, V003 UTC with a slave, an upload cut off mid-row, and an unsupported format.
absl::StatusOr<std::vector<DemoFile>> WriteDemoTree(const std::string& root);

}  // namespace powerview::gen

#endif  // POWERVIEW_CLIENT_GEN_DEMO_TREE_H_
