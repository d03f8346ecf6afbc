#include "server/provision/query_literals.h"

#include "gtest/gtest.h"

namespace powerview::provision {
namespace {

TEST(FluxStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(FluxString("acme"), "\"acme\"");
  EXPECT_EQ(FluxString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(FluxString("a\nb\tc"), "\"a\\nb\\tc\"");
  EXPECT_EQ(FluxString(std::string("a\x01", 2)), "\"a\\x01\"");
}

TEST(FluxStringTest, DollarAndBracketCannotReachGrafanaOrFluxInterpolation) {
  // `${x}` would be Flux interpolation and a Grafana variable; `[[x]]` a Grafana variable.
  EXPECT_EQ(FluxString("${campaign}"), "\"\\x24{campaign}\"");
  EXPECT_EQ(FluxString("[[channel]]"), "\"\\x5b\\x5bchannel]]\"");
  EXPECT_EQ(FluxString("$x").find('$'), std::string::npos);
}

TEST(FluxStringTest, UnicodeIsKept) { EXPECT_EQ(FluxString("été 日本"), "\"été 日本\""); }

TEST(InfluxQlTest, IdentifiersAndStrings) {
  EXPECT_EQ(InfluxQlIdentifier("acme"), "\"acme\"");
  EXPECT_EQ(InfluxQlIdentifier("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(InfluxQlIdentifier("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(InfluxQlString("it's"), "'it\\'s'");
  EXPECT_EQ(InfluxQlString("a\\b"), "'a\\\\b'");
}

TEST(InfluxQlTest, ExactRegexEscapesMetacharactersAndGrafanaVariables) {
  EXPECT_EQ(InfluxQlExactRegex("a.b"), "/^a\\.b$/");
  EXPECT_EQ(InfluxQlExactRegex("a/b"), "/^a\\x2fb$/");
  EXPECT_EQ(InfluxQlExactRegex("$x[1]"), "/^\\x24x\\x5b1\\]$/");
  EXPECT_EQ(InfluxQlExactRegex("(a|b)*"), "/^\\(a\\|b\\)\\*$/");
}

TEST(InfluxQlTest, TagEqualsSwitchesToRegexOnlyWhenGrafanaWouldInterpolate) {
  EXPECT_EQ(InfluxQlTagEquals("device_master_sn", "02000800"), "\"device_master_sn\" = '02000800'");
  EXPECT_EQ(InfluxQlTagEquals("campaign", "l'été"), "\"campaign\" = 'l\\'été'");
  EXPECT_EQ(InfluxQlTagEquals("campaign", "$channel"), "\"campaign\" =~ /^\\x24channel$/");
}

TEST(InfluxQlTest, FieldSelector) {
  EXPECT_EQ(InfluxQlFieldSelector("M1_U1_V"), "\"M1_U1_V\"");
  EXPECT_EQ(InfluxQlFieldSelector("M1_Ch1_$"), "/^M1_Ch1_\\x24$/");
}

TEST(GrafanaSafeTextTest, DropsWhatGrafanaOrQuotingWouldMisread) {
  EXPECT_EQ(GrafanaSafeText("a$b[c]\"d'e\\f\ng"), "a_b_c]def g");
}

}  // namespace
}  // namespace powerview::provision
