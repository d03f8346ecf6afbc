// `powerviewctl parse FILE --campaign NAME`: prints the line protocol that ingesting FILE would
// write, without a server. Exit 0 accepted, 4 rejected by the ingest rules, 2 usage, 1 I/O error.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/powerviewctl/commands.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "powerview/v1/models.pb.h"
#include "server/common/flags.h"
#include "server/parse/mv2_parser.h"
#include "server/parse/report.h"
#include "server/sink/line_protocol.h"

namespace powerview::ctl {
namespace {

constexpr int kExitRejected = kExitRefused;

// Batches (about 1 MB each) go straight to stdout with write(2): stdio would only copy them.
class StdoutSink : public sink::BatchSink {
 public:
  absl::Status WriteBatch(absl::string_view lines, int64_t line_count) override {
    while (!lines.empty()) {
      ssize_t n = ::write(STDOUT_FILENO, lines.data(), lines.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return absl::DataLossError(
            absl::StrCat("cannot write to standard output: ", std::strerror(errno)));
      }
      lines.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }
};

// "2021-01-01" (midnight UTC) or RFC 3339 ("2021-01-01T00:00:00Z").

absl::Status WriteReport(const std::string& path, const v1::IngestReport& report) {
  std::string json = parse::ReportJson(report);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << json;
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat("cannot write report '", path, "'"));
  return absl::OkStatus();
}

int RunParse(const std::vector<std::string>& args) {
  std::string campaign, report_path, floor_text = "2021-01-01";
  parse::ParseOptions options;
  FlagSet flags("powerviewctl parse", "FILE --campaign NAME [flags]",
                "Parses one MV2 file with the ingest rules and prints the InfluxDB line protocol\n"
                "that ingesting it would write (measurement points and device events). No server\n"
                "is needed. Exit status: 0 accepted, 4 rejected by the ingest rules (the reason\n"
                "is on stderr), 2 usage error, 1 I/O error.");
  flags.String("campaign", &campaign, "campaign tag of the points (required)");
  flags.String("report", &report_path, "also write the ingest report as JSON to this file");
  flags.String("v002-timezone", &options.v002_time_zone,
               "IANA zone of V002 device clocks (UTC reproduces upstream)");
  flags.String("clock-floor", &floor_text,
               "instants before this date (YYYY-MM-DD or RFC 3339, UTC) are an unset clock");
  absl::StatusOr<std::vector<std::string>> files = flags.Parse(args);
  if (!files.ok()) {
    if (absl::IsCancelled(files.status())) return kExitOk;  // --help
    std::fprintf(stderr, "powerviewctl parse: %s\n", std::string(files.status().message()).c_str());
    return kExitUsage;
  }
  if (files->size() != 1 || campaign.empty()) {
    std::fprintf(stderr,
                 "powerviewctl parse: need exactly one FILE and --campaign NAME "
                 "(see powerviewctl parse --help)\n");
    return kExitUsage;
  }
  absl::StatusOr<absl::Time> floor = parse::ParseClockFloor(floor_text);
  if (!floor.ok()) {
    std::fprintf(stderr, "powerviewctl parse: bad --%s\n",
                 std::string(floor.status().message()).c_str());
    return kExitUsage;
  }
  options.clock_floor = *floor;
  if (absl::Status s = parse::ValidateParseOptions(options); !s.ok()) {
    std::fprintf(stderr, "powerviewctl parse: %s\n", std::string(s.message()).c_str());
    return kExitUsage;
  }
  const std::string& path = (*files)[0];

  using google::protobuf::util::TimeUtil;
  v1::IngestReport report;
  report.set_path(path);
  report.set_campaign(campaign);
  *report.mutable_started_time() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(absl::Now()));
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) report.set_file_size(st.st_size);

  StdoutSink out;
  sink::LineProtocolEncoder encoder(campaign, sink::BatchLimits(), &out);
  absl::StatusOr<parse::ParseSummary> summary = parse::ParseMv2File(path, options, &encoder);
  absl::Status status = summary.ok() ? encoder.Finish() : summary.status();
  int exit_code = kExitOk;
  if (summary.ok() && status.ok()) {
    parse::FillReport(*summary, &report);
    report.set_status(v1::INGEST_STATUS_INGESTED);
    report.set_write_batches(encoder.batches());
  } else {
    const bool rejected = absl::IsInvalidArgument(status);
    exit_code = rejected ? kExitRejected : kExitError;
    if (rejected) report.set_status(v1::INGEST_STATUS_REJECTED);
    report.set_error(std::string(status.message()));
    std::fprintf(stderr, "powerviewctl parse: %s: %s: %s\n", path.c_str(),
                 rejected ? "rejected" : "error", std::string(status.message()).c_str());
  }
  *report.mutable_finished_time() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(absl::Now()));
  if (!report_path.empty()) {
    if (absl::Status s = WriteReport(report_path, report); !s.ok()) {
      std::fprintf(stderr, "powerviewctl parse: %s\n", std::string(s.message()).c_str());
      return kExitError;
    }
  }
  return exit_code;
}

}  // namespace

static const bool kParseRegistered = RegisterCommand(
    {"parse", "print the line protocol that ingesting an MV2 file would write", &RunParse});

}  // namespace powerview::ctl
