#include "server/admin/names.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace powerview::admin {

absl::Status CheckName(absl::string_view what, absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("the ", what, " is empty"));
  if (name == "." || name == ".." || name.front() == '.') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", name, "' is not a folder name PowerView uses"));
  }
  for (char c : name) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " '", absl::CEscape(name),
                       "' must be one folder name (no '/' or control characters)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace powerview::admin
