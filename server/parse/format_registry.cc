#include "server/parse/format_registry.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace powerview::parse {

void FormatRegistry::Register(std::string format, std::unique_ptr<FormatReader> reader) {
  readers_[std::move(format)] = std::move(reader);
}

const FormatReader* FormatRegistry::Find(absl::string_view format) const {
  auto it = readers_.find(format);
  return it == readers_.end() ? nullptr : it->second.get();
}

std::vector<std::string> FormatRegistry::Formats() const {
  std::vector<std::string> names;
  for (const auto& [name, reader] : readers_) names.push_back(name);
  return names;
}

const FormatRegistry& FormatRegistry::Builtin() {
  static const FormatRegistry* const registry = [] {
    auto* r = new FormatRegistry;
    RegisterBuiltinFormats(r);
    return r;
  }();
  return *registry;
}

void RegisterBuiltinFormats(FormatRegistry* registry) {
  RegisterMv2T302V002(registry);
  RegisterMv2T302V003(registry);
}

absl::StatusOr<absl::TimeZone> LoadNamedTimeZone(absl::string_view name) {
  bool safe =
      !name.empty() && name != "localtime" && name.front() != '/' && !absl::StrContains(name, "..");
  for (char c : name) {
    safe = safe && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' ||
                    c == '-' || c == '+');
  }
  absl::TimeZone zone;
  if (!safe || !absl::LoadTimeZone(std::string(name), &zone)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown time zone '", name, "'"));
  }
  return zone;
}

absl::Status ValidateParseOptions(const ParseOptions& options) {
  absl::StatusOr<absl::TimeZone> zone = LoadNamedTimeZone(options.v002_time_zone);
  if (!zone.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("V002 time zone setting: ", zone.status().message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> ParseClockFloor(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &error) ||
      absl::ParseTime(absl::RFC3339_full, text, absl::UTCTimeZone(), &t, &error)) {
    return t;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("clock floor '", text, "' is neither a day (2021-01-01) nor an RFC 3339 time"));
}

}  // namespace powerview::parse
