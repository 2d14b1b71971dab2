// The planner: turns the active policies of a cycle into the smallest set of source queries
// (SPEC §4). A batched measurement is one query per cycle whatever the number of policies; a
// per-scope measurement (its query names {{scope_id}} / {{scope_name}}) is one query per
// distinct scope; an SNMP measurement is one query naming each distinct scope's polled devices,
// which the SNMP source aggregates (SPEC §4 `aggregate`). Pure; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "sources/metric_source.h"

namespace slamon {

// Which policy × metric a query's answer feeds, and under which scope key it is found.
struct QueryTarget {
  std::string policy_id;
  Metric metric;
  // The value of the query's scope label on the series that feeds this target: the policy's
  // scope key for PromQL, the SnmpScope key for SNMP.
  std::string scope_key;
};

struct PlannedQuery {
  std::string source;  // source name
  MetricQuery query;  // PromQL with {{window}} / {{scope_id}} / {{scope_name}} substituted, or SNMP
  std::string scope_label;  // empty for a per-scope query without one: its single series counts
  bool per_scope = false;
  std::vector<QueryTarget> targets;
};

// Plans the queries for every active policy × threshold of `policies`: one per batched
// Prometheus measurement, one per scope of a per-scope one, one per SNMP measurement.
std::vector<PlannedQuery> plan_queries(const Config& config, const std::vector<Policy>& policies);

}  // namespace slamon
