// How provisioned resources are named: stable Grafana uids derived from company and campaign
// names, and the operator's name templates.
#ifndef POWERVIEW_SERVER_PROVISION_NAMING_H_
#define POWERVIEW_SERVER_PROVISION_NAMING_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace powerview::provision {

// Longest uid Grafana accepts for folders and dashboards.
inline constexpr size_t kMaxUidLength = 40;

// A uid `<prefix>-<part>-<part>...` that is lowercase `[a-z0-9-]`, starts and ends with a letter
// or digit, is at most 40 characters, and is the same on every run for the same inputs.
// Parts that are already lowercase letters and digits are used as they are; when a part has
// any other character (uppercase, `-`, `_`, spaces, quotes, unicode) or the result would be too
// long, the readable part is shortened and an 8-hex-digit hash of the exact parts is appended,
// so that different inputs never share a uid (`Acme` and `acme`, `a-b`+`c` and `a`+`b-c`).
std::string StableUid(absl::string_view prefix, const std::vector<std::string>& parts);

// Replaces `{name}` placeholders with `values[name]`. An unknown placeholder or an unclosed
// brace is an error naming the template, so a typo in a setting is caught at start-up.
absl::StatusOr<std::string> ExpandNameTemplate(absl::string_view name_template,
                                               const std::map<std::string, std::string>& values);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_NAMING_H_
