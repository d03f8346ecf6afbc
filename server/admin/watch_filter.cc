#include "server/admin/watch_filter.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "server/admin/names.h"

namespace powerview::admin {

absl::StatusOr<WatchFilter> WatchFilter::Create(std::string data_root, std::string company,
                                                std::string campaign,
                                                std::set<pipeline::EventType> types) {
  if (!company.empty()) {
    if (absl::Status s = CheckName("company", company); !s.ok()) return s;
  }
  if (!campaign.empty()) {
    if (absl::Status s = CheckName("campaign", campaign); !s.ok()) return s;
    if (company.empty()) {
      return absl::InvalidArgumentError("a campaign filter needs its company as well");
    }
  }
  WatchFilter filter;
  filter.root_ = std::move(data_root);
  filter.company_ = std::move(company);
  filter.campaign_ = std::move(campaign);
  filter.types_ = std::move(types);
  return filter;
}

bool WatchFilter::Admit(pipeline::PipelineEvent* e) const {
  std::string prefix = root_ == "/" ? "/" : root_ + "/";
  if (!root_.empty() && absl::StartsWith(e->path, prefix)) {
    std::vector<std::string> parts =
        absl::StrSplit(e->path.substr(prefix.size()), '/', absl::SkipEmpty());
    // <company>/<campaign>/<device>/.../<file>: only folders, never the file name itself.
    if (e->company.empty() && parts.size() >= 2) e->company = parts[0];
    if (e->campaign.empty() && parts.size() >= 3) e->campaign = parts[1];
    if (e->device.empty() && parts.size() >= 4) e->device = parts[2];
  }
  if (!types_.empty() && types_.count(e->type) == 0) return false;
  if (!company_.empty() && e->company != company_) return false;
  if (!campaign_.empty() && e->campaign != campaign_) return false;
  return true;
}

}  // namespace powerview::admin
