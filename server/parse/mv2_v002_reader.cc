// MV_T302_V002, the historic format: no header block; timestamps are the device's wall clock,
// whose zone is a setting (Europe/Paris by default, UTC reproduces upstream).
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/parse/format_registry.h"

namespace powerview::parse {
namespace {

class Mv2V002Reader : public FormatReader {
 public:
  absl::StatusOr<FormatSettings> Configure(const Preamble& preamble,
                                           const ParseOptions& options) const override {
    if (preamble.has_header) {
      return absl::InvalidArgumentError(absl::StrCat("format '", preamble.format,
                                                     "' has no header block, but the file starts "
                                                     "with START_HEADER"));
    }
    FormatSettings settings;
    absl::StatusOr<absl::TimeZone> zone = LoadNamedTimeZone(options.v002_time_zone);
    if (!zone.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("V002 time zone setting: ", zone.status().message()));
    }
    settings.utc = options.v002_time_zone == "UTC";
    settings.zone = *zone;
    settings.time_zone = options.v002_time_zone;
    return settings;
  }
};

}  // namespace

void RegisterMv2T302V002(FormatRegistry* registry) {
  registry->Register("MV_T302_V002", std::make_unique<Mv2V002Reader>());
}

}  // namespace powerview::parse
