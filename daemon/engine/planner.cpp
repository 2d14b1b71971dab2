#include "engine/planner.h"

#include <map>

#include "snmp/snmp_service.h"

namespace slamon {
std::vector<PlannedQuery> plan_queries(const Config& config, const std::vector<Policy>& policies) {
  std::vector<PlannedQuery> planned;
  std::map<const MeasurementConfig*, std::size_t> batched_index;
  std::map<std::pair<const MeasurementConfig*, std::string>, std::size_t> per_scope_index;

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
      QueryTarget target{
          policy.id,    metric,
          key,          policy.org,
          policy.scope, policy.scope == Scope::ssid ? policy.scope_name.value_or(key) : key};

      if (source->type == SourceType::snmp) {
        auto [it, inserted] = batched_index.emplace(measurement, planned.size());
        if (inserted) {
          PlannedQuery query{
              source->name,
              snmp::encode_query({measurement->snmp, measurement->oid, measurement->scale, window}),
              snmp::kDeviceIdLabel,
              false,
              {},
              measurement->aggregate};
          planned.push_back(std::move(query));
        }
        planned[it->second].targets.push_back(std::move(target));
        continue;
      }

      if (!measurement->per_scope()) {
        auto [it, inserted] = batched_index.emplace(measurement, planned.size());
        if (inserted) {
          planned.push_back(PlannedQuery{source->name,
                                         measurement->render_query(window),
                                         measurement->scope_label,
                                         false,
                                         {},
                                         std::nullopt});
        }
        planned[it->second].targets.push_back(std::move(target));
        continue;
      }
      auto [it, inserted] = per_scope_index.emplace(std::pair{measurement, key}, planned.size());
      if (inserted) {
        const std::string scope_id =
            policy.scope == Scope::organization ? policy.org : policy.scope_id.value_or("");
        planned.push_back(PlannedQuery{
            source->name,
            measurement->render_query(window, scope_id, policy.scope_name.value_or("")),
            measurement->scope_label,
            true,
            {},
            std::nullopt});
      }
      planned[it->second].targets.push_back(std::move(target));
    }
  }
  return planned;
}

}  // namespace slamon
