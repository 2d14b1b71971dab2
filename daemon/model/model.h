// The domain vocabulary shared by every component: scopes, metrics, thresholds, policies,
// breaches and events, with their canonical spellings (SPEC §3, §6, §9.1). Plain values;
// thread-safe as values are.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace slamon {

enum class Scope { organization, site, site_group, device_group, ssid, camera, nvr };
inline constexpr std::array kAllScopes{Scope::organization, Scope::site, Scope::site_group,
                                       Scope::device_group, Scope::ssid, Scope::camera,
                                       Scope::nvr};

enum class Metric {
  uptime_percent,
  latency_ms,
  packet_loss_percent,
  health_score,
  client_satisfaction,
  error_rate
};
inline constexpr std::size_t kMetricCount = 6;
inline constexpr std::array kAllMetrics{Metric::uptime_percent,      Metric::latency_ms,
                                        Metric::packet_loss_percent, Metric::health_score,
                                        Metric::client_satisfaction, Metric::error_rate};

// Which side of the threshold is good: a `_min` threshold is violated below, `_max` above.
enum class Bound { min, max };

// One row of the SPEC §3 table: threshold key, metric, bound, and the metric's value range.
struct ThresholdSpec {
  std::string_view key;  // e.g. "uptime_percent_min"
  Metric metric;
  Bound bound;
  double range_min;
  double range_max;  // +infinity when unbounded
  std::string_view unit;
};
const std::array<ThresholdSpec, kMetricCount>& threshold_specs();
const ThresholdSpec& threshold_spec(Metric metric);
const ThresholdSpec* threshold_spec_by_key(std::string_view key);

enum class PolicyStatus { active, disabled, draft };
enum class NoDataMode { keep, breach, resolve };
enum class Severity { warning, critical };
enum class BreachStatus { active, acknowledged, resolved };
enum class Priority { LOW, NORMAL, HIGH, CRITICAL };

std::string_view to_string(Scope);
std::string_view to_string(Metric);
std::string_view to_string(Bound);
std::string_view to_string(PolicyStatus);
std::string_view to_string(NoDataMode);
std::string_view to_string(Severity);
std::string_view to_string(BreachStatus);
std::string_view to_string(Priority);
std::optional<Scope> parse_scope(std::string_view);
std::optional<Metric> parse_metric(std::string_view);
std::optional<PolicyStatus> parse_policy_status(std::string_view);
std::optional<NoDataMode> parse_no_data_mode(std::string_view);
std::optional<Severity> parse_severity(std::string_view);
std::optional<BreachStatus> parse_breach_status(std::string_view);

// SPEC §7.2: the calendar period an SLA is judged over, in an IANA time zone.
enum class PeriodKind { day, week, month, quarter, year };
std::string_view to_string(PeriodKind);
std::optional<PeriodKind> parse_period_kind(std::string_view);

struct SlaPeriod {
  PeriodKind kind = PeriodKind::month;
  // IANA name ("Europe/Berlin"). Empty: the policy's site's time zone when it has one, else
  // UTC (resolved by config when the policy is loaded).
  std::string timezone;
  bool operator==(const SlaPeriod&) const = default;
};

// A span of local clock time within a day, in minutes since midnight. end <= start spans
// midnight: the window opens on its weekday and closes on the next day ("22:00-06:00").
// start == 0 and end == 1440 is the whole day.
struct DailyWindow {
  int start_minute = 0;
  int end_minute = 1440;
  bool operator==(const DailyWindow&) const = default;
};

// SPEC §7.2 `time_period`: the local times that count (business hours). Index 0 is Monday.
// A weekday with no window does not count at all. Time zone: the policy's SLA period's.
struct TimePeriod {
  std::array<std::vector<DailyWindow>, 7> by_weekday{};
  bool operator==(const TimePeriod&) const = default;
};

// SPEC §7.4: at most `max_outages` breaches of `metric` lasting at least `min_duration` per SLA
// period.
struct OutageRequirement {
  int max_outages = 0;
  Duration min_duration{0};
  Metric metric = Metric::uptime_percent;
  bool operator==(const OutageRequirement&) const = default;
};

