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

  std::optional<double> threshold(Metric m) const {
    return thresholds[static_cast<std::size_t>(m)];
  }
  // The key a batched measurement result is joined on: scope_name for ssid without an id,
  // the org id for organization scope, else scope_id.
  std::string scope_key() const;
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
};
std::string_view to_string(EventType);  // "sla.breach.created", ...
// SPEC §9.1: created/escalated HIGH; acknowledged CRITICAL for a critical breach else NORMAL;
// resolved NORMAL.
Priority priority_of(EventType type, const Breach& breach);

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

struct Event {
  std::string id;
  EventType type = EventType::breach_created;
  Priority priority = Priority::NORMAL;
  WallTime occurred_at{};
  std::string org_id;
  Breach breach;
  PolicyRef policy;
};

// Builds an event with a fresh id and the priority of SPEC §9.1.
Event make_event(EventType type, const Breach& breach, const PolicyRef& policy, WallTime at);

}  // namespace slamon
