// `powerviewctl parse` and `powerview-gen` as processes: exit codes, stdout, stderr, --report.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "powerview/v1/models.pb.h"

namespace {

const std::string kFixtures = std::string(POWERVIEW_SOURCE_DIR) + "/tests/fixtures/mv2";

struct Result {
  int exit_code;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Temp(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/ctl_", ::getpid(), "_", name);
}

Result Exec(const std::string& program, const std::string& args) {
  const std::string out = Temp("stdout"), err = Temp("stderr");
  int status = std::system(absl::StrCat(program, " ", args, " >", out, " 2>", err).c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
}

Result Ctl(const std::string& args) { return Exec(POWERVIEWCTL_PATH, args); }

const char* kTriSlaveOut =
    "electrical,campaign=demo,channel_id=M02000800_U1,channel_label=U1,channel_name=Ph\\ 1,"
    "channel_unit=V,device=MV2,device_master_sn=02000800,device_sn=02000800,device_subtype=tri,"
    "device_type=master M02000800_U1_V=244.26 1770577800\n"
    "electrical,campaign=demo,channel_id=M02000800_U2,channel_label=U2,channel_name=Ph\\ 2,"
    "channel_unit=V,device=MV2,device_master_sn=02000800,device_sn=02000800,device_subtype=tri,"
    "device_type=master M02000800_U2_V=244.26 1770577800\n"
    "electrical,campaign=demo,channel_id=M02000800_U3,channel_label=U3,channel_name=Ph\\ 3,"
    "channel_unit=V,device=MV2,device_master_sn=02000800,device_sn=02000800,device_subtype=tri,"
    "device_type=master M02000800_U3_V=244.27 1770577800\n"
    "electrical,campaign=demo,channel_id=M02000800_S04001002_Ch1,channel_label=Ch1,"
    "channel_name=minipince,channel_unit=W,device=MV2,device_master_sn=02000800,"
    "device_sn=04001002,device_type=slave M02000800_S04001002_Ch1_W=121.7 1770577800\n"
    "electrical,campaign=demo,channel_id=M02000800_S04001002_Ch2,channel_label=Ch2,"
    "channel_name=Voie2,channel_unit=W,device=MV2,device_master_sn=02000800,device_sn=04001002,"
    "device_type=slave M02000800_S04001002_Ch2_W=-0 1770577800\n"
    "device_event,campaign=demo,device_master_sn=02000800,event=power_off count=1i 1770578142\n"
    "electrical,campaign=demo,channel_id=M02000800_U1,channel_label=U1,channel_name=Ph\\ 1,"
    "channel_unit=V,device=MV2,device_master_sn=02000800,device_sn=02000800,device_subtype=tri,"
    "device_type=master M02000800_U1_V=244.3 1770578400\n"
    "electrical,campaign=demo,channel_id=M02000800_U3,channel_label=U3,channel_name=Ph\\ 3,"
    "channel_unit=V,device=MV2,device_master_sn=02000800,device_sn=02000800,device_subtype=tri,"
    "device_type=master M02000800_U3_V=244.31 1770578400\n"
    "electrical,campaign=demo,channel_id=M02000800_S04001002_Ch1,channel_label=Ch1,"
    "channel_name=minipince,channel_unit=W,device=MV2,device_master_sn=02000800,"
    "device_sn=04001002,device_type=slave M02000800_S04001002_Ch1_W=120.5 1770578400\n"
    "electrical,campaign=demo,channel_id=M02000800_S04001002_Ch2,channel_label=Ch2,"
    "channel_name=Voie2,channel_unit=W,device=MV2,device_master_sn=02000800,device_sn=04001002,"
    "device_type=slave M02000800_S04001002_Ch2_W=-3.7 1770578400\n";

TEST(PowerviewctlTest, HelpListsCommandsAndParseFlags) {
  Result top = Ctl("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(top.out, "parse")) << top.out;
  Result help = Ctl("parse --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--campaign", "--report", "--v002-timezone", "--clock-floor"}) {
    EXPECT_TRUE(absl::StrContains(help.out, flag)) << flag << "\n" << help.out;
  }
  EXPECT_EQ(Ctl("").exit_code, 2);
  EXPECT_EQ(Ctl("frobnicate").exit_code, 2);
}

TEST(PowerviewctlTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Ctl("parse " + kFixtures + "/v003_tri_slave.tsv").exit_code, 2);  // no campaign
  EXPECT_EQ(Ctl("parse --campaign c").exit_code, 2);                          // no file
  EXPECT_EQ(Ctl("parse --campaign c --bogus x " + kFixtures + "/v003_tri_slave.tsv").exit_code, 2);
  Result tz =
      Ctl("parse --campaign c --v002-timezone Nowhere/Land " + kFixtures + "/v002_mono_cut.tsv");
  EXPECT_EQ(tz.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(tz.err, "Nowhere/Land")) << tz.err;
  EXPECT_EQ(Ctl("parse --campaign c --clock-floor yesterday " + kFixtures + "/v002_mono_cut.tsv")
                .exit_code,
            2);
}

TEST(PowerviewctlTest, AcceptedFilePrintsExactLineProtocol) {
  Result run = Ctl("parse " + kFixtures + "/v003_tri_slave.tsv --campaign demo");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, kTriSlaveOut);
  EXPECT_EQ(run.err, "");
}

TEST(PowerviewctlTest, ReportJsonUsesProtoFieldNames) {
  const std::string report = Temp("report.json");
  Result run = Ctl("parse " + kFixtures + "/v003_tri_slave.tsv --campaign demo --report " + report);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string json = Slurp(report);
  for (const char* name : {"\"master_sn\"", "\"header_json\"", "\"channel_count\"",
                           "\"power_off_markers\"", "\"first_time\"", "\"time_zone\""}) {
    EXPECT_TRUE(absl::StrContains(json, name)) << name;
  }
  powerview::v1::IngestReport r;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &r).ok()) << json;
  EXPECT_EQ(r.path(), kFixtures + "/v003_tri_slave.tsv");
  EXPECT_EQ(r.format(), "MV_T302_V003");
  EXPECT_EQ(r.master_sn(), "02000800");
  EXPECT_TRUE(absl::StrContains(r.header_json(), "\n \"DataTimeSettings\":\"UTC\""));
  EXPECT_EQ(r.status(), powerview::v1::INGEST_STATUS_INGESTED);
  EXPECT_EQ(r.error(), "");
  EXPECT_EQ(r.time_zone(), "UTC");
  EXPECT_EQ(r.channel_count(), 5);
  EXPECT_EQ(r.counts().rows(), 3);
  EXPECT_EQ(r.counts().points(), 9);
  EXPECT_EQ(r.counts().power_off_markers(), 1);
  EXPECT_EQ(r.counts().device_events(), 1);
  EXPECT_EQ(r.counts().invalid_values(), 1);
  ASSERT_EQ(r.channels_size(), 5);
  EXPECT_EQ(r.channels(1).points(), 1);
  EXPECT_EQ(r.channels(0).min(), 244.26);
  EXPECT_EQ(r.channels(0).max(), 244.3);
  EXPECT_EQ(r.first_time().seconds(), 1770577800);
  EXPECT_EQ(r.last_time().seconds(), 1770578400);
  EXPECT_EQ(r.write_batches(), 1);
}

