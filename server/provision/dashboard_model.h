// The Grafana dashboard of one campaign, generated from its devices and channels: per device a
// panel for the voltages, one for the power and one per other unit, variables for the campaign
// and the channels, power-off events as annotations; queries in Flux (InfluxDB 2.x) or InfluxQL
// (1.x) to match the company's datasource.
#ifndef POWERVIEW_SERVER_PROVISION_DASHBOARD_MODEL_H_
#define POWERVIEW_SERVER_PROVISION_DASHBOARD_MODEL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "powerview/v1/models.pb.h"
#include "powerview/v1/provision.pb.h"

namespace powerview::provision {

// Tag on every dashboard PowerView manages (prune only looks at dashboards with it).
inline constexpr char kManagedTag[] = "managed-by:powerview";
// Prefix of the tag holding the first 12 hex digits of the dashboard's content hash.
inline constexpr char kHashTagPrefix[] = "powerview-hash:";

// What a dashboard is about and where its data comes from.
struct DashboardContext {
  v1::InfluxApi api = v1::INFLUX_API_V2;
  std::string company;
  std::string campaign;
  std::string bucket;
  std::string datasource_uid;
  std::string folder_uid;
  std::string dashboard_uid;
  std::string title;
};

// The panels of the campaign's dashboard: devices by serial, and for each device one panel per
// unit (V first, then W, then the others by name). Channels without a unit are not shown.
std::vector<v1::DashboardPanelSpec> PanelsForCampaign(const v1::Campaign& campaign);

// The generated dashboard model (JSON text, not yet finalised).
std::string GenerateDashboardModel(const DashboardContext& context,
                                   const std::vector<v1::DashboardPanelSpec>& panels);

// Makes `model_json` the one PowerView sends: sets uid and title, drops id and version, adds
// the managed and content-hash tags (keeping the model's own tags), and fills `spec`'s
// model_json (canonical) and content_sha256.
absl::Status FinalizeDashboard(const std::string& model_json, const DashboardContext& context,
                               v1::GrafanaDashboardSpec* spec);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_DASHBOARD_MODEL_H_
