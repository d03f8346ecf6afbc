#include "server/sink/line_protocol.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace powerview::sink {
namespace {

std::string Escape(absl::string_view text, bool escape_equals) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      case ',':
        out += "\\,";
        break;
      case ' ':
        out += "\\ ";
        break;
      case '=':
        if (escape_equals) out += '\\';
        out += '=';
        break;
      default:
        out += c;
    }
  }
  while (!out.empty() && out.back() == '\\') out.pop_back();
  return out;
}

}  // namespace

std::string EscapeMeasurement(absl::string_view name) { return Escape(name, false); }
std::string EscapeTagKey(absl::string_view key) { return Escape(key, true); }
std::string EscapeTagValue(absl::string_view value) { return Escape(value, true); }
std::string EscapeFieldKey(absl::string_view key) { return Escape(key, true); }

size_t FormatFloat(double value, char* out) {
  // Fast path for what loggers write (a few decimals): the fewest decimals k for which the
  // nearest k-decimal number reads back as `value`. Below 1e12 a double's spacing is under
  // 1e-3, so that number is the only k-decimal one reading back as `value`, hence exactly what
  // the shortest round-trip conversion prints.
  static constexpr double kScale[] = {1, 10, 100, 1000};
  const double magnitude = std::fabs(value);
  if (magnitude < 1e12) {
    for (int k = 0; k < 4; ++k) {
      const double scaled = std::nearbyint(magnitude * kScale[k]);
      if (scaled / kScale[k] != magnitude) continue;
      char digits[24];
      char* d = std::to_chars(digits, digits + sizeof(digits), static_cast<uint64_t>(scaled)).ptr;
      const size_t n = static_cast<size_t>(d - digits);
      const size_t decimals = static_cast<size_t>(k);
      char* o = out;
      if (std::signbit(value)) *o++ = '-';
      if (decimals == 0) {
        std::memcpy(o, digits, n);
        return static_cast<size_t>(o + n - out);
      }
      if (n <= decimals) {  // 0.05: zeros after the point
        *o++ = '0';
        *o++ = '.';
        for (size_t z = n; z < decimals; ++z) *o++ = '0';
        std::memcpy(o, digits, n);
        return static_cast<size_t>(o + n - out);
      }
      std::memcpy(o, digits, n - decimals);
      o += n - decimals;
      *o++ = '.';
      std::memcpy(o, digits + n - decimals, decimals);
      return static_cast<size_t>(o + decimals - out);
    }
  }
  std::to_chars_result r =
      std::to_chars(out, out + kMaxFloatChars, value, std::chars_format::fixed);
  return static_cast<size_t>(r.ptr - out);
}

LineProtocolEncoder::LineProtocolEncoder(std::string campaign, BatchLimits limits, BatchSink* sink)
    : campaign_(std::move(campaign)), limits_(limits), sink_(sink) {}

LineProtocolEncoder::~LineProtocolEncoder() = default;

absl::Status LineProtocolEncoder::OnHeader(const parse::FileInfo& info) {
  const std::string campaign = EscapeTagValue(campaign_);
  const std::string master = EscapeTagValue(info.master_sn);
  prefixes_.clear();
  for (const powerview::v1::Channel& ch : info.channels) {
    const bool is_master = ch.device_type() == powerview::v1::DEVICE_TYPE_MASTER;
    std::vector<std::pair<std::string, std::string>> tags = {
        {"campaign", campaign},
        {"channel_id", EscapeTagValue(ch.channel_id())},
        {"channel_label", EscapeTagValue(ch.label())},
        {"channel_name", EscapeTagValue(ch.name())},
        {"channel_unit", EscapeTagValue(ch.unit())},
        {"device", "MV2"},
        {"device_master_sn", master},
        {"device_sn", EscapeTagValue(ch.device_sn())},
        {"device_type", is_master ? "master" : "slave"},
    };
    if (is_master) tags.emplace_back("device_subtype", EscapeTagValue(ch.device_subtype()));
    std::sort(tags.begin(), tags.end());
    std::string prefix = EscapeMeasurement("electrical");
    for (const auto& [key, value] : tags) {
      if (value.empty()) continue;  // empty tag values are left out
      absl::StrAppend(&prefix, ",", key, "=", value);
    }
    absl::StrAppend(&prefix, " ", EscapeFieldKey(ch.field_key()), "=");
    prefixes_.push_back(std::move(prefix));
  }
  event_prefix_ = "device_event";
  if (!campaign.empty()) absl::StrAppend(&event_prefix_, ",campaign=", campaign);
  if (!master.empty()) absl::StrAppend(&event_prefix_, ",device_master_sn=", master);
  absl::StrAppend(&event_prefix_, ",event=power_off count=1i");
  header_seen_ = true;
  return absl::OkStatus();
}

