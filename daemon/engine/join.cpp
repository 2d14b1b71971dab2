#include "engine/join.h"

#include <set>
#include <unordered_map>

#include "common/log.h"

namespace slamon {

JoinIssues join_samples(const PlannedQuery& query, const std::vector<Sample>& samples,
                        MeasuredValues& values) {
  JoinIssues issues;
  if (query.scope_label.empty()) {
    if (samples.size() == 1) {
      for (const auto& target : query.targets)
        values[{target.policy_id, target.metric}] = samples[0].value;
    } else if (samples.size() > 1) {
      issues.extra_series = samples.size();
    }
    return issues;
  }
  std::unordered_map<std::string, double> by_key;
  std::set<std::string> ambiguous;
  for (const auto& sample : samples) {
    auto label = sample.labels.find(query.scope_label);
    if (label == sample.labels.end()) {
      ++issues.unlabelled;
      continue;
    }
    if (!by_key.emplace(label->second, sample.value).second) ambiguous.insert(label->second);
  }
  for (const auto& key : ambiguous) by_key.erase(key);
  issues.ambiguous.assign(ambiguous.begin(), ambiguous.end());
  for (const auto& target : query.targets) {
    auto it = by_key.find(target.scope_key);
    if (it != by_key.end()) values[{target.policy_id, target.metric}] = it->second;
  }
  return issues;
}

void log_join_issues(const PlannedQuery& query, const JoinIssues& issues) {
  if (issues.extra_series > 0) {
    log::warn("per-scope query returned several series; treating as no data",
              {{"source", query.source}, {"series", issues.extra_series}});
  }
  if (issues.unlabelled > 0) {
    log::warn("series without the scope label ignored", {{"source", query.source},
                                                         {"scope_label", query.scope_label},
                                                         {"series", issues.unlabelled}});
  }
  for (const auto& key : issues.ambiguous) {
    log::warn("several series carry the same scope; treating as no data",
              {{"source", query.source}, {"scope_label", query.scope_label}, {"scope", key}});
  }
}

}  // namespace slamon
