// JSON for scripts: protobuf messages with the proto field names, every field present, 64-bit
// integers as JSON numbers (the canonical proto JSON mapping writes them as strings), enums by
// name, Timestamps as RFC 3339 UTC with 'Z', Durations as "1.5s", unset messages as null.
#ifndef POWERVIEW_CLIENT_POWERVIEWCTL_JSON_OUTPUT_H_
#define POWERVIEW_CLIENT_POWERVIEWCTL_JSON_OUTPUT_H_

#include <string>

#include "google/protobuf/message.h"

namespace powerview::ctl {

// The message as JSON; indented over several lines when `pretty`, otherwise one line.
std::string ToJson(const google::protobuf::Message& message, bool pretty = true);

// `text` as a JSON string literal, quotes included.
std::string JsonString(const std::string& text);

}  // namespace powerview::ctl

#endif  // POWERVIEW_CLIENT_POWERVIEWCTL_JSON_OUTPUT_H_
