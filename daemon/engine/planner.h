// The planner: turns the active policies of a cycle into the smallest set of source queries
// (SPEC §4). A batched measurement is one query per cycle whatever the number of policies; a
// per-scope measurement (its query names {{scope_id}} / {{scope_name}}) is one query per
// distinct scope. Pure; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace slamon {

// Which policy × metric a query's answer feeds, and under which scope key it is found.
struct QueryTarget {
  std::string policy_id;
  Metric metric;
  std::string scope_key;
};

struct PlannedQuery {
  std::string source;       // source name
  std::string query;        // with {{window}} / {{scope_id}} / {{scope_name}} substituted
  std::string scope_label;  // empty for a per-scope query without one: its single series counts
  bool per_scope = false;
  std::vector<QueryTarget> targets;
};

// Plans the queries for every active policy × threshold of `policies` (only Prometheus
// sources; SNMP measurements are planned by the SNMP poller).
std::vector<PlannedQuery> plan_queries(const Config& config, const std::vector<Policy>& policies);

}  // namespace slamon
