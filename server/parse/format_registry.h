// Logger formats by name. The channel line's first cell names the format (`MV_T302_V002`); the
// registry maps it to the reader that knows that format's header and clock, so that supporting
// a new logger format is one new reader file plus one line in RegisterBuiltinFormats().
#ifndef POWERVIEW_SERVER_PARSE_FORMAT_REGISTRY_H_
#define POWERVIEW_SERVER_PARSE_FORMAT_REGISTRY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/parse/parse_options.h"

namespace powerview::parse {

// What precedes the data rows, as found in the file.
struct Preamble {
  bool has_header = false;  // the file starts with a START_HEADER block
  std::string header_json;  // the lines between START_HEADER and END_HEADER, joined by "\n"
  std::string serial_line;
  std::string channel_line;
  std::string format;  // first cell of the channel line, stripped
};

// How the data rows of one file are read.
struct FormatSettings {
  bool utc = true;                // wall times are UTC
  absl::TimeZone zone;            // the zone of local wall times when !utc
  std::string time_zone;          // "UTC" or the IANA name of `zone`
  std::string master_type;        // subtype the header declares ("Tri"/"Mono"), or ""
  bool ends_at_end_data = false;  // an END_DATA line ends the data
};

class FormatReader {
 public:
  virtual ~FormatReader() = default;
  // Checks the preamble against the format and decides how its rows are read. InvalidArgument
  // (a short reason) rejects the file; FailedPrecondition reports a bad parser setting.
  virtual absl::StatusOr<FormatSettings> Configure(const Preamble& preamble,
                                                   const ParseOptions& options) const = 0;
};

class FormatRegistry {
 public:
  FormatRegistry() = default;
  FormatRegistry(const FormatRegistry&) = delete;
  FormatRegistry& operator=(const FormatRegistry&) = delete;

  // Adds or replaces the reader of `format`.
  void Register(std::string format, std::unique_ptr<FormatReader> reader);
  // The reader of `format`, or nullptr; owned by the registry.
  const FormatReader* Find(absl::string_view format) const;
  std::vector<std::string> Formats() const;

  // The formats PowerView reads (MV_T302_V002, MV_T302_V003); built on first use.
  static const FormatRegistry& Builtin();

 private:
  std::map<std::string, std::unique_ptr<FormatReader>, std::less<>> readers_;
};

// Adds the built-in readers to `registry`. Explicit calls rather than static initialisers,
// because a static library's unreferenced self-registering objects are dropped by the linker.
void RegisterBuiltinFormats(FormatRegistry* registry);
// One function per reader file.
void RegisterMv2T302V002(FormatRegistry* registry);
void RegisterMv2T302V003(FormatRegistry* registry);

// Loads the IANA zone `name` from the system's zoneinfo. InvalidArgument for a malformed or
// unknown name ("localtime", paths with "..", empty names are refused).
absl::StatusOr<absl::TimeZone> LoadNamedTimeZone(absl::string_view name);

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_FORMAT_REGISTRY_H_
