// Validation of the names an admin request carries (companies, campaigns, devices), the same in
// every call: a malformed name is InvalidArgument, a well-formed one the catalog does not know is
// NotFound. Names become path components under the data root, so they must be single, plain
// folder names.
#ifndef POWERVIEW_SERVER_ADMIN_NAMES_H_
#define POWERVIEW_SERVER_ADMIN_NAMES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/catalog/catalog.h"

namespace powerview::admin {

// InvalidArgument naming `what` when `name` is empty, `.` or `..`, hidden, or holds a slash or
// a control character.
absl::Status CheckName(absl::string_view what, absl::string_view name);

// Checks the non-empty names of a filter: each well-formed (CheckName), a campaign only with its
// company, and each known to `catalog` (a device by master or folder serial, within the company
// and campaign when given; removed campaigns count). NotFound names the first unknown one.
absl::Status CheckKnown(catalog::Catalog* catalog, const std::string& company,
                        const std::string& campaign, const std::string& device = "");

// Opaque page tokens: `key` (where the next page starts) wrapped so that clients cannot build
// or edit them. `kind` tells the lists apart; a token of another kind or one this server did not
// make is InvalidArgument.
std::string EncodePageToken(absl::string_view kind, absl::string_view key);
absl::StatusOr<std::string> DecodePageToken(absl::string_view kind, absl::string_view token);

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_NAMES_H_