TEST(PowerviewctlTest, TimeZoneAndClockFloorFlags) {
  const std::string file = kFixtures + "/v002_mono_cut.tsv";
  Result paris = Ctl("parse --campaign c " + file);
  ASSERT_EQ(paris.exit_code, 0) << paris.err;
  // 05/12/25 03:20:00 Paris = 02:20Z; the 2020 row is skipped and the cut row dropped.
  std::vector<std::string> lines = absl::StrSplit(paris.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_TRUE(absl::EndsWith(lines[0], "=253.81 1764901200")) << lines[0];
  Result utc = Ctl("parse --campaign c --v002-timezone UTC " + file);
  EXPECT_TRUE(absl::StrContains(utc.out, "=253.81 1764904800\n"));
  Result floor = Ctl("parse --campaign c --clock-floor 2019-06-01 " + file);
  ASSERT_EQ(floor.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(floor.out, "=232.09 1577836802\n")) << floor.out;  // 01:00:02 CET
}

TEST(PowerviewctlTest, RejectedFileExitsFourWithTheReason) {
  const std::string report = Temp("rejected.json");
  Result run =
      Ctl("parse --campaign c --report " + report + " " + kFixtures + "/t202_unsupported.tsv");
  EXPECT_EQ(run.exit_code, 4);
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(absl::StrContains(run.err, "rejected: unsupported format 'MV_T202_V002'")) << run.err;
  powerview::v1::IngestReport r;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(Slurp(report), &r).ok());
  EXPECT_EQ(r.status(), powerview::v1::INGEST_STATUS_REJECTED);
  EXPECT_EQ(r.error(), "unsupported format 'MV_T202_V002'");
}

TEST(PowerviewctlTest, MissingFileIsAnIoErrorExitOne) {
  Result run = Ctl("parse --campaign c /nonexistent/file.tsv");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(run.err, "No such file or directory")) << run.err;
}

TEST(PowerviewctlTest, RealSlavesFile) {
  const std::string file = std::string(POWERVIEW_SHARED_DIR) +
                           "/data/mv2/company2/slaves_v003/02000800/T302_260208_211459_UTC.tsv";
  if (access(file.c_str(), R_OK) != 0) GTEST_SKIP() << "no shared data: " << file;
  Result run = Ctl("parse --campaign c1 " + file);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> lines = absl::StrSplit(run.out, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 72u);
  EXPECT_EQ(lines[0],
            "electrical,campaign=c1,channel_id=M02000800_U1,channel_label=U1,channel_name=Ph\\ 1,"
            "channel_unit=V,device=MV2,device_master_sn=02000800,device_sn=02000800,"
            "device_subtype=tri,device_type=master M02000800_U1_V=244.26 1770577800");
}

TEST(PowerviewGenTest, TreeCommandPrintsWhatItCreated) {
  const std::string dir = Temp("tree");
  Result run = Exec(POWERVIEW_GEN_PATH, "tree " + dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> lines = absl::StrSplit(run.out, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 5u);
  EXPECT_TRUE(absl::StrContains(run.out, dir + "/globex/pilot/02000900/T202_251022_121951.tsv"));
  Result parsed = Ctl("parse --campaign site-north " + dir +
                      "/acme/site-north/02000800/T302_250111_031500.tsv");
  EXPECT_EQ(parsed.exit_code, 0) << parsed.err;
  EXPECT_TRUE(absl::StrContains(parsed.out, "event=power_off count=1i"));
  Result file = Exec(POWERVIEW_GEN_PATH, "file " + Temp("one.tsv") + " --format v003 --rows 3");
  EXPECT_EQ(file.exit_code, 0) << file.err;
  EXPECT_EQ(Exec(POWERVIEW_GEN_PATH, "file " + Temp("bad.tsv") + " --format v9").exit_code, 1);
}

}  // namespace
