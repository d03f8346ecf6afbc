#include "server/parse/decimal.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace powerview::parse {
namespace {

TEST(ParsePlainDecimalTest, AcceptsPlainDecimals) {
  double v = 0;
  EXPECT_TRUE(ParsePlainDecimal("244.26", &v));
  EXPECT_EQ(v, 244.26);
  EXPECT_TRUE(ParsePlainDecimal("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParsePlainDecimal("-3.7", &v));
  EXPECT_EQ(v, -3.7);
  EXPECT_TRUE(ParsePlainDecimal("007", &v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(ParsePlainDecimal("1720.0", &v));
  EXPECT_EQ(v, 1720.0);
}

TEST(ParsePlainDecimalTest, NegativeZeroIsAValidZero) {
  double v = 1;
  ASSERT_TRUE(ParsePlainDecimal("-0.0", &v));
  EXPECT_EQ(v, 0.0);
  EXPECT_TRUE(std::signbit(v));
}

TEST(ParsePlainDecimalTest, RejectsEverythingElse) {
  for (const char* bad : {"",   " ",     "-",   "abc", "NaN", "nan", "inf",   "-inf",    "Infinity",
                          "1.", ".5",    "-.5", "+1",  "1e3", "1E3", "0x10",  "1,5",     " 1",
                          "1 ", "1.2.3", "--1", "1-",  "12a", "\t1", "1.5\r", "249.30\t"}) {
    double v = 42;
    EXPECT_FALSE(ParsePlainDecimal(bad, &v)) << "'" << bad << "'";
    EXPECT_EQ(v, 42) << "value changed for '" << bad << "'";
  }
}

// The fast path gives exactly what std::from_chars gives.
TEST(ParsePlainDecimalTest, SameValueAsFromChars) {
  std::srand(5);
  for (int i = 0; i < 200000; ++i) {
    std::string text = i % 3 == 0 ? "-" : "";
    const int int_digits = 1 + std::rand() % 9, frac_digits = std::rand() % 10;
    for (int d = 0; d < int_digits; ++d) text += static_cast<char>('0' + std::rand() % 10);
    if (frac_digits > 0) text += '.';
    for (int d = 0; d < frac_digits; ++d) text += static_cast<char>('0' + std::rand() % 10);
    double expected = 0, got = 0;
    std::from_chars(text.data(), text.data() + text.size(), expected);
    ASSERT_TRUE(ParsePlainDecimal(text, &got)) << text;
    ASSERT_EQ(std::memcmp(&got, &expected, sizeof(double)), 0) << text;
  }
}

TEST(FractionDigitsTest, CountsDigitsAfterThePoint) {
  EXPECT_EQ(FractionDigits("249.30"), 2);
  EXPECT_EQ(FractionDigits("0.0"), 1);
  EXPECT_EQ(FractionDigits("245."), 0);
  EXPECT_EQ(FractionDigits("24"), 0);
  EXPECT_EQ(FractionDigits(""), 0);
}

}  // namespace
}  // namespace powerview::parse
