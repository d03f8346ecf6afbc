#include "server/provision/dashboard_template.h"

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "server/provision/json_util.h"
#include "server/provision/query_literals.h"

namespace powerview::provision {
namespace {

absl::StatusOr<std::string> Format(const std::string& value, absl::string_view format) {
  if (format.empty() || format == "raw") return value;
  if (format == "flux") return FluxString(value);
  if (format == "influxql") return InfluxQlString(value);
  if (format == "influxql_regex") return InfluxQlExactRegex(value);
  return absl::InvalidArgumentError(absl::StrCat("dashboard template: unknown format '|", format,
                                                 "' (known: raw, flux, influxql, influxql_regex)"));
}

absl::StatusOr<std::string> Substitute(absl::string_view text,
                                       const std::map<std::string, std::string>& values) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == absl::string_view::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("dashboard template: unclosed '{{' in \"", text.substr(0, 80), "\""));
    }
    absl::StrAppend(&out, text.substr(pos, open - pos));
    absl::string_view inner = absl::StripAsciiWhitespace(text.substr(open + 2, close - open - 2));
    absl::string_view name = inner, format;
    if (size_t bar = inner.find('|'); bar != absl::string_view::npos) {
      name = absl::StripAsciiWhitespace(inner.substr(0, bar));
      format = absl::StripAsciiWhitespace(inner.substr(bar + 1));
    }
    auto it = values.find(std::string(name));
    if (it == values.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dashboard template: unknown placeholder {{", inner,
          "}} (known: company, campaign, bucket, datasource_uid, folder_uid, dashboard_uid, "
          "title)"));
    }
    absl::StatusOr<std::string> formatted = Format(it->second, format);
    if (!formatted.ok()) return formatted.status();
    absl::StrAppend(&out, *formatted);
    pos = close + 2;
  }
  absl::StrAppend(&out, text.substr(pos));
  return out;
}

absl::Status Walk(rapidjson::Value& value, const std::map<std::string, std::string>& values,
                  rapidjson::Document::AllocatorType& a) {
  if (value.IsString()) {
    absl::string_view text(value.GetString(), value.GetStringLength());
    if (text.find("{{") == absl::string_view::npos) return absl::OkStatus();
    absl::StatusOr<std::string> replaced = Substitute(text, values);
    if (!replaced.ok()) return replaced.status();
    value.SetString(replaced->data(), static_cast<rapidjson::SizeType>(replaced->size()), a);
  } else if (value.IsArray()) {
    for (auto& item : value.GetArray()) {
      if (absl::Status s = Walk(item, values, a); !s.ok()) return s;
    }
  } else if (value.IsObject()) {
    for (auto& member : value.GetObject()) {
      if (absl::Status s = Walk(member.value, values, a); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> LoadDashboardTemplate(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("dashboard template '", path, "' cannot be read"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  absl::StatusOr<rapidjson::Document> doc =
      ParseJson(text, absl::StrCat("dashboard template '", path, "'"));
  if (!doc.ok()) return doc.status();
  if (!doc->IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dashboard template '", path, "' is not a JSON object"));
  }
  return text;
}

absl::StatusOr<std::string> RenderDashboardTemplate(absl::string_view template_json,
                                                    const DashboardContext& c) {
  absl::StatusOr<rapidjson::Document> doc = ParseJson(template_json, "dashboard template");
  if (!doc.ok()) return doc.status();
  const std::map<std::string, std::string> values = {{"company", c.company},
                                                     {"campaign", c.campaign},
                                                     {"bucket", c.bucket},
                                                     {"datasource_uid", c.datasource_uid},
                                                     {"folder_uid", c.folder_uid},
                                                     {"dashboard_uid", c.dashboard_uid},
                                                     {"title", c.title}};
  if (absl::Status s = Walk(*doc, values, doc->GetAllocator()); !s.ok()) return s;
  return ToJson(*doc);
}

}  // namespace powerview::provision
