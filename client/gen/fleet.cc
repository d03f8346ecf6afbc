#include "client/gen/fleet.h"

#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace powerview::gen {

absl::StatusOr<std::vector<FleetFile>> WriteFleet(const FleetOptions& options,
                                                  const std::string& root) {
  if (options.loggers < 1 || options.companies < 1 || options.companies > options.loggers) {
    return absl::InvalidArgumentError(
        "a fleet needs at least one logger, and between 1 and that many companies");
  }
  if (options.first_serial < 0 || options.first_serial + options.loggers > 99999999) {
    return absl::InvalidArgumentError("serials must stay within 8 digits");
  }
  std::vector<FleetFile> files;
  files.reserve(options.loggers);
  for (int i = 0; i < options.loggers; ++i) {
    GenOptions o = options.file;
    o.serial = absl::StrFormat("%08d", options.first_serial + i);
    o.seed = options.file.seed + static_cast<uint64_t>(i);
    std::string company =
        absl::StrFormat("%s%04d", options.company_prefix, i % options.companies + 1);
    std::filesystem::path folder =
        std::filesystem::path(root) / company / options.campaign / o.serial;
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot create '", folder.string(), "': ", ec.message()));
    }
    const absl::CivilSecond& s = o.start;
    std::string name =
        absl::StrFormat("T302_%02d%02d%02d_%02d%02d%02d%s.tsv", s.year() % 100, s.month(), s.day(),
                        s.hour(), s.minute(), s.second(), o.format == "v003" ? "_UTC" : "");
    FleetFile file;
    file.path = (folder / name).string();
    absl::StatusOr<GenResult> written = WriteMv2File(o, file.path);
    if (!written.ok()) return written.status();
    file.bytes = written->bytes;
    file.points = (written->rows - written->markers) * written->channels;
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace powerview::gen
