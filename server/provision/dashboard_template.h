// Campaign dashboards from an operator-supplied template: a Grafana dashboard JSON whose string
// values may hold placeholders, `{{name}}` or `{{name|format}}`.
//   names:   company, campaign, bucket, datasource_uid, folder_uid, dashboard_uid, title
//   formats: raw (default: the text itself, for titles and uids),
//            flux (a Flux string literal with quotes), influxql (an InfluxQL string literal),
//            influxql_regex (an InfluxQL regex matching exactly the value).
// Substitution happens inside parsed JSON strings, so JSON escaping is always right; the
// formats make the value safe inside a query. An unknown name or format is an error.
#ifndef POWERVIEW_SERVER_PROVISION_DASHBOARD_TEMPLATE_H_
#define POWERVIEW_SERVER_PROVISION_DASHBOARD_TEMPLATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/provision/dashboard_model.h"

namespace powerview::provision {

// Reads and parses the template at `path` (fails when it is not a JSON object).
absl::StatusOr<std::string> LoadDashboardTemplate(const std::string& path);

// The template with every placeholder replaced for `context` (JSON text, not yet finalised).
absl::StatusOr<std::string> RenderDashboardTemplate(absl::string_view template_json,
                                                    const DashboardContext& context);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_DASHBOARD_TEMPLATE_H_
