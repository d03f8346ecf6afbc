// RapidJSON helpers shared by the InfluxDB and Grafana clients: parsing with context in the
// error, tolerant getters for answers whose fields vary by server version, and a canonical
// form (sorted keys, no spaces) that makes JSON documents comparable and hashable.
#ifndef POWERVIEW_SERVER_PROVISION_JSON_UTIL_H_
#define POWERVIEW_SERVER_PROVISION_JSON_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"

namespace powerview::provision {

// Parses `text`; an error names `what` (e.g. "grafana GET /api/teams/search answer").
absl::StatusOr<rapidjson::Document> ParseJson(absl::string_view text, absl::string_view what);

// Compact JSON with members in their stored order.
std::string ToJson(const rapidjson::Value& value);

// Compact JSON with object members sorted by key, recursively. Two documents with the same
// content have the same canonical form whatever their member order.
std::string CanonicalJson(const rapidjson::Value& value);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

// Member accessors that return a default when the member is absent or of another type.
std::string JsonString(const rapidjson::Value& object, const char* key);
int64_t JsonInt(const rapidjson::Value& object, const char* key, int64_t fallback = 0);
bool JsonBool(const rapidjson::Value& object, const char* key, bool fallback = false);
// The member as an id string: strings as they are, integers in decimal (Grafana ids are
// numbers, InfluxDB ids are strings).
std::string JsonId(const rapidjson::Value& object, const char* key);
const rapidjson::Value* JsonMember(const rapidjson::Value& object, const char* key);

// A string value owned by `allocator`.
rapidjson::Value JsonValue(absl::string_view text, rapidjson::Document::AllocatorType& allocator);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_JSON_UTIL_H_
