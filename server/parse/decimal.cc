#include "server/parse/decimal.h"

#include <charconv>
#include <cstdint>
#include <system_error>

namespace powerview::parse {
namespace {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Powers of ten that doubles hold exactly.
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

}  // namespace

bool ParsePlainDecimal(absl::string_view text, double* value) {
  const char* p = text.data();
  const char* end = p + text.size();
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  // The digits are accumulated while the syntax is checked; up to 15 of them fit a double's
  // 53-bit mantissa exactly.
  uint64_t mantissa = 0;
  int digits = 0, fraction = 0;
  const char* int_begin = p;
  for (; p != end && IsDigit(*p); ++p, ++digits) mantissa = mantissa * 10 + (*p - '0');
  if (p == int_begin) return false;
  if (p != end) {
    if (*p != '.') return false;
    ++p;
    const char* frac_begin = p;
    for (; p != end && IsDigit(*p); ++p, ++digits) mantissa = mantissa * 10 + (*p - '0');
    fraction = static_cast<int>(p - frac_begin);
    if (fraction == 0 || p != end) return false;
  }
  if (digits <= 15) {
    // Exact mantissa and exact power of ten: one IEEE division rounds correctly (Clinger's fast
    // path), so this is the value from_chars would give.
    double v = static_cast<double>(mantissa) / kExactPowersOfTen[fraction];
    *value = negative ? -v : v;
    return true;
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
