#include "engine/planner.h"

#include <map>
#include <set>
#include <string_view>
#include <variant>

namespace slamon {
namespace {

// The devices of a policy's scope (SPEC §5; an ssid scope's devices are found by the SSID name).
std::string devices_key_of(const Policy& policy) {
  return policy.scope == Scope::ssid ? policy.scope_name.value_or(policy.scope_key())
                                     : policy.scope_key();
}

// The key of the SnmpScope a policy's SNMP measurement is aggregated over. It names the org as
// well: two orgs may have an SSID of the same name.
std::string snmp_scope_key(const Policy& policy) {
  return policy.org + "/" + std::string(to_string(policy.scope)) + "/" + devices_key_of(policy);
}

// The devices of the policy's scope that `source` polls.
std::vector<std::string> polled_devices(const Config& config, const Policy& policy,
                                        const std::string& source) {
  std::vector<std::string> ids;
  for (const Device* device :
       config.inventory.devices_of(policy.org, policy.scope, devices_key_of(policy))) {
    if (device->snmp && device->snmp->source == source) ids.push_back(device->id);
  }
  return ids;
}

}  // namespace

std::vector<PlannedQuery> plan_queries(const Config& config, const std::vector<Policy>& policies) {
  std::vector<PlannedQuery> planned;
  std::map<const MeasurementConfig*, std::size_t> batched_index;
  std::map<std::pair<const MeasurementConfig*, std::string>, std::size_t> per_scope_index;
  std::set<std::pair<const MeasurementConfig*, std::string>> snmp_scopes;

  for (const auto& policy : policies) {
    if (policy.status != PolicyStatus::active) continue;
    for (const Metric metric : kAllMetrics) {
      // A sliding window (SPEC §7.6) may watch a metric the policy has no threshold for.
      const bool watched = policy.sliding_window && policy.sliding_window->metric == metric;
      if (!policy.threshold(metric) && !watched) continue;
      const MeasurementConfig* measurement = config.measurement_for(metric, policy.scope);
      if (measurement == nullptr) continue;  // the loader rejects this; a defensive skip = no data
      const SourceConfig* source = config.source(measurement->source);
      if (source == nullptr) continue;
      const auto window = config.window_of(*measurement);
      const std::string key = policy.scope_key();

      if (source->type == SourceType::snmp) {
        auto [it, inserted] = batched_index.emplace(measurement, planned.size());
        if (inserted) {
          SnmpQuery query{measurement->snmp,
                          measurement->oid,
                          measurement->scale,
                          window,
                          measurement->aggregate,
                          measurement->metric,
                          {}};
          planned.push_back(
              PlannedQuery{source->name, std::move(query), kSnmpScopeLabel, false, {}});
        }
        PlannedQuery& planned_query = planned[it->second];
        std::string scope_key = snmp_scope_key(policy);
        if (snmp_scopes.emplace(measurement, scope_key).second) {
          std::get<SnmpQuery>(planned_query.query)
              .scopes.push_back(SnmpScope{scope_key, polled_devices(config, policy, source->name)});
        }
        planned_query.targets.push_back(QueryTarget{policy.id, metric, std::move(scope_key)});
        continue;
      }

      QueryTarget target{policy.id, metric, key};
      if (!measurement->per_scope()) {
        auto [it, inserted] = batched_index.emplace(measurement, planned.size());
        if (inserted) {
          planned.push_back(PlannedQuery{source->name,
                                         PromQlQuery{measurement->render_query(window)},
                                         measurement->scope_label,
                                         false,
                                         {}});
        }
        planned[it->second].targets.push_back(std::move(target));
        continue;
      }
      auto [it, inserted] = per_scope_index.emplace(std::pair{measurement, key}, planned.size());
      if (inserted) {
        const std::string scope_id =
            policy.scope == Scope::organization ? policy.org : policy.scope_id.value_or("");
        planned.push_back(PlannedQuery{source->name,
                                       PromQlQuery{measurement->render_query(
                                           window, scope_id, policy.scope_name.value_or(""))},
                                       measurement->scope_label,
                                       true,
                                       {}});
      }
      planned[it->second].targets.push_back(std::move(target));
    }
  }
  return planned;
}

}  // namespace slamon