// SPEC §7.4 levels: the share of the period's budget used (0..1) at which a period turns
// "at risk" and sla.budget.warning / sla.budget.critical are published (once per period).
struct BudgetLevels {
  double warn_at_budget_used = 0.5;
  double crit_at_budget_used = 0.9;
  bool operator==(const BudgetLevels&) const = default;
};

// SPEC §7.6: the mean of `metric` over `interval` above `upper` escalates, below `lower`
// de-escalates; no new escalation within `cooldown` of the last.
struct SlidingWindow {
  Metric metric = Metric::latency_ms;
  double upper = 0;
  double lower = 0;
  Duration interval{0};
  Duration cooldown{0};
  bool operator==(const SlidingWindow&) const = default;
};

// SPEC §7.7: a period whose achieved uptime is below `below` (percent) owes `percent` of the
// fee. The tier with the lowest `below` that applies wins.
struct CreditTier {
  double below = 0;
  double percent = 0;
  bool operator==(const CreditTier&) const = default;
};

// A policy as evaluated: from a rule file (provisioned) or, later, from the API.
struct Policy {
  std::string id;
  std::string org;
  std::string name;
  std::string description;
  Scope scope = Scope::organization;
  std::optional<std::string> scope_id;
  std::optional<std::string> scope_name;  // ssid only
  PolicyStatus status = PolicyStatus::active;
  std::map<std::string, std::string> labels;
  // Indexed by Metric; nullopt = no threshold for that metric.
  std::array<std::optional<double>, kMetricCount> thresholds{};
  NoDataMode no_data = NoDataMode::keep;
  bool provisioned = false;
  // SPEC §7. Without sla_period the policy is judged per calendar month in UTC (or its site's
  // time zone); without time_period all time counts.
  std::optional<SlaPeriod> sla_period;
  std::optional<TimePeriod> time_period;
  std::vector<OutageRequirement> requirements;
  std::optional<BudgetLevels> levels;
  std::optional<SlidingWindow> sliding_window;
  std::vector<CreditTier> credits;

  std::optional<double> threshold(Metric m) const {
    return thresholds[static_cast<std::size_t>(m)];
  }
  // The key a batched measurement result is joined on: scope_name for ssid without an id,
  // the org id for organization scope, else scope_id.
  std::string scope_key() const;
};

// SPEC §7.3: a maintenance window, one-off (start/end) or recurring (recurrence + duration in
// `timezone`). Inside it a policy of the scope opens no breach, its events are suppressed and
// its time counts as `maintenance`, not against compliance. A window's scope covers: the whole
// org (organization); the entity itself; and for a site, every entity located at it.
struct MaintenanceWindow {
  std::string id;  // from config: the given `id` or "config-<n>"; from the API: a UUID
  std::string org;
  Scope scope = Scope::organization;
  std::optional<std::string> scope_id;
  std::optional<std::string> scope_name;  // ssid by name
  std::optional<WallTime> start;          // one-off: start and end
  std::optional<WallTime> end;
  std::string recurrence;  // recurring: cron or RRULE subset (sla/recurrence.h)
  Duration duration{0};    // recurring: each occurrence's length
  std::string timezone;    // recurring: the zone the recurrence is read in ("" = UTC)
  std::string reason;
  bool provisioned = false;  // from the config file: read-only through the API
  std::optional<WallTime> created_at;
  std::string created_by;  // the API principal
  bool recurring() const { return !recurrence.empty(); }
};

// SPEC §10 report schedule: at each occurrence of `cron` (read in `timezone`) a report of
// the calendar period before it (`period`: the previous day, week, month, quarter or year in
// that zone) is rendered and delivered to `notifiers`.
struct ReportSchedule {
  std::string id;  // from config: the given `id` or a UUIDv5 of org + name; from the API: a UUID
  std::string org;
  std::string name;  // unique within the org
  std::string cron;  // five fields (sla/recurrence.h)
  std::string timezone = "UTC";
  PeriodKind period = PeriodKind::month;  // spelled previous_day ... previous_year
  std::vector<std::string> policy_ids;
  std::string format = "pdf";  // pdf | csv
  std::string title;           // the reports' title; empty: the schedule's name
  std::vector<std::string> notifiers;
  bool provisioned = false;  // from the config file: read-only through the API
  std::optional<WallTime> created_at;
  std::string created_by;  // the API principal
};

