// `powerviewctl plan` and `powerviewctl apply`: what provisioning would change in InfluxDB and
// Grafana, shown like a diff, and the apply of exactly that plan.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/powerviewctl/admin_client.h"
#include "client/powerviewctl/admin_format.h"
#include "client/powerviewctl/commands.h"
#include "server/provision/plan_render.h"

namespace powerview::ctl {
namespace {

struct ScopeFlags {
  std::string company;
  std::string campaign;
  bool prune = false;
};

void AddScopeFlags(FlagSet* flags, ScopeFlags* scope) {
  flags->String("company", &scope->company, "Only this company (default: every company)");
  flags->String("campaign", &scope->campaign,
                "Only this campaign's dashboard and what it needs (with --company, or "
                "COMPANY/CAMPAIGN)");
  flags->Bool("prune", &scope->prune,
              "Also delete what PowerView provisioned and the catalog no longer has");
}

v1::ProvisionScope ToScope(ScopeFlags flags) {
  if (size_t slash = flags.campaign.find('/');
      slash != std::string::npos && flags.company.empty()) {
    flags.company = flags.campaign.substr(0, slash);
    flags.campaign = flags.campaign.substr(slash + 1);
  }
  v1::ProvisionScope scope;
  scope.set_company(flags.company);
  scope.set_campaign(flags.campaign);
  scope.set_prune(flags.prune);
  return scope;  // the server infers the kind from the names
}

// The plan as the provisioning stage renders it (a diff: `+` create, `~` update with the
// fields that differ, `-` delete), coloured on a terminal, and its fingerprint.
void PrintPlan(const v1::Plan& plan, std::FILE* out) {
  bool color = IsTerminal(out) && std::getenv("NO_COLOR") == nullptr;
  for (absl::string_view line : absl::StrSplit(provision::RenderPlan(plan), '\n')) {
    if (line.empty()) continue;
    absl::string_view text = absl::StripLeadingAsciiWhitespace(line);
    const char* code = nullptr;
    if (absl::StartsWith(text, "+ ")) code = "32";
    if (absl::StartsWith(text, "~ ")) code = "33";
    if (absl::StartsWith(text, "- ")) code = "31";
    if (color && code != nullptr) {
      std::fprintf(out, "\033[%sm%s\033[0m\n", code, std::string(line).c_str());
    } else {
      std::fprintf(out, "%s\n", std::string(line).c_str());
    }
  }
  if (!plan.actions().empty()) {
    std::fprintf(out, "fingerprint %s\n", plan.fingerprint().c_str());
  }
}

int RunPlan(const std::vector<std::string>& args) {
  AdminFlags admin;
  ScopeFlags scope_flags;
  FlagSet flags("powerviewctl plan", "[--company C] [--campaign K] [--prune] [flags]",
                "Shows what provisioning would create, update or delete in InfluxDB and Grafana\n"
                "for the catalog as it is now, with the reason of each action and the fields that\n"
                "differ. Changes nothing. Exits 0 when there is nothing to do and 4 when the plan\n"
                "is not empty; `powerviewctl apply` applies it." +
                    AdminHelpFooter());
  AddScopeFlags(&flags, &scope_flags);
  AddAdminFlags(&flags, &admin);
  int code = 0;
  auto positional = ParseAdminArgs(&flags, args, &code);
  if (!positional) return code;
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("plan", conn.status());
  v1::PlanProvisioningRequest request;
  *request.mutable_scope() = ToScope(scope_flags);
  v1::PlanProvisioningResponse response;
  grpc::Status s = conn->stub()->PlanProvisioning(conn->Context().get(), request, &response);
  if (!s.ok()) return ReportError("plan", s);
  if (admin.json) {
    std::printf("%s\n", ToJson(response.plan()).c_str());
  } else {
    PrintPlan(response.plan(), stdout);
  }
  return response.plan().actions().empty() ? kAdminExitOk : kAdminExitRefused;
}

bool Confirm(int actions) {
  std::fprintf(stderr, "\nApply these %d action(s)? [y/N] ", actions);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  answer = absl::AsciiStrToLower(absl::StripAsciiWhitespace(answer));
  return answer == "y" || answer == "yes";
}

int RunApply(const std::vector<std::string>& args) {
  AdminFlags admin;
  ScopeFlags scope_flags;
  bool yes = false;
  std::string fingerprint;
  FlagSet flags(
      "powerviewctl apply", "[--company C] [--campaign K] [--prune] [--yes] [flags]",
      "Shows the provisioning plan, asks for confirmation (or takes --yes) and applies\n"
      "exactly that plan, with a progress bar on stderr. powerviewd refuses (exit 4) when\n"
      "the plan it computes at apply time differs from the one shown. --fingerprint\n"
      "applies a plan reviewed earlier (`powerviewctl plan --json`) without showing it.\n"
      "Exits 1 when an action failed." +
          AdminHelpFooter());
  AddScopeFlags(&flags, &scope_flags);
  flags.Bool("yes", &yes, "Apply without asking");
  flags.String("fingerprint", &fingerprint, "Apply the plan with this fingerprint");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  auto positional = ParseAdminArgs(&flags, args, &code);
  if (!positional) return code;
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("apply", conn.status());
  v1::ProvisionScope scope = ToScope(scope_flags);

  if (fingerprint.empty()) {
    v1::PlanProvisioningRequest plan_request;
    *plan_request.mutable_scope() = scope;
    v1::PlanProvisioningResponse plan;
    grpc::Status s = conn->stub()->PlanProvisioning(conn->Context().get(), plan_request, &plan);
    if (!s.ok()) return ReportError("apply", s);
    PrintPlan(plan.plan(), admin.json ? stderr : stdout);
    if (plan.plan().actions().empty()) return kAdminExitOk;
    if (!yes) {
      if (!IsTerminal(stdin)) {
        std::fprintf(stderr, "powerviewctl apply: not a terminal; confirm with --yes\n");
        return kAdminExitUsage;
      }
      if (!Confirm(plan.plan().actions_size())) {
        std::fprintf(stderr, "Not applied.\n");
        return kAdminExitRefused;
      }
    }
    fingerprint = plan.plan().fingerprint();
  }

  v1::ApplyProvisioningRequest request;
  *request.mutable_scope() = scope;
  request.set_plan_fingerprint(fingerprint);
  std::unique_ptr<grpc::ClientContext> context = conn->Context(/*streaming=*/true);
  auto reader = conn->stub()->ApplyProvisioning(context.get(), request);
  ProgressBar bar("apply");
  v1::ApplyProvisioningResponse update;
  v1::ApplyResult result;
  std::vector<std::string> problems;
  while (reader->Read(&update)) {
    if (update.has_outcome() && update.outcome().status() != v1::ACTION_STATUS_APPLIED) {
      const v1::ActionOutcome& o = update.outcome();
      problems.push_back(absl::StrCat(v1::ActionStatus_Name(o.status()), " ",
                                      provision::ResourceKindName(o.kind()), " ", o.key(), ": ",
                                      o.error()));
    }
    if (update.has_result()) result = update.result();
    bar.Update(update.finished_actions(), update.total_actions(),
               update.has_outcome()
                   ? absl::StrCat(provision::ResourceKindName(update.outcome().kind()), " ",
                                  update.outcome().key())
                   : "");
  }
  bar.Finish();
  grpc::Status s = reader->Finish();
  if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    ReportError("apply", s);
    return kAdminExitRefused;
  }
  if (!s.ok()) return ReportError("apply", s);
  for (const std::string& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
  if (admin.json) {
    std::printf("%s\n", ToJson(result).c_str());
  } else {
    std::printf("Applied %d, failed %d, skipped %d.\n", result.applied(), result.failed(),
                result.skipped());
  }
  return result.failed() > 0 || result.skipped() > 0 ? kAdminExitError : kAdminExitOk;
}

const bool kRegistered =
    RegisterCommand({"plan", "show what provisioning would change (admin API)", &RunPlan}) &&
    RegisterCommand({"apply", "apply the provisioning plan (admin API)", &RunApply});

}  // namespace
}  // namespace powerview::ctl
