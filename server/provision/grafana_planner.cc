// Planning of the Grafana resources of a company: team and members, folder and its
// permissions, datasource, dashboards.
#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rapidjson/document.h"
#include "server/provision/dashboard_model.h"
#include "server/provision/inventory.h"
#include "server/provision/json_util.h"
#include "server/provision/naming.h"
#include "server/provision/planner.h"
#include "server/provision/state_keys.h"
#include "server/provision/stored_token.h"

namespace powerview::provision {
namespace {

bool SameUser(const GrafanaUser& user, const std::string& login_or_email) {
  return absl::EqualsIgnoreCase(user.login, login_or_email) ||
         absl::EqualsIgnoreCase(user.email, login_or_email);
}

std::string MemberKey(const std::string& team, const std::string& login) {
  return absl::StrCat(team, "/", login);
}

std::string OrNone(const std::string& text) { return text.empty() ? "(none)" : text; }

std::string HashText(const std::string& sha256) {
  return sha256.empty() ? "(unknown)" : absl::StrCat("sha256:", sha256.substr(0, 12));
}

// A short text for one JSON value in a FieldChange.
std::string Summary(const rapidjson::Value* v) {
  if (v == nullptr) return "(absent)";
  if (v->IsArray()) return absl::StrCat("[", v->Size(), " items]");
  if (v->IsObject()) return absl::StrCat("{", v->MemberCount(), " keys}");
  std::string text = ToJson(*v);
  return text.size() > 80 ? absl::StrCat(text.substr(0, 77), "...") : text;
}

// One FieldChange per top-level member whose value differs between the two JSON objects.
void DiffObjects(const std::string& prefix, const std::string& actual_json,
                 const std::string& desired_json, v1::PlanAction* action) {
  rapidjson::Document actual, desired;
  actual.Parse(actual_json.data(), actual_json.size());
  desired.Parse(desired_json.data(), desired_json.size());
  if (actual.HasParseError() || !actual.IsObject()) actual.SetObject();
  if (desired.HasParseError() || !desired.IsObject()) desired.SetObject();
  std::set<std::string> keys;
  for (const auto& m : actual.GetObject()) keys.insert(m.name.GetString());
  for (const auto& m : desired.GetObject()) keys.insert(m.name.GetString());
  for (const std::string& key : keys) {
    const rapidjson::Value* a = JsonMember(actual, key.c_str());
    const rapidjson::Value* d = JsonMember(desired, key.c_str());
    if (a != nullptr && d != nullptr && CanonicalJson(*a) == CanonicalJson(*d)) continue;
    std::string old_text = Summary(a), new_text = Summary(d);
    if (old_text == new_text) new_text += " (changed)";
    AddChange(action, prefix + key, old_text, new_text);
  }
}

std::string HashTag(const std::string& model_json) {
  rapidjson::Document doc;
  doc.Parse(model_json.data(), model_json.size());
  if (doc.HasParseError()) return "";
  const rapidjson::Value* tags = JsonMember(doc, "tags");
  if (tags == nullptr || !tags->IsArray()) return "";
  for (const auto& t : tags->GetArray()) {
    if (t.IsString() && absl::StartsWith(t.GetString(), kHashTagPrefix)) return t.GetString();
  }
  return "";
}

}  // namespace

absl::Status Planner::PlanTeam(const v1::CompanyDesiredState& state, bool prune,
                               CompanyActions* out, int64_t* team_id) {
  const v1::GrafanaTeamSpec& spec = state.team();
  auto member_action = [&](v1::ActionType type, const std::string& login,
                           const std::string& reason) {
    v1::PlanAction a = MakeAction(type, v1::RESOURCE_KIND_GRAFANA_TEAM_MEMBER, state.company(),
                                  MemberKey(spec.name(), login), reason);
    a.mutable_team()->set_name(spec.name());
    a.mutable_team()->add_member_logins(login);
    return a;
  };
  absl::StatusOr<std::optional<GrafanaTeam>> team = grafana_->FindTeam(spec.name());
  if (!team.ok()) return team.status();
  if (!team->has_value()) {
    v1::PlanAction a = MakeAction(v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_TEAM,
                                  state.company(), spec.name(), "missing in Grafana");
    *a.mutable_team() = spec;
    out->apply.push_back(std::move(a));
    for (const std::string& login : spec.member_logins()) {
      out->members.push_back(member_action(v1::ACTION_TYPE_CREATE, login, "new team"));
    }
    return absl::OkStatus();
  }
  *team_id = (*team)->id;
  absl::StatusOr<bool> owned = Owned(state.company(), v1::RESOURCE_KIND_GRAFANA_TEAM, spec.name());
  if (!owned.ok()) return owned.status();
  if (!*owned) {
    v1::PlanAction a = MakeAction(v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_TEAM,
                                  state.company(), spec.name(), "");
    MarkTakeover(&a);
    *a.mutable_team() = spec;
    out->apply.push_back(std::move(a));
  }
  absl::StatusOr<std::vector<GrafanaUser>> members = grafana_->ListTeamMembers(*team_id);
  if (!members.ok()) return members.status();
  auto is_member = [&](const std::string& login) -> const GrafanaUser* {
    for (const GrafanaUser& m : *members) {
      if (SameUser(m, login)) return &m;
    }
    return nullptr;
  };
  for (const std::string& login : spec.member_logins()) {
    if (is_member(login) == nullptr) {
      out->members.push_back(member_action(
          v1::ACTION_TYPE_CREATE, login, absl::StrCat("not a member of team '", spec.name(), "'")));
    }
  }
  if (!prune) return absl::OkStatus();
  // Members PowerView added that the settings no longer list. Members added by hand are not
  // PowerView's and stay.
  absl::StatusOr<std::vector<v1::PlanAction>> inventory = LoadInventory(*store_, state.company());
  if (!inventory.ok()) return inventory.status();
  for (const v1::PlanAction& item : *inventory) {
    if (item.kind() != v1::RESOURCE_KIND_GRAFANA_TEAM_MEMBER || !item.has_team() ||
        item.team().name() != spec.name() || item.team().member_logins().empty()) {
      continue;
    }
    const std::string& login = item.team().member_logins(0);
    bool wanted =
        std::any_of(spec.member_logins().begin(), spec.member_logins().end(),
                    [&](const std::string& l) { return absl::EqualsIgnoreCase(l, login); });
    const GrafanaUser* member = is_member(login);
    if (wanted || member == nullptr) continue;
    v1::PlanAction a =
        member_action(v1::ACTION_TYPE_DELETE, login, "no longer in the team_members setting");
    a.set_remote_id(absl::StrCat(member->id));
    out->remove.push_back(std::move(a));
  }
  return absl::OkStatus();
}

absl::Status Planner::PlanFolder(const v1::CompanyDesiredState& state, int64_t team_id,
                                 CompanyActions* out, bool* folder_exists) {
  const v1::GrafanaFolderSpec& spec = state.folder();
  absl::StatusOr<std::optional<GrafanaFolder>> folder = grafana_->GetFolder(spec.uid());
  if (!folder.ok()) return folder.status();
  *folder_exists = folder->has_value();
  if (!*folder_exists) {
    v1::PlanAction a = MakeAction(v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_FOLDER,
                                  state.company(), spec.uid(), "missing in Grafana");
    AddChange(&a, "title", "", JsonQuote(spec.title()));
    *a.mutable_folder() = spec;
    out->apply.push_back(std::move(a));
  } else {
    absl::StatusOr<bool> owned =
        Owned(state.company(), v1::RESOURCE_KIND_GRAFANA_FOLDER, spec.uid());
    if (!owned.ok()) return owned.status();
    const bool retitle = (*folder)->title != spec.title();
    if (retitle || !*owned) {
      v1::PlanAction a =
          MakeAction(v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_FOLDER, state.company(),
                     spec.uid(), retitle ? "title differs in Grafana" : "");
      if (retitle) AddChange(&a, "title", JsonQuote((*folder)->title), JsonQuote(spec.title()));
      if (!*owned) MarkTakeover(&a);
      *a.mutable_folder() = spec;
      out->apply.push_back(std::move(a));
    }
  }

  const v1::GrafanaFolderPermissionsSpec& perms = state.folder_permissions();
  std::vector<GrafanaPermission> actual;
  if (*folder_exists && team_id != 0) {
    absl::StatusOr<std::vector<GrafanaPermission>> list =
        grafana_->ListFolderPermissions(spec.uid());
    if (!list.ok()) return list.status();
    actual = *std::move(list);
  }
  const bool fresh = !*folder_exists || team_id == 0;
  v1::PlanAction a = MakeAction(
      fresh ? v1::ACTION_TYPE_CREATE : v1::ACTION_TYPE_UPDATE,
      v1::RESOURCE_KIND_GRAFANA_FOLDER_PERMISSIONS, state.company(), spec.uid(),
      fresh ? (*folder_exists ? "new team" : "new folder") : "permissions differ in Grafana");
  for (const v1::GrafanaPermissionEntry& entry : perms.entries()) {
    std::string current;
    if (!fresh) {
      for (const GrafanaPermission& p : actual) {
        if (!p.managed || p.inherited) continue;
        bool same = entry.team_name().empty() ? p.built_in_role == entry.built_in_role()
                                              : p.team_id == team_id;
        if (same) current = p.permission;
      }
    } else if (!entry.built_in_role().empty()) {
      current = "(default)";  // a new folder grants Viewer and Editor by default
    }
    if (current == entry.permission()) continue;
    std::string who = entry.team_name().empty() ? absl::StrCat("role ", entry.built_in_role())
                                                : absl::StrCat("team ", entry.team_name());
    AddChange(&a, who, OrNone(current), OrNone(entry.permission()));
  }
  if (a.changes_size() > 0) {
    *a.mutable_folder_permissions() = perms;
    out->apply.push_back(std::move(a));
  }
  return absl::OkStatus();
}

absl::Status Planner::PlanDatasource(const v1::CompanyDesiredState& state, bool token_changes,
                                     CompanyActions* out) {
  v1::GrafanaDatasourceSpec spec = state.datasource();
  if (state.influx_api() == v1::INFLUX_API_V2 && !token_changes) {
    absl::StatusOr<std::optional<StoredToken>> stored =
        LoadStoredToken(*store_, state.buckets(0).name());
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) spec.set_secret_sha256(Sha256Hex((*stored)->token));
  }
  const std::string new_secret = token_changes ? "(new token)" : HashText(spec.secret_sha256());
  absl::StatusOr<std::optional<GrafanaDatasource>> actual = grafana_->GetDatasource(spec.uid());
  if (!actual.ok()) return actual.status();
  if (!actual->has_value()) {
    v1::PlanAction a = MakeAction(v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_DATASOURCE,
                                  state.company(), spec.uid(), "missing in Grafana");
    AddChange(&a, "url", "", JsonQuote(spec.url()));
    *a.mutable_datasource() = spec;
    out->apply.push_back(std::move(a));
    return absl::OkStatus();
  }
  const GrafanaDatasource& ds = **actual;
  v1::PlanAction a = MakeAction(v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_DATASOURCE,
                                state.company(), spec.uid(), "");
  a.set_remote_id(absl::StrCat(ds.id));
  auto compare = [&a](const std::string& field, const std::string& actual_value,
                      const std::string& desired_value) {
    if (actual_value != desired_value) {
      AddChange(&a, field, JsonQuote(actual_value), JsonQuote(desired_value));
    }
  };
  compare("name", ds.name, spec.name());
  compare("type", ds.type, "influxdb");
  compare("access", ds.access, "proxy");
  compare("url", ds.url, spec.url());
  compare("user", ds.user, spec.user());
  if (ds.basic_auth) AddChange(&a, "basicAuth", "true", "false");
  DiffObjects("jsonData.", ds.json_data, spec.json_data(), &a);
  std::vector<std::string> drifted;
  for (const v1::FieldChange& c : a.changes()) drifted.push_back(c.field());
  if (!spec.secret_key().empty()) {
    const std::string field = absl::StrCat("secureJsonData.", spec.secret_key());
    absl::StatusOr<std::optional<std::string>> applied = store_->Get(SecretHashKey(spec.uid()));
    if (!applied.ok()) return applied.status();
    std::string applied_hash = applied->value_or("");
    if (!ds.secure_fields.count(spec.secret_key())) {
      AddChange(&a, field, "(missing)", new_secret);
      drifted.push_back(field);
    } else if (token_changes || applied_hash != spec.secret_sha256()) {
      AddChange(&a, field, HashText(applied_hash), new_secret);
    }
  }
  absl::StatusOr<bool> owned =
      Owned(state.company(), v1::RESOURCE_KIND_GRAFANA_DATASOURCE, spec.uid());
  if (!owned.ok()) return owned.status();
  if (a.changes_size() == 0 && *owned) return absl::OkStatus();
  std::string reason = a.changes_size() == 0 ? ""
                       : drifted.empty()
                           ? "secret differs from the one PowerView applied"
                           : absl::StrCat("differs in Grafana: ", absl::StrJoin(drifted, ", "));
  if (ds.read_only) {
    absl::StrAppend(&reason,
                    "; the datasource is read-only (file-provisioned): Grafana refuses "
                    "changes");
  }
  a.set_reason(reason);
  if (!*owned) MarkTakeover(&a);
  *a.mutable_datasource() = spec;
  out->apply.push_back(std::move(a));
  return absl::OkStatus();
}

