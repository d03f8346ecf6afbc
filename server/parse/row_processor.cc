#include "server/parse/row_processor.h"

#include <cstring>

#include "server/parse/decimal.h"

namespace powerview::parse {
namespace {

inline bool IsBlank(absl::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

}  // namespace

RowProcessor::RowProcessor(const FileInfo* info, int column_count, LocalClock clock,
                           absl::Time clock_floor, RowVisitor* visitor)
    : info_(info),
      column_count_(static_cast<size_t>(column_count)),
      clock_(clock),
      floor_seconds_(absl::ToUnixSeconds(clock_floor)),
      visitor_(visitor),
      stats_(info->channels.size()),
      values_(info->channels.size()) {
  cells_.reserve(column_count_ + 1);
}

void RowProcessor::SplitCells(absl::string_view text) {
  // Cells are a few bytes long: a plain loop beats a memchr call per cell.
  cells_.clear();
  const char* begin = text.data();
  const char* end = begin + text.size();
  for (const char* p = begin; p != end; ++p) {
    if (*p == '\t') {
      cells_.emplace_back(begin, p - begin);
      begin = p + 1;
    }
  }
  cells_.emplace_back(begin, end - begin);
}

// Rule 4.1: the full column count and every value cell exactly "0".
bool RowProcessor::IsPowerOffMarker() const {
  if (cells_.size() != column_count_) return false;
  for (size_t i = 1; i < cells_.size(); ++i) {
    if (cells_[i].size() != 1 || cells_[i][0] != '0') return false;
  }
  return true;
}

// Rule 4.2: a last line without newline is kept only when it has the full column count and its
// last cell has at least as many decimals as the last cell of the last accepted row. With no
// accepted row to compare with, it cannot be trusted and is dropped.
bool RowProcessor::KeepsUnterminatedRow() const {
  if (cells_.size() < column_count_ || last_fraction_digits_ < 0) return false;
  return FractionDigits(cells_[column_count_ - 1]) >= last_fraction_digits_;
}

absl::Status RowProcessor::EnsureHeader() {
  if (header_sent_ || visitor_ == nullptr) return absl::OkStatus();
  header_sent_ = true;
  return visitor_->OnHeader(*info_);
}

absl::Status RowProcessor::ProcessMarker() {
  ++counts_.power_off_markers;
  absl::CivilSecond civil;
  if (!ParseMv2Timestamp(cells_[0], &civil)) return absl::OkStatus();
  const int64_t epoch = clock_.ToEpochSeconds(civil);
  if (epoch < floor_seconds_) return absl::OkStatus();
  ++counts_.device_events;
  if (visitor_ == nullptr) return absl::OkStatus();
  if (absl::Status s = EnsureHeader(); !s.ok()) return s;
  return visitor_->OnPowerOff(epoch);
}

absl::Status RowProcessor::Process(const Line& line) {
  if (IsBlank(line.text)) return absl::OkStatus();
  ++counts_.rows;
  if (line.overlong) {  // cannot be read as a row: its cells are cut
    ++counts_.invalid_timestamps;
    return absl::OkStatus();
  }
  SplitCells(line.text);
  if (IsPowerOffMarker()) return ProcessMarker();
  if (!line.terminated && !KeepsUnterminatedRow()) {
    ++counts_.truncated_last_row;
    return absl::OkStatus();
  }
  absl::CivilSecond civil;
  if (!ParseMv2Timestamp(cells_[0], &civil)) {
    ++counts_.invalid_timestamps;
    return absl::OkStatus();
  }
  const int64_t epoch = clock_.ToEpochSeconds(civil);
  if (epoch < floor_seconds_) {
    ++counts_.invalid_clock;
    return absl::OkStatus();
  }

  const std::vector<int>& columns = info_->columns;
  const size_t cell_count = cells_.size();
  for (size_t i = 0; i < values_.size(); ++i) {
    const size_t column = static_cast<size_t>(columns[i]);
    CellValue& cell = values_[i];
    cell.valid = column < cell_count && ParsePlainDecimal(cells_[column], &cell.value);
    if (!cell.valid) {
      cell.value = 0;
      ++counts_.invalid_values;
      continue;
    }
    Stats& s = stats_[i];
    if (s.points == 0) {
      s.min = s.max = cell.value;
    } else {
      if (cell.value < s.min) s.min = cell.value;
      if (cell.value > s.max) s.max = cell.value;
    }
    s.sum += cell.value;
    ++s.points;
    ++counts_.points;
  }
  last_fraction_digits_ =
      column_count_ - 1 < cell_count ? FractionDigits(cells_[column_count_ - 1]) : 0;
  if (!any_time_ || epoch < first_time_) first_time_ = epoch;
  if (!any_time_ || epoch > last_time_) last_time_ = epoch;
  any_time_ = true;

  if (visitor_ == nullptr) return absl::OkStatus();
  if (absl::Status s = EnsureHeader(); !s.ok()) return s;
  return visitor_->OnRow(epoch, values_);
}

void RowProcessor::Finish(ParseSummary* summary) const {
  powerview::v1::IngestCounts& c = summary->counts;
  c.set_rows(counts_.rows);
  c.set_points(counts_.points);
  c.set_power_off_markers(counts_.power_off_markers);
  c.set_device_events(counts_.device_events);
  c.set_invalid_clock(counts_.invalid_clock);
  c.set_truncated_last_row(counts_.truncated_last_row);
  c.set_invalid_values(counts_.invalid_values);
  c.set_invalid_timestamps(counts_.invalid_timestamps);
  summary->channel_stats.clear();
  for (size_t i = 0; i < stats_.size(); ++i) {
    powerview::v1::ChannelStats stats;
    *stats.mutable_channel() = info_->channels[i];
    stats.set_points(stats_[i].points);
    if (stats_[i].points > 0) {
      stats.set_min(stats_[i].min);
      stats.set_max(stats_[i].max);
      stats.set_mean(stats_[i].sum / static_cast<double>(stats_[i].points));
    }
    summary->channel_stats.push_back(std::move(stats));
  }
  summary->first_time.reset();
  summary->last_time.reset();
  if (any_time_) {
    summary->first_time = first_time_;
    summary->last_time = last_time_;
  }
}

}  // namespace powerview::parse
