#include "server/provision/applier.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "server/common/log.h"
#include "server/provision/inventory.h"
#include "server/provision/naming.h"
#include "server/provision/plan_render.h"
#include "server/provision/state_keys.h"
#include "server/provision/stored_token.h"

namespace powerview::provision {
namespace {

absl::Status SaveJson(ProvisionStore& store, const std::string& key,
                      const google::protobuf::Message& message) {
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json);
  if (!status.ok()) return absl::InternalError(absl::StrCat(key, ": ", status.ToString()));
  return store.Put(key, json);
}

}  // namespace

Applier::Applier(const ProvisionSettings& settings, GrafanaClient* grafana, InfluxAdmin* influx,
                 ProvisionStore* store)
    : settings_(settings), grafana_(grafana), influx_(influx), store_(store) {}

absl::StatusOr<v1::ApplyResult> Applier::Apply(const v1::Plan& plan,
                                               const ProgressCallback& progress) {
  org_users_.reset();
  v1::ApplyResult result;
  result.set_plan_fingerprint(plan.fingerprint());
  result.mutable_started_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  if (absl::Status s = SaveJson(*store_, kLastPlanKey, plan); !s.ok()) return s;
  std::set<std::string> failed_companies;
  for (int i = 0; i < plan.actions_size(); ++i) {
    const v1::PlanAction& action = plan.actions(i);
    v1::ActionOutcome* outcome = result.add_outcomes();
    outcome->set_index(i);
    outcome->set_kind(action.kind());
    outcome->set_type(action.type());
    outcome->set_company(action.company());
    outcome->set_key(action.key());
    if (failed_companies.count(action.company())) {
      outcome->set_status(v1::ACTION_STATUS_SKIPPED);
      outcome->set_error("an earlier action of this company failed");
      result.set_skipped(result.skipped() + 1);
    } else if (absl::Status s = ApplyAction(action); s.ok()) {
      outcome->set_status(v1::ACTION_STATUS_APPLIED);
      result.set_applied(result.applied() + 1);
      PV_LOG_INFO("provision", "%s %s '%s' of company '%s': done", ActionTypeName(action.type()),
                  ResourceKindName(action.kind()), action.key(), action.company());
    } else {
      outcome->set_status(v1::ACTION_STATUS_FAILED);
      outcome->set_error(std::string(s.message()));
      result.set_failed(result.failed() + 1);
      failed_companies.insert(action.company());
      PV_LOG_ERROR("provision", "%s %s '%s' of company '%s' failed: %s",
                   ActionTypeName(action.type()), ResourceKindName(action.kind()), action.key(),
                   action.company(), s.message());
    }
    if (progress) progress(*outcome, plan.actions_size());
  }
  result.mutable_finished_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  if (absl::Status s = SaveJson(*store_, kLastResultKey, result); !s.ok()) return s;
  return result;
}

