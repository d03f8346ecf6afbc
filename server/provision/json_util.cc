#include "server/provision/json_util.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace powerview::provision {
namespace {

void WriteCanonical(const rapidjson::Value& value, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  if (value.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (const auto& member : value.GetObject()) members.push_back(&member);
    std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return absl::string_view(a->name.GetString(), a->name.GetStringLength()) <
             absl::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    w.StartObject();
    for (const auto* member : members) {
      w.Key(member->name.GetString(), member->name.GetStringLength());
      WriteCanonical(member->value, w);
    }
    w.EndObject();
  } else if (value.IsArray()) {
    w.StartArray();
    for (const auto& item : value.GetArray()) WriteCanonical(item, w);
    w.EndArray();
  } else {
    value.Accept(w);
  }
}

}  // namespace

absl::StatusOr<rapidjson::Document> ParseJson(absl::string_view text, absl::string_view what) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": invalid JSON at offset ", doc.GetErrorOffset(), ": ",
        rapidjson::GetParseError_En(doc.GetParseError()), " (", text.substr(0, 120), ")"));
  }
  return doc;
}

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string CanonicalJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  WriteCanonical(value, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string JsonQuote(absl::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

const rapidjson::Value* JsonMember(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string JsonString(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* v = JsonMember(object, key);
  if (v == nullptr || !v->IsString()) return "";
  return std::string(v->GetString(), v->GetStringLength());
}

int64_t JsonInt(const rapidjson::Value& object, const char* key, int64_t fallback) {
  const rapidjson::Value* v = JsonMember(object, key);
  if (v == nullptr) return fallback;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<int64_t>(v->GetUint64());
  if (v->IsDouble()) return static_cast<int64_t>(v->GetDouble());
  return fallback;
}

bool JsonBool(const rapidjson::Value& object, const char* key, bool fallback) {
  const rapidjson::Value* v = JsonMember(object, key);
  if (v == nullptr || !v->IsBool()) return fallback;
  return v->GetBool();
}

std::string JsonId(const rapidjson::Value& object, const char* key) {
  const rapidjson::Value* v = JsonMember(object, key);
  if (v == nullptr) return "";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsInt64()) return absl::StrCat(v->GetInt64());
  if (v->IsUint64()) return absl::StrCat(v->GetUint64());
  return "";
}

rapidjson::Value JsonValue(absl::string_view text, rapidjson::Document::AllocatorType& allocator) {
  rapidjson::Value v;
  v.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
  return v;
}

}  // namespace powerview::provision
