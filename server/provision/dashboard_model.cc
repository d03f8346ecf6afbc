#include "server/provision/dashboard_model.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rapidjson/document.h"
#include "server/provision/json_util.h"
#include "server/provision/naming.h"
#include "server/provision/query_literals.h"

namespace powerview::provision {
namespace {

using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

constexpr int kSchemaVersion = 39;  // fixed, so the stored model compares equal run after run
constexpr char kFluxStart[] = "1970-01-01T00:00:00Z";

int UnitRank(const std::string& unit) {
  if (unit == "V") return 0;
  if (unit == "W") return 1;
  return 2;
}

std::string GrafanaUnit(const std::string& unit) {
  static const auto* const kUnits = new std::map<std::string, std::string>{
      {"V", "volt"},           {"W", "watt"},    {"A", "amp"},    {"VA", "voltamp"},
      {"var", "voltampreact"}, {"Hz", "hertz"},  {"Wh", "watth"}, {"kWh", "kwatth"},
      {"%", "percent"},        {"°C", "celsius"}};
  auto it = kUnits->find(unit);
  return it != kUnits->end() ? it->second : absl::StrCat("suffix: ", unit);
}

Value Str(const std::string& s, Allocator& a) { return JsonValue(s, a); }

Value DatasourceRef(const DashboardContext& c, Allocator& a) {
  Value ds(rapidjson::kObjectType);
  ds.AddMember("type", "influxdb", a);
  ds.AddMember("uid", Str(c.datasource_uid, a), a);
  return ds;
}

std::string PanelQuery(const DashboardContext& c, const v1::DashboardPanelSpec& p) {
  if (c.api == v1::INFLUX_API_V1) {
    std::vector<std::string> fields;
    for (int i = 0; i < p.field_keys_size(); ++i) {
      fields.push_back(absl::StrCat("mean(", InfluxQlFieldSelector(p.field_keys(i)), ") AS ",
                                    InfluxQlIdentifier(GrafanaSafeText(p.channel_ids(i)))));
    }
    return absl::StrCat("SELECT ", absl::StrJoin(fields, ", "),
                        " FROM \"electrical\" WHERE \"campaign\" =~ /^${campaign:regex}$/ AND ",
                        InfluxQlTagEquals("device_master_sn", p.device_master_sn()), " AND ",
                        InfluxQlTagEquals("channel_unit", p.unit()),
                        " AND \"channel_id\" =~ /^${channel:regex}$/ AND $timeFilter"
                        " GROUP BY time($__interval) fill(none)");
  }
  return absl::StrCat(
      "from(bucket: ", FluxString(c.bucket), ")\n",
      "  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n",
      "  |> filter(fn: (r) => r._measurement == \"electrical\" and r.campaign == "
      "${campaign:json})\n",
      "  |> filter(fn: (r) => r.device_master_sn == ", FluxString(p.device_master_sn()),
      " and r.channel_unit == ", FluxString(p.unit()), ")\n",
      "  |> filter(fn: (r) => contains(value: r.channel_id, set: ${channel:json}))\n",
      "  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)\n",
      "  |> keep(columns: [\"_time\", \"_value\", \"channel_id\", \"channel_name\"])");
}

Value QueryVariable(const DashboardContext& c, const std::string& name, const std::string& label,
                    const std::string& query, bool multi, Allocator& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("type", "query", a);
  v.AddMember("name", Str(name, a), a);
  v.AddMember("label", Str(label, a), a);
  v.AddMember("datasource", DatasourceRef(c, a), a);
  v.AddMember("query", Str(query, a), a);
  v.AddMember("definition", Str(query, a), a);
  v.AddMember("refresh", 1, a);
  v.AddMember("sort", 1, a);
  v.AddMember("multi", multi, a);
  v.AddMember("includeAll", multi, a);
  Value current(rapidjson::kObjectType);
  if (multi) {
    Value text(rapidjson::kArrayType), value(rapidjson::kArrayType);
    text.PushBack("All", a);
    value.PushBack("$__all", a);
    current.AddMember("text", text, a);
    current.AddMember("value", value, a);
  } else {
    current.AddMember("text", Str(c.campaign, a), a);
    current.AddMember("value", Str(c.campaign, a), a);
  }
  v.AddMember("current", current, a);
  return v;
}

Value Templating(const DashboardContext& c, Allocator& a) {
  std::string campaigns, channels;
  if (c.api == v1::INFLUX_API_V1) {
    campaigns = "SHOW TAG VALUES FROM \"electrical\" WITH KEY = \"campaign\"";
    channels =
        "SHOW TAG VALUES FROM \"electrical\" WITH KEY = \"channel_id\" WHERE \"campaign\" =~ "
        "/^${campaign:regex}$/";
  } else {
    campaigns = absl::StrCat(
        "import \"influxdata/influxdb/schema\"\nschema.tagValues(bucket: ", FluxString(c.bucket),
        ", tag: \"campaign\", predicate: (r) => r._measurement == \"electrical\", start: ",
        kFluxStart, ")");
    channels = absl::StrCat(
        "import \"influxdata/influxdb/schema\"\nschema.tagValues(bucket: ", FluxString(c.bucket),
        ", tag: \"channel_id\", predicate: (r) => r._measurement == \"electrical\" and "
        "r.campaign == ${campaign:json}, start: ",
        kFluxStart, ")");
  }
  Value list(rapidjson::kArrayType);
  list.PushBack(QueryVariable(c, "campaign", "Campaign", campaigns, false, a), a);
  list.PushBack(QueryVariable(c, "channel", "Channels", channels, true, a), a);
  Value templating(rapidjson::kObjectType);
  templating.AddMember("list", list, a);
  return templating;
}

// Power-off markers are written as measurement device_event, event=power_off, field count.
Value Annotations(const DashboardContext& c, Allocator& a) {
  Value power_off(rapidjson::kObjectType);
  power_off.AddMember("name", "Power off", a);
  power_off.AddMember("enable", true, a);
  power_off.AddMember("iconColor", "red", a);
  power_off.AddMember("datasource", DatasourceRef(c, a), a);
  if (c.api == v1::INFLUX_API_V1) {
    power_off.AddMember(
        "query",
        "SELECT \"count\", \"device_master_sn\" FROM \"device_event\" WHERE \"event\" = "
        "'power_off' AND \"campaign\" =~ /^${campaign:regex}$/ AND $timeFilter",
        a);
    power_off.AddMember("textColumn", "device_master_sn", a);
    power_off.AddMember("tagsColumn", "event", a);
  } else {
    Value target(rapidjson::kObjectType);
    target.AddMember("refId", "Anno", a);
    target.AddMember(
        "query",
        Str(absl::StrCat("from(bucket: ", FluxString(c.bucket), ")\n",
                         "  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)\n",
                         "  |> filter(fn: (r) => r._measurement == \"device_event\" and r.event "
                         "== \"power_off\" and r._field == \"count\")\n",
                         "  |> filter(fn: (r) => r.campaign == ${campaign:json})"),
            a),
        a);
    power_off.AddMember("target", target, a);
  }
  Value list(rapidjson::kArrayType);
  list.PushBack(power_off, a);
  Value annotations(rapidjson::kObjectType);
  annotations.AddMember("list", list, a);
  return annotations;
}

Value GridPos(int index, Allocator& a) {
  Value pos(rapidjson::kObjectType);
  pos.AddMember("x", (index % 2) * 12, a);
  pos.AddMember("y", (index / 2) * 8, a);
  pos.AddMember("w", 12, a);
  pos.AddMember("h", 8, a);
  return pos;
}

Value Panel(const DashboardContext& c, const v1::DashboardPanelSpec& p, int index, Allocator& a) {
  Value panel(rapidjson::kObjectType);
  panel.AddMember("id", index + 1, a);
  panel.AddMember("type", "timeseries", a);
  panel.AddMember("title", Str(p.title(), a), a);
  panel.AddMember("gridPos", GridPos(index, a), a);
  panel.AddMember("datasource", DatasourceRef(c, a), a);
  Value target(rapidjson::kObjectType);
  target.AddMember("refId", "A", a);
  target.AddMember("datasource", DatasourceRef(c, a), a);
  target.AddMember("query", Str(PanelQuery(c, p), a), a);
  if (c.api == v1::INFLUX_API_V1) {
    target.AddMember("rawQuery", true, a);
    target.AddMember("resultFormat", "time_series", a);
  }
  Value targets(rapidjson::kArrayType);
  targets.PushBack(target, a);
  panel.AddMember("targets", targets, a);
  Value defaults(rapidjson::kObjectType);
  defaults.AddMember("unit", Str(GrafanaUnit(p.unit()), a), a);
  Value field_config(rapidjson::kObjectType);
  field_config.AddMember("defaults", defaults, a);
  field_config.AddMember("overrides", Value(rapidjson::kArrayType), a);
  panel.AddMember("fieldConfig", field_config, a);
  return panel;
}

Value NoDataPanel(Allocator& a) {
  Value panel(rapidjson::kObjectType);
  panel.AddMember("id", 1, a);
  panel.AddMember("type", "text", a);
  panel.AddMember("title", "No data yet", a);
  panel.AddMember("gridPos", GridPos(0, a), a);
  Value options(rapidjson::kObjectType);
  options.AddMember("mode", "markdown", a);
  options.AddMember("content",
                    "No device has uploaded data to this campaign yet. Panels appear when "
                    "PowerView ingests the first file.",
                    a);
  panel.AddMember("options", options, a);
  return panel;
}

}  // namespace

std::vector<v1::DashboardPanelSpec> PanelsForCampaign(const v1::Campaign& campaign) {
  std::vector<const v1::Device*> devices;
  for (const v1::Device& d : campaign.devices()) devices.push_back(&d);
  std::sort(devices.begin(), devices.end(),
            [](const auto* x, const auto* y) { return x->master_sn() < y->master_sn(); });
  std::vector<v1::DashboardPanelSpec> panels;
  for (const v1::Device* device : devices) {
    // unit -> (channel id -> field key), ordered for stable output
    std::map<std::pair<int, std::string>, std::map<std::string, std::string>> by_unit;
    for (const v1::Channel& ch : device->channels()) {
      if (ch.unit().empty()) continue;
      std::string field =
          ch.field_key().empty() ? absl::StrCat(ch.channel_id(), "_", ch.unit()) : ch.field_key();
      by_unit[{UnitRank(ch.unit()), ch.unit()}][ch.channel_id()] = field;
    }
    for (const auto& [unit_key, channels] : by_unit) {
      const std::string& unit = unit_key.second;
      v1::DashboardPanelSpec panel;
      std::string what = unit == "V"   ? "Voltages (V)"
                         : unit == "W" ? "Power (W)"
                                       : absl::StrCat("Channels in ", unit);
      panel.set_title(absl::StrCat(device->master_sn(), " / ", what));
      panel.set_device_master_sn(device->master_sn());
      panel.set_unit(unit);
      for (const auto& [channel_id, field] : channels) {
        panel.add_channel_ids(channel_id);
        panel.add_field_keys(field);
      }
      panels.push_back(std::move(panel));
    }
  }
  return panels;
}

std::string GenerateDashboardModel(const DashboardContext& context,
                                   const std::vector<v1::DashboardPanelSpec>& panels) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("uid", Str(context.dashboard_uid, a), a);
  doc.AddMember("title", Str(context.title, a), a);
  doc.AddMember("tags", Value(rapidjson::kArrayType), a);
  doc.AddMember("timezone", "browser", a);
  doc.AddMember("editable", true, a);
  doc.AddMember("graphTooltip", 1, a);
  doc.AddMember("schemaVersion", kSchemaVersion, a);
  Value time(rapidjson::kObjectType);
  time.AddMember("from", "now-7d", a);
  time.AddMember("to", "now", a);
  doc.AddMember("time", time, a);
  doc.AddMember("refresh", "", a);
  doc.AddMember("templating", Templating(context, a), a);
  doc.AddMember("annotations", Annotations(context, a), a);
  Value list(rapidjson::kArrayType);
  for (size_t i = 0; i < panels.size(); ++i) {
    list.PushBack(Panel(context, panels[i], static_cast<int>(i), a), a);
  }
  if (panels.empty()) list.PushBack(NoDataPanel(a), a);
  doc.AddMember("panels", list, a);
  doc.AddMember("links", Value(rapidjson::kArrayType), a);
  return ToJson(doc);
}

