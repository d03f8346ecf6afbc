// powerview-notify: the program SFTPGo's action hook runs. It forwards the event described by
// the SFTPGO_ACTION* environment to powerviewd and exits 0 once powerviewd has recorded it. If
// powerviewd cannot be reached in time, the event goes to the spool folder (powerviewd takes
// it in at start and periodically) and the program still exits 0: no upload is lost.
//
// SFTPGo starts it once per upload and waits for it, so it is built to start fast: plain C++
// and libnghttp2 only (hook_request.h says why), with its own four flags parsed here in the
// same forms as powerview::FlagSet (--name value, --name=value, --no-quiet, environment
// variables below the command line).
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "client/notify/grpc_unary.h"
#include "client/notify/hook_request.h"

namespace {

constexpr char kSummary[] =
    "Forwards one SFTPGo action-hook event (SFTPGO_ACTION, SFTPGO_ACTION_PATH, ...) to\n"
    "powerviewd. Configure it as SFTPGo's common.actions.hook with execute_on upload, rename,\n"
    "mkdir, rmdir and delete. Exit status: 0 when powerviewd recorded the event or it was\n"
    "spooled for later; 1 when it could be neither sent nor spooled; 2 on bad usage.";

struct Options {
  std::string address = "unix:///run/powerview/notify.sock";
  std::string timeout_text = "5s";
  std::string spool_dir = "/var/lib/powerview/spool";
  bool quiet = false;
};

void PrintUsage() {
  std::printf(
      "Usage: powerview-notify [flags]\n\n%s\n\nFlags:\n"
      "  --address STRING\n      powerviewd notifier address (unix:///path or host:port) "
      "(default: unix:///run/powerview/notify.sock) [env POWERVIEW_NOTIFY_ADDRESS]\n"
      "  --timeout DURATION\n      How long to wait for powerviewd before spooling (default: "
      "5s) [env POWERVIEW_NOTIFY_TIMEOUT]\n"
      "  --spool-dir STRING\n      Where events wait when powerviewd is unreachable (default: "
      "/var/lib/powerview/spool) [env POWERVIEW_SPOOL_DIR]\n"
      "  --quiet\n      Print nothing on success (default: false) [env "
      "POWERVIEW_NOTIFY_QUIET]\n",
      kSummary);
}

bool ParseBool(std::string text, bool* out) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text == "1" || text == "true" || text == "yes" || text == "on") return *out = true, true;
  if (text == "0" || text == "false" || text == "no" || text == "off") return *out = false, true;
  return false;
}

// A duration as absl::ParseDuration reads it ("5s", "1.5s", "300ms", "1m30s") or a number of
// seconds.
bool ParseDuration(const std::string& text, std::chrono::nanoseconds* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  double seconds = std::strtod(text.c_str(), &end);
  if (end != nullptr && *end == '\0') {
    if (seconds < 0 || seconds > 1e9) return false;
    *out = std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
    return true;
  }
  // Two-letter units first, so that "ms" is not read as minutes.
  static const std::pair<std::string, double> kUnits[] = {{"ns", 1},     {"us", 1e3}, {"ms", 1e6},
                                                          {"h", 3600e9}, {"m", 60e9}, {"s", 1e9}};
  double total = 0;
  const char* p = text.c_str();
  while (*p != '\0') {
    if (!(std::isdigit(static_cast<unsigned char>(*p)) || *p == '.')) return false;
    double value = std::strtod(p, &end);
    if (end == p) return false;
    p = end;
    double scale = 0;
    for (const auto& [unit, ns] : kUnits) {
      if (std::string(p).rfind(unit, 0) == 0) {
        scale = ns;
        p += unit.size();
        break;
      }
    }
    if (scale == 0) return false;
    total += value * scale;
  }
  if (total > 1e18) return false;
  *out = std::chrono::nanoseconds(static_cast<int64_t>(total));
  return true;
}

