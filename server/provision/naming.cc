#include "server/provision/naming.h"

#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace powerview::provision {
namespace {

constexpr size_t kHashLength = 8;

bool IsPlainPart(absl::string_view part) {
  if (part.empty()) return false;
  for (char c : part) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c))) return false;
  }
  return true;
}

// Lowercase letters and digits of `text`; every run of anything else becomes one `-`.
std::string Slug(absl::string_view text) {
  std::string out;
  for (char c : text) {
    char lower = absl::ascii_tolower(c);
    if (absl::ascii_islower(lower) || absl::ascii_isdigit(lower)) {
      out.push_back(lower);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string StableUid(absl::string_view prefix, const std::vector<std::string>& parts) {
  std::vector<std::string> slugs;
  bool plain = true;
  for (const std::string& part : parts) {
    plain = plain && IsPlainPart(part);
    std::string slug = Slug(part);
    if (!slug.empty()) slugs.push_back(std::move(slug));
  }
  std::string readable = Slug(prefix);
  for (const std::string& slug : slugs) {
    absl::StrAppend(&readable, readable.empty() ? "" : "-", slug);
  }
  if (plain && !readable.empty() && readable.size() <= kMaxUidLength) return readable;

  // The exact parts, unambiguously joined, decide the hash.
  std::string hash =
      Sha256Hex(absl::StrCat(prefix, "\x1f", absl::StrJoin(parts, "\x1f"))).substr(0, kHashLength);
  size_t room = kMaxUidLength - kHashLength - 1;
  if (readable.size() > room) readable.resize(room);
  while (!readable.empty() && readable.back() == '-') readable.pop_back();
  return readable.empty() ? hash : absl::StrCat(readable, "-", hash);
}

absl::StatusOr<std::string> ExpandNameTemplate(absl::string_view name_template,
                                               const std::map<std::string, std::string>& values) {
  std::string out;
  size_t pos = 0;
  while (pos < name_template.size()) {
    size_t open = name_template.find('{', pos);
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, name_template.substr(pos));
      break;
    }
    absl::StrAppend(&out, name_template.substr(pos, open - pos));
    size_t close = name_template.find('}', open);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("name template '", name_template, "': unclosed '{'"));
    }
    std::string name(name_template.substr(open + 1, close - open - 1));
    auto it = values.find(name);
    if (it == values.end()) {
      std::vector<std::string> known;
      for (const auto& [key, value] : values) known.push_back(absl::StrCat("{", key, "}"));
      return absl::InvalidArgumentError(absl::StrCat("name template '", name_template,
                                                     "': unknown placeholder {", name,
                                                     "}; known here: ", absl::StrJoin(known, " ")));
    }
    absl::StrAppend(&out, it->second);
    pos = close + 1;
  }
  return out;
}

}  // namespace powerview::provision
