// How a Plan is shown and identified: a diff-like text for operators (used by the CLI), and a
// stable fingerprint so that "apply the plan I was shown" can refuse when the state moved.
#ifndef POWERVIEW_SERVER_PROVISION_PLAN_RENDER_H_
#define POWERVIEW_SERVER_PROVISION_PLAN_RENDER_H_

#include <string>

#include "powerview/v1/provision.pb.h"

namespace powerview::provision {

// One line per action, grouped by company:
//   + grafana team "acme"  (missing in Grafana)
//   ~ grafana datasource pv-ds-acme  (differs in Grafana: url)
//       url: "http://old:8086" -> "http://influxdb:8086"
//   - grafana dashboard pv-acme-old  (campaign no longer in the catalog)
// then a summary line; "No changes." for an empty plan.
std::string RenderPlan(const v1::Plan& plan);

// Hex SHA-256 over the scope and the actions (type, kind, identity, reason, changes and the
// desired resources), not over the creation time: two plans computed from the same desired
// and actual state have the same fingerprint.
std::string PlanFingerprint(const v1::Plan& plan);

// Short names used in texts: "create", "grafana dashboard", ...
std::string ActionTypeName(v1::ActionType type);
std::string ResourceKindName(v1::ResourceKind kind);

// One line for logs and live event streams, e.g.
// "create grafana dashboard pv-acme-spring: applied" or "...: failed (<error>)".
std::string DescribeOutcome(const v1::ActionOutcome& outcome);

}  // namespace powerview::provision

#endif  // POWERVIEW_SERVER_PROVISION_PLAN_RENDER_H_