absl::Status Planner::PlanDashboards(const v1::CompanyDesiredState& state, bool /*folder_exists*/,
                                     bool prune_dashboards, CompanyActions* out) {
  absl::StatusOr<std::vector<v1::PlanAction>> inventory = LoadInventory(*store_, state.company());
  if (!inventory.ok()) return inventory.status();
  std::set<std::string> recorded;
  for (const v1::PlanAction& item : *inventory) {
    if (item.kind() == v1::RESOURCE_KIND_GRAFANA_DASHBOARD) recorded.insert(item.key());
  }
  std::set<std::string> desired_uids;
  for (const v1::GrafanaDashboardSpec& spec : state.dashboards()) {
    desired_uids.insert(spec.uid());
    absl::StatusOr<std::optional<GrafanaDashboard>> actual = grafana_->GetDashboard(spec.uid());
    if (!actual.ok()) return actual.status();
    v1::PlanAction a;
    if (!actual->has_value()) {
      a = MakeAction(v1::ACTION_TYPE_CREATE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD, state.company(),
                     spec.uid(),
                     recorded.count(spec.uid()) ? "deleted in Grafana" : "new campaign");
      AddChange(&a, "title", "", JsonQuote(spec.title()));
    } else {
      const GrafanaDashboard& dashboard = **actual;
      a = MakeAction(v1::ACTION_TYPE_UPDATE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD, state.company(),
                     spec.uid(), "");
      if (dashboard.folder_uid != spec.folder_uid()) {
        AddChange(&a, "folder", JsonQuote(dashboard.folder_uid), JsonQuote(spec.folder_uid()));
      }
      if (dashboard.model_json != spec.model_json()) {
        DiffObjects("", dashboard.model_json, spec.model_json(), &a);
      }
      const bool owned = recorded.count(spec.uid()) > 0;
      if (a.changes_size() == 0 && owned) continue;
      std::string actual_tag = HashTag(dashboard.model_json);
      std::string desired_tag = HashTag(spec.model_json());
      if (a.changes_size() == 0) {
        // Unchanged, only not PowerView's yet.
      } else if (dashboard.provisioned) {
        a.set_reason("file-provisioned in Grafana: Grafana refuses changes");
      } else if (actual_tag.empty()) {
        a.set_reason("not made by PowerView (no content hash tag)");
      } else if (actual_tag == desired_tag) {
        a.set_reason("edited in Grafana");
      } else {
        a.set_reason("desired dashboard changed (devices, channels, settings or template)");
      }
      if (!owned) MarkTakeover(&a);
    }
    a.set_campaign(spec.campaign());
    *a.mutable_dashboard() = spec;
    out->apply.push_back(std::move(a));
  }
  if (!prune_dashboards) return absl::OkStatus();
  // Only dashboards PowerView created are candidates: a copy a user saved from one of them
  // keeps its tags but was never in the inventory.
  std::set<std::string> candidates;
  for (const std::string& uid : recorded) {
    if (desired_uids.count(uid)) continue;
    absl::StatusOr<std::optional<GrafanaDashboard>> d = grafana_->GetDashboard(uid);
    if (!d.ok()) return d.status();
    if (d->has_value()) candidates.insert(uid);
  }
  for (const std::string& uid : candidates) {
    if (desired_uids.count(uid)) continue;
    out->remove.push_back(MakeAction(v1::ACTION_TYPE_DELETE, v1::RESOURCE_KIND_GRAFANA_DASHBOARD,
                                     state.company(), uid, "campaign no longer in the catalog"));
  }
  return absl::OkStatus();
}

}  // namespace powerview::provision
