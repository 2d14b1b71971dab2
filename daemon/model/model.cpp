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

// An enumeration's spelling in config, JSON and events: to_string and the parse_* functions
// read the same table.
template <typename Enum>
struct Named {
  Enum value;
  std::string_view name;
};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<Named<Enum>, N>& names, Enum value) {
  for (const Named<Enum>& named : names) {
    if (named.value == value) return named.name;
  }
  return "";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<Named<Enum>, N>& names, std::string_view text) {
  for (const Named<Enum>& named : names) {
    if (named.name == text) return named.value;
  }
  return std::nullopt;
}

constexpr std::array<Named<Scope>, 7> kScopeNames{{{Scope::organization, "organization"},
                                                   {Scope::site, "site"},
                                                   {Scope::site_group, "site_group"},
                                                   {Scope::device_group, "device_group"},
                                                   {Scope::ssid, "ssid"},
                                                   {Scope::camera, "camera"},
                                                   {Scope::nvr, "nvr"}}};
constexpr std::array<Named<Metric>, 6> kMetricNames{
    {{Metric::uptime_percent, "uptime_percent"},
     {Metric::latency_ms, "latency_ms"},
     {Metric::packet_loss_percent, "packet_loss_percent"},
     {Metric::health_score, "health_score"},
     {Metric::client_satisfaction, "client_satisfaction"},
     {Metric::error_rate, "error_rate"}}};
constexpr std::array<Named<PolicyStatus>, 3> kPolicyStatusNames{
    {{PolicyStatus::active, "active"},
     {PolicyStatus::disabled, "disabled"},
     {PolicyStatus::draft, "draft"}}};
constexpr std::array<Named<NoDataMode>, 3> kNoDataModeNames{
    {{NoDataMode::keep, "keep"}, {NoDataMode::breach, "breach"}, {NoDataMode::resolve, "resolve"}}};
constexpr std::array<Named<BreachStatus>, 3> kBreachStatusNames{
    {{BreachStatus::active, "active"},
     {BreachStatus::acknowledged, "acknowledged"},
     {BreachStatus::resolved, "resolved"}}};
constexpr std::array<Named<Priority>, 4> kPriorityNames{{{Priority::LOW, "LOW"},
                                                         {Priority::NORMAL, "NORMAL"},
                                                         {Priority::HIGH, "HIGH"},
                                                         {Priority::CRITICAL, "CRITICAL"}}};
constexpr std::array<Named<EventType>, 8> kEventTypeNames{
    {{EventType::breach_created, "sla.breach.created"},
     {EventType::breach_escalated, "sla.breach.escalated"},
     {EventType::breach_acknowledged, "sla.breach.acknowledged"},
     {EventType::breach_resolved, "sla.breach.resolved"},
     {EventType::budget_warning, "sla.budget.warning"},
     {EventType::budget_critical, "sla.budget.critical"},
     {EventType::escalate, "sla.escalate"},
     {EventType::deescalate, "sla.deescalate"}}};
constexpr std::array<Named<PeriodKind>, 5> kPeriodKindNames{{{PeriodKind::day, "day"},
                                                             {PeriodKind::week, "week"},
                                                             {PeriodKind::month, "month"},
                                                             {PeriodKind::quarter, "quarter"},
                                                             {PeriodKind::year, "year"}}};
constexpr std::array<Named<Severity>, 2> kSeverityNames{
    {{Severity::warning, "warning"}, {Severity::critical, "critical"}}};
static_assert(kScopeNames.size() == kAllScopes.size());
static_assert(kMetricNames.size() == kMetricCount);

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
  return name_of(kScopeNames, s);
}

std::string_view to_string(Metric m) {
  return name_of(kMetricNames, m);
}

std::string_view to_string(Bound b) {
  return b == Bound::min ? "min" : "max";
}

std::string_view to_string(PolicyStatus s) {
  return name_of(kPolicyStatusNames, s);
}

std::string_view to_string(NoDataMode m) {
  return name_of(kNoDataModeNames, m);
}

std::string_view to_string(Severity s) {
  return s == Severity::warning ? "warning" : "critical";
}

std::string_view to_string(BreachStatus s) {
  return name_of(kBreachStatusNames, s);
}

std::string_view to_string(Priority p) {
  return name_of(kPriorityNames, p);
}

std::string_view to_string(EventType t) {
  return name_of(kEventTypeNames, t);
}

std::string_view to_string(PeriodKind k) {
  return name_of(kPeriodKindNames, k);
}

std::optional<Scope> parse_scope(std::string_view t) {
  return value_of(kScopeNames, t);
}
std::optional<Metric> parse_metric(std::string_view t) {
  return value_of(kMetricNames, t);
}
std::optional<PolicyStatus> parse_policy_status(std::string_view t) {
  return value_of(kPolicyStatusNames, t);
}
std::optional<NoDataMode> parse_no_data_mode(std::string_view t) {
  return value_of(kNoDataModeNames, t);
}
std::optional<Severity> parse_severity(std::string_view t) {
  return value_of(kSeverityNames, t);
}
std::optional<PeriodKind> parse_period_kind(std::string_view t) {
  return value_of(kPeriodKindNames, t);
}
std::optional<EventType> parse_event_type(std::string_view t) {
  return value_of(kEventTypeNames, t);
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
  return value_of(kBreachStatusNames, t);
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