absl::Status LineProtocolEncoder::OnRow(int64_t epoch_seconds,
                                        absl::Span<const parse::CellValue> cells) {
  if (!header_seen_) return absl::FailedPreconditionError("OnRow before OnHeader");
  if (cells.size() != prefixes_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("row has ", cells.size(), " cells for ", prefixes_.size(), " channels"));
  }
  char suffix[24];
  suffix[0] = ' ';
  char* end = std::to_chars(suffix + 1, suffix + sizeof(suffix) - 1, epoch_seconds).ptr;
  *end++ = '\n';
  const absl::string_view suffix_text(suffix, end - suffix);
  char value[kMaxFloatChars];
  for (size_t i = 0; i < cells.size(); ++i) {
    if (!cells[i].valid || !std::isfinite(cells[i].value)) continue;
    const size_t n = FormatFloat(cells[i].value, value);
    if (absl::Status s = Append(prefixes_[i], absl::string_view(value, n), suffix_text); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status LineProtocolEncoder::OnPowerOff(int64_t epoch_seconds) {
  if (!header_seen_) return absl::FailedPreconditionError("OnPowerOff before OnHeader");
  return Append(event_prefix_, " ", absl::StrCat(epoch_seconds, "\n"));
}

absl::Status LineProtocolEncoder::Append(absl::string_view prefix, absl::string_view value,
                                         absl::string_view suffix) {
  const size_t length = prefix.size() + value.size() + suffix.size();
  if (batch_lines_ > 0 &&
      (batch_lines_ >= limits_.max_lines || used_ + length > limits_.max_bytes)) {
    if (absl::Status s = SendBatch(); !s.ok()) return s;
  }
  if (used_ + length > capacity_) Reserve(used_ + length);
  char* p = buffer_.get() + used_;
  std::memcpy(p, prefix.data(), prefix.size());
  p += prefix.size();
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  std::memcpy(p, suffix.data(), suffix.size());
  used_ += length;
  ++batch_lines_;
  ++lines_;
  return absl::OkStatus();
}

void LineProtocolEncoder::Reserve(size_t bytes) {
  size_t capacity = std::max<size_t>(capacity_ == 0 ? 64 << 10 : capacity_ * 2, bytes);
  auto grown = std::make_unique_for_overwrite<char[]>(capacity);
  if (used_ > 0) std::memcpy(grown.get(), buffer_.get(), used_);
  buffer_ = std::move(grown);
  capacity_ = capacity;
}

absl::Status LineProtocolEncoder::SendBatch() {
  absl::Status s = sink_->WriteBatch(absl::string_view(buffer_.get(), used_), batch_lines_);
  used_ = 0;
  batch_lines_ = 0;
  ++batches_;
  return s;
}

absl::Status LineProtocolEncoder::Finish() {
  if (batch_lines_ > 0) {
    if (absl::Status s = SendBatch(); !s.ok()) return s;
  }
  return sink_->Flush();
}

}  // namespace powerview::sink