absl::Status Applier::ApplyAction(const v1::PlanAction& action) {
  if (action.takeover() && !settings_.takeover) {
    return absl::FailedPreconditionError(
        absl::StrCat(ResourceKindName(action.kind()), " '", action.key(),
                     "' exists but PowerView did not create it; delete or rename it, or start "
                     "powerviewd with --provision-takeover to let PowerView manage it"));
  }
  absl::Status status;
  switch (action.kind()) {
    case v1::RESOURCE_KIND_INFLUX_BUCKET:
      status = ApplyBucket(action);
      break;
    case v1::RESOURCE_KIND_INFLUX_READ_TOKEN:
      status = ApplyReadToken(action);
      break;
    case v1::RESOURCE_KIND_INFLUX_READ_USER:
      if (action.type() == v1::ACTION_TYPE_DELETE) {
        return absl::InvalidArgumentError("PowerView does not delete InfluxDB users");
      }
      status = influx_->EnsureReadUser(
          action.read_user().name(), settings_.influx.v1_read_password,
          {action.read_user().databases().begin(), action.read_user().databases().end()},
          action.read_user().exclusive());
      break;
    case v1::RESOURCE_KIND_GRAFANA_TEAM:
      status = ApplyTeam(action);
      break;
    case v1::RESOURCE_KIND_GRAFANA_TEAM_MEMBER:
      status = ApplyTeamMember(action);
      break;
    case v1::RESOURCE_KIND_GRAFANA_FOLDER:
      status = ApplyFolder(action);
      break;
    case v1::RESOURCE_KIND_GRAFANA_FOLDER_PERMISSIONS:
      status = ApplyFolderPermissions(action);
      break;
    case v1::RESOURCE_KIND_GRAFANA_DATASOURCE:
      status = ApplyDatasource(action);
      break;
    case v1::RESOURCE_KIND_GRAFANA_DASHBOARD:
      status = ApplyDashboard(action);
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("plan action with unknown resource kind ", action.kind()));
  }
  if (!status.ok()) return status;
  if (action.type() == v1::ACTION_TYPE_DELETE) {
    // A superseded token shares its inventory entry (the description) with the kept one.
    if (action.kind() == v1::RESOURCE_KIND_INFLUX_READ_TOKEN) {
      absl::StatusOr<std::vector<InfluxAuthorization>> left =
          influx_->FindAuthorizations(action.key());
      if (!left.ok()) return left.status();
      if (!left->empty()) return absl::OkStatus();
    }
    return ForgetInventory(*store_, action);
  }
  if (action.kind() == v1::RESOURCE_KIND_GRAFANA_FOLDER_PERMISSIONS) return absl::OkStatus();
  return RecordInventory(*store_, action);
}

absl::Status Applier::ApplyBucket(const v1::PlanAction& action) {
  if (action.type() == v1::ACTION_TYPE_DELETE) {
    return absl::InvalidArgumentError("PowerView never deletes buckets or databases");
  }
  const v1::InfluxBucketSpec& spec = action.bucket();
  absl::StatusOr<std::optional<InfluxBucketState>> state = influx_->GetBucket(spec);
  if (!state.ok()) return state.status();
  InfluxBucketState bucket;
  if (state->has_value()) {
    bucket = **state;
  } else {
    absl::StatusOr<InfluxBucketState> created = influx_->CreateBucket(spec);
    if (!created.ok()) return created.status();
    bucket = *created;
  }
  if (bucket.retention_seconds == spec.retention().seconds() && bucket.retention_policy_ok) {
    return absl::OkStatus();
  }
  return influx_->EnsureRetention(bucket, spec);
}

