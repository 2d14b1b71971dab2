// The planner: turns the active policies of a cycle into the smallest set of source queries
// (SPEC §4). A batched measurement is one query per cycle whatever the number of policies; a
// per-scope measurement (its query names {{scope_id}} / {{scope_name}}) is one query per
// distinct scope. Pure; thread-safe.
#pragma once

#include <optional>
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
  // For SNMP measurements: whose devices are aggregated (SPEC §5 devices of a scope).
  std::string org;
  Scope scope = Scope::organization;
  std::string devices_key;  // the scope id, or the SSID name for ssid scopes
};

struct PlannedQuery {
  std::string source;       // source name
  std::string query;        // with {{window}} / {{scope_id}} / {{scope_name}} substituted
  std::string scope_label;  // empty for a per-scope query without one: its single series counts
  bool per_scope = false;
  std::vector<QueryTarget> targets;
  // Set for an SNMP measurement: the source answers one series per device (label
  // snmp::kDeviceIdLabel) and each target's value aggregates its scope's devices this way.
  std::optional<Aggregate> device_aggregate;
};

// Plans the queries for every active policy × threshold of `policies`: one per batched
// Prometheus measurement, one per scope of a per-scope one, one per SNMP measurement.
std::vector<PlannedQuery> plan_queries(const Config& config, const std::vector<Policy>& policies);

}  // namespace slamon
