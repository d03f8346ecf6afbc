// Which pipeline events a Watch stream delivers: a company, a campaign and a set of event
// types, any of them open. Events that name only a path get their company, campaign and device
// from it.
#ifndef POWERVIEW_SERVER_ADMIN_WATCH_FILTER_H_
#define POWERVIEW_SERVER_ADMIN_WATCH_FILTER_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "server/pipeline/event_bus.h"

namespace powerview::admin {

class WatchFilter {
 public:
  // InvalidArgument for a malformed company or campaign name, or a campaign without company.
  // `data_root` is the canonical data root the events' paths start with.
  static absl::StatusOr<WatchFilter> Create(std::string data_root, std::string company,
                                            std::string campaign,
                                            std::set<pipeline::EventType> types);

  // Fills the event's company, campaign and device from its path when they are empty, then
  // tells whether the filter lets it through.
  bool Admit(pipeline::PipelineEvent* event) const;

 private:
  WatchFilter() = default;

  std::string root_;
  std::string company_;
  std::string campaign_;
  std::set<pipeline::EventType> types_;
};

}  // namespace powerview::admin

#endif  // POWERVIEW_SERVER_ADMIN_WATCH_FILTER_H_