absl::Status FinalizeDashboard(const std::string& model_json, const DashboardContext& context,
                               v1::GrafanaDashboardSpec* spec) {
  absl::StatusOr<rapidjson::Document> doc =
      ParseJson(model_json, absl::StrCat("dashboard model for campaign '", context.campaign, "'"));
  if (!doc.ok()) return doc.status();
  if (!doc->IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dashboard model for campaign '", context.campaign, "' is not an object"));
  }
  auto& a = doc->GetAllocator();
  doc->RemoveMember("id");
  doc->RemoveMember("version");
  doc->RemoveMember("uid");
  doc->RemoveMember("title");
  doc->AddMember("uid", Str(context.dashboard_uid, a), a);
  doc->AddMember("title", Str(context.title, a), a);
  Value tags(rapidjson::kArrayType);
  if (const Value* old = JsonMember(*doc, "tags"); old && old->IsArray()) {
    for (const auto& t : old->GetArray()) {
      if (!t.IsString()) continue;
      std::string tag = t.GetString();
      if (tag == kManagedTag || tag.rfind(kHashTagPrefix, 0) == 0) continue;
      tags.PushBack(Str(tag, a), a);
    }
  }
  tags.PushBack(Str(kManagedTag, a), a);
  doc->RemoveMember("tags");
  doc->AddMember("tags", tags, a);
  // The hash covers everything but itself; the tag lets a reader see which desired model a
  // stored dashboard was made from without a full comparison.
  std::string hash = Sha256Hex(CanonicalJson(*doc));
  (*doc)["tags"].PushBack(Str(absl::StrCat(kHashTagPrefix, hash.substr(0, 12)), a), a);
  spec->set_model_json(CanonicalJson(*doc));
  spec->set_content_sha256(hash);
  return absl::OkStatus();
}

}  // namespace powerview::provision
