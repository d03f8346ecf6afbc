#include "server/parse/channels.h"

#include "gtest/gtest.h"

namespace powerview::parse {
namespace {

using v1::DEVICE_TYPE_MASTER;
using v1::DEVICE_TYPE_SLAVE;

TEST(ChannelsTest, TriMasterWithSlaveLabelsIdsAndUnits) {
  absl::StatusOr<ChannelLayout> layout =
      BuildChannels("02000800\t02000800\t02000800\t02000800\t02000800\t04001002\t04001002",
                    "MV_T302_V003\tPh 1 V\tPh 2 V\tPh 3 V\tVoie1 W\tminipince W\tVoie2 W", "");
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->master_sn, "02000800");
  EXPECT_EQ(layout->subtype, "tri");
  EXPECT_EQ(layout->column_count, 7);
  ASSERT_EQ(layout->channels.size(), 6u);
  const char* ids[] = {"M02000800_U1",
                       "M02000800_U2",
                       "M02000800_U3",
                       "M02000800_Ch1",
                       "M02000800_S04001002_Ch1",
                       "M02000800_S04001002_Ch2"};
  const char* labels[] = {"U1", "U2", "U3", "Ch1", "Ch1", "Ch2"};
  const char* names[] = {"Ph 1", "Ph 2", "Ph 3", "Voie1", "minipince", "Voie2"};
  for (int i = 0; i < 6; ++i) {
    const v1::Channel& c = layout->channels[i];
    EXPECT_EQ(c.channel_id(), ids[i]);
    EXPECT_EQ(c.label(), labels[i]);
    EXPECT_EQ(c.name(), names[i]);
    EXPECT_EQ(c.unit(), i < 3 ? "V" : "W");
    EXPECT_EQ(c.field_key(), std::string(ids[i]) + (i < 3 ? "_V" : "_W"));
    EXPECT_EQ(layout->columns[i], i + 1);
    EXPECT_EQ(c.device_type(), i < 4 ? DEVICE_TYPE_MASTER : DEVICE_TYPE_SLAVE);
    EXPECT_EQ(c.device_subtype(), i < 4 ? "tri" : "");
    EXPECT_EQ(c.device_sn(), i < 4 ? "02000800" : "04001002");
  }
}

TEST(ChannelsTest, MonoMasterLabels) {
  absl::StatusOr<ChannelLayout> layout = BuildChannels(
      "02001311\t02001311\t02001311\t02001311", "MV_T302_V003\tPh 1 V\tVoie1 W\tVoie2 W", "");
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->subtype, "mono");
  EXPECT_EQ(layout->channels[0].channel_id(), "M02001311_U1");
  EXPECT_EQ(layout->channels[1].channel_id(), "M02001311_Ch1");
  EXPECT_EQ(layout->channels[2].channel_id(), "M02001311_Ch2");
  EXPECT_EQ(layout->channels[2].device_subtype(), "mono");
}

TEST(ChannelsTest, PhaseDetectionAnywhereInTheLineAndByRegex) {
  // Ph 1..3 in other columns and spellings still make a tri master; labels follow positions.
  absl::StatusOr<ChannelLayout> layout =
      BuildChannels("A\tA\tA\tA\tA", "F\tVoie1 W\tPh3 V\tPh  2 V\tPh 1 V", "");
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->subtype, "tri");
  EXPECT_EQ(layout->channels[0].label(), "U1");
  EXPECT_EQ(layout->channels[0].name(), "Voie1");
  EXPECT_EQ(layout->channels[3].label(), "Ch1");
  // "Ph 10" and "Ph 1_" are not phase 1 (\b); "Phase 1" is not "Ph 1" either.
  EXPECT_EQ(BuildChannels("A\tA\tA\tA", "F\tPh 10 V\tPh 2 V\tPh 3 V", "")->subtype, "mono");
  EXPECT_EQ(BuildChannels("A\tA\tA\tA", "F\tPh 1_x V\tPh 2 V\tPh 3 V", "")->subtype, "mono");
  EXPECT_EQ(BuildChannels("A\tA\tA\tA", "F\tPhase 1 V\tPh 2 V\tPh 3 V", "")->subtype, "mono");
  EXPECT_EQ(BuildChannels("A\tA\tA\tA", "F\tPh 1-a V\tPh 2 V\tPh 3 V", "")->subtype, "tri");
  EXPECT_TRUE(IsPhaseLabel("Ph 1", '1'));
  EXPECT_TRUE(IsPhaseLabel("Ph\t2 V", '2'));
  EXPECT_FALSE(IsPhaseLabel("ph 1", '1'));
  EXPECT_FALSE(IsPhaseLabel(" Ph 1", '1'));
}

