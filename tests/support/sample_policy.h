// site_policy(): the one builder of site-scoped Policy values for tests (engine, planner,
// backtest, API, status pages). A test names only the fields it cares about with designated
// initializers, in declaration order:
//   site_policy({.id = "p-1", .site = kSite, .thresholds = {{Metric::uptime_percent, 99.5}}})
// Header-only, stateless; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/model.h"

namespace slamon::testing {

struct SitePolicyFields {
  std::string id = "policy-1";
  std::string org = "org-1";
  std::string name{};  // "": "Policy <id>"
  std::string site = "site-1";
  std::map<std::string, std::string> labels{};
  std::vector<std::pair<Metric, double>> thresholds{};
  NoDataMode no_data = NoDataMode::keep;
  bool provisioned = false;  // true: from the config files rather than the API
  std::optional<SlaPeriod> sla_period{};
};

inline void set_threshold(Policy& policy, Metric metric, double value) {
  policy.thresholds[static_cast<std::size_t>(metric)] = value;
}

inline Policy site_policy(SitePolicyFields fields = {}) {
  Policy policy;
  policy.name = fields.name.empty() ? "Policy " + fields.id : std::move(fields.name);
  policy.id = std::move(fields.id);
  policy.org = std::move(fields.org);
  policy.scope = Scope::site;
  policy.scope_id = std::move(fields.site);
  policy.labels = std::move(fields.labels);
  for (const auto& [metric, value] : fields.thresholds) set_threshold(policy, metric, value);
  policy.no_data = fields.no_data;
  policy.provisioned = fields.provisioned;
  policy.sla_period = std::move(fields.sla_period);
  return policy;
}

}  // namespace slamon::testing
