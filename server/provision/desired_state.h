// The desired state of InfluxDB and Grafana, computed from the catalog's companies (folders,
// campaigns, devices and channels seen) and the settings; never from marker files, so it can be
// recomputed at any time.
#ifndef POWERVIEW_SERVER_PROVISION_DESIRED_STATE_H_
#define POWERVIEW_SERVER_PROVISION_DESIRED_STATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "powerview/v1/models.pb.h"
#include "powerview/v1/provision.pb.h"
#include "server/provision/settings.h"

namespace powerview::provision {

class DesiredStateBuilder {
 public:
  // `dashboard_template`: the operator's template JSON, or empty to generate dashboards.
  DesiredStateBuilder(const ProvisionSettings& settings, std::string dashboard_template);

  // The desired state of the companies in `scope`: every company for ALL; the named company
  // for COMPANY; for CAMPAIGN the company's resources with only that campaign's dashboard. A
  // company or campaign missing from `companies` yields no entry (prune may then remove it).
  absl::StatusOr<v1::DesiredState> Build(const std::vector<v1::Company>& companies,
                                         const v1::ProvisionScope& scope) const;

  // One company's desired state; `only_campaign` non-empty keeps that campaign's dashboard only.
  absl::StatusOr<v1::CompanyDesiredState> ForCompany(const v1::Company& company,
                                                     const std::string& only_campaign) const;

 private:
  absl::StatusOr<v1::GrafanaDashboardSpec> Dashboard(const v1::Company& company,
                                                     const v1::Campaign& campaign,
                                                     const v1::CompanyDesiredState& state) const;

  const ProvisionSettings settings_;
  const std::string dashboard_template_;
};

// The raw bucket (InfluxDB 2.x) or database (1.x) of a company: its catalog bucket, or its
// name when the catalog has none.
std::string CompanyBucket(const v1::Company& company);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_DESIRED_STATE_H_
