// Planning of InfluxDB resources and the overall plan. Grafana resources are planned in
// grafana_planner.cc.
#include "server/provision/planner.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/provision/inventory.h"
#include "server/provision/plan_render.h"
#include "server/provision/state_keys.h"
#include "server/provision/stored_token.h"

namespace powerview::provision {
namespace {

std::string RetentionText(int64_t seconds) {
  if (seconds <= 0) return "forever";
  if (seconds % 86400 == 0) return absl::StrCat(seconds / 86400, "d");
  if (seconds % 3600 == 0) return absl::StrCat(seconds / 3600, "h");
  return absl::StrCat(seconds, "s");
}

}  // namespace

v1::PlanAction MakeAction(v1::ActionType type, v1::ResourceKind kind, const std::string& company,
                          const std::string& key, const std::string& reason) {
  v1::PlanAction action;
  action.set_type(type);
  action.set_kind(kind);
  action.set_company(company);
  action.set_key(key);
  action.set_reason(reason);
  return action;
}

void AddChange(v1::PlanAction* action, const std::string& field, const std::string& old_value,
               const std::string& new_value) {
  v1::FieldChange* change = action->add_changes();
  change->set_field(field);
  change->set_old_value(old_value);
  change->set_new_value(new_value);
}

Planner::Planner(const ProvisionSettings& settings, GrafanaClient* grafana, InfluxAdmin* influx,
                 ProvisionStore* store)
    : settings_(settings), grafana_(grafana), influx_(influx), store_(store) {}

absl::StatusOr<v1::Plan> Planner::MakePlan(const v1::DesiredState& desired,
                                           const v1::ProvisionScope& scope) {
  v1::Plan plan;
  *plan.mutable_scope() = scope;
  std::set<std::string> desired_companies;
  auto append = [&plan](CompanyActions& actions) {
    for (auto* list : {&actions.apply, &actions.members, &actions.remove}) {
      for (v1::PlanAction& a : *list) *plan.add_actions() = std::move(a);
    }
  };
  for (const v1::CompanyDesiredState& state : desired.companies()) {
    desired_companies.insert(state.company());
    plan.add_companies(state.company());
    CompanyActions actions;
    bool token_changes = false;
    if (absl::Status s = PlanInflux(state, &actions, &token_changes); !s.ok()) return s;
    int64_t team_id = 0;
    if (absl::Status s = PlanTeam(state, scope.prune(), &actions, &team_id); !s.ok()) return s;
    bool folder_exists = false;
    if (absl::Status s = PlanFolder(state, team_id, &actions, &folder_exists); !s.ok()) return s;
    if (absl::Status s = PlanDatasource(state, token_changes, &actions); !s.ok()) return s;
    bool prune_dashboards = scope.prune() && scope.kind() != v1::PROVISION_SCOPE_KIND_CAMPAIGN;
    if (absl::Status s = PlanDashboards(state, folder_exists, prune_dashboards, &actions);
        !s.ok()) {
      return s;
    }
    append(actions);
  }
  if (scope.prune() && scope.kind() != v1::PROVISION_SCOPE_KIND_CAMPAIGN) {
    std::set<std::string> gone;
    if (scope.kind() == v1::PROVISION_SCOPE_KIND_COMPANY) {
      if (!desired_companies.count(scope.company())) gone.insert(scope.company());
    } else {
      absl::StatusOr<std::set<std::string>> known = InventoryCompanies(*store_);
      if (!known.ok()) return known.status();
      for (const std::string& c : *known) {
        if (!desired_companies.count(c)) gone.insert(c);
      }
    }
    for (const std::string& company : gone) {
      CompanyActions actions;
      if (absl::Status s = PlanRemovedCompany(company, &actions); !s.ok()) return s;
      if (!actions.remove.empty()) plan.add_companies(company);
      append(actions);
    }
  }
  plan.set_fingerprint(PlanFingerprint(plan));
  plan.mutable_created_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  return plan;
}

absl::Status Planner::PlanInflux(const v1::CompanyDesiredState& state, CompanyActions* out,
                                 bool* token_changes) {
  std::vector<std::pair<std::string, std::string>> bucket_ids;  // (name, id) of existing ones
  for (const v1::InfluxBucketSpec& spec : state.buckets()) {
    absl::StatusOr<std::optional<InfluxBucketState>> actual = influx_->GetBucket(spec);
    if (!actual.ok()) return actual.status();
    if (!actual->has_value()) {
      v1::PlanAction a = MakeAction(v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_INFLUX_BUCKET,
                                    state.company(), spec.name(), "missing in InfluxDB");
      AddChange(&a, "retention", "", RetentionText(spec.retention().seconds()));
      *a.mutable_bucket() = spec;
      out->apply.push_back(std::move(a));
      continue;
    }
    const InfluxBucketState& bucket = **actual;
    bucket_ids.emplace_back(spec.name(), bucket.id);
    v1::PlanAction a = MakeAction(v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_INFLUX_BUCKET,
                                  state.company(), spec.name(), "retention differs in InfluxDB");
    if (bucket.retention_seconds != spec.retention().seconds()) {
      AddChange(&a, "retention", RetentionText(bucket.retention_seconds),
                RetentionText(spec.retention().seconds()));
    }
    if (!bucket.retention_policy_ok) {
      AddChange(&a, "default retention policy", "(other)", spec.retention_policy());
    }
    if (a.changes_size() > 0) {
      a.set_remote_id(bucket.id);
      *a.mutable_bucket() = spec;
      out->apply.push_back(std::move(a));
    }
  }
  if (state.influx_api() != v1::INFLUX_API_V2) {
    return state.has_read_user() ? PlanReadUser(state, out) : absl::OkStatus();
  }
  return PlanReadToken(state, bucket_ids, out, token_changes);
}

absl::Status Planner::PlanReadUser(const v1::CompanyDesiredState& state, CompanyActions* out) {
  const v1::InfluxReadUserSpec& spec = state.read_user();
  auto grants_text = [](const std::map<std::string, std::string>& grants) {
    std::vector<std::string> parts;
    for (const auto& [db, privilege] : grants) parts.push_back(absl::StrCat(privilege, " ", db));
    return parts.empty() ? std::string("(none)") : absl::StrJoin(parts, ", ");
  };
  std::map<std::string, std::string> wanted;
  for (const std::string& db : spec.databases()) wanted[db] = "READ";
  absl::StatusOr<std::optional<InfluxUserState>> user = influx_->GetUser(spec.name());
  if (!user.ok()) return user.status();
  v1::PlanAction a;
  if (!user->has_value()) {
    a = MakeAction(v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_INFLUX_READ_USER, state.company(),
                   spec.name(), "missing in InfluxDB");
    AddChange(&a, "grants", "", grants_text(wanted));
  } else {
    a = MakeAction(v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_INFLUX_READ_USER, state.company(),
                   spec.name(), "");
    std::map<std::string, std::string> actual = (*user)->grants;
    if (!spec.exclusive()) {
      // A user shared by every company: only this company's databases are this plan's concern.
      for (auto it = actual.begin(); it != actual.end();) {
        it = wanted.count(it->first) ? std::next(it) : actual.erase(it);
      }
    }
    std::vector<std::string> reasons;
    if (actual != wanted) {
      AddChange(&a, "grants", grants_text(actual), grants_text(wanted));
      reasons.push_back("grants differ in InfluxDB");
    }
    if ((*user)->admin) {
      AddChange(&a, "admin", "true", "false");
      reasons.push_back("the read user is an admin");
    }
    absl::StatusOr<bool> password_ok =
        influx_->CheckPassword(spec.name(), settings_.influx.v1_read_password);
    if (!password_ok.ok()) return password_ok.status();
    if (!*password_ok) {
      AddChange(&a, "password", "(refused by InfluxDB)", "(the configured one)");
      reasons.push_back("password differs in InfluxDB");
    }
    if (a.changes_size() == 0) return absl::OkStatus();
    a.set_reason(absl::StrJoin(reasons, "; "));
  }
  *a.mutable_read_user() = spec;
  out->apply.push_back(std::move(a));
  return absl::OkStatus();
}

absl::Status Planner::PlanReadToken(
    const v1::CompanyDesiredState& state,
    const std::vector<std::pair<std::string, std::string>>& bucket_ids, CompanyActions* out,
    bool* token_changes) {
  const v1::InfluxReadTokenSpec& spec = state.read_token();
  const std::string& raw_bucket = state.buckets(0).name();
  absl::StatusOr<std::vector<InfluxAuthorization>> auths =
      influx_->FindAuthorizations(spec.description());
  if (!auths.ok()) return auths.status();
  absl::StatusOr<std::optional<StoredToken>> stored = LoadStoredToken(*store_, raw_bucket);
  if (!stored.ok()) return stored.status();

  std::map<std::string, std::string> name_of;  // bucket id -> name
  for (const auto& [name, id] : bucket_ids) name_of[id] = name;
  auto permissions_text = [&](const std::vector<std::pair<std::string, std::string>>& perms) {
    std::vector<std::string> parts;
    for (const auto& [action, id] : perms) {
      auto it = name_of.find(id);
      parts.push_back(absl::StrCat(action, ":", it != name_of.end() ? it->second : id));
    }
    std::sort(parts.begin(), parts.end());
    return parts.empty() ? std::string("(none)") : absl::StrJoin(parts, ", ");
  };
  std::vector<std::string> wanted;
  for (const std::string& name : spec.bucket_names()) wanted.push_back("read:" + name);
  std::sort(wanted.begin(), wanted.end());
  const std::string wanted_text = absl::StrJoin(wanted, ", ");

  const InfluxAuthorization* keep = nullptr;
  for (const InfluxAuthorization& a : *auths) {
    if (stored->has_value() && a.id == (*stored)->authorization_id) keep = &a;
  }
  v1::PlanAction action;
  if (keep == nullptr) {
    std::string reason = !auths->empty()       ? "the existing authorization's token is unknown to "
                                                 "PowerView (InfluxDB shows a token only once)"
                         : stored->has_value() ? "the authorization PowerView minted is gone"
                                               : "missing in InfluxDB";
    action = MakeAction(v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_INFLUX_READ_TOKEN,
                        state.company(), spec.description(), reason);
    AddChange(&action, "permissions", "", wanted_text);
  } else {
    action = MakeAction(v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_INFLUX_READ_TOKEN,
                        state.company(), spec.description(),
                        "authorization differs in InfluxDB; a new token replaces it");
    action.set_remote_id(keep->id);
    std::string actual_text = permissions_text(keep->permissions);
    if (actual_text != wanted_text) AddChange(&action, "permissions", actual_text, wanted_text);
    if (keep->status != "active") AddChange(&action, "status", keep->status, "active");
  }
  const bool replace = keep == nullptr || action.changes_size() > 0;
  if (replace) {
    *action.mutable_read_token() = spec;
    out->apply.push_back(std::move(action));
    *token_changes = true;
  }
  // Authorizations with PowerView's description other than the one it keeps are superseded
  // tokens; they go once the datasource holds the token that replaces them.
  for (const InfluxAuthorization& a : *auths) {
    if (&a == keep && !replace) continue;
    v1::PlanAction remove =
        MakeAction(v1::ACTION_TYPE_DELETE, v1::RESOURCE_KIND_INFLUX_READ_TOKEN, state.company(),
                   spec.description(), "superseded PowerView token");
    remove.set_remote_id(a.id);
    out->remove.push_back(std::move(remove));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Planner::Owned(const std::string& company, v1::ResourceKind kind,
                                    const std::string& key) {
  absl::StatusOr<std::optional<std::string>> entry = store_->Get(InventoryKey(company, kind, key));
  if (!entry.ok()) return entry.status();
  return entry->has_value();
}

void Planner::MarkTakeover(v1::PlanAction* action) const {
  action->set_takeover(true);
  std::string why = settings_.takeover
                        ? "exists, not created by PowerView: taken over (--provision-takeover)"
                        : "exists, not created by PowerView: left alone unless powerviewd runs "
                          "with --provision-takeover";
  action->set_reason(action->reason().empty() ? why : absl::StrCat(why, "; ", action->reason()));
}

absl::Status Planner::PlanRemovedCompany(const std::string& company, CompanyActions* out) {
  absl::StatusOr<std::vector<v1::PlanAction>> inventory = LoadInventory(*store_, company);
  if (!inventory.ok()) return inventory.status();
  const std::string reason = "company no longer in the catalog";
  // Dependents first: dashboards, datasource, folder (with its permissions), team (with its
  // members), then the read token. Buckets and databases keep the measurements: never deleted.
  const v1::ResourceKind order[] = {
      v1::RESOURCE_KIND_GRAFANA_DASHBOARD, v1::RESOURCE_KIND_GRAFANA_DATASOURCE,
      v1::RESOURCE_KIND_GRAFANA_FOLDER, v1::RESOURCE_KIND_GRAFANA_TEAM,
      v1::RESOURCE_KIND_INFLUX_READ_TOKEN};
  for (v1::ResourceKind kind : order) {
    for (const v1::PlanAction& item : *inventory) {
      if (item.kind() != kind) continue;
      v1::PlanAction remove = MakeAction(v1::ACTION_TYPE_DELETE, kind, company, item.key(), reason);
      remove.set_campaign(item.campaign());
      bool exists = false;
      if (kind == v1::RESOURCE_KIND_GRAFANA_DASHBOARD) {
        absl::StatusOr<std::optional<GrafanaDashboard>> d = grafana_->GetDashboard(item.key());
        if (!d.ok()) return d.status();
        exists = d->has_value();
      } else if (kind == v1::RESOURCE_KIND_GRAFANA_DATASOURCE) {
        absl::StatusOr<std::optional<GrafanaDatasource>> d = grafana_->GetDatasource(item.key());
        if (!d.ok()) return d.status();
        exists = d->has_value();
      } else if (kind == v1::RESOURCE_KIND_GRAFANA_FOLDER) {
        absl::StatusOr<std::optional<GrafanaFolder>> f = grafana_->GetFolder(item.key());
        if (!f.ok()) return f.status();
        exists = f->has_value();
      } else if (kind == v1::RESOURCE_KIND_GRAFANA_TEAM) {
        absl::StatusOr<std::optional<GrafanaTeam>> t = grafana_->FindTeam(item.key());
        if (!t.ok()) return t.status();
        exists = t->has_value();
        if (exists) remove.set_remote_id(absl::StrCat((*t)->id));
      } else if (kind == v1::RESOURCE_KIND_INFLUX_READ_TOKEN) {
        absl::StatusOr<std::vector<InfluxAuthorization>> auths =
            influx_->FindAuthorizations(item.key());
        if (!auths.ok()) return auths.status();
        for (const InfluxAuthorization& a : *auths) {
          v1::PlanAction token = remove;
          token.set_remote_id(a.id);
          out->remove.push_back(std::move(token));
        }
        continue;
      }
      if (exists) out->remove.push_back(std::move(remove));
    }
  }
  return absl::OkStatus();
}

}  // namespace powerview::provision
