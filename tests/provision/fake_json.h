// Small JSON helpers for the fakes of this folder (RapidJSON underneath).
#ifndef POWERVIEW_TESTS_PROVISION_FAKE_JSON_H_
#define POWERVIEW_TESTS_PROVISION_FAKE_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/fakes/http_server.h"

namespace powerview::testing::fakejson {

// `text` as a JSON string literal.
inline std::string Q(absl::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return buffer.GetString();
}

inline std::string Dump(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// `{"message": "<message>"}` with `status`.
inline FakeResponse Message(int status, absl::string_view message) {
  return FakeResponse::Json(status, "{\"message\":" + Q(message) + "}");
}

// Parses the body as a JSON object; false when it is not one.
inline bool ParseObject(const FakeRequest& request, rapidjson::Document* doc) {
  doc->Parse(request.body.data(), request.body.size());
  return !doc->HasParseError() && doc->IsObject();
}

inline std::string Str(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

inline bool Has(const rapidjson::Value& object, const char* key) {
  return object.IsObject() && object.FindMember(key) != object.MemberEnd();
}

inline int64_t Int(const rapidjson::Value& object, const char* key, int64_t fallback = 0) {
  if (!object.IsObject()) return fallback;
  auto it = object.FindMember(key);
  if (it == object.MemberEnd()) return fallback;
  if (it->value.IsInt64()) return it->value.GetInt64();
  if (it->value.IsString()) {
    try {
      return std::stoll(it->value.GetString());
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

inline bool Bool(const rapidjson::Value& object, const char* key, bool fallback = false) {
  if (!object.IsObject()) return fallback;
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsBool()) return fallback;
  return it->value.GetBool();
}

// "/api/teams/3/members" -> {"api", "teams", "3", "members"}
inline std::vector<std::string> Segments(absl::string_view path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

// Every value of `key` in a raw query string (repeated parameters such as `tag=a&tag=b`).
inline std::vector<std::string> QueryValues(absl::string_view query, absl::string_view key) {
  auto decode = [](absl::string_view in) {
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '%' && i + 2 < in.size()) {
        out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(in[i] == '+' ? ' ' : in[i]);
      }
    }
    return out;
  };
  std::vector<std::string> values;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    if (decode(pair.substr(0, eq)) != key) continue;
    values.push_back(eq == absl::string_view::npos ? "" : decode(pair.substr(eq + 1)));
  }
  return values;
}

}  // namespace powerview::testing::fakejson

#endif  // POWERVIEW_TESTS_PROVISION_FAKE_JSON_H_
