#include "engine/evaluator.h"

#include <cmath>
#include <limits>

#include "common/uuid.h"

namespace slamon {
namespace {

using BreachKey = std::pair<std::string, Metric>;

constexpr double kWarningDeviationLimit = 20.0;
// Deviations are computed from decimal values that binary doubles only approximate: 79.6
// against 99.5 is exactly 20 % as written but computes as 20.000000000000007. The tolerance
// absorbs that rounding (a few ulps) without moving the boundary by anything measurable.
constexpr double kDeviationRoundingTolerance = 1e-9;

Severity worse(Severity a, Severity b) {
  return a == Severity::critical || b == Severity::critical ? Severity::critical
                                                            : Severity::warning;
}

VerdictState state_for(Severity s) {
  return s == Severity::critical ? VerdictState::critical : VerdictState::warning;
}

// Collects the changes of one cycle, keeping the open-breach view consistent as it goes.
class CycleChanges {
 public:
  CycleChanges(const std::vector<Breach>& open, WallTime now,
               const std::map<std::string, std::string>* maintenance)
      : now_(now), maintenance_(maintenance) {
    for (const auto& b : open) open_.emplace(BreachKey{b.policy_id, b.metric}, b);
  }

  const std::string* maintenance_of(const std::string& policy_id) const {
    if (maintenance_ == nullptr) return nullptr;
    auto it = maintenance_->find(policy_id);
    return it == maintenance_->end() ? nullptr : &it->second;
  }

  Breach* find_open(const std::string& policy_id, Metric metric) {
    auto it = open_.find(BreachKey{policy_id, metric});
    return it == open_.end() ? nullptr : &it->second;
  }

  void open(const Policy& policy, Metric metric, double threshold, std::optional<double> actual,
            std::optional<double> deviation, Severity severity) {
    if (maintenance_of(policy.id) != nullptr) return;  // SPEC §7.3: no breach opens
    Breach b;
    b.id = uuid_v4();
    b.org = policy.org;
    b.policy_id = policy.id;
    b.scope = policy.scope;
    b.scope_id = policy.scope_id;
    b.scope_name = policy.scope_name;
    b.metric = metric;
    b.actual = actual;
    b.threshold = threshold;
    b.deviation_percent = deviation;
    b.severity = severity;
    b.peak_severity = severity;
    b.status = BreachStatus::active;
    b.opened_at = now_;
    b.last_evaluated_at = now_;
    record(b, EventType::breach_created, policy_ref(policy));
    ++result_.opened;
    open_.emplace(BreachKey{policy.id, metric}, std::move(b));
  }

  void update(Breach& b, const Policy& policy, double threshold, std::optional<double> actual,
              std::optional<double> deviation, Severity severity) {
    const bool escalates = b.severity == Severity::warning && severity == Severity::critical;
    b.actual = actual;
    b.threshold = threshold;
    b.deviation_percent = deviation;
    b.severity = severity;
    b.peak_severity = worse(b.peak_severity, severity);
    b.last_evaluated_at = now_;
    if (escalates) {
      record(b, EventType::breach_escalated, policy_ref(policy));
      ++result_.escalated;
    } else {
      result_.changed_breaches.push_back(b);
    }
  }

  void resolve(Breach& b, const PolicyRef& policy, std::string reason) {
    b.status = BreachStatus::resolved;
    b.resolved_at = now_;
    b.last_evaluated_at = now_;
    b.resolve_reason = std::move(reason);
    record(b, EventType::breach_resolved, policy);
    ++result_.resolved;
  }

  Evaluation finish() {
    for (auto& [key, breach] : open_) {
      if (breach.open()) result_.open_breaches.push_back(breach);
    }
    return std::move(result_);
  }

  Evaluation& result() { return result_; }
  std::map<BreachKey, Breach>& open_map() { return open_; }

 private:
  void record(const Breach& b, EventType type, const PolicyRef& policy) {
    result_.changed_breaches.push_back(b);
    if (const std::string* window = maintenance_of(b.policy_id)) {
      result_.suppressed.emplace_back(make_event(type, b, policy, now_), *window);
    } else {
      result_.events.push_back(make_event(type, b, policy, now_));
    }
  }

