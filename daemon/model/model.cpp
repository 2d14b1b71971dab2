#include "model/model.h"

#include <limits>

#include "common/uuid.h"

namespace slamon {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const std::array<ThresholdSpec, kMetricCount> kSpecs{{
    {"uptime_percent_min", Metric::uptime_percent, Bound::min, 0, 100, "percent"},
    {"latency_ms_max", Metric::latency_ms, Bound::max, 0, kInf, "milliseconds"},
    {"packet_loss_percent_max", Metric::packet_loss_percent, Bound::max, 0, 100, "percent"},
    {"health_score_min", Metric::health_score, Bound::min, 0, 100, "score"},
    {"client_satisfaction_min", Metric::client_satisfaction, Bound::min, 0, 100, "score"},
    {"error_rate_max", Metric::error_rate, Bound::max, 0, 1, "ratio"},
}};

template <typename Enum, std::size_t N>
std::optional<Enum> parse_from(std::string_view text, const std::array<Enum, N>& all) {
  for (Enum e : all) {
    if (to_string(e) == text) return e;
  }
  return std::nullopt;
}

}  // namespace

const std::array<ThresholdSpec, kMetricCount>& threshold_specs() {
  return kSpecs;
}
const ThresholdSpec& threshold_spec(Metric metric) {
  return kSpecs[static_cast<std::size_t>(metric)];
}
const ThresholdSpec* threshold_spec_by_key(std::string_view key) {
  for (const auto& spec : kSpecs) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::string_view to_string(Scope s) {
  switch (s) {
    case Scope::organization:
      return "organization";
    case Scope::site:
      return "site";
    case Scope::site_group:
      return "site_group";
    case Scope::device_group:
      return "device_group";
    case Scope::ssid:
      return "ssid";
    case Scope::camera:
      return "camera";
    case Scope::nvr:
      return "nvr";
  }
  return "";
}

std::string_view to_string(Metric m) {
  switch (m) {
    case Metric::uptime_percent:
      return "uptime_percent";
    case Metric::latency_ms:
      return "latency_ms";
    case Metric::packet_loss_percent:
      return "packet_loss_percent";
    case Metric::health_score:
      return "health_score";
    case Metric::client_satisfaction:
      return "client_satisfaction";
    case Metric::error_rate:
      return "error_rate";
  }
  return "";
}

std::string_view to_string(Bound b) {
  return b == Bound::min ? "min" : "max";
}

std::string_view to_string(PolicyStatus s) {
  switch (s) {
    case PolicyStatus::active:
      return "active";
    case PolicyStatus::disabled:
      return "disabled";
    case PolicyStatus::draft:
      return "draft";
  }
  return "";
}

std::string_view to_string(NoDataMode m) {
  switch (m) {
    case NoDataMode::keep:
      return "keep";
    case NoDataMode::breach:
      return "breach";
    case NoDataMode::resolve:
      return "resolve";
  }
  return "";
}

std::string_view to_string(Severity s) {
  return s == Severity::warning ? "warning" : "critical";
}

std::string_view to_string(BreachStatus s) {
  switch (s) {
    case BreachStatus::active:
      return "active";
    case BreachStatus::acknowledged:
      return "acknowledged";
    case BreachStatus::resolved:
      return "resolved";
  }
  return "";
}

std::string_view to_string(Priority p) {
  switch (p) {
    case Priority::LOW:
      return "LOW";
    case Priority::NORMAL:
      return "NORMAL";
    case Priority::HIGH:
      return "HIGH";
    case Priority::CRITICAL:
      return "CRITICAL";
  }
  return "";
}

std::string_view to_string(EventType t) {
  switch (t) {
    case EventType::breach_created:
      return "sla.breach.created";
    case EventType::breach_escalated:
      return "sla.breach.escalated";
    case EventType::breach_acknowledged:
      return "sla.breach.acknowledged";
    case EventType::breach_resolved:
      return "sla.breach.resolved";
    case EventType::budget_warning:
      return "sla.budget.warning";
    case EventType::budget_critical:
      return "sla.budget.critical";
    case EventType::escalate:
      return "sla.escalate";
    case EventType::deescalate:
      return "sla.deescalate";
  }
  return "";
}

std::string_view to_string(PeriodKind k) {
  switch (k) {
    case PeriodKind::day:
      return "day";
    case PeriodKind::week:
      return "week";
    case PeriodKind::month:
      return "month";
    case PeriodKind::quarter:
      return "quarter";
    case PeriodKind::year:
      return "year";
  }
  return "";
}

std::optional<Scope> parse_scope(std::string_view t) {
  return parse_from(t, kAllScopes);
}
std::optional<Metric> parse_metric(std::string_view t) {
  return parse_from(t, kAllMetrics);
}
std::optional<PolicyStatus> parse_policy_status(std::string_view t) {
  return parse_from(t,
                    std::array{PolicyStatus::active, PolicyStatus::disabled, PolicyStatus::draft});
}
std::optional<NoDataMode> parse_no_data_mode(std::string_view t) {
  return parse_from(t, std::array{NoDataMode::keep, NoDataMode::breach, NoDataMode::resolve});
}
std::optional<Severity> parse_severity(std::string_view t) {
  return parse_from(t, std::array{Severity::warning, Severity::critical});
}
std::optional<PeriodKind> parse_period_kind(std::string_view t) {
  return parse_from(t, std::array{PeriodKind::day, PeriodKind::week, PeriodKind::month,
                                  PeriodKind::quarter, PeriodKind::year});
}
std::optional<EventType> parse_event_type(std::string_view t) {
  return parse_from(t, std::array{EventType::breach_created, EventType::breach_escalated,
                                  EventType::breach_acknowledged, EventType::breach_resolved,
                                  EventType::budget_warning, EventType::budget_critical,
                                  EventType::escalate, EventType::deescalate});
}
bool is_breach_event(EventType type) {
  switch (type) {
    case EventType::breach_created:
    case EventType::breach_escalated:
    case EventType::breach_acknowledged:
    case EventType::breach_resolved:
      return true;
    default:
      return false;
  }
}
std::optional<BreachStatus> parse_breach_status(std::string_view t) {
  return parse_from(
      t, std::array{BreachStatus::active, BreachStatus::acknowledged, BreachStatus::resolved});
}

std::string Policy::scope_key() const {
  if (scope == Scope::organization) return org;
  if (scope == Scope::ssid && !scope_id) return scope_name.value_or("");
  return scope_id.value_or("");
}

Priority priority_of(EventType type, const Breach* breach) {
  switch (type) {
    case EventType::breach_created:
    case EventType::breach_escalated:
    case EventType::budget_critical:
    case EventType::escalate:
      return Priority::HIGH;
    case EventType::breach_acknowledged:
      return breach && breach->severity == Severity::critical ? Priority::CRITICAL
                                                              : Priority::NORMAL;
    case EventType::breach_resolved:
    case EventType::budget_warning:
    case EventType::deescalate:
      return Priority::NORMAL;
  }
  return Priority::NORMAL;
}

PolicyRef policy_ref(const Policy& policy) {
  return PolicyRef{policy.id,       policy.name,       policy.scope,
                   policy.scope_id, policy.scope_name, policy.labels};
}

Event make_event(EventType type, const Breach& breach, const PolicyRef& policy, WallTime at) {
  Event event;
  event.id = uuid_v4();
  event.type = type;
  event.priority = priority_of(type, &breach);
  event.occurred_at = at;
  event.org_id = breach.org;
  event.breach = breach;
  event.policy = policy;
  return event;
}

Event make_budget_event(EventType type, const std::string& org, const PolicyRef& policy,
                        const BudgetSignal& budget, WallTime at) {
  Event event;
  event.id = uuid_v4();
  event.type = type;
  event.priority = priority_of(type, nullptr);
  event.occurred_at = at;
  event.org_id = org;
  event.policy = policy;
  event.budget = budget;
  return event;
}

Event make_window_event(EventType type, const std::string& org, const PolicyRef& policy,
                        const WindowSignal& window, WallTime at) {
  Event event;
  event.id = uuid_v4();
  event.type = type;
  event.priority = priority_of(type, nullptr);
  event.occurred_at = at;
  event.org_id = org;
  event.policy = policy;
  event.window = window;
  return event;
}

}  // namespace slamon
