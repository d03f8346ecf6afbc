// What powerview-notify sends: the SFTPGo action-hook environment as a proto.FsEvent, encoded
// by hand in the protobuf wire format (and as protobuf JSON for the spool), so that the hook
// program loads neither gRPC nor protobuf nor Abseil: SFTPGo runs it once per upload and waits
// for it, and loading those libraries cost about 40 ms of CPU per call, more than the call.
// tests/intake/hook_request_test.cc checks both encodings against libprotobuf and against
// server/intake/hook_event.h, which the daemon uses.
#ifndef POWERVIEW_CLIENT_NOTIFY_HOOK_REQUEST_H_
#define POWERVIEW_CLIENT_NOTIFY_HOOK_REQUEST_H_

#include <cstdint>
#include <functional>
#include <string>

namespace powerview::notify {

// The fields of proto.FsEvent (proto/sftpgo/notifier.proto) that the hook environment sets.
struct HookEvent {
  int64_t timestamp = 0;  // ns since the epoch
  std::string action, username, fs_path, fs_target_path, ssh_cmd;
  int64_t file_size = 0;
  std::string protocol;
  int64_t status = 1;
  std::string ip, virtual_path, virtual_target_path, session_id;
  int64_t fs_provider = 0;
  std::string bucket, endpoint;
  int64_t open_flags = 0;
  std::string role;
  int64_t elapsed = 0;
};

// Reads SFTPGO_ACTION, SFTPGO_ACTION_PATH, ... through `getenv` exactly as
// intake::FsEventFromHookEnvironment does (a missing SFTPGO_ACTION or a number that does not
// parse is an error, described in `*error`); `now_ns` is the timestamp when
// SFTPGO_ACTION_TIMESTAMP is absent.
bool HookEventFromEnvironment(const std::function<const char*(const char*)>& getenv, int64_t now_ns,
                              HookEvent* event, std::string* error);

// The event as a serialized proto.FsEvent.
std::string EncodeFsEvent(const HookEvent& event);

// The event as protobuf JSON (proto field names), as the spool holds it.
std::string FsEventJson(const HookEvent& event);

// Writes the event durably to a new file in `spool_dir` (created if missing): temporary file,
// fsync, rename. Returns the file's path, or "" with `*error` set.
std::string SpoolHookEvent(const std::string& spool_dir, const HookEvent& event,
                           std::string* error);

}  // namespace powerview::notify

#endif  // POWERVIEW_CLIENT_NOTIFY_HOOK_REQUEST_H_
