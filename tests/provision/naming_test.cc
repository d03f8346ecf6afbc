#include "server/provision/naming.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace powerview::provision {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kUidPattern[] = "[a-z0-9]([a-z0-9-]*[a-z0-9])?";

TEST(StableUidTest, PlainNamesStayReadable) {
  EXPECT_EQ(StableUid("pv", {"acme"}), "pv-acme");
  EXPECT_EQ(StableUid("pv", {"acme", "spring25"}), "pv-acme-spring25");
}

TEST(StableUidTest, SameInputSameUidAcrossCalls) {
  EXPECT_EQ(StableUid("pv", {"ACME Corp", "Été 2025"}), StableUid("pv", {"ACME Corp", "Été 2025"}));
}

TEST(StableUidTest, UnsafeCharactersGetAHashSuffix) {
  for (const std::vector<std::string>& parts :
       std::vector<std::vector<std::string>>{{"ACME"},
                                             {"acme corp"},
                                             {"acme", "campagne d'été \"2025\""},
                                             {"acme_1"},
                                             {"日本語"},
                                             {"a/b", "c\nd"}}) {
    std::string uid = StableUid("pv", parts);
    EXPECT_LE(uid.size(), kMaxUidLength) << uid;
    EXPECT_THAT(uid, MatchesRegex(kUidPattern)) << uid;
    EXPECT_THAT(uid, MatchesRegex(".*-[0-9a-f]{8}")) << uid;
  }
  EXPECT_THAT(StableUid("pv", {"acme corp"}), MatchesRegex("pv-acme-corp-[0-9a-f]{8}"));
}

TEST(StableUidTest, DistinctInputsNeverShareAUid) {
  std::set<std::string> uids = {
      StableUid("pv", {"acme"}),      StableUid("pv", {"Acme"}),
      StableUid("pv", {"ACME"}),      StableUid("pv", {"a-b", "c"}),
      StableUid("pv", {"a", "b-c"}),  StableUid("pv", {"a", "b", "c"}),
      StableUid("pv", {"acme corp"}), StableUid("pv", {"acme-corp"}),
      StableUid("pv", {"acme_corp"}), StableUid("pv", {"acme", "corp"}),
  };
  EXPECT_EQ(uids.size(), 10u);
}

TEST(StableUidTest, LongNamesAreShortenedWithAHash) {
  std::string long_name(100, 'x');
  std::string uid = StableUid("pv", {long_name, "campaign"});
  EXPECT_EQ(uid.size(), kMaxUidLength);
  EXPECT_THAT(uid, MatchesRegex(kUidPattern));
  EXPECT_NE(uid, StableUid("pv", {long_name, "campaign2"}));
  // Exactly 40 plain characters still fit without a hash.
  std::string fits(37, 'y');
  EXPECT_EQ(StableUid("pv", {fits}), "pv-" + fits);
  EXPECT_THAT(StableUid("pv", {fits + "y"}), MatchesRegex(".*-[0-9a-f]{8}"));
}

TEST(StableUidTest, NothingReadableLeftIsStillAValidUid) {
  std::string uid = StableUid("", {"日本"});
  EXPECT_THAT(uid, MatchesRegex("[0-9a-f]{8}"));
}

TEST(ExpandNameTemplateTest, ReplacesPlaceholders) {
  absl::StatusOr<std::string> name =
      ExpandNameTemplate("{company} / {campaign}", {{"company", "A"}, {"campaign", "B"}});
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, "A / B");
}

TEST(ExpandNameTemplateTest, ValuesAreNotExpandedAgain) {
  absl::StatusOr<std::string> name = ExpandNameTemplate("{company}", {{"company", "{campaign}"}});
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "{campaign}");
}

TEST(ExpandNameTemplateTest, UnknownPlaceholderAndUnclosedBraceAreErrors) {
  absl::StatusOr<std::string> unknown = ExpandNameTemplate("x {compnay}", {{"company", "a"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("{compnay}"));
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("{company}"));
  EXPECT_FALSE(ExpandNameTemplate("x {company", {{"company", "a"}}).ok());
}

TEST(Sha256HexTest, KnownDigest) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace powerview::provision
