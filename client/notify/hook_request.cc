#include "client/notify/hook_request.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

namespace powerview::notify {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Decimal, optional sign, surrounding white space allowed: what absl::SimpleAtoi accepts.
bool ParseInt64(const std::string& text, int64_t* out) {
  size_t b = 0, e = text.size();
  while (b < e && IsSpace(text[b])) ++b;
  while (e > b && IsSpace(text[e - 1])) --e;
  bool negative = false;
  if (b < e && (text[b] == '+' || text[b] == '-')) negative = text[b++] == '-';
  if (b == e) return false;
  uint64_t value = 0;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (size_t i = b; i < e; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (limit - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
  return true;
}

void Varint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void IntField(int field, int64_t v, std::string* out) {
  if (v == 0) return;  // proto3: defaults are not sent
  Varint(static_cast<uint64_t>(field) << 3, out);
  Varint(static_cast<uint64_t>(v), out);
}

// int32 fields hold the value cut to 32 bits, as the daemon's own conversion does; negative
// values are sign-extended on the wire.
void Int32Field(int field, int64_t v, std::string* out) {
  IntField(field, static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))), out);
}

void StringField(int field, const std::string& v, std::string* out) {
  if (v.empty()) return;
  Varint((static_cast<uint64_t>(field) << 3) | 2, out);
  Varint(v.size(), out);
  out->append(v);
}

void JsonString(const std::string& v, std::string* out) {
  out->push_back('"');
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out->append(escaped);
    } else {
      out->push_back(static_cast<char>(c));  // UTF-8 passes through
    }
  }
  out->push_back('"');
}

}  // namespace

bool HookEventFromEnvironment(const std::function<const char*(const char*)>& getenv, int64_t now_ns,
                              HookEvent* event, std::string* error) {
  auto str = [&](const char* name) {
    const char* v = getenv(name);
    return v == nullptr ? std::string() : std::string(v);
  };
  HookEvent e;
  e.action = str("SFTPGO_ACTION");
  if (e.action.empty()) {
    *error =
        "SFTPGO_ACTION is not set: powerview-notify is meant to be run by SFTPGo's action hook";
    return false;
  }
  e.username = str("SFTPGO_ACTION_USERNAME");
  e.fs_path = str("SFTPGO_ACTION_PATH");
  e.fs_target_path = str("SFTPGO_ACTION_TARGET");
  e.virtual_path = str("SFTPGO_ACTION_VIRTUAL_PATH");
  e.virtual_target_path = str("SFTPGO_ACTION_VIRTUAL_TARGET");
  e.ssh_cmd = str("SFTPGO_ACTION_SSH_CMD");
  e.protocol = str("SFTPGO_ACTION_PROTOCOL");
  e.ip = str("SFTPGO_ACTION_IP");
  e.session_id = str("SFTPGO_ACTION_SESSION_ID");
  e.bucket = str("SFTPGO_ACTION_BUCKET");
  e.endpoint = str("SFTPGO_ACTION_ENDPOINT");
  e.role = str("SFTPGO_ACTION_ROLE");
  const std::pair<const char*, int64_t*> numbers[] = {
      {"SFTPGO_ACTION_FILE_SIZE", &e.file_size},     {"SFTPGO_ACTION_STATUS", &e.status},
      {"SFTPGO_ACTION_TIMESTAMP", &e.timestamp},     {"SFTPGO_ACTION_ELAPSED", &e.elapsed},
      {"SFTPGO_ACTION_FS_PROVIDER", &e.fs_provider}, {"SFTPGO_ACTION_OPEN_FLAGS", &e.open_flags}};
  for (const auto& [name, target] : numbers) {
    std::string value = str(name);
    if (value.empty()) continue;
    if (!ParseInt64(value, target)) {
      *error = std::string(name) + "='" + value + "' is not a number";
      return false;
    }
  }
  if (e.timestamp == 0) e.timestamp = now_ns;
  *event = std::move(e);
  return true;
}

std::string EncodeFsEvent(const HookEvent& e) {
  std::string out;
  IntField(1, e.timestamp, &out);
  StringField(2, e.action, &out);
  StringField(3, e.username, &out);
  StringField(4, e.fs_path, &out);
  StringField(5, e.fs_target_path, &out);
  StringField(6, e.ssh_cmd, &out);
  IntField(7, e.file_size, &out);
  StringField(8, e.protocol, &out);
  Int32Field(9, e.status, &out);
  StringField(10, e.ip, &out);
  StringField(11, e.virtual_path, &out);
  StringField(12, e.virtual_target_path, &out);
  StringField(13, e.session_id, &out);
  Int32Field(14, e.fs_provider, &out);
  StringField(15, e.bucket, &out);
  StringField(16, e.endpoint, &out);
  Int32Field(17, e.open_flags, &out);
  StringField(18, e.role, &out);
  IntField(19, e.elapsed, &out);
  return out;
}

std::string FsEventJson(const HookEvent& e) {
  std::string out = "{";
  bool first = true;
  auto key = [&](const char* name) {
    if (!first) out.append(",");
    first = false;
    out.append("\"").append(name).append("\":");
  };
  auto text = [&](const char* name, const std::string& v) {
    if (v.empty()) return;
    key(name);
    JsonString(v, &out);
  };
  // int64 as a JSON string, int32 as a number: protobuf's JSON mapping.
  auto int64 = [&](const char* name, int64_t v) {
    if (v == 0) return;
    key(name);
    out.append("\"").append(std::to_string(v)).append("\"");
  };
  auto int32 = [&](const char* name, int64_t v) {
    int32_t cut = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v)));
    if (cut == 0) return;
    key(name);
    out.append(std::to_string(cut));
  };
  int64("timestamp", e.timestamp);
  text("action", e.action);
  text("username", e.username);
  text("fs_path", e.fs_path);
  text("fs_target_path", e.fs_target_path);
  text("ssh_cmd", e.ssh_cmd);
  int64("file_size", e.file_size);
  text("protocol", e.protocol);
  int32("status", e.status);
  text("ip", e.ip);
  text("virtual_path", e.virtual_path);
  text("virtual_target_path", e.virtual_target_path);
  text("session_id", e.session_id);
  int32("fs_provider", e.fs_provider);
  text("bucket", e.bucket);
  text("endpoint", e.endpoint);
  int32("open_flags", e.open_flags);
  text("role", e.role);
  int64("elapsed", e.elapsed);
  out.append("}");
  return out;
}

std::string SpoolHookEvent(const std::string& spool_dir, const HookEvent& event,
                           std::string* error) {
  // Create the folder and its parents (mkdir -p).
  for (size_t at = 1; at <= spool_dir.size(); ++at) {
    if (at == spool_dir.size() || spool_dir[at] == '/') {
      std::string part = spool_dir.substr(0, at);
      if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST) {
        *error = "create spool " + spool_dir + ": " + std::strerror(errno);
        return "";
      }
    }
  }
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  // The same naming as the daemon-side spool writer: spool time first, so names sort in order.
  std::string name = std::to_string(int64_t{now.tv_sec} * 1000000000 + now.tv_nsec) + "-" +
                     std::to_string(::getpid()) + "-0.json";
  std::string temp = spool_dir + "/." + name + ".tmp";
  std::string path = spool_dir + "/" + name;
  std::string json = FsEventJson(event);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    *error = "create " + temp + ": " + std::strerror(errno);
    return "";
  }
  bool ok = ::write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    *error = "write " + path + ": " + std::strerror(err);
    return "";
  }
  // The rename is durable once the folder is.
  int dir = ::open(spool_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return path;
}

}  // namespace powerview::notify
