// Alert rule matching (SPEC §9.4). For an incident event, severity is the highest severity
// among its breaches, and the policy conditions (scope, policy, labels) hold when one of its
// breaches satisfies all of them together. A policy signal (sla.budget.*, sla.escalate,
// sla.deescalate) has no breach: its severity is derived from the type — critical for
// sla.budget.critical and sla.escalate, warning for the others — and the policy conditions are
// checked against its policy.
#include <algorithm>
#include <cctype>

#include "common/strings.h"
#include "routing/event_fields.h"
#include "routing/routing.h"

namespace slamon::routing {
namespace {

using detail::member;
using detail::object_member;
using detail::string_member;

// What a rule's policy conditions are checked against: one breach's policy.
struct PolicyFacts {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<Scope> scope;
  const nlohmann::json* labels = nullptr;
};

struct EventFacts {
  std::string type;
  std::optional<std::string> org;  // lower case
  std::optional<Severity> severity;
  std::vector<PolicyFacts> policies;
};

PolicyFacts policy_facts(const nlohmann::json& policy) {
  PolicyFacts facts;
  facts.id = string_member(policy, "id");
  facts.name = string_member(policy, "name");
  if (auto scope = string_member(policy, "scope")) facts.scope = parse_scope(*scope);
  const nlohmann::json* labels = member(policy, "labels");
  if (labels != nullptr && labels->is_object()) facts.labels = labels;
  return facts;
}

std::optional<Severity> severity_of(const nlohmann::json& breach) {
  const auto text = string_member(breach, "severity");
  return text ? parse_severity(*text) : std::nullopt;
}

// The severity a policy-level event matches as; nullopt for breach and incident events.
std::optional<Severity> derived_severity(std::string_view type) {
  const auto parsed = parse_event_type(type);
  if (!parsed || is_breach_event(*parsed)) return std::nullopt;
  return *parsed == EventType::budget_critical || *parsed == EventType::escalate
             ? Severity::critical
             : Severity::warning;
}

EventFacts facts_of(const nlohmann::json& event) {
  EventFacts facts;
  facts.type = string_member(event, "type").value_or("");
  if (auto org = string_member(event, "org_id")) facts.org = to_lower_ascii(*org);
  if (auto severity = derived_severity(facts.type)) {
    facts.severity = severity;
    facts.policies.push_back(policy_facts(object_member(event, "policy")));
    return facts;
  }
  const nlohmann::json* incident = member(event, "incident");
  if (incident == nullptr) {
    facts.severity = severity_of(object_member(event, "breach"));
    facts.policies.push_back(policy_facts(object_member(event, "policy")));
    return facts;
  }
  const nlohmann::json* breaches = member(*incident, "breaches");
  if (breaches == nullptr || !breaches->is_array()) return facts;
  for (const nlohmann::json& item : *breaches) {
    if (auto severity = severity_of(object_member(item, "breach"))) {
      facts.severity = facts.severity ? std::max(*facts.severity, *severity) : *severity;
    }
    facts.policies.push_back(policy_facts(object_member(item, "policy")));
  }
  return facts;
}

template <typename T>
bool contains(const std::vector<T>& values, const T& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool policy_matches(const AlertRuleMatch& match, const PolicyFacts& policy) {
  if (!match.scopes.empty() && !(policy.scope && contains(match.scopes, *policy.scope))) {
    return false;
  }
  if (!match.policies.empty() && !(policy.id && contains(match.policies, *policy.id)) &&
      !(policy.name && contains(match.policies, *policy.name))) {
    return false;
  }
  for (const auto& [name, value] : match.labels) {
    if (policy.labels == nullptr) return false;
    const auto label = string_member(*policy.labels, name);
    if (!label || *label != value) return false;
  }
  return true;
}

bool rule_matches(const AlertRule& rule, const EventFacts& event) {
  const AlertRuleMatch& match = rule.match;
  if (!contains(rule.events, event.type)) return false;
  if (!match.severities.empty() &&
      !(event.severity && contains(match.severities, *event.severity))) {
    return false;
  }
  if (!match.orgs.empty() &&
      !(event.org && std::any_of(match.orgs.begin(), match.orgs.end(), [&](const auto& org) {
          return to_lower_ascii(org) == *event.org;
        }))) {
    return false;
  }
  const bool policy_conditions =
      !match.scopes.empty() || !match.policies.empty() || !match.labels.empty();
  if (!policy_conditions) return true;
  return std::any_of(event.policies.begin(), event.policies.end(),
                     [&](const PolicyFacts& policy) { return policy_matches(match, policy); });
}

}  // namespace

EventRouter::EventRouter(std::vector<AlertRule> rules) : rules_(std::move(rules)) {}

std::vector<std::string> EventRouter::notifiers_for(const nlohmann::json& event) const {
  std::vector<std::string> names;
  if (!event.is_object()) return names;
  const EventFacts facts = facts_of(event);
  if (facts.type.empty()) return names;
  // A scheduled report goes where its schedule says (SPEC §10), not where alert rules send
  // breaches.
  if (facts.type == "sla.report.ready") {
    const auto schedule = event.find("schedule");
    if (schedule == event.end() || !schedule->is_object()) return names;
    const auto notifiers = schedule->find("notifiers");
    if (notifiers == schedule->end() || !notifiers->is_array()) return names;
    for (const nlohmann::json& name : *notifiers) {
      if (name.is_string() && !contains(names, name.get<std::string>())) {
        names.push_back(name.get<std::string>());
      }
    }
    return names;
  }
  for (const AlertRule& rule : rules_) {
    if (!rule_matches(rule, facts)) continue;
    for (const std::string& name : rule.notifiers) {
      if (!contains(names, name)) names.push_back(name);
    }
  }
  return names;
}

}  // namespace slamon::routing
