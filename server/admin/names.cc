#include "server/admin/names.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace powerview::admin {

absl::Status CheckName(absl::string_view what, absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("the ", what, " is empty"));
  if (name == "." || name == ".." || name.front() == '.') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", absl::CEscape(name), "' is not a folder name PowerView uses"));
  }
  for (char c : name) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " '", absl::CEscape(name),
                       "' must be one folder name (no '/' or control characters)"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKnown(catalog::Catalog* catalog, const std::string& company,
                        const std::string& campaign, const std::string& device) {
  if (!company.empty()) {
    if (absl::Status s = CheckName("company", company); !s.ok()) return s;
  }
  if (!campaign.empty()) {
    if (absl::Status s = CheckName("campaign", campaign); !s.ok()) return s;
    if (company.empty()) {
      return absl::InvalidArgumentError("a campaign needs its company as well");
    }
  }
  if (!device.empty()) {
    if (absl::Status s = CheckName("device", device); !s.ok()) return s;
  }
  if (company.empty() && device.empty()) return absl::OkStatus();
  // ListCompanies answers NotFound for an unknown company.
  absl::StatusOr<std::vector<v1::Company>> companies =
      catalog->ListCompanies(company, /*include_removed=*/true);
  if (!companies.ok()) return companies.status();
  bool campaign_known = campaign.empty();
  bool device_known = device.empty();
  for (const v1::Company& c : *companies) {
    for (const v1::Campaign& k : c.campaigns()) {
      if (!campaign.empty() && k.name() != campaign) continue;
      campaign_known = true;
      for (const v1::Device& d : k.devices()) {
        if (d.master_sn() == device ||
            std::find(d.folder_serials().begin(), d.folder_serials().end(), device) !=
                d.folder_serials().end()) {
          device_known = true;
        }
      }
    }
  }
  if (!campaign_known) {
    return absl::NotFoundError(
        absl::StrCat("campaign '", company, "/", campaign, "' is not in the catalog"));
  }
  if (!device_known) {
    return absl::NotFoundError(absl::StrCat(
        "device '", device, "' is not in the catalog",
        company.empty() ? ""
                        : absl::StrCat(" for ", company, campaign.empty() ? "" : "/", campaign)));
  }
  return absl::OkStatus();
}

namespace {
constexpr absl::string_view kTokenPrefix = "powerview.page.v1:";
}  // namespace

std::string EncodePageToken(absl::string_view kind, absl::string_view key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, kind, ":", key));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view kind, absl::string_view token) {
  std::string raw;
  std::string prefix = absl::StrCat(kTokenPrefix, kind, ":");
  if (!absl::WebSafeBase64Unescape(token, &raw) || !absl::StartsWith(raw, prefix) ||
      raw.size() == prefix.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token '", absl::CEscape(token.substr(0, 64)),
                     "' is not a token of this list: pass next_page_token as it came, or "
                     "nothing for the first page"));
  }
  return raw.substr(prefix.size());
}

}  // namespace powerview::admin
