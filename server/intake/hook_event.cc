#include "server/intake/hook_event.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"

namespace powerview::intake {
namespace {

namespace fs = std::filesystem;

absl::Status ReadInt(const std::function<const char*(const char*)>& getenv, const char* name,
                     int64_t* out) {
  const char* value = getenv(name);
  if (value == nullptr || *value == '\0') return absl::OkStatus();
  if (!absl::SimpleAtoi(value, out)) {
    return absl::InvalidArgumentError(absl::StrCat(name, "='", value, "' is not a number"));
  }
  return absl::OkStatus();
}

std::string Str(const std::function<const char*(const char*)>& getenv, const char* name) {
  const char* value = getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

absl::StatusOr<proto::FsEvent> FsEventFromHookEnvironment(
    const std::function<const char*(const char*)>& getenv) {
  proto::FsEvent event;
  event.set_action(Str(getenv, "SFTPGO_ACTION"));
  if (event.action().empty()) {
    return absl::InvalidArgumentError(
        "SFTPGO_ACTION is not set: powerview-notify is meant to be run by SFTPGo's action hook");
  }
  event.set_username(Str(getenv, "SFTPGO_ACTION_USERNAME"));
  event.set_fs_path(Str(getenv, "SFTPGO_ACTION_PATH"));
  event.set_fs_target_path(Str(getenv, "SFTPGO_ACTION_TARGET"));
  event.set_virtual_path(Str(getenv, "SFTPGO_ACTION_VIRTUAL_PATH"));
  event.set_virtual_target_path(Str(getenv, "SFTPGO_ACTION_VIRTUAL_TARGET"));
  event.set_ssh_cmd(Str(getenv, "SFTPGO_ACTION_SSH_CMD"));
  event.set_protocol(Str(getenv, "SFTPGO_ACTION_PROTOCOL"));
  event.set_ip(Str(getenv, "SFTPGO_ACTION_IP"));
  event.set_session_id(Str(getenv, "SFTPGO_ACTION_SESSION_ID"));
  event.set_bucket(Str(getenv, "SFTPGO_ACTION_BUCKET"));
  event.set_endpoint(Str(getenv, "SFTPGO_ACTION_ENDPOINT"));
  event.set_role(Str(getenv, "SFTPGO_ACTION_ROLE"));
  int64_t size = 0, status = 1, timestamp = 0, elapsed = 0, provider = 0, flags = 0;
  for (auto [name, target] :
       {std::pair{"SFTPGO_ACTION_FILE_SIZE", &size}, std::pair{"SFTPGO_ACTION_STATUS", &status},
        std::pair{"SFTPGO_ACTION_TIMESTAMP", &timestamp},
        std::pair{"SFTPGO_ACTION_ELAPSED", &elapsed},
        std::pair{"SFTPGO_ACTION_FS_PROVIDER", &provider},
        std::pair{"SFTPGO_ACTION_OPEN_FLAGS", &flags}}) {
    if (absl::Status s = ReadInt(getenv, name, target); !s.ok()) return s;
  }
  if (timestamp == 0) timestamp = absl::ToUnixNanos(absl::Now());
  event.set_file_size(size);
  event.set_status(static_cast<int32_t>(status));
  event.set_timestamp(timestamp);
  event.set_elapsed(elapsed);
  event.set_fs_provider(static_cast<int32_t>(provider));
  event.set_open_flags(static_cast<int32_t>(flags));
  return event;
}

absl::StatusOr<std::string> SpoolEvent(const std::string& spool_dir, const proto::FsEvent& event) {
  std::error_code ec;
  fs::create_directories(spool_dir, ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat("create spool ", spool_dir, ": ", ec.message()));
  std::string json;
  if (auto s = google::protobuf::util::MessageToJsonString(event, &json); !s.ok()) {
    return absl::InternalError(absl::StrCat("encode event: ", s.ToString()));
  }
  static std::atomic<int> counter{0};
  std::string name =
      absl::StrCat(absl::ToUnixNanos(absl::Now()), "-", ::getpid(), "-", counter++, ".json");
  std::string temp = absl::StrCat(spool_dir, "/.", name, ".tmp");
  std::string path = absl::StrCat(spool_dir, "/", name);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    return absl::UnavailableError(absl::StrCat("create ", temp, ": ", std::strerror(errno)));
  bool ok = ::write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return absl::UnavailableError(absl::StrCat("write ", path, ": ", std::strerror(err)));
  }
  return path;
}

DrainResult DrainSpool(const std::string& spool_dir,
                       const std::function<absl::Status(const proto::FsEvent&)>& deliver) {
  DrainResult result;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(spool_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.size() > 5 && name[0] != '.' &&
        name.substr(name.size() - 5) == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());  // names start with the spool time
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::stringstream content;
    content << in.rdbuf();
    proto::FsEvent event;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (!in || !google::protobuf::util::JsonStringToMessage(content.str(), &event, options).ok()) {
      fs::create_directories(fs::path(spool_dir) / "bad", ec);
      fs::rename(file, fs::path(spool_dir) / "bad" / file.filename(), ec);
      ++result.unreadable;
      continue;
    }
    if (deliver(event).ok()) {
      fs::remove(file, ec);
      ++result.delivered;
    } else {
      ++result.failed;
    }
  }
  return result;
}

}  // namespace powerview::intake