TEST(ChannelsTest, HeaderMasterTypeWinsCaseInsensitive) {
  EXPECT_EQ(BuildChannels("A\tA\tA\tA", "F\tPh 1 V\tPh 2 V\tPh 3 V", " mONo ")->subtype, "mono");
  EXPECT_EQ(BuildChannels("A\tA", "F\tVoie1 W", "TRI")->subtype, "tri");
  absl::StatusOr<ChannelLayout> tri = BuildChannels("A\tA\tA\tA\tA", "F\tx\ty\tz\tw", "Tri");
  EXPECT_EQ(tri->channels[2].label(), "U3");
  EXPECT_EQ(tri->channels[3].label(), "Ch1");
  // An unknown MasterType falls back to the Ph detection.
  EXPECT_EQ(BuildChannels("A\tA\tA\tA", "F\tPh 1 V\tPh 2 V\tPh 3 V", "Bi")->subtype, "tri");
}

TEST(ChannelsTest, NameAndUnitSplitAtTheLastSpace) {
  absl::StatusOr<ChannelLayout> layout =
      BuildChannels("A\tA\tA\tA\tA", "F\tPh 1 V\tTemp\tPrise cuisine W\t Voie2  kWh ", "");
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->channels[0].name(), "Ph 1");
  EXPECT_EQ(layout->channels[0].unit(), "V");
  EXPECT_EQ(layout->channels[1].name(), "Temp");
  EXPECT_EQ(layout->channels[1].unit(), "");
  EXPECT_EQ(layout->channels[1].field_key(), "MA_Ch1_");  // like upstream: trailing underscore
  EXPECT_EQ(layout->channels[2].name(), "Prise cuisine");
  EXPECT_EQ(layout->channels[2].unit(), "W");
  // Trailing whitespace of the line is dropped, so the last cell loses its trailing space.
  EXPECT_EQ(layout->channels[3].name(), "Voie2");
  EXPECT_EQ(layout->channels[3].unit(), "kWh");
}

TEST(ChannelsTest, SlaveCountersPerSerialEvenWhenNotContiguous) {
  absl::StatusOr<ChannelLayout> layout =
      BuildChannels("M\tM\tS1\tS2\tS1\tM", "F\ta V\tb W\tc W\td W\te W", "Mono");
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->channels[1].channel_id(), "MM_SS1_Ch1");
  EXPECT_EQ(layout->channels[2].channel_id(), "MM_SS2_Ch1");
  EXPECT_EQ(layout->channels[3].channel_id(), "MM_SS1_Ch2");
  EXPECT_EQ(layout->channels[4].channel_id(), "MM_Ch1");
}

TEST(ChannelsTest, ExtraChannelCellsAreIgnored) {
  absl::StatusOr<ChannelLayout> layout = BuildChannels("A\tA", "F\tVoie1 W\tVoie2 W", "");
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->channels.size(), 1u);
}

TEST(ChannelsTest, ShortChannelLineOrNoChannelIsRejected) {
  absl::StatusOr<ChannelLayout> shorter = BuildChannels("A\tA\tA", "F\tVoie1 W", "");
  EXPECT_TRUE(absl::IsInvalidArgument(shorter.status()));
  EXPECT_NE(shorter.status().message().find("fewer"), std::string::npos);
  EXPECT_TRUE(absl::IsInvalidArgument(BuildChannels("A", "F", "").status()));
}

}  // namespace
}  // namespace powerview::parse
