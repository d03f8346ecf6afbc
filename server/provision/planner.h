// The planner: reads the actual state of InfluxDB and Grafana, compares it with the desired
// state, and produces the Plan of typed actions (create, update, delete) that closes the gap,
// each with its reason and the fields that differ. Planning changes nothing anywhere.
#ifndef POWERVIEW_SERVER_PROVISION_PLANNER_H_
#define POWERVIEW_SERVER_PROVISION_PLANNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "powerview/v1/provision.pb.h"
#include "server/provision/grafana_client.h"
#include "server/provision/influx_admin.h"
#include "server/provision/provision_store.h"
#include "server/provision/settings.h"

namespace powerview::provision {

class Planner {
 public:
  // None of the pointers is owned; all must outlive the planner.
  Planner(const ProvisionSettings& settings, GrafanaClient* grafana, InfluxAdmin* influx,
          ProvisionStore* store);

  // The plan that brings the companies in `scope` to `desired`. Deletions are planned only
  // with `scope.prune()`, and only for objects PowerView created (its inventory, or dashboards
  // carrying its tag): dashboards of campaigns that left the catalog, team members that left
  // the settings, and everything but the data (buckets and databases are never deleted) of
  // companies that left the catalog. Superseded read tokens are always deleted, after the
  // datasource that used them has the new one.
  absl::StatusOr<v1::Plan> MakePlan(const v1::DesiredState& desired,
                                    const v1::ProvisionScope& scope);

 private:
  // Actions of one company: creates and updates in dependency order, then team members (a
  // user missing from the org must not hold back the dashboards), then deletions with
  // dependents first.
  struct CompanyActions {
    std::vector<v1::PlanAction> apply;
    std::vector<v1::PlanAction> members;
    std::vector<v1::PlanAction> remove;
  };

  absl::Status PlanInflux(const v1::CompanyDesiredState& state, CompanyActions* out,
                          bool* token_changes);
  absl::Status PlanReadUser(const v1::CompanyDesiredState& state, CompanyActions* out);
  absl::Status PlanReadToken(const v1::CompanyDesiredState& state,
                             const std::vector<std::pair<std::string, std::string>>& bucket_ids,
                             CompanyActions* out, bool* token_changes);
  absl::Status PlanTeam(const v1::CompanyDesiredState& state, bool prune, CompanyActions* out,
                        int64_t* team_id);
  absl::Status PlanFolder(const v1::CompanyDesiredState& state, int64_t team_id,
                          CompanyActions* out, bool* folder_exists);
  absl::Status PlanDatasource(const v1::CompanyDesiredState& state, bool token_changes,
                              CompanyActions* out);
  absl::Status PlanDashboards(const v1::CompanyDesiredState& state, bool folder_exists,
                              bool prune_dashboards, CompanyActions* out);
  // Deletions for a company that has left the catalog.
  absl::Status PlanRemovedCompany(const std::string& company, CompanyActions* out);
  // Whether PowerView created (or took over) the object: it is in the inventory.
  absl::StatusOr<bool> Owned(const std::string& company, v1::ResourceKind kind,
                             const std::string& key);
  // Marks `action` as the take-over of an existing object PowerView did not create.
  void MarkTakeover(v1::PlanAction* action) const;

  const ProvisionSettings settings_;
  GrafanaClient* const grafana_;
  InfluxAdmin* const influx_;
  ProvisionStore* const store_;
};

// A new action with its identity and reason set.
v1::PlanAction MakeAction(v1::ActionType type, v1::ResourceKind kind, const std::string& company,
                          const std::string& key, const std::string& reason);
void AddChange(v1::PlanAction* action, const std::string& field, const std::string& old_value,
               const std::string& new_value);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_PLANNER_H_
