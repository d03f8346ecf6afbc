// Operator-facing logs on stderr, one line per message: `[LEVEL] <UTC time> <component>: <text>`.
// The `[LEVEL]` prefix at the start of the line is what go-plugin hosts (SFTPGo) parse to keep
// the level when they relay a plugin's stderr into their own log.
#ifndef POWERVIEW_SERVER_COMMON_LOG_H_
#define POWERVIEW_SERVER_COMMON_LOG_H_

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace powerview {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Messages below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn", "error" (case-insensitive); false if unknown.
bool ParseLogLevel(absl::string_view text, LogLevel* level);
bool LogEnabled(LogLevel level);
void LogLine(LogLevel level, absl::string_view component, absl::string_view message);

template <typename... Args>
void Logf(LogLevel level, absl::string_view component, const absl::FormatSpec<Args...>& format,
          const Args&... args) {
  if (LogEnabled(level)) LogLine(level, component, absl::StrFormat(format, args...));
}

#define PV_LOG_DEBUG(component, ...) \
  ::powerview::Logf(::powerview::LogLevel::kDebug, component, __VA_ARGS__)
#define PV_LOG_INFO(component, ...) \
  ::powerview::Logf(::powerview::LogLevel::kInfo, component, __VA_ARGS__)
#define PV_LOG_WARN(component, ...) \
  ::powerview::Logf(::powerview::LogLevel::kWarn, component, __VA_ARGS__)
#define PV_LOG_ERROR(component, ...) \
  ::powerview::Logf(::powerview::LogLevel::kError, component, __VA_ARGS__)

}  // namespace powerview

#endif  // POWERVIEW_SERVER_COMMON_LOG_H_
