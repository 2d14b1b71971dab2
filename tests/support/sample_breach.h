// sample_breach(): the one builder of Breach values for tests. The defaults describe an open
// warning breach of a site-scoped uptime policy (97.5 % against 99 %), and a test names only
// the fields it cares about with designated initializers, in declaration order:
//   sample_breach({.id = "b-1", .severity = Severity::critical, .opened_at = kT0})
// Every field has a default member initializer, so leaving one out draws no
// -Wmissing-field-initializers. Header-only, stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "common/clock.h"
#include "model/model.h"

namespace slamon::testing {

struct BreachFields {
  std::string id = "6f0b1c2e-1111-4222-8333-444455556666";
  std::string org = "org-1";
  std::string policy_id = "policy-1";
  Scope scope = Scope::site;
  std::optional<std::string> scope_id = "site-1";
  std::optional<std::string> scope_name{};
  Metric metric = Metric::uptime_percent;
  std::optional<double> actual = 97.5;
  double threshold = 99.0;
  std::optional<double> deviation_percent = 1.5;
  Severity severity = Severity::warning;
  std::optional<Severity> peak_severity{};  // nullopt: the same as `severity`
  BreachStatus status = BreachStatus::active;
  WallTime opened_at{};
  std::optional<WallTime> last_evaluated_at{};  // nullopt: the same as `opened_at`
  std::optional<WallTime> resolved_at{};
};

inline Breach sample_breach(BreachFields fields = {}) {
  Breach breach;
  breach.id = std::move(fields.id);
  breach.org = std::move(fields.org);
  breach.policy_id = std::move(fields.policy_id);
  breach.scope = fields.scope;
  breach.scope_id = std::move(fields.scope_id);
  breach.scope_name = std::move(fields.scope_name);
  breach.metric = fields.metric;
  breach.actual = fields.actual;
  breach.threshold = fields.threshold;
  breach.deviation_percent = fields.deviation_percent;
  breach.severity = fields.severity;
  breach.peak_severity = fields.peak_severity.value_or(fields.severity);
  breach.status = fields.status;
  breach.opened_at = fields.opened_at;
  breach.last_evaluated_at = fields.last_evaluated_at.value_or(fields.opened_at);
  breach.resolved_at = fields.resolved_at;
  return breach;
}

}  // namespace slamon::testing
