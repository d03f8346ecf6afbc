#include "client/gen/demo_tree.h"

#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/gen/mv2_generator.h"

namespace powerview::gen {

absl::StatusOr<std::vector<DemoFile>> WriteDemoTree(const std::string& root) {
  struct Entry {
    DemoFile file;
    GenOptions options;
  };
  std::vector<Entry> entries;
  {
    Entry e{{"acme/site-north/02000800/T302_250111_031500.tsv",
             "V002 tri master with 2 slaves (18 channels), power-off markers", true},
            {}};
    e.options.format = "v002";
    e.options.master = "tri";
    e.options.slaves = 2;
    e.options.serial = "02000800";
    e.options.start = absl::CivilSecond(2025, 1, 10, 3, 20, 0);
    e.options.rows = 144;
    e.options.power_off_every = 50;
    e.options.seed = 11;
    entries.push_back(e);
  }
  {
    Entry e{
        {"acme/site-north/02001283/T302_251026_031500.tsv",
         "V002 mono, Europe/Paris clock across the end of summer time (02:00-02:50 twice)", true},
        {}};
    e.options.format = "v002";
    e.options.master = "mono";
    e.options.serial = "02001283";
    e.options.start = absl::CivilSecond(2025, 10, 25, 3, 20, 0);
    e.options.rows = 149;
    e.options.dst = true;
    e.options.seed = 12;
    entries.push_back(e);
  }
  {
    Entry e{{"acme/site-south/02001311/T302_260122_162658_UTC.tsv",
             "V003 UTC, tri master with 1 slave (12 channels)", true},
            {}};
    e.options.format = "v003";
    e.options.master = "tri";
    e.options.slaves = 1;
    e.options.serial = "02001311";
    e.options.start = absl::CivilSecond(2026, 1, 21, 15, 10, 0);
    e.options.rows = 144;
    e.options.seed = 13;
    entries.push_back(e);
  }
  {
    Entry e{{"globex/pilot/02000900/T302_260109_102002.tsv",
             "V002 mono, upload cut off mid-row (no final newline)", true},
            {}};
    e.options.format = "v002";
    e.options.master = "mono";
    e.options.serial = "02000900";
    e.options.start = absl::CivilSecond(2025, 12, 5, 3, 20, 0);
    e.options.rows = 60;
    e.options.truncate = true;
    e.options.seed = 14;
    entries.push_back(e);
  }
  {
    Entry e{{"globex/pilot/02000900/T202_251022_121951.tsv",
             "unsupported format MV_T202_V002 (rejected)", false},
            {}};
    e.options.format = "v002";
    e.options.format_name = "MV_T202_V002";
    e.options.master = "tri";
    e.options.serial = "02000900";
    e.options.start = absl::CivilSecond(2025, 10, 22, 10, 0, 0);
    e.options.rows = 12;
    e.options.seed = 15;
    entries.push_back(e);
  }

  std::vector<DemoFile> written;
  for (const Entry& e : entries) {
    std::filesystem::path path = std::filesystem::path(root) / e.file.relative_path;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot create '", path.parent_path().string(), "': ", ec.message()));
    }
    absl::StatusOr<GenResult> result = WriteMv2File(e.options, path.string());
    if (!result.ok()) return result.status();
    written.push_back(e.file);
  }
  return written;
}

}  // namespace powerview::gen
