// powerview-gen: deterministic MV2 sample files.
//   powerview-gen file OUT --format v002|v003 --master tri|mono --slaves N
//       --start 2025-01-01T00:00:00 (--days D | --rows R) --interval 10m --serial 02000800
//       [--power-off-every N] [--truncate] [--dst] [--seed S]
//   powerview-gen tree DIR
//   powerview-gen fleet DIR [--loggers N --companies C ...]
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "client/gen/demo_tree.h"
#include "client/gen/fleet.h"
#include "client/gen/mv2_generator.h"
#include "server/common/flags.h"

namespace {

using powerview::FlagSet;
using powerview::gen::GenOptions;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "powerview-gen: %s\n", std::string(status.message()).c_str());
  return 1;
}

int RunFile(const std::vector<std::string>& args) {
  GenOptions o;
  std::string start = "2025-01-01T00:00:00";
  int64_t slaves = 0, days = 0, rows = 0, seed = 1;
  bool truncate = false, dst = false;
  FlagSet flags("powerview-gen file", "OUT [flags]",
                "Writes one MV2 file with realistic values. The same flags give the same bytes.");
  flags.String("format", &o.format, "v002 or v003");
  flags.String("format-name", &o.format_name, "format cell to write instead (e.g. MV_T202_V002)");
  flags.String("master", &o.master, "tri (3 voltages + 3 channels) or mono (1 + 5)");
  flags.Int("slaves", &slaves, "slave devices, 6 channels each");
  flags.String("start", &start, "first timestamp as written, YYYY-MM-DDTHH:MM:SS");
  flags.Int("days", &days, "days of rows (overrides --rows)");
  flags.Int("rows", &rows, "measurement rows (default 144)");
  flags.Duration("interval", &o.interval, "time between rows");
  flags.String("serial", &o.serial, "master serial");
  flags.Int("power-off-every", &o.power_off_every, "add a power-off marker after every N rows");
  flags.Bool("truncate", &truncate, "cut the last row mid-value, without final newline");
  flags.Bool("dst", &dst, "Europe/Paris wall-clock time with summer time instead of UTC");
  flags.Int("seed", &seed, "random seed");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok())
    return absl::IsCancelled(positional.status()) ? 0 : Fail(positional.status());
  if (positional->size() != 1) return Fail(absl::InvalidArgumentError("need exactly one OUT file"));
  if (!absl::ParseCivilTime(start, &o.start)) {
    return Fail(absl::InvalidArgumentError("bad --start, want YYYY-MM-DDTHH:MM:SS"));
  }
  o.slaves = static_cast<int>(slaves);
  o.truncate = truncate;
  o.dst = dst;
  o.seed = static_cast<uint64_t>(seed);
  if (days > 0) {
    o.rows = days * 86400 / absl::ToInt64Seconds(o.interval);
  } else if (rows > 0) {
    o.rows = rows;
  }
  absl::StatusOr<powerview::gen::GenResult> result =
      powerview::gen::WriteMv2File(o, (*positional)[0]);
  if (!result.ok()) return Fail(result.status());
  std::printf("%s: %lld rows (%lld power-off markers), %d channels, %lld bytes\n",
              (*positional)[0].c_str(), static_cast<long long>(result->rows),
              static_cast<long long>(result->markers), result->channels,
              static_cast<long long>(result->bytes));
  return 0;
}

int RunTree(const std::vector<std::string>& args) {
  FlagSet flags("powerview-gen tree", "DIR",
                "Writes a small demo data root DIR/<company>/<campaign>/<serial>/*.tsv.");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok())
    return absl::IsCancelled(positional.status()) ? 0 : Fail(positional.status());
  if (positional->size() != 1) return Fail(absl::InvalidArgumentError("need exactly one DIR"));
  auto files = powerview::gen::WriteDemoTree((*positional)[0]);
  if (!files.ok()) return Fail(files.status());
  for (const powerview::gen::DemoFile& f : *files) {
    std::printf("%s/%s  %s\n", (*positional)[0].c_str(), f.relative_path.c_str(),
                f.description.c_str());
  }
  return 0;
}

int RunFleet(const std::vector<std::string>& args) {
  powerview::gen::FleetOptions o;
  o.file.format = "v003";
  o.file.master = "tri";
  o.file.slaves = 1;
  std::string start = "2026-01-21T00:00:00";
  int64_t loggers = o.loggers, companies = o.companies, slaves = o.file.slaves, seed = 1;
  FlagSet flags("powerview-gen fleet", "DIR [flags]",
                "Writes one daily file per logger under DIR/<company>/<campaign>/<serial>/, each\n"
                "logger with its own serial, loggers spread over the companies in turn. Prints\n"
                "one line per file: path, bytes, points (tab-separated).");
  flags.Int("loggers", &loggers, "number of loggers (one file each)");
  flags.Int("companies", &companies, "companies the loggers belong to (fleet0001, ...)");
  flags.String("campaign", &o.campaign, "campaign folder of every logger");
  flags.Int("first-serial", &o.first_serial, "serial of the first logger; the next ones follow");
  flags.String("format", &o.file.format, "v002 or v003");
  flags.String("master", &o.file.master, "tri or mono");
  flags.Int("slaves", &slaves, "slave devices per logger, 6 channels each");
  flags.String("start", &start, "first timestamp of every file, YYYY-MM-DDTHH:MM:SS");
  flags.Int("rows", &o.file.rows, "measurement rows per file");
  flags.Duration("interval", &o.file.interval, "time between rows");
  flags.Int("seed", &seed, "random seed of the first logger");
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args);
  if (!positional.ok())
    return absl::IsCancelled(positional.status()) ? 0 : Fail(positional.status());
  if (positional->size() != 1) return Fail(absl::InvalidArgumentError("need exactly one DIR"));
  if (!absl::ParseCivilTime(start, &o.file.start)) {
    return Fail(absl::InvalidArgumentError("bad --start, want YYYY-MM-DDTHH:MM:SS"));
  }
  if (loggers < 1 || loggers > 1000000 || companies < 1 || slaves < 0 || slaves > 64) {
    return Fail(absl::InvalidArgumentError(
        "--loggers must be 1..1000000, --companies at least 1, --slaves 0..64"));
  }
  o.loggers = static_cast<int>(loggers);
  o.companies = static_cast<int>(companies);
  o.file.slaves = static_cast<int>(slaves);
  o.file.seed = static_cast<uint64_t>(seed);
  auto files = powerview::gen::WriteFleet(o, (*positional)[0]);
  if (!files.ok()) return Fail(files.status());
  for (const powerview::gen::FleetFile& f : *files) {
    std::printf("%s\t%lld\t%lld\n", f.path.c_str(), static_cast<long long>(f.bytes),
                static_cast<long long>(f.points));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage =
      "Usage: powerview-gen file OUT [flags]   one MV2 file (see powerview-gen file --help)\n"
      "       powerview-gen tree DIR           a small demo data root\n"
      "       powerview-gen fleet DIR [flags]  one daily file per logger of a fleet\n";
  if (argc < 2) {
    std::fputs(usage.c_str(), stderr);
    return 1;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "file") return RunFile(args);
  if (command == "tree") return RunTree(args);
  if (command == "fleet") return RunFleet(args);
  if (command == "--help" || command == "-h") {
    std::fputs(usage.c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "powerview-gen: unknown command '%s'\n%s", command.c_str(), usage.c_str());
  return 1;
}