absl::Status Applier::ApplyReadToken(const v1::PlanAction& action) {
  if (action.type() == v1::ACTION_TYPE_DELETE) {
    if (absl::Status s = influx_->DeleteAuthorization(action.remote_id()); !s.ok()) return s;
    // Forget a stored token that pointed at the deleted authorization.
    absl::StatusOr<std::map<std::string, std::string>> tokens = store_->List(TokenKey(""));
    if (!tokens.ok()) return tokens.status();
    for (const auto& [key, value] : *tokens) {
      absl::StatusOr<std::optional<StoredToken>> stored =
          LoadStoredToken(*store_, key.substr(TokenKey("").size()));
      if (!stored.ok()) return stored.status();
      if (stored->has_value() && (*stored)->authorization_id == action.remote_id()) {
        if (absl::Status s = store_->Delete(key); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }
  const v1::InfluxReadTokenSpec& spec = action.read_token();
  std::vector<std::string> ids;
  for (const std::string& name : spec.bucket_names()) {
    v1::InfluxBucketSpec bucket;
    bucket.set_name(name);
    absl::StatusOr<std::optional<InfluxBucketState>> state = influx_->GetBucket(bucket);
    if (!state.ok()) return state.status();
    if (!state->has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("influxdb: bucket '", name, "' does not exist, so no token can read it"));
    }
    ids.push_back((*state)->id);
  }
  // Applying the same plan again must not mint again: keep a stored token whose
  // authorization already grants exactly these reads.
  absl::StatusOr<std::optional<StoredToken>> stored =
      LoadStoredToken(*store_, spec.bucket_names(0));
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    std::vector<std::pair<std::string, std::string>> wanted;
    for (const std::string& id : ids) wanted.emplace_back("read", id);
    std::sort(wanted.begin(), wanted.end());
    absl::StatusOr<std::vector<InfluxAuthorization>> auths =
        influx_->FindAuthorizations(spec.description());
    if (!auths.ok()) return auths.status();
    for (const InfluxAuthorization& a : *auths) {
      if (a.id == (*stored)->authorization_id && a.status == "active" && a.permissions == wanted) {
        return absl::OkStatus();
      }
    }
  }
  // The token must be kept before anything else can fail: InfluxDB will not show it again.
  absl::StatusOr<MintedToken> minted = influx_->CreateReadAuthorization(spec.description(), ids);
  if (!minted.ok()) return minted.status();
  return SaveStoredToken(*store_, spec.bucket_names(0),
                         StoredToken{minted->authorization_id, minted->token, spec.description()});
}

absl::StatusOr<int64_t> Applier::TeamId(const std::string& team_name) {
  absl::StatusOr<std::optional<GrafanaTeam>> team = grafana_->FindTeam(team_name);
  if (!team.ok()) return team.status();
  if (!team->has_value()) {
    return absl::NotFoundError(absl::StrCat("grafana: team '", team_name, "' does not exist"));
  }
  return (*team)->id;
}

absl::StatusOr<int64_t> Applier::UserId(const std::string& login_or_email) {
  if (!org_users_.has_value()) {
    absl::StatusOr<std::vector<GrafanaUser>> users = grafana_->ListOrgUsers();
    if (!users.ok()) return users.status();
    org_users_ = *std::move(users);
  }
  for (const GrafanaUser& u : *org_users_) {
    if (absl::EqualsIgnoreCase(u.login, login_or_email) ||
        absl::EqualsIgnoreCase(u.email, login_or_email)) {
      return u.id;
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "grafana: user '", login_or_email, "' is not a member of org ", settings_.grafana.org_id,
      "; add the user to the org, or remove it from the team_members setting"));
}

absl::Status Applier::ApplyTeam(const v1::PlanAction& action) {
  if (action.type() == v1::ACTION_TYPE_DELETE) {
    absl::StatusOr<std::optional<GrafanaTeam>> team = grafana_->FindTeam(action.key());
    if (!team.ok()) return team.status();
    if (!team->has_value()) return absl::OkStatus();
    return grafana_->DeleteTeam((*team)->id);
  }
  absl::StatusOr<std::optional<GrafanaTeam>> team = grafana_->FindTeam(action.team().name());
  if (!team.ok()) return team.status();
  if (team->has_value()) return absl::OkStatus();
  return grafana_->CreateTeam(action.team().name()).status();
}

absl::Status Applier::ApplyTeamMember(const v1::PlanAction& action) {
  if (action.team().member_logins().empty()) {
    return absl::InvalidArgumentError("team member action without a login");
  }
  absl::StatusOr<int64_t> team_id = TeamId(action.team().name());
  if (!team_id.ok()) {
    if (action.type() == v1::ACTION_TYPE_DELETE && absl::IsNotFound(team_id.status())) {
      return absl::OkStatus();
    }
    return team_id.status();
  }
  const std::string& login = action.team().member_logins(0);
  if (action.type() == v1::ACTION_TYPE_DELETE) {
    int64_t user_id = 0;
    if (!absl::SimpleAtoi(action.remote_id(), &user_id)) {
      absl::StatusOr<int64_t> id = UserId(login);
      if (!id.ok()) return id.status();
      user_id = *id;
    }
    return grafana_->RemoveTeamMember(*team_id, user_id);
  }
  absl::StatusOr<int64_t> user_id = UserId(login);
  if (!user_id.ok()) return user_id.status();
  return grafana_->AddTeamMember(*team_id, *user_id);
}

absl::Status Applier::ApplyFolder(const v1::PlanAction& action) {
  if (action.type() == v1::ACTION_TYPE_DELETE) return grafana_->DeleteFolder(action.key());
  const v1::GrafanaFolderSpec& spec = action.folder();
  absl::StatusOr<std::optional<GrafanaFolder>> folder = grafana_->GetFolder(spec.uid());
  if (!folder.ok()) return folder.status();
  if (!folder->has_value()) {
    if (absl::Status s = grafana_->CreateFolder(spec.uid(), spec.title()); !s.ok()) return s;
    folder = grafana_->GetFolder(spec.uid());
    if (!folder.ok()) return folder.status();
    if (!folder->has_value()) {
      return absl::InternalError(
          absl::StrCat("grafana: folder '", spec.uid(), "' is missing right after its creation"));
    }
  }
  if ((*folder)->title == spec.title()) return absl::OkStatus();
  return grafana_->UpdateFolderTitle(spec.uid(), spec.title());
}

absl::Status Applier::ApplyFolderPermissions(const v1::PlanAction& action) {
  const v1::GrafanaFolderPermissionsSpec& spec = action.folder_permissions();
  std::vector<GrafanaPermissionChange> changes;
  for (const v1::GrafanaPermissionEntry& entry : spec.entries()) {
    GrafanaPermissionChange change;
    change.permission = entry.permission();
    if (!entry.team_name().empty()) {
      absl::StatusOr<int64_t> team_id = TeamId(entry.team_name());
      if (!team_id.ok()) return team_id.status();
      change.team_id = *team_id;
    } else {
      change.built_in_role = entry.built_in_role();
    }
    changes.push_back(std::move(change));
  }
  return grafana_->SetFolderPermissions(spec.folder_uid(), changes);
}

absl::StatusOr<std::string> Applier::Secret(const v1::GrafanaDatasourceSpec& spec) {
  if (spec.secret_ref() == kV1PasswordSecretRef) return settings_.influx.v1_read_password;
  const std::string prefix = "store:";
  if (!absl::StartsWith(spec.secret_ref(), prefix)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "datasource '", spec.uid(), "': unknown secret reference '", spec.secret_ref(), "'"));
  }
  const std::string key = spec.secret_ref().substr(prefix.size());
  const std::string bucket = key.substr(TokenKey("").size());
  absl::StatusOr<std::optional<StoredToken>> token = LoadStoredToken(*store_, bucket);
  if (!token.ok()) return token.status();
  if (!token->has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no InfluxDB read token for bucket '", bucket,
        "' in the provisioning store; the token action of this company must run first"));
  }
  return (*token)->token;
}

