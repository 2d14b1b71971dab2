// The evaluator: the pure heart of a cycle (SPEC §6.2–§6.4). Given the policies, this cycle's
// measured values, the open breaches and the time, it decides every verdict and every breach
// change with its events. No I/O, no clock, no randomness beyond fresh ids, so it is tested
// table-driven. Stateless; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/snapshot.h"
#include "model/model.h"

namespace slamon {

// (policy id, metric) → measured value; a missing entry, NaN or ±Inf is "no data".
using MeasuredValues = std::map<std::pair<std::string, Metric>, double>;
// (policy id, metric) pairs whose source query failed this cycle. Their no data says nothing
// about the devices, so it changes no breach whatever the policy's `no_data` mode: an outage
// of Prometheus must not open (or resolve) breaches.
using UnmeasuredKeys = std::set<std::pair<std::string, Metric>>;

struct EvaluationInput {
  const std::vector<Policy>* policies = nullptr;  // every known policy, any status
  const MeasuredValues* values = nullptr;
  const std::vector<Breach>* open_breaches = nullptr;  // of the orgs being evaluated
  WallTime now{};
  const UnmeasuredKeys* source_failed = nullptr;  // optional
  // SPEC §7.3: policy id → the maintenance window in effect for it (optional). Such a policy
  // opens no breach; its open breaches are still updated and resolved, and the events of all
  // that are suppressed (returned in `suppressed`, not in `events`).
  const std::map<std::string, std::string>* maintenance = nullptr;
};

struct Evaluation {
  std::vector<Verdict> verdicts;         // one per active policy × threshold
  std::vector<Breach> changed_breaches;  // created, updated or resolved: to be stored
  std::vector<Event> events;             // caused by those changes, in order
  // Events a maintenance window suppressed, with that window's id.
  std::vector<std::pair<Event, std::string>> suppressed;
  std::vector<Breach> open_breaches;  // every breach still open after this cycle
  int opened = 0;
  int escalated = 0;
  int resolved = 0;
  int no_data = 0;
};

// SPEC §6.2: |actual − threshold| / threshold × 100; +Inf for a threshold of 0.
double deviation_percent(double actual, double threshold);
// SPEC §6.2: warning up to and including 20 %, critical above.
Severity severity_for(double deviation_percent);
bool is_violated(Bound bound, double actual, double threshold);

Evaluation evaluate(const EvaluationInput& input);

}  // namespace slamon