// 0 to go on, 2 for bad usage, -1 after --help.
int ParseFlags(int argc, char** argv, Options* o) {
  struct Flag {
    const char* name;
    const char* env;
    const char* kind;
    std::string* text;
  };
  std::string quiet_text;
  Flag flags[] = {{"address", "POWERVIEW_NOTIFY_ADDRESS", "string", &o->address},
                  {"timeout", "POWERVIEW_NOTIFY_TIMEOUT", "duration", &o->timeout_text},
                  {"spool-dir", "POWERVIEW_SPOOL_DIR", "string", &o->spool_dir},
                  {"quiet", "POWERVIEW_NOTIFY_QUIET", "bool", &quiet_text}};
  auto set = [&](Flag& f, const std::string& value, const std::string& origin) {
    if (std::string(f.kind) == "bool" && !ParseBool(value, &o->quiet)) {
      std::fprintf(stderr, "powerview-notify: invalid value '%s' for %s: expected a bool\n",
                   value.c_str(), origin.c_str());
      return false;
    }
    std::chrono::nanoseconds ignored;
    if (std::string(f.kind) == "duration" && !ParseDuration(value, &ignored)) {
      std::fprintf(stderr, "powerview-notify: invalid value '%s' for %s: expected a duration\n",
                   value.c_str(), origin.c_str());
      return false;
    }
    if (std::string(f.kind) != "bool") *f.text = value;
    return true;
  };
  for (Flag& f : flags) {
    const char* value = std::getenv(f.env);
    if (value != nullptr && *value != '\0' &&
        !set(f, value, std::string("environment variable ") + f.env)) {
      return 2;
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      PrintUsage();
      return -1;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      std::fprintf(stderr, "powerview-notify: unexpected argument '%s' (see --help)\n",
                   arg.c_str());
      return 2;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1), name = body, value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    Flag* flag = nullptr;
    for (Flag& f : flags) {
      if (name == f.name) flag = &f;
    }
    if (flag == nullptr && !has_value && name == "no-quiet") {
      o->quiet = false;
      continue;
    }
    if (flag == nullptr) {
      std::fprintf(stderr, "powerview-notify: unknown flag --%s (see powerview-notify --help)\n",
                   name.c_str());
      return 2;
    }
    if (!has_value) {
      if (std::string(flag->kind) == "bool") {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        std::fprintf(stderr, "powerview-notify: flag --%s needs a value (see --help)\n",
                     name.c_str());
        return 2;
      }
    }
    if (!set(*flag, value, "--" + name)) return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (int rc = ParseFlags(argc, argv, &o); rc != 0) return rc < 0 ? 0 : rc;
  std::chrono::nanoseconds timeout;
  ParseDuration(o.timeout_text, &timeout);
  const auto deadline = std::chrono::steady_clock::now() + timeout;

  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  powerview::notify::HookEvent event;
  std::string error;
  if (!powerview::notify::HookEventFromEnvironment(
          [](const char* name) { return std::getenv(name); },
          int64_t{now.tv_sec} * 1000000000 + now.tv_nsec, &event, &error)) {
    std::fprintf(stderr, "powerview-notify: %s\n", error.c_str());
    return 2;
  }
  powerview::notify::UnaryResult sent = powerview::notify::CallUnary(
      o.address, "/proto.Notifier/SendFsEvent", powerview::notify::EncodeFsEvent(event), deadline);
  if (sent.ok) {
    if (!o.quiet) {
      std::fprintf(stderr, "powerview-notify: %s %s recorded by powerviewd\n", event.action.c_str(),
                   event.fs_path.c_str());
    }
    return 0;
  }
  std::string spooled = powerview::notify::SpoolHookEvent(o.spool_dir, event, &error);
  if (spooled.empty()) {
    std::fprintf(stderr,
                 "powerview-notify: powerviewd at %s did not take the event (%s) and it could "
                 "not be spooled: %s\n",
                 o.address.c_str(), sent.error.c_str(), error.c_str());
    return 1;
  }
  std::fprintf(stderr,
               "powerview-notify: powerviewd at %s did not answer (%s); event spooled to %s\n",
               o.address.c_str(), sent.error.c_str(), spooled.c_str());
  return 0;
}
