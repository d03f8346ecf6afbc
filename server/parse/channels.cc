#include "server/parse/channels.h"

#include <map>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace powerview::parse {
namespace {

bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

bool IsPhaseLabel(absl::string_view cell, char digit) {
  if (!absl::StartsWith(cell, "Ph")) return false;
  size_t i = 2;
  while (i < cell.size() && absl::ascii_isspace(static_cast<unsigned char>(cell[i]))) ++i;
  if (i >= cell.size() || cell[i] != digit) return false;
  return i + 1 == cell.size() || !IsWordChar(cell[i + 1]);
}

absl::StatusOr<ChannelLayout> BuildChannels(absl::string_view serial_line,
                                            absl::string_view channel_line,
                                            absl::string_view master_type) {
  // Trailing whitespace (tabs included) is dropped before the lines are split at tabs, as
  // upstream does; leading tabs are kept, so that column 0 stays column 0.
  std::vector<absl::string_view> serials =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(serial_line), '\t');
  std::vector<absl::string_view> cells =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(channel_line), '\t');
  if (serials.size() < 2) {
    return absl::InvalidArgumentError("the serial-number line names no channel column");
  }
  if (cells.size() < serials.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the channel line has %d cells, fewer than the %d of the serial-number line", cells.size(),
        serials.size()));
  }

  ChannelLayout layout;
  layout.column_count = static_cast<int>(serials.size());
  layout.master_sn = std::string(absl::StripAsciiWhitespace(serials[0]));

  std::string type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(master_type));
  if (type == "tri" || type == "mono") {
    layout.subtype = type;
  } else {
    bool phase[3] = {false, false, false};
    for (size_t i = 1; i < cells.size(); ++i) {
      absl::string_view label = absl::StripAsciiWhitespace(cells[i]);
      for (int p = 0; p < 3; ++p) phase[p] = phase[p] || IsPhaseLabel(label, '1' + p);
    }
    layout.subtype = phase[0] && phase[1] && phase[2] ? "tri" : "mono";
  }
  const bool tri = layout.subtype == "tri";

  std::map<std::string, int> per_device;  // columns seen so far per serial
  for (size_t col = 1; col < serials.size(); ++col) {
    std::string sn(absl::StripAsciiWhitespace(serials[col]));
    const bool master = sn == layout.master_sn;
    const int n = ++per_device[sn];
    std::string label;
    if (!master) {
      label = absl::StrCat("Ch", n);
    } else if (tri) {
      label = n <= 3 ? absl::StrCat("U", n) : absl::StrCat("Ch", n - 3);
    } else {
      label = n == 1 ? "U1" : absl::StrCat("Ch", n - 1);
    }
    // Name and unit: split at the last space, both parts stripped.
    absl::string_view cell = cells[col];
    absl::string_view name = cell, unit;
    if (size_t space = cell.rfind(' '); space != absl::string_view::npos) {
      name = cell.substr(0, space);
      unit = cell.substr(space + 1);
    }
    powerview::v1::Channel channel;
    channel.set_channel_id(master ? absl::StrCat("M", layout.master_sn, "_", label)
                                  : absl::StrCat("M", layout.master_sn, "_S", sn, "_", label));
    channel.set_label(label);
    channel.set_name(std::string(absl::StripAsciiWhitespace(name)));
    channel.set_unit(std::string(absl::StripAsciiWhitespace(unit)));
    channel.set_field_key(absl::StrCat(channel.channel_id(), "_", channel.unit()));
    channel.set_device_sn(sn);
    channel.set_device_type(master ? powerview::v1::DEVICE_TYPE_MASTER
                                   : powerview::v1::DEVICE_TYPE_SLAVE);
    if (master) channel.set_device_subtype(layout.subtype);
    layout.channels.push_back(std::move(channel));
    layout.columns.push_back(static_cast<int>(col));
  }
  return layout;
}

}  // namespace powerview::parse
