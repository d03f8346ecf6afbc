// Runs the project's programs as real processes in end-to-end tests.
#ifndef POWERVIEW_TESTS_E2E_SUBPROCESS_H_
#define POWERVIEW_TESTS_E2E_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace powerview::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string output;  // stdout and stderr together
};

// Runs `argv` to completion with exactly `env` as its environment (KEY=VALUE entries).
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// A background process whose stdout and stderr go to `log_path`.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::string& log_path);
  ~BackgroundProcess();  // SIGKILL if still running
  // Sends `signal` and waits for the exit; returns the exit code (-1 if killed by a signal).
  int Stop(int signal);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

std::string ReadFile(const std::string& path);

}  // namespace powerview::testing

#endif  // POWERVIEW_TESTS_E2E_SUBPROCESS_H_
