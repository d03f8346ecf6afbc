// Validation of the names an admin request carries (companies, campaigns): they become path
// components under the data root, so they must be single, plain folder names.
#ifndef POWERVIEW_SERVER_ADMIN_NAMES_H_
#define POWERVIEW_SERVER_ADMIN_NAMES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace powerview::admin {

// InvalidArgument naming `what` when `name` is empty, `.` or `..`, hidden, or holds a slash or
// a control character.
absl::Status CheckName(absl::string_view what, absl::string_view name);

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_NAMES_H_