struct Breach {
  std::string id;
  std::string org;
  std::string policy_id;
  Scope scope = Scope::organization;
  std::optional<std::string> scope_id;
  std::optional<std::string> scope_name;
  Metric metric = Metric::uptime_percent;
  std::optional<double> actual;  // nullopt when opened by `no_data: breach`
  double threshold = 0;
  std::optional<double> deviation_percent;  // +infinity for a violated threshold of 0
  Severity severity = Severity::warning;
  Severity peak_severity = Severity::warning;
  BreachStatus status = BreachStatus::active;
  WallTime opened_at{};
  WallTime last_evaluated_at{};
  std::optional<WallTime> acknowledged_at;
  std::optional<std::string> acknowledged_by;
  std::optional<std::string> ack_notes;
  std::optional<WallTime> resolved_at;
  std::optional<std::string> resolve_reason;

  bool open() const { return status != BreachStatus::resolved; }
};

enum class EventType {
  breach_created,
  breach_escalated,
  breach_acknowledged,
  breach_resolved,
  budget_warning,   // SPEC §7.4: a period's budget used reached warn_at_budget_used
  budget_critical,  // ... reached crit_at_budget_used
  escalate,         // SPEC §7.6: the sliding-window mean went above `upper`
  deescalate,       // ... went below `lower`
};
std::string_view to_string(EventType);  // "sla.breach.created", ...
std::optional<EventType> parse_event_type(std::string_view);
// True for the four sla.breach.* events, which carry a breach; the others are about a policy.
bool is_breach_event(EventType type);
// SPEC §9.1: created/escalated HIGH; acknowledged CRITICAL for a critical breach else NORMAL;
// resolved NORMAL; budget warning NORMAL, critical HIGH; escalate HIGH, deescalate NORMAL.
Priority priority_of(EventType type, const Breach* breach);

// The policy summary every event carries (SPEC §9.1).
struct PolicyRef {
  std::string id;
  std::string name;
  Scope scope = Scope::organization;
  std::optional<std::string> scope_id;
  std::optional<std::string> scope_name;
  std::map<std::string, std::string> labels;
};
PolicyRef policy_ref(const Policy& policy);

// What a budget event (SPEC §7.4) reports: the SLA period and how much of its budget is used.
struct BudgetSignal {
  WallTime period_start{};
  WallTime period_end{};
  double budget_used = 0;  // share of the period's budget, 0..(may exceed 1)
  double level = 0;        // the configured level that was reached
  // What used the budget most: "downtime" (uptime budget) or "outages:<metric>".
  std::string driver;
};

// What a sliding-window event (SPEC §7.6) reports.
struct WindowSignal {
  Metric metric = Metric::latency_ms;
  double mean = 0;  // over `interval`, in the metric's unit
  double upper = 0;
  double lower = 0;
  Duration interval{0};
};

struct Event {
  std::string id;
  EventType type = EventType::breach_created;
  Priority priority = Priority::NORMAL;
  WallTime occurred_at{};
  std::string org_id;
  std::optional<Breach> breach;  // set exactly for the sla.breach.* events
  PolicyRef policy;
  std::optional<BudgetSignal> budget;  // sla.budget.*
  std::optional<WindowSignal> window;  // sla.escalate / sla.deescalate
  // The breach id for a breach event, else "" (the outbox orders deliveries per breach).
  std::string breach_id() const { return breach ? breach->id : std::string(); }
};

// Builds a breach event with a fresh id and the priority of SPEC §9.1.
Event make_event(EventType type, const Breach& breach, const PolicyRef& policy, WallTime at);
// Builds a policy-level event (budget or sliding window) with a fresh id.
Event make_budget_event(EventType type, const std::string& org, const PolicyRef& policy,
                        const BudgetSignal& budget, WallTime at);
Event make_window_event(EventType type, const std::string& org, const PolicyRef& policy,
                        const WindowSignal& window, WallTime at);

}  // namespace slamon
