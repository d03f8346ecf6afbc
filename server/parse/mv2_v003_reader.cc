// MV_T302_V003, the current firmware: a JSON header (START_HEADER .. END_HEADER) says how the
// clock is kept (`DataTimeSettings`, `TimeZoneName`) and what the master is (`MasterType`); the
// data ends at END_DATA or at the end of the file.
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "server/parse/format_registry.h"

namespace powerview::parse {
namespace {

// The string member `name` of `header`, or "" when absent or not a string.
std::string StringMember(const rapidjson::Document& header, const char* name) {
  auto it = header.FindMember(name);
  if (it == header.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

class Mv2V003Reader : public FormatReader {
 public:
  absl::StatusOr<FormatSettings> Configure(const Preamble& preamble,
                                           const ParseOptions& options) const override {
    if (!preamble.has_header) {
      return absl::InvalidArgumentError(absl::StrCat(
          "format '", preamble.format, "' needs a START_HEADER block before the serial line"));
    }
    rapidjson::Document header;
    header.Parse(preamble.header_json.data(), preamble.header_json.size());
    if (header.HasParseError()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad V003 header: invalid JSON at offset ", header.GetErrorOffset(), ": ",
                       rapidjson::GetParseError_En(header.GetParseError())));
    }
    if (!header.IsObject()) {
      return absl::InvalidArgumentError("bad V003 header: the JSON is not an object");
    }
    FormatSettings settings;
    settings.ends_at_end_data = true;
    settings.master_type = StringMember(header, "MasterType");
    const std::string clock = StringMember(header, "DataTimeSettings");
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(clock), "UTC")) {
      settings.utc = true;
      settings.zone = absl::UTCTimeZone();
      settings.time_zone = "UTC";
      return settings;
    }
    const std::string zone_name(absl::StripAsciiWhitespace(StringMember(header, "TimeZoneName")));
    if (zone_name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad V003 header: DataTimeSettings '", clock,
                       "' is local time but TimeZoneName is missing"));
    }
    absl::StatusOr<absl::TimeZone> zone = LoadNamedTimeZone(zone_name);
    if (!zone.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad V003 header: unknown TimeZoneName '", zone_name, "'"));
    }
    settings.utc = zone_name == "UTC";
    settings.zone = *zone;
    settings.time_zone = zone_name;
    return settings;
  }
};

}  // namespace

void RegisterMv2T302V003(FormatRegistry* registry) {
  registry->Register("MV_T302_V003", std::make_unique<Mv2V003Reader>());
}

}  // namespace powerview::parse