  WallTime now_;
  const std::map<std::string, std::string>* maintenance_;
  std::map<BreachKey, Breach> open_;
  Evaluation result_;
};

std::optional<double> finite_value(const MeasuredValues& values, const std::string& policy_id,
                                   Metric metric) {
  auto it = values.find(BreachKey{policy_id, metric});
  if (it == values.end() || !std::isfinite(it->second)) return std::nullopt;
  return it->second;
}

void evaluate_threshold(CycleChanges& changes, const Policy& policy, Metric metric,
                        double threshold, std::optional<double> actual, bool source_failed) {
  const auto& spec = threshold_spec(metric);
  Verdict verdict{policy.org, policy.id, policy.name,  metric,          spec.bound,
                  threshold,  actual,    std::nullopt, VerdictState::ok};
  Breach* open = changes.find_open(policy.id, metric);

  if (!actual) {
    verdict.state = VerdictState::no_data;
    ++changes.result().no_data;
    switch (source_failed ? NoDataMode::keep : policy.no_data) {
      case NoDataMode::keep:
        break;
      case NoDataMode::breach:
        // SPEC §6.4: no data counts as a critical violation, with no actual value.
        if (open) {
          changes.update(*open, policy, threshold, std::nullopt, std::nullopt, Severity::critical);
        } else {
          changes.open(policy, metric, threshold, std::nullopt, std::nullopt, Severity::critical);
        }
        break;
      case NoDataMode::resolve:
        if (open) changes.resolve(*open, policy_ref(policy), "no data");
        break;
    }
    changes.result().verdicts.push_back(std::move(verdict));
    return;
  }

  if (is_violated(spec.bound, *actual, threshold)) {
    const double deviation = deviation_percent(*actual, threshold);
    const Severity severity = severity_for(deviation);
    verdict.deviation_percent = deviation;
    verdict.state = state_for(severity);
    if (open) {
      changes.update(*open, policy, threshold, actual, deviation, severity);
    } else {
      changes.open(policy, metric, threshold, actual, deviation, severity);
    }
  } else if (open) {
    changes.resolve(*open, policy_ref(policy), "recovered");
  }
  changes.result().verdicts.push_back(std::move(verdict));
}

}  // namespace

double deviation_percent(double actual, double threshold) {
  if (threshold == 0) return actual == 0 ? 0 : std::numeric_limits<double>::infinity();
  return std::fabs(actual - threshold) / std::fabs(threshold) * 100.0;
}

Severity severity_for(double deviation) {
  const bool within_warning = deviation <= kWarningDeviationLimit + kDeviationRoundingTolerance;
  return within_warning ? Severity::warning : Severity::critical;
}

bool is_violated(Bound bound, double actual, double threshold) {
  return bound == Bound::min ? actual < threshold : actual > threshold;
}

Evaluation evaluate(const EvaluationInput& input) {
  CycleChanges changes(*input.open_breaches, input.now, input.maintenance);
  std::map<std::string, const Policy*> policies_by_id;
  for (const auto& policy : *input.policies) {
    policies_by_id.emplace(policy.id, &policy);
    if (policy.status != PolicyStatus::active) continue;
    for (const Metric metric : kAllMetrics) {
      const auto threshold = policy.threshold(metric);
      if (!threshold) continue;
      const bool source_failed =
          input.source_failed != nullptr && input.source_failed->contains({policy.id, metric});
      evaluate_threshold(changes, policy, metric, *threshold,
                         finite_value(*input.values, policy.id, metric), source_failed);
    }
  }

  // SPEC §6.3: a breach whose policy is gone, not active, or no longer has the threshold is
  // resolved with the reason, rather than left open forever.
  for (auto& [key, breach] : changes.open_map()) {
    if (!breach.open()) continue;
    auto it = policies_by_id.find(key.first);
    if (it == policies_by_id.end()) {
      PolicyRef gone{breach.policy_id, "", breach.scope, breach.scope_id, breach.scope_name, {}};
      changes.resolve(breach, gone, "policy deleted");
      continue;
    }
    const Policy& policy = *it->second;
    if (policy.status != PolicyStatus::active) {
      changes.resolve(breach, policy_ref(policy),
                      "policy " + std::string(to_string(policy.status)));
    } else if (!policy.threshold(key.second)) {
      changes.resolve(breach, policy_ref(policy), "threshold removed");
    }
  }
  return changes.finish();
}

}  // namespace slamon
