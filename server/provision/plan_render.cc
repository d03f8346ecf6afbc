#include "server/provision/plan_render.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/provision/json_util.h"
#include "server/provision/naming.h"

namespace powerview::provision {
namespace {

std::string Deterministic(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string ScopeText(const v1::ProvisionScope& scope) {
  std::string text;
  switch (scope.kind()) {
    case v1::PROVISION_SCOPE_KIND_COMPANY:
      text = absl::StrCat("company ", JsonQuote(scope.company()));
      break;
    case v1::PROVISION_SCOPE_KIND_CAMPAIGN:
      text = absl::StrCat("campaign ", JsonQuote(scope.campaign()), " of company ",
                          JsonQuote(scope.company()));
      break;
    default:
      text = "all companies";
  }
  return absl::StrCat(text, scope.prune() ? ", prune on" : ", prune off");
}

}  // namespace

std::string ActionTypeName(v1::ActionType type) {
  switch (type) {
    case v1::ACTION_TYPE_CREATE:
      return "create";
    case v1::ACTION_TYPE_UPDATE:
      return "update";
    case v1::ACTION_TYPE_DELETE:
      return "delete";
    default:
      return "unknown";
  }
}

std::string ResourceKindName(v1::ResourceKind kind) {
  switch (kind) {
    case v1::RESOURCE_KIND_INFLUX_BUCKET:
      return "influx bucket";
    case v1::RESOURCE_KIND_INFLUX_READ_TOKEN:
      return "influx read token";
    case v1::RESOURCE_KIND_INFLUX_READ_USER:
      return "influx read user";
    case v1::RESOURCE_KIND_GRAFANA_TEAM:
      return "grafana team";
    case v1::RESOURCE_KIND_GRAFANA_TEAM_MEMBER:
      return "grafana team member";
    case v1::RESOURCE_KIND_GRAFANA_FOLDER:
      return "grafana folder";
    case v1::RESOURCE_KIND_GRAFANA_FOLDER_PERMISSIONS:
      return "grafana folder permissions";
    case v1::RESOURCE_KIND_GRAFANA_DATASOURCE:
      return "grafana datasource";
    case v1::RESOURCE_KIND_GRAFANA_DASHBOARD:
      return "grafana dashboard";
    default:
      return "resource";
  }
}

std::string RenderPlan(const v1::Plan& plan) {
  std::string out = absl::StrCat("Plan for ", ScopeText(plan.scope()), "\n");
  if (plan.actions().empty()) return absl::StrCat(out, "No changes.\n");
  int creates = 0, updates = 0, deletes = 0;
  std::string company;
  bool first = true;
  for (const v1::PlanAction& a : plan.actions()) {
    if (first || a.company() != company) {
      company = a.company();
      absl::StrAppend(&out, "company ", JsonQuote(company), "\n");
      first = false;
    }
    char sign = '~';
    if (a.type() == v1::ACTION_TYPE_CREATE) {
      sign = '+';
      ++creates;
    } else if (a.type() == v1::ACTION_TYPE_DELETE) {
      sign = '-';
      ++deletes;
    } else {
      ++updates;
    }
    absl::StrAppend(&out, "  ", std::string(1, sign), " ", ResourceKindName(a.kind()), " ",
                    JsonQuote(a.key()));
    if (!a.remote_id().empty() && a.type() == v1::ACTION_TYPE_DELETE) {
      absl::StrAppend(&out, " [", a.remote_id(), "]");
    }
    if (a.takeover()) absl::StrAppend(&out, " [take over]");
    absl::StrAppend(&out, "  (", a.reason(), ")\n");
    for (const v1::FieldChange& c : a.changes()) {
      absl::StrAppend(&out, "      ", c.field(), ": ", c.old_value(), " -> ", c.new_value(), "\n");
    }
  }
  absl::StrAppendFormat(&out, "%d to create, %d to update, %d to delete.\n", creates, updates,
                        deletes);
  return out;
}

std::string PlanFingerprint(const v1::Plan& plan) {
  std::string material = Deterministic(plan.scope());
  for (const v1::PlanAction& action : plan.actions()) {
    std::string bytes = Deterministic(action);
    absl::StrAppend(&material, bytes.size(), ":", bytes);
  }
  return Sha256Hex(material);
}

std::string DescribeOutcome(const v1::ActionOutcome& outcome) {
  const char* status = "unknown";
  switch (outcome.status()) {
    case v1::ACTION_STATUS_APPLIED:
      status = "applied";
      break;
    case v1::ACTION_STATUS_FAILED:
      status = "failed";
      break;
    case v1::ACTION_STATUS_SKIPPED:
      status = "skipped";
      break;
    default:
      break;
  }
  std::string line =
      absl::StrCat(ActionTypeName(outcome.type()), " ", ResourceKindName(outcome.kind()), " ",
                   outcome.key(), ": ", status);
  if (!outcome.error().empty()) absl::StrAppend(&line, " (", outcome.error(), ")");
  return line;
}

}  // namespace powerview::provision
