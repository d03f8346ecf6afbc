#include "client/gen/mv2_generator.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace powerview::gen {
namespace {

constexpr double kPi = 3.14159265358979323846;

// SplitMix64: a tiny generator whose output is the same on every platform (the standard
// distributions are not).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Between(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

 private:
  uint64_t state_;
};

// `value` with `decimals` digits after the point, as the loggers print it ("-0.0" included).
void AppendFixed(double value, int decimals, std::string* out) {
  const double scale = decimals == 2 ? 100.0 : 10.0;
  long long scaled = std::llround(std::fabs(value) * scale);
  if (value < 0) out->push_back('-');
  const long long unit = static_cast<long long>(scale);
  absl::StrAppend(out, scaled / unit, ".");
  long long frac = scaled % unit;
  if (decimals == 2 && frac < 10) out->push_back('0');
  absl::StrAppend(out, frac);
}

void AppendTimestamp(const absl::CivilSecond& t, std::string* out) {
  absl::StrAppendFormat(out, "%02d/%02d/%02d %02d:%02d:%02d", t.day(), t.month(), t.year() % 100,
                        t.hour(), t.minute(), t.second());
}

struct ChannelModel {
  bool voltage;
  double base;       // W or V
  double amplitude;  // daily swing
  double phase;      // radians
  bool signed_flow;  // hovers around zero (injection, small loads): negatives and -0.0
};

}  // namespace

absl::StatusOr<GenResult> WriteMv2File(const GenOptions& options, const std::string& path) {
  if (options.format != "v002" && options.format != "v003") {
    return absl::InvalidArgumentError("--format must be v002 or v003");
  }
  if (options.master != "tri" && options.master != "mono") {
    return absl::InvalidArgumentError("--master must be tri or mono");
  }
  if (options.slaves < 0 || options.slaves > 64 || options.rows < 0 ||
      options.interval <= absl::ZeroDuration() || options.power_off_every < 0) {
    return absl::InvalidArgumentError("bad --slaves, --rows, --interval or --power-off-every");
  }
  const bool tri = options.master == "tri";
  absl::TimeZone paris;
  if (options.dst && !absl::LoadTimeZone("Europe/Paris", &paris)) {
    return absl::FailedPreconditionError("zone Europe/Paris not found (install tzdata)");
  }
  const absl::TimeZone zone = options.dst ? paris : absl::UTCTimeZone();

  // Serial line, channel line and the model of each column.
  std::string serial_line = options.serial;
  std::string channel_line = options.format_name.empty()
                                 ? (options.format == "v002" ? "MV_T302_V002" : "MV_T302_V003")
                                 : options.format_name;
  Random random(options.seed);
  std::vector<ChannelModel> models;
  auto add = [&](const std::string& sn, const std::string& label, bool voltage) {
    absl::StrAppend(&serial_line, "\t", sn);
    absl::StrAppend(&channel_line, "\t", label);
    ChannelModel m;
    m.voltage = voltage;
    m.signed_flow = !voltage && random.Uniform() < 0.25;
    m.base = voltage ? random.Between(236, 240) : (m.signed_flow ? 0 : random.Between(20, 2500));
    m.amplitude = voltage ? random.Between(2, 4) : (m.signed_flow ? 6 : m.base * 0.8);
    m.phase = random.Between(0, 2 * kPi);
    models.push_back(m);
  };
  const int voltages = tri ? 3 : 1;
  for (int i = 1; i <= voltages; ++i) add(options.serial, absl::StrCat("Ph ", i, " V"), true);
  for (int i = 1; i <= 6 - voltages; ++i) add(options.serial, absl::StrCat("Voie", i, " W"), false);
  for (int s = 0; s < options.slaves; ++s) {
    std::string sn = absl::StrFormat("%08d", 4001001 + s);
    for (int i = 1; i <= 6; ++i) add(sn, absl::StrCat("Voie", i, " W"), false);
  }

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"),
                                                       &std::fclose);
  if (file == nullptr) {
    return absl::InternalError(
        absl::StrFormat("cannot create '%s': %s", path, std::strerror(errno)));
  }
  std::string out;
  out.reserve(1 << 20);
  if (options.format == "v003") {
    absl::StrAppend(
        &out, "START_HEADER\n{\"DataZoneCode\":3,\"DataTypeCode\":2,\"DataTimeSettings\":\"",
        options.dst ? "Local" : "UTC",
        "\",\"TimeZone\":\"CET-1CEST,M3.5.0,M10.5.0/3\",\"TimeZoneName\":\"Europe/Paris\","
        "\"FileVersion\":3,\"MasterType\":\"",
        tri ? "Tri" : "Mono", "\"}\nEND_HEADER\nSTART_DATA\n");
  }
  absl::StrAppend(&out, serial_line, "\n", channel_line, "\n");

  GenResult result;
  result.channels = static_cast<int>(models.size());
  auto flush = [&]() -> absl::Status {
    if (std::fwrite(out.data(), 1, out.size(), file.get()) != out.size()) {
      return absl::DataLossError(absl::StrFormat("cannot write '%s'", path));
    }
    result.bytes += static_cast<int64_t>(out.size());
    out.clear();
    return absl::OkStatus();
  };

  const absl::Time first = absl::FromCivil(options.start, zone);
  for (int64_t r = 0; r < options.rows; ++r) {
    const absl::Time t = first + r * options.interval;
    const absl::CivilSecond civil = zone.At(t).cs;
    const double day_angle = 2 * kPi * (civil.hour() * 60 + civil.minute()) / 1440.0;
    const size_t row_start = out.size();
    AppendTimestamp(civil, &out);
    for (const ChannelModel& m : models) {
      out.push_back('\t');
      double v = m.base + m.amplitude * std::sin(day_angle + m.phase);
      if (m.voltage) {
        v += random.Between(-0.8, 0.8);
        AppendFixed(std::fmin(245, std::fmax(230, v)), 2, &out);
      } else {
        v += m.signed_flow ? random.Between(-4, 4) : random.Between(-0.05, 0.05) * m.base;
        if (!m.signed_flow && v < 0) v = 0;
        AppendFixed(v, 1, &out);
      }
    }
    ++result.rows;
    const bool last = r + 1 == options.rows;
    if (last && options.truncate) {
      // An interrupted upload: keep the row up to the first two characters of its last value.
      size_t last_tab = out.rfind('\t');
      if (last_tab != std::string::npos && last_tab >= row_start) {
        out.resize(std::min(out.size(), last_tab + 3));
      }
      break;
    }
    out.push_back('\n');
    if (options.power_off_every > 0 && (r + 1) % options.power_off_every == 0 && !last) {
      AppendTimestamp(zone.At(t + absl::Seconds(37)).cs, &out);
      for (size_t c = 0; c < models.size(); ++c) out += "\t0";
      out.push_back('\n');
      ++result.rows;
      ++result.markers;
    }
    if (out.size() > (1 << 20) - 4096) {
      if (absl::Status s = flush(); !s.ok()) return s;
    }
  }
  if (options.format == "v003" && !options.truncate) out += "END_DATA\n";
  if (absl::Status s = flush(); !s.ok()) return s;
  if (std::fflush(file.get()) != 0) {
    return absl::DataLossError(absl::StrFormat("cannot write '%s'", path));
  }
  return result;
}

}  // namespace powerview::gen
