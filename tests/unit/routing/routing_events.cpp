#include "routing_events.h"

#include <chrono>

#include "model/event_json.h"
#include "support/sample_breach.h"

namespace slamon::testing {

WallTime t0() {
  using namespace std::chrono;
  return sys_days(year(2026) / November / 21) + hours(10);
}

Breach make_breach(const BreachSpec& spec, WallTime opened_at) {
  return sample_breach(
      {.id = spec.id,
       .org = spec.org,
       .policy_id = spec.policy_id,
       .scope = spec.scope,
       .scope_id = spec.scope_id.empty() ? std::nullopt : std::optional<std::string>(spec.scope_id),
       .metric = spec.metric,
       .severity = spec.severity,
       .opened_at = opened_at});
}

PolicyRef make_policy(const BreachSpec& spec) {
  PolicyRef policy;
  policy.id = spec.policy_id;
  policy.name = spec.policy_name;
  policy.scope = spec.scope;
  if (!spec.scope_id.empty()) policy.scope_id = spec.scope_id;
  policy.labels = spec.labels;
  return policy;
}

nlohmann::json breach_event(EventType type, const BreachSpec& spec, WallTime at) {
  Breach breach = make_breach(spec, at);
  if (type == EventType::breach_acknowledged) {
    breach.status = BreachStatus::acknowledged;
    breach.acknowledged_at = at;
    breach.acknowledged_by = "noc";
  } else if (type == EventType::breach_resolved) {
    breach.status = BreachStatus::resolved;
    breach.resolved_at = at;
    breach.resolve_reason = "recovered";
  }
  return to_json(make_event(type, breach, make_policy(spec), at));
}

nlohmann::json policy_event(EventType type, const BreachSpec& spec, WallTime at) {
  if (type == EventType::budget_warning || type == EventType::budget_critical) {
    BudgetSignal budget;
    budget.period_start = at - std::chrono::days(20);
    budget.period_end = at + std::chrono::days(10);
    budget.budget_used = type == EventType::budget_critical ? 0.91 : 0.52;
    budget.level = type == EventType::budget_critical ? 0.9 : 0.5;
    budget.driver = "downtime";
    return to_json(make_budget_event(type, spec.org, make_policy(spec), budget, at));
  }
  WindowSignal window;
  window.metric = Metric::latency_ms;
  window.mean = type == EventType::escalate ? 1250 : 80;
  window.upper = 1000;
  window.lower = 100;
  window.interval = std::chrono::minutes(10);
  return to_json(make_window_event(type, spec.org, make_policy(spec), window, at));
}

std::shared_ptr<const Config> correlation_config(bool enabled, std::chrono::milliseconds window,
                                                 std::vector<std::string> group_by) {
  auto config = std::make_shared<Config>();
  Organization org;
  org.id = kOrg;
  org.name = "ACME";
  org.site_groups = {{std::string(kGroupEmea), "EMEA"}};
  org.sites = {{std::string(kSiteHq), "HQ", std::string(kGroupEmea), ""},
               {std::string(kSiteLab), "Lab", std::string(kGroupEmea), ""},
               {std::string(kSiteLoose), "Loose", "", ""}};
  org.device_groups = {{std::string(kDeviceGroup), "APs"}};
  const auto device = [](std::string_view id, DeviceKind kind, std::string_view site) {
    Device d;
    d.id = id;
    d.name = std::string(id.substr(id.size() - 3));
    d.kind = kind;
    d.site = site;
    return d;
  };
  org.devices = {device(kCamHq1, DeviceKind::camera, kSiteHq),
                 device(kCamHq2, DeviceKind::camera, kSiteHq),
                 device(kCamLab, DeviceKind::camera, kSiteLab),
                 device(kNvrLoose, DeviceKind::nvr, kSiteLoose)};
  Organization other;
  other.id = kOtherOrg;
  other.name = "Globex";
  other.sites = {{std::string(kSiteOther), "Plant", "", ""}};
  config->inventory.organizations = {std::move(org), std::move(other)};
  config->inventory.index();
  config->correlation.enabled = enabled;
  config->correlation.window = window;
  config->correlation.group_by = std::move(group_by);
  return config;
}

}  // namespace slamon::testing
