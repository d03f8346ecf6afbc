#include "server/parse/report.h"

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace powerview::parse {

void FillReport(const ParseSummary& summary, powerview::v1::IngestReport* report) {
  using google::protobuf::util::TimeUtil;
  report->set_format(summary.info.format);
  report->set_master_sn(summary.info.master_sn);
  report->set_header_json(summary.info.header_json);
  report->set_time_zone(summary.info.time_zone);
  *report->mutable_counts() = summary.counts;
  report->set_channel_count(static_cast<int32_t>(summary.info.channels.size()));
  report->clear_channels();
  for (const powerview::v1::ChannelStats& stats : summary.channel_stats) {
    *report->add_channels() = stats;
  }
  if (summary.first_time.has_value()) {
    *report->mutable_first_time() = TimeUtil::SecondsToTimestamp(*summary.first_time);
  } else {
    report->clear_first_time();
  }
  if (summary.last_time.has_value()) {
    *report->mutable_last_time() = TimeUtil::SecondsToTimestamp(*summary.last_time);
  } else {
    report->clear_last_time();
  }
}

std::string ReportJson(const powerview::v1::IngestReport& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  // Cannot fail for a message without Any fields.
  (void)google::protobuf::util::MessageToJsonString(report, &json, options);
  return json;
}

}  // namespace powerview::parse
