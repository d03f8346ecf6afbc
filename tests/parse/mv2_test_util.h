// Small MV2 files built inline for the rule tests.
#ifndef POWERVIEW_TESTS_PARSE_MV2_TEST_UTIL_H_
#define POWERVIEW_TESTS_PARSE_MV2_TEST_UTIL_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "server/parse/mv2_parser.h"
#include "tests/parse/recording_visitor.h"

namespace powerview::parse {

// A V002 mono device "02001283" with 3 channels; `rows` follow the channel line.
inline std::string V002(const std::string& rows) {
  return absl::StrCat("02001283\t02001283\t02001283\t02001283\n",
                      "MV_T302_V002\tPh 1 V\tVoie1 W\tVoie2 W\n", rows);
}

// A V003 file with `header` JSON and 3 channels.
inline std::string V003(const std::string& header, const std::string& rows) {
  return absl::StrCat("START_HEADER\n", header, "\nEND_HEADER\nSTART_DATA\n",
                      "02000800\t02000800\t02000800\t02000800\n",
                      "MV_T302_V003\tPh 1 V\tVoie1 W\tVoie2 W\n", rows);
}

inline const char* kUtcHeader =
    R"({"DataZoneCode":3,"DataTypeCode":2,"DataTimeSettings":"UTC","TimeZone":"CET-1CEST,M3.5.0,M10.5.0/3","TimeZoneName":"Europe/Paris","FileVersion":3,"MasterType":"Mono"})";

struct Parsed {
  absl::StatusOr<ParseSummary> summary;
  RecordingVisitor visitor;
};

inline Parsed Parse(const std::string& content, const ParseOptions& options = ParseOptions()) {
  Parsed p{absl::InternalError("not run"), {}};
  p.summary = ParseMv2Buffer(content, options, &p.visitor);
  return p;
}

}  // namespace powerview::parse

#endif  // POWERVIEW_TESTS_PARSE_MV2_TEST_UTIL_H_
