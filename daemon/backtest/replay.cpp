#include "backtest/replay.h"

#include <algorithm>
#include <tuple>

namespace slamon::backtest {

std::optional<std::size_t> StepGrid::index_containing(WallTime t) const {
  if (count == 0 || step <= Duration::zero() || t < from) return std::nullopt;
  const auto offset = std::chrono::duration_cast<Duration>(t - from);
  const auto index = static_cast<std::size_t>(offset / step);
  if (index >= count) return std::nullopt;
  return index;
}

Result<StepGrid> make_grid(WallTime from, WallTime to, Duration step) {
  if (step <= Duration::zero()) return fail("--step must be longer than 0");
  if (from >= to) return fail("--from must be before --to");
  const auto span = std::chrono::duration_cast<Duration>(to - from);
  if (span > kMaxInterval) {
    return fail("the interval is longer than 400 days; backtest a shorter one");
  }
  const auto steps = static_cast<unsigned long long>(span / step) + 1;
  if (steps > kMaxSteps) {
    return fail("the interval holds " + std::to_string(steps) + " steps, more than " +
                std::to_string(kMaxSteps) + "; use a longer --step or a shorter interval");
  }
  return StepGrid{from, to, step, static_cast<std::size_t>(steps)};
}

std::string_view to_string(Gap gap) {
  switch (gap) {
    case Gap::source_failed:
      return "source failed";
    case Gap::not_replayable:
      return "not replayable";
    case Gap::not_recorded:
      return "not recorded";
  }
  return "";
}

Duration ReplayedBreach::duration(const StepGrid& grid) const {
  const WallTime end = closed_at.value_or(grid.last());
  return std::chrono::duration_cast<Duration>(end - opened_at);
}

namespace {

std::string scope_key_of(const Breach& breach) {
  if (breach.scope == Scope::organization) return "";
  return breach.scope_id.value_or(breach.scope_name.value_or(""));
}

// Follows the breaches through the evaluator's changes, step by step.
class BreachLog {
 public:
  explicit BreachLog(const std::vector<Policy>& policies) {
    for (const auto& p : policies) names_.emplace(p.id, p.name);
  }

  void record(const Evaluation& evaluation, std::size_t step, WallTime at) {
    for (const Event& event : evaluation.events) {
      if (event.type == EventType::breach_escalated && event.breach) {
        if (auto it = index_.find(event.breach->id); it != index_.end()) {
          ++breaches_[it->second].escalations;
        }
      }
    }
    for (const Breach& changed : evaluation.changed_breaches) {
      auto [it, inserted] = index_.emplace(changed.id, breaches_.size());
      if (inserted) breaches_.push_back(opened(changed, step));
      ReplayedBreach& b = breaches_[it->second];
      b.peak_severity = changed.peak_severity;
      if (changed.open()) {
        b.last_severity = changed.severity;
        b.last_actual = changed.actual;
      } else {
        b.closed_step = step;
        b.closed_at = at;
        b.close_reason = changed.resolve_reason.value_or("");
      }
    }
  }

  std::vector<ReplayedBreach> finish() && {
    std::stable_sort(breaches_.begin(), breaches_.end(),
                     [](const ReplayedBreach& a, const ReplayedBreach& b) {
                       return std::tie(a.opened_at, a.policy_id, a.metric) <
                              std::tie(b.opened_at, b.policy_id, b.metric);
                     });
    return std::move(breaches_);
  }

 private:
  ReplayedBreach opened(const Breach& breach, std::size_t step) const {
    ReplayedBreach b;
    b.org = breach.org;
    b.policy_id = breach.policy_id;
    if (auto it = names_.find(breach.policy_id); it != names_.end()) b.policy_name = it->second;
    b.scope = breach.scope;
    b.scope_key = scope_key_of(breach);
    b.metric = breach.metric;
    b.threshold = breach.threshold;
    b.opened_step = step;
    b.opened_at = breach.opened_at;
    b.opening_severity = breach.severity;
    b.peak_severity = breach.peak_severity;
    b.last_severity = breach.severity;
    b.opening_actual = breach.actual;
    b.last_actual = breach.actual;
    return b;
  }

  std::map<std::string, std::string> names_;
  std::map<std::string, std::size_t> index_;  // breach id → breaches_
  std::vector<ReplayedBreach> breaches_;
};

}  // namespace

Result<ReplayReport> replay(const Config& config, const std::vector<Policy>& policies,
                            const StepGrid& grid, ReplaySource& source) {
  const std::vector<PlannedQuery> queries = plan_queries(config, policies);
  ReplayReport report;
  report.grid = grid;
  std::map<SeriesKey, SeriesCoverage> coverage;
  for (const auto& policy : policies) {
    if (policy.status != PolicyStatus::active) continue;
    ++report.policies_evaluated;
    for (const Metric metric : kAllMetrics) {
      if (policy.threshold(metric)) {
        coverage.emplace(SeriesKey{policy.id, metric}, SeriesCoverage{policy.id, metric});
      }
    }
  }

  BreachLog log(policies);
  std::vector<Breach> open;
  const std::size_t chunk = std::max<std::size_t>(1, source.max_steps_per_call());
  for (std::size_t first = 0; first < grid.count; first += chunk) {
    const std::size_t count = std::min(chunk, grid.count - first);
    auto measured = source.measure(queries, grid, first, count);
    if (!measured) return std::unexpected(measured.error());
    if (measured->size() != count) {
      return fail("the measurement source answered " + std::to_string(measured->size()) +
                  " steps instead of " + std::to_string(count));
    }
    for (std::size_t i = 0; i < count; ++i) {
      const StepMeasurements& step = (*measured)[i];
      UnmeasuredKeys unmeasured;
      for (const auto& [key, gap] : step.gaps) unmeasured.insert(key);
      const std::size_t index = first + i;
      const WallTime at = grid.at(index);
      const EvaluationInput input{&policies, &step.values, &open, at, &unmeasured};
      Evaluation evaluation = evaluate(input);
      for (const Verdict& verdict : evaluation.verdicts) {
        auto it = coverage.find({verdict.policy_id, verdict.metric});
        if (it == coverage.end()) continue;
        SeriesCoverage& c = it->second;
        if (verdict.actual) {
          ++c.with_data;
          continue;
        }
        auto gap = step.gaps.find({verdict.policy_id, verdict.metric});
        if (gap == step.gaps.end()) {
          ++c.no_data;
        } else if (gap->second == Gap::source_failed) {
          ++c.source_failed;
        } else if (gap->second == Gap::not_replayable) {
          ++c.not_replayable;
        } else {
          ++c.not_recorded;
        }
      }
      log.record(evaluation, index, at);
      open = std::move(evaluation.open_breaches);
    }
  }
  report.breaches = std::move(log).finish();
  for (auto& [key, c] : coverage) report.coverage.push_back(std::move(c));
  report.problems = source.problems();
  return report;
}

}  // namespace slamon::backtest
