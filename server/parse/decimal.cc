#include "server/parse/decimal.h"

#include <charconv>
#include <system_error>

namespace powerview::parse {
namespace {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

}  // namespace

bool ParsePlainDecimal(absl::string_view text, double* value) {
  const char* p = text.data();
  const char* end = p + text.size();
  if (p != end && *p == '-') ++p;
  const char* int_begin = p;
  while (p != end && IsDigit(*p)) ++p;
  if (p == int_begin) return false;
  if (p != end) {
    if (*p != '.') return false;
    ++p;
    const char* frac_begin = p;
    while (p != end && IsDigit(*p)) ++p;
    if (p == frac_begin || p != end) return false;
  }
  // The syntax is checked above, so from_chars cannot meet an exponent, "inf" or "nan".
  double parsed = 0;
  std::from_chars_result r = std::from_chars(text.data(), end, parsed);
  if (r.ec != std::errc() || r.ptr != end) return false;  // out of double range
  *value = parsed;
  return true;
}

int FractionDigits(absl::string_view text) {
  size_t dot = text.find('.');
  if (dot == absl::string_view::npos) return 0;
  return static_cast<int>(text.size() - dot - 1);
}

}  // namespace powerview::parse
