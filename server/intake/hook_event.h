// The SFTPGo action-hook side: building a notifier FsEvent from the SFTPGO_ACTION* environment
// variables, and the spool where events wait when powerviewd cannot be reached.
#ifndef POWERVIEW_SERVER_INTAKE_HOOK_EVENT_H_
#define POWERVIEW_SERVER_INTAKE_HOOK_EVENT_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "notifier.pb.h"

namespace powerview::intake {

// Reads SFTPGO_ACTION, SFTPGO_ACTION_PATH, ..._TARGET, ..._FILE_SIZE, ..._STATUS, ..._TIMESTAMP
// and the other variables SFTPGo sets for executable hooks. `getenv` is injectable for tests.
// InvalidArgument when SFTPGO_ACTION is missing or a number does not parse.
absl::StatusOr<proto::FsEvent> FsEventFromHookEnvironment(
    const std::function<const char*(const char*)>& getenv);

// Writes `event` as one JSON file in `spool_dir` (created if missing), atomically. Returns the
// file's path.
absl::StatusOr<std::string> SpoolEvent(const std::string& spool_dir, const proto::FsEvent& event);

struct DrainResult {
  int delivered = 0;
  int failed = 0;      // left in the spool for the next drain
  int unreadable = 0;  // moved aside to <spool>/bad/
};

// Hands each spooled event, oldest first, to `deliver`; a file is removed once `deliver`
// returns OK. Unparseable files are moved to `<spool_dir>/bad/`.
DrainResult DrainSpool(const std::string& spool_dir,
                       const std::function<absl::Status(const proto::FsEvent&)>& deliver);

}  // namespace powerview::intake

#endif  // POWERVIEW_SERVER_INTAKE_HOOK_EVENT_H_
