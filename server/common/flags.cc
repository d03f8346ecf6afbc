#include "server/common/flags.h"

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace powerview {
namespace {

bool ParseBool(absl::string_view text, bool* out) {
  std::string t = absl::AsciiStrToLower(text);
  if (t == "1" || t == "true" || t == "yes" || t == "on") {
    *out = true;
    return true;
  }
  if (t == "0" || t == "false" || t == "no" || t == "off") {
    *out = false;
    return true;
  }
  return false;
}

bool ParseDurationText(absl::string_view text, absl::Duration* out) {
  double seconds;
  if (absl::SimpleAtod(text, &seconds)) {
    *out = absl::Seconds(seconds);
    return true;
  }
  return absl::ParseDuration(text, out);
}

}  // namespace

FlagSet::FlagSet(std::string program, std::string usage, std::string summary)
    : program_(std::move(program)), usage_(std::move(usage)), summary_(std::move(summary)) {}

void FlagSet::String(std::string name, std::string* target, std::string help, std::string env) {
  flags_.push_back({std::move(name), std::move(help), std::move(env), "string", *target,
                    [target](absl::string_view v) {
                      *target = std::string(v);
                      return true;
                    }});
}

void FlagSet::Int(std::string name, int64_t* target, std::string help, std::string env) {
  flags_.push_back({std::move(name), std::move(help), std::move(env), "int", absl::StrCat(*target),
                    [target](absl::string_view v) { return absl::SimpleAtoi(v, target); }});
}

void FlagSet::Bool(std::string name, bool* target, std::string help, std::string env) {
  flags_.push_back({std::move(name), std::move(help), std::move(env), "bool",
                    *target ? "true" : "false",
                    [target](absl::string_view v) { return ParseBool(v, target); }});
}

void FlagSet::Duration(std::string name, absl::Duration* target, std::string help,
                       std::string env) {
  flags_.push_back({std::move(name), std::move(help), std::move(env), "duration",
                    absl::FormatDuration(*target),
                    [target](absl::string_view v) { return ParseDurationText(v, target); }});
}

void FlagSet::List(std::string name, std::vector<std::string>* target, std::string help,
                   std::string env) {
  flags_.push_back({std::move(name), std::move(help), std::move(env), "list",
                    absl::StrJoin(*target, ","),
                    [target, first = true](absl::string_view v) mutable {
                      if (first) target->clear();  // the first explicit value replaces defaults
                      first = false;
                      for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipEmpty())) {
                        target->emplace_back(part);
                      }
                      return true;
                    }});
}

FlagSet::Flag* FlagSet::Find(absl::string_view name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::StatusOr<std::vector<std::string>> FlagSet::Parse(int argc, char** argv, int first) {
  std::vector<std::string> args;
  for (int i = first; i < argc; ++i) args.emplace_back(argv[i]);
  return Parse(args);
}

absl::StatusOr<std::vector<std::string>> FlagSet::Parse(const std::vector<std::string>& args) {
  // Environment first, so that the command line overrides it.
  for (Flag& f : flags_) {
    if (f.env.empty()) continue;
    const char* value = std::getenv(f.env.c_str());
    if (value == nullptr || *value == '\0') continue;
    if (!f.set(value)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "environment variable %s=%s is not a valid %s for --%s", f.env, value, f.kind, f.name));
    }
  }
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional.insert(positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      std::fputs(Usage().c_str(), stdout);
      return absl::CancelledError("help shown");
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    absl::string_view body = absl::StripPrefix(absl::StripPrefix(arg, "-"), "-");
    std::string name;
    std::string value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != absl::string_view::npos) {
      name = std::string(body.substr(0, eq));
      value = std::string(body.substr(eq + 1));
      has_value = true;
    } else {
      name = std::string(body);
    }
    Flag* flag = Find(name);
    if (flag == nullptr && !has_value && absl::StartsWith(name, "no-")) {
      Flag* negated = Find(name.substr(3));
      if (negated != nullptr && negated->kind == "bool") {
        negated->set("false");
        continue;
      }
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown flag --%s (see %s --help)", name, program_));
    }
    if (!has_value) {
      if (flag->kind == "bool") {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrFormat("flag --%s needs a value (see %s --help)", name, program_));
      }
    }
    if (!flag->set(value)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("invalid value '%s' for --%s: expected a %s (see %s --help)", value, name,
                          flag->kind, program_));
    }
  }
  return positional;
}

std::string FlagSet::Usage() const {
  std::string out = absl::StrFormat("Usage: %s %s\n\n%s\n", program_, usage_, summary_);
  if (!flags_.empty()) out += "\nFlags:\n";
  for (const Flag& f : flags_) {
    std::string head = absl::StrFormat("  --%s", f.name);
    if (f.kind != "bool") absl::StrAppend(&head, " ", absl::AsciiStrToUpper(f.kind));
    absl::StrAppend(&out, head, "\n      ", f.help);
    if (!f.default_text.empty()) absl::StrAppend(&out, " (default: ", f.default_text, ")");
    if (!f.env.empty()) absl::StrAppend(&out, " [env ", f.env, "]");
    out += "\n";
  }
  out += "\n  --help\n      Show this help and exit.\n";
  return out;
}

}  // namespace powerview
