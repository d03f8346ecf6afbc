// Command-line flags with environment fallbacks and generated --help, read once at start-up
// into the caller's typed configuration struct.
#ifndef POWERVIEW_SERVER_COMMON_FLAGS_H_
#define POWERVIEW_SERVER_COMMON_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace powerview {

// Describes the flags of one program or subcommand. Targets are owned by the caller and must
// outlive the FlagSet; their initial values are the defaults shown in --help.
// Precedence: command line, then the environment variable named for the flag, then the default.
class FlagSet {
 public:
  // `usage` is the synopsis line after the program name, `summary` a paragraph for --help.
  FlagSet(std::string program, std::string usage, std::string summary);

  void String(std::string name, std::string* target, std::string help, std::string env = "");
  void Int(std::string name, int64_t* target, std::string help, std::string env = "");
  void Bool(std::string name, bool* target, std::string help, std::string env = "");
  // Durations are written like "1.5s", "200ms", "5m" (absl::ParseDuration); a bare number is
  // read as seconds.
  void Duration(std::string name, absl::Duration* target, std::string help, std::string env = "");
  // A flag that may be repeated; each occurrence appends.
  void List(std::string name, std::vector<std::string>* target, std::string help,
            std::string env = "");

  // Parses argv[first..argc). Returns the positional arguments. `--help`/`-h` makes it return
  // absl::CancelledError after printing Usage() to stdout; unknown flags and bad values are
  // InvalidArgument errors whose message names the flag and suggests --help.
  // `--` ends flag parsing.
  absl::StatusOr<std::vector<std::string>> Parse(int argc, char** argv, int first = 1);
  absl::StatusOr<std::vector<std::string>> Parse(const std::vector<std::string>& args);

  std::string Usage() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string env;
    std::string kind;  // "string", "int", "bool", "duration", "list"
    std::string default_text;
    std::function<bool(absl::string_view)> set;
  };
  Flag* Find(absl::string_view name);

  std::string program_;
  std::string usage_;
  std::string summary_;
  std::vector<Flag> flags_;
};

}  // namespace powerview

#endif  // POWERVIEW_SERVER_COMMON_FLAGS_H_