absl::Status Applier::ApplyDatasource(const v1::PlanAction& action) {
  if (action.type() == v1::ACTION_TYPE_DELETE) {
    if (absl::Status s = grafana_->DeleteDatasource(action.key()); !s.ok()) return s;
    return store_->Delete(SecretHashKey(action.key()));
  }
  const v1::GrafanaDatasourceSpec& spec = action.datasource();
  GrafanaDatasourceWrite write;
  write.uid = spec.uid();
  write.name = spec.name();
  write.url = spec.url();
  write.user = spec.user();
  write.json_data = spec.json_data();
  std::string secret_hash;
  if (!spec.secret_key().empty()) {
    absl::StatusOr<std::string> secret = Secret(spec);
    if (!secret.ok()) return secret.status();
    write.secure_json_data.emplace_back(spec.secret_key(), *secret);
    secret_hash = Sha256Hex(*secret);
  }
  absl::StatusOr<std::optional<GrafanaDatasource>> existing = grafana_->GetDatasource(spec.uid());
  if (!existing.ok()) return existing.status();
  absl::Status status;
  if (existing->has_value()) {
    // Grafana makes the first datasource of an org its default; keep whatever it decided.
    write.is_default = (*existing)->is_default;
    status = grafana_->ReplaceDatasource(write);
  } else {
    status = grafana_->CreateDatasource(write);
  }
  if (!status.ok()) return status;
  if (secret_hash.empty()) return store_->Delete(SecretHashKey(spec.uid()));
  return store_->Put(SecretHashKey(spec.uid()), secret_hash);
}

absl::Status Applier::ApplyDashboard(const v1::PlanAction& action) {
  if (action.type() == v1::ACTION_TYPE_DELETE) return grafana_->DeleteDashboard(action.key());
  const v1::GrafanaDashboardSpec& spec = action.dashboard();
  return grafana_->SaveDashboard(spec.model_json(), spec.folder_uid(),
                                 absl::StrCat("PowerView: campaign ", spec.campaign(), " (sha256 ",
                                              spec.content_sha256().substr(0, 12), ")"));
}

}  // namespace powerview::provision
