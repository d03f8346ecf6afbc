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

void AddProvisionScopeFlags(FlagSet* flags, Scope* scope, bool* prune) {
  AddScopeFlags(flags, scope, "resources (default: every company)");
  flags->Bool("prune", prune,
              "Also delete what PowerView provisioned and the catalog no longer has");
}

v1::ProvisionScope ToScope(const Scope& flags, bool prune) {
  v1::ProvisionScope scope;
  scope.set_company(flags.company);
  scope.set_campaign(flags.campaign);
  scope.set_prune(prune);
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
  Scope scope;
  bool prune = false, detailed = false;
  FlagSet flags("powerviewctl plan", "[--company C | --campaign C/K] [--prune] [flags]",
                "Shows what provisioning would create, update or delete in InfluxDB and Grafana\n"
                "for the catalog as it is now, with the reason of each action and the fields that\n"
                "differ. Changes nothing; `powerviewctl apply` applies it. Exits 0 when it ran;\n"
                "with --detailed-exitcode (Terraform's convention) 0 when there is nothing to do\n"
                "and 2 when the plan has changes." +
                    AdminHelpFooter());
  AddProvisionScopeFlags(&flags, &scope, &prune);
  flags.Bool("detailed-exitcode", &detailed, "Exit 2 when the plan has changes, 0 when empty");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  if (!ParseAdminArgs("plan", &flags, &admin, &scope, args, 0, &code)) return code;
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("plan", conn.status());
  v1::PlanProvisioningRequest request;
  *request.mutable_scope() = ToScope(scope, prune);
  v1::PlanProvisioningResponse response;
  grpc::Status s = conn->stub()->PlanProvisioning(conn->Context().get(), request, &response);
  if (!s.ok()) return conn->Fail("plan", s);
  if (admin.output == Output::kNdjson) {
    PrintItems(admin, response.plan(), "actions");
  } else if (admin.output == Output::kJson) {
    PrintMessage(admin, response.plan());
  } else {
    PrintPlan(response.plan(), stdout);
  }
  if (detailed && !response.plan().actions().empty()) return kExitPlanChanges;
  return kExitOk;
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
  Scope scope_flags;
  bool yes = false, prune = false;
  std::string fingerprint;
  FlagSet flags(
      "powerviewctl apply", "[--company C | --campaign C/K] [--prune] [--yes] [flags]",
      "Shows the provisioning plan, asks for confirmation (or takes --yes) and applies\n"
      "exactly that plan, with a progress bar on stderr. powerviewd refuses (exit 4) when\n"
      "the plan it computes at apply time differs from the one shown. --fingerprint\n"
      "applies a plan reviewed earlier (`powerviewctl plan --output json`) without showing\n"
      "it. Off a terminal --yes or --fingerprint is required. Exits 1 when an action failed." +
          AdminHelpFooter());
  AddProvisionScopeFlags(&flags, &scope_flags, &prune);
  flags.Bool("yes", &yes, "Apply without asking");
  flags.String("fingerprint", &fingerprint, "Apply the plan with this fingerprint");
  AddAdminFlags(&flags, &admin);
  int code = 0;
  if (!ParseAdminArgs("apply", &flags, &admin, &scope_flags, args, 0, &code)) return code;
  if (yes && !fingerprint.empty()) {
    std::fprintf(stderr, "powerviewctl apply: --fingerprint needs no --yes; give one of them\n");
    return kExitUsage;
  }
  absl::StatusOr<AdminConnection> conn = AdminConnection::Open(admin);
  if (!conn.ok()) return ReportError("apply", conn.status());
  v1::ProvisionScope scope = ToScope(scope_flags, prune);

  if (fingerprint.empty()) {
    v1::PlanProvisioningRequest plan_request;
    *plan_request.mutable_scope() = scope;
    v1::PlanProvisioningResponse plan;
    grpc::Status s = conn->stub()->PlanProvisioning(conn->Context().get(), plan_request, &plan);
    if (!s.ok()) return conn->Fail("apply", s);
    PrintPlan(plan.plan(), admin.output != Output::kTable ? stderr : stdout);
    if (plan.plan().actions().empty()) {
      if (admin.output != Output::kTable) PrintMessage(admin, v1::ApplyResult());
      return kExitOk;
    }
    if (!yes) {
      if (!IsTerminal(stdin)) {
        std::fprintf(stderr, "powerviewctl apply: not a terminal; confirm with --yes\n");
        return kExitUsage;
      }
      if (!Confirm(plan.plan().actions_size())) {
        std::fprintf(stderr, "Not applied.\n");
        return kExitRefused;
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
  if (!s.ok()) return conn->Fail("apply", s);
  for (const std::string& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
  if (admin.output != Output::kTable) {
    PrintMessage(admin, result);
  } else {
    std::printf("Applied %d, failed %d, skipped %d.\n", result.applied(), result.failed(),
                result.skipped());
  }
  return result.failed() > 0 || result.skipped() > 0 ? kExitError : kExitOk;
}

const bool kRegistered =
    RegisterCommand({"plan", "show what provisioning would change (admin API)", &RunPlan}) &&
    RegisterCommand({"apply", "apply the provisioning plan (admin API)", &RunApply});

}  // namespace
}  // namespace powerview::ctl
