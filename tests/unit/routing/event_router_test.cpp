// Alert rules (SPEC §9.4): which rule matches which event, field by field, for breach,
// incident and policy-level events, and the notifier list an event goes to (each once, in rule
// order).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "routing/routing.h"
#include "routing_events.h"

namespace slamon {
namespace {

using nlohmann::json;
using routing::EventRouter;
using testing::breach_event;
using testing::BreachSpec;
using testing::kOrg;
using testing::kOtherOrg;
using testing::policy_event;
using testing::t0;

// A breach of the HQ site's uptime policy, or of its first camera's.
BreachSpec hq_breach(Scope scope, Severity severity, std::map<std::string, std::string> labels) {
  const bool site = scope == Scope::site;
  BreachSpec spec;
  spec.id = site ? "b-site" : "b-cam";
  spec.scope = scope;
  spec.scope_id = std::string(site ? testing::kSiteHq : testing::kCamHq1);
  spec.severity = severity;
  spec.policy_id = site ? "p-site" : "p-cam";
  spec.policy_name = site ? "HQ uptime" : "Camera uptime";
  spec.labels = std::move(labels);
  return spec;
}

BreachSpec site_breach(Severity severity = Severity::warning,
                       std::map<std::string, std::string> labels = {}) {
  return hq_breach(Scope::site, severity, std::move(labels));
}

BreachSpec camera_breach(Severity severity = Severity::warning,
                         std::map<std::string, std::string> labels = {}) {
  return hq_breach(Scope::camera, severity, std::move(labels));
}

json created(const BreachSpec& spec) {
  return breach_event(EventType::breach_created, spec, t0());
}

// An event edited after it was built, to make one field malformed.
json edited(json event, const json::json_pointer& where, json value) {
  event[where] = std::move(value);
  return event;
}

json without(json event, const json::json_pointer& where) {
  event[where.parent_pointer()].erase(where.back());
  return event;
}

// An incident event (the correlator's shape) listing the breaches of `specs`.
json incident(const std::vector<BreachSpec>& specs, std::string_view type = "sla.incident.opened") {
  json breaches = json::array();
  for (const BreachSpec& spec : specs) {
    const json event = created(spec);
    breaches.push_back({{"breach", event["breach"]}, {"policy", event["policy"]}});
  }
  return {{"id", "00000000-0000-4000-8000-0000000000aa"},
          {"type", type},
          {"priority", "HIGH"},
          {"occurred_at", "2026-11-21T10:02:00Z"},
          {"org_id", kOrg},
          {"incident",
           {{"id", "00000000-0000-4000-8000-0000000000bb"},
            {"group", {{"org", kOrg}}},
            {"opened_at", "2026-11-21T10:00:00Z"},
            {"breaches", breaches}}}};
}

// AlertRuleMatch built field by field (designated initializers trip GCC 12's
// -Wmissing-field-initializers).
struct MatchBuilder {
  AlertRuleMatch built;
  MatchBuilder& severities(std::vector<Severity> v) {
    built.severities = std::move(v);
    return *this;
  }
  MatchBuilder& orgs(std::vector<std::string> v) {
    built.orgs = std::move(v);
    return *this;
  }
  MatchBuilder& scopes(std::vector<Scope> v) {
    built.scopes = std::move(v);
    return *this;
  }
  MatchBuilder& policies(std::vector<std::string> v) {
    built.policies = std::move(v);
    return *this;
  }
  MatchBuilder& labels(std::map<std::string, std::string> v) {
    built.labels = std::move(v);
    return *this;
  }
  operator AlertRuleMatch() const { return built; }  // NOLINT: used as a value in tables
};

MatchBuilder match() {
  return {};
}

struct MatchCase {
  std::string name;
  std::vector<std::string> events;  // the rule's event types
  AlertRuleMatch match;
  json event;
  bool matches;
};

void PrintTo(const MatchCase& c, std::ostream* os) {
  *os << c.name;
}

class RuleMatching : public ::testing::TestWithParam<MatchCase> {};

TEST_P(RuleMatching, MatchesExactlyWhenEveryConditionHolds) {
  const MatchCase& c = GetParam();
  const EventRouter router({AlertRule{"rule", c.events, c.match, {"target"}}});
  const std::vector<std::string> expected =
      c.matches ? std::vector<std::string>{"target"} : std::vector<std::string>{};
  EXPECT_EQ(router.notifiers_for(c.event), expected) << c.event.dump();
}

const std::vector<std::string> kCreated{"sla.breach.created"};
const std::vector<std::string> kOpened{"sla.incident.opened"};
const auto kName = [](const auto& info) { return info.param.name; };
const json::json_pointer kSeverity{"/breach/severity"};
const json::json_pointer kScope{"/policy/scope"};
const json::json_pointer kLabels{"/policy/labels"};

INSTANTIATE_TEST_SUITE_P(
    EventTypes, RuleMatching,
    ::testing::Values(MatchCase{"type_listed", kCreated, {}, created(site_breach()), true},
                      MatchCase{"type_not_listed",
                                {"sla.breach.resolved", "sla.breach.escalated"},
                                {},
                                created(site_breach()),
                                false},
                      MatchCase{"type_among_several",
                                {"sla.breach.resolved", "sla.breach.created"},
                                {},
                                created(site_breach()),
                                true},
                      MatchCase{
                          "incident_type_listed", kOpened, {}, incident({site_breach()}), true},
                      MatchCase{"incident_resolved_not_listed",
                                kOpened,
                                {},
                                incident({site_breach()}, "sla.incident.resolved"),
                                false},
                      MatchCase{"type_missing",
                                kCreated,
                                {},
                                without(created(site_breach()), json::json_pointer("/type")),
                                false},
                      MatchCase{"type_not_a_string",
                                kCreated,
                                {},
                                edited(created(site_breach()), json::json_pointer("/type"), 7),
                                false}),
    kName);

INSTANTIATE_TEST_SUITE_P(
    SeverityField, RuleMatching,
    ::testing::Values(MatchCase{"equal", kCreated, match().severities({Severity::critical}),
                                created(site_breach(Severity::critical)), true},
                      MatchCase{"differs", kCreated, match().severities({Severity::critical}),
                                created(site_breach(Severity::warning)), false},
                      MatchCase{"in_list", kCreated,
                                match().severities({Severity::warning, Severity::critical}),
                                created(site_breach(Severity::warning)), true},
                      MatchCase{"not_a_string", kCreated, match().severities({Severity::warning}),
                                edited(created(site_breach()), kSeverity, 1), false},
                      MatchCase{"unknown_word", kCreated, match().severities({Severity::warning}),
                                edited(created(site_breach()), kSeverity, "major"), false},
                      MatchCase{"breach_missing", kCreated, match().severities({Severity::warning}),
                                without(created(site_breach()), json::json_pointer("/breach")),
                                false},
                      MatchCase{"breach_missing_without_condition",
                                kCreated,
                                {},
                                without(created(site_breach()), json::json_pointer("/breach")),
                                true}),
    kName);

INSTANTIATE_TEST_SUITE_P(
    OrgField, RuleMatching,
    ::testing::Values(
        MatchCase{"equal", kCreated, match().orgs({std::string(kOrg)}), created(site_breach()),
                  true},
        MatchCase{"other_org", kCreated, match().orgs({std::string(kOtherOrg)}),
                  created(site_breach()), false},
        MatchCase{"in_list", kCreated, match().orgs({std::string(kOtherOrg), std::string(kOrg)}),
                  created(site_breach()), true},
        MatchCase{"upper_case_in_event", kCreated, match().orgs({std::string(kOrg)}),
                  edited(created(site_breach()), json::json_pointer("/org_id"),
                         "3F7C1A52-0D4E-4B8E-9C11-2F3A4B5C6D7E"),
                  true},
        MatchCase{"missing", kCreated, match().orgs({std::string(kOrg)}),
                  without(created(site_breach()), json::json_pointer("/org_id")), false},
        MatchCase{"not_a_string", kCreated, match().orgs({std::string(kOrg)}),
                  edited(created(site_breach()), json::json_pointer("/org_id"), json::array()),
                  false}),
    kName);

INSTANTIATE_TEST_SUITE_P(
    ScopeField, RuleMatching,
    ::testing::Values(
        MatchCase{"equal", kCreated, match().scopes({Scope::site}), created(site_breach()), true},
        MatchCase{"differs", kCreated, match().scopes({Scope::camera, Scope::nvr}),
                  created(site_breach()), false},
        MatchCase{"in_list", kCreated, match().scopes({Scope::nvr, Scope::camera}),
                  created(camera_breach()), true},
        MatchCase{"unknown_word", kCreated, match().scopes({Scope::site}),
                  edited(created(site_breach()), kScope, "building"), false},
        MatchCase{"policy_not_an_object", kCreated, match().scopes({Scope::site}),
                  edited(created(site_breach()), json::json_pointer("/policy"), "p-site"), false}),
    kName);

INSTANTIATE_TEST_SUITE_P(
    PolicyField, RuleMatching,
    ::testing::Values(
        MatchCase{"by_id", kCreated, match().policies({"p-site"}), created(site_breach()), true},
        MatchCase{"by_name", kCreated, match().policies({"HQ uptime"}), created(site_breach()),
                  true},
        MatchCase{"in_list", kCreated, match().policies({"p-other", "HQ uptime"}),
                  created(site_breach()), true},
        MatchCase{"neither", kCreated, match().policies({"p-cam", "Camera uptime"}),
                  created(site_breach()), false},
        MatchCase{"id_not_a_string", kCreated, match().policies({"p-site"}),
                  edited(created(site_breach()), json::json_pointer("/policy/id"), 12), false}),
    kName);

INSTANTIATE_TEST_SUITE_P(
    LabelsField, RuleMatching,
    ::testing::Values(
        MatchCase{"all_equal", kCreated, match().labels({{"tier", "gold"}, {"team", "noc"}}),
                  created(site_breach(Severity::warning,
                                      {{"tier", "gold"}, {"team", "noc"}, {"region", "eu"}})),
                  true},
        MatchCase{"one_differs", kCreated, match().labels({{"tier", "gold"}, {"team", "noc"}}),
                  created(site_breach(Severity::warning, {{"tier", "gold"}, {"team", "ops"}})),
                  false},
        MatchCase{"one_missing", kCreated, match().labels({{"tier", "gold"}, {"team", "noc"}}),
                  created(site_breach(Severity::warning, {{"tier", "gold"}})), false},
        MatchCase{"policy_without_labels", kCreated, match().labels({{"tier", "gold"}}),
                  created(site_breach()), false},
        MatchCase{"labels_not_an_object", kCreated, match().labels({{"tier", "gold"}}),
                  edited(created(site_breach()), kLabels, json::array({"tier", "gold"})), false},
        MatchCase{"value_not_a_string", kCreated, match().labels({{"tier", "1"}}),
                  edited(created(site_breach()), kLabels, json{{"tier", 1}}), false}),
    kName);

INSTANTIATE_TEST_SUITE_P(
    Combined, RuleMatching,
    ::testing::Values(MatchCase{"every_field_holds", kCreated,
                                match()
                                    .severities({Severity::critical})
                                    .orgs({std::string(kOrg)})
                                    .scopes({Scope::site})
                                    .policies({"p-site"})
                                    .labels({{"tier", "gold"}}),
                                created(site_breach(Severity::critical, {{"tier", "gold"}})), true},
                      MatchCase{"one_field_fails", kCreated,
                                match()
                                    .severities({Severity::critical})
                                    .orgs({std::string(kOrg)})
                                    .scopes({Scope::camera})
                                    .policies({"p-site"})
                                    .labels({{"tier", "gold"}}),
                                created(site_breach(Severity::critical, {{"tier", "gold"}})),
                                false}),
    kName);

INSTANTIATE_TEST_SUITE_P(
    Incidents, RuleMatching,
    ::testing::Values(
        MatchCase{"highest_severity_is_critical", kOpened, match().severities({Severity::critical}),
                  incident({site_breach(Severity::warning), camera_breach(Severity::critical)}),
                  true},
        MatchCase{"warning_rule_misses_a_critical_incident", kOpened,
                  match().severities({Severity::warning}),
                  incident({site_breach(Severity::warning), camera_breach(Severity::critical)}),
                  false},
        MatchCase{"warning_incident", kOpened, match().severities({Severity::warning}),
                  incident({site_breach(Severity::warning), camera_breach(Severity::warning)}),
                  true},
        MatchCase{"org_of_the_incident", kOpened, match().orgs({std::string(kOrg)}),
                  incident({site_breach()}), true},
        MatchCase{"scope_of_any_breach", kOpened, match().scopes({Scope::camera}),
                  incident({site_breach(), camera_breach()}), true},
        MatchCase{"scope_of_no_breach", kOpened, match().scopes({Scope::nvr}),
                  incident({site_breach(), camera_breach()}), false},
        MatchCase{"policy_of_any_breach", kOpened, match().policies({"Camera uptime"}),
                  incident({site_breach(), camera_breach()}), true},
        MatchCase{"labels_of_any_breach", kOpened, match().labels({{"tier", "gold"}}),
                  incident({site_breach(Severity::warning, {{"tier", "silver"}}),
                            camera_breach(Severity::warning, {{"tier", "gold"}})}),
                  true},
        // Scope, policy and labels must hold for one breach together.
        MatchCase{"conditions_split_over_two_breaches", kOpened,
                  match().scopes({Scope::site}).labels({{"tier", "gold"}}),
                  incident({site_breach(Severity::warning, {{"tier", "silver"}}),
                            camera_breach(Severity::warning, {{"tier", "gold"}})}),
                  false},
        MatchCase{"conditions_on_one_breach", kOpened,
                  match().scopes({Scope::camera}).labels({{"tier", "gold"}}),
                  incident({site_breach(Severity::warning, {{"tier", "silver"}}),
                            camera_breach(Severity::warning, {{"tier", "gold"}})}),
                  true},
        MatchCase{"no_breaches_no_severity", kOpened, match().severities({Severity::warning}),
                  incident({}), false},
        MatchCase{"no_breaches_no_condition", kOpened, {}, incident({}), true},
        MatchCase{"breaches_not_a_list", kOpened, match().scopes({Scope::site}),
                  edited(incident({site_breach()}), json::json_pointer("/incident/breaches"),
                         json::object()),
                  false}),
    kName);

TEST(EventRouter, NoRulesSendsNowhere) {
  const EventRouter router({});
  EXPECT_TRUE(router.notifiers_for(created(site_breach())).empty());
}

TEST(EventRouter, NoMatchingRuleSendsNowhere) {
  const EventRouter router({AlertRule{"r", {"sla.breach.resolved"}, {}, {"a"}},
                            AlertRule{"s", kCreated, match().scopes({Scope::nvr}), {"b"}}});
  EXPECT_TRUE(router.notifiers_for(created(site_breach())).empty());
}

TEST(EventRouter, NotifiersAreDeduplicatedInRuleOrder) {
  const EventRouter router({
      AlertRule{"first", kCreated, {}, {"slack", "mail"}},
      AlertRule{"skipped", kCreated, match().scopes({Scope::nvr}), {"pager"}},
      AlertRule{
          "second", kCreated, match().severities({Severity::critical}), {"mail", "am", "slack"}},
      AlertRule{"third", {"sla.breach.created", "sla.breach.resolved"}, {}, {"webhook"}},
  });
  EXPECT_EQ(router.notifiers_for(created(site_breach(Severity::critical))),
            (std::vector<std::string>{"slack", "mail", "am", "webhook"}));
  EXPECT_EQ(router.notifiers_for(created(site_breach(Severity::warning))),
            (std::vector<std::string>{"slack", "mail", "webhook"}));
  EXPECT_EQ(router.notifiers_for(breach_event(EventType::breach_resolved, site_breach(), t0())),
            std::vector<std::string>{"webhook"});
}

TEST(EventRouter, EventsThatAreNotObjectsGoNowhere) {
  const EventRouter router({AlertRule{"r", kCreated, {}, {"a"}}});
  for (const json& event :
       {json(nullptr), json("sla.breach.created"), json::array({"sla.breach.created"}), json(3)}) {
    EXPECT_TRUE(router.notifiers_for(event).empty()) << event.dump();
  }
}

// ---- policy-level events (sla.budget.*, sla.escalate, sla.deescalate: "breach": null) --------

json signal(EventType type,
            const BreachSpec& spec = site_breach(Severity::warning, {{"tier", "gold"}})) {
  return policy_event(type, spec, t0());
}

const std::vector<std::string> kSignals{"sla.budget.warning", "sla.budget.critical", "sla.escalate",
                                        "sla.deescalate"};

INSTANTIATE_TEST_SUITE_P(
    PolicySignals, RuleMatching,
    ::testing::Values(
        MatchCase{"budget_warning_listed", kSignals, {}, signal(EventType::budget_warning), true},
        MatchCase{"budget_not_listed", kCreated, {}, signal(EventType::budget_critical), false},
        MatchCase{
            "only_escalate_listed", {"sla.escalate"}, {}, signal(EventType::deescalate), false},
        MatchCase{"budget_critical_is_critical", kSignals, match().severities({Severity::critical}),
                  signal(EventType::budget_critical), true},
        MatchCase{"escalate_is_critical", kSignals, match().severities({Severity::critical}),
                  signal(EventType::escalate), true},
        MatchCase{"budget_warning_is_not_critical", kSignals,
                  match().severities({Severity::critical}), signal(EventType::budget_warning),
                  false},
        MatchCase{"budget_warning_is_warning", kSignals, match().severities({Severity::warning}),
                  signal(EventType::budget_warning), true},
        MatchCase{"deescalate_is_warning", kSignals, match().severities({Severity::warning}),
                  signal(EventType::deescalate), true},
        MatchCase{"deescalate_is_not_critical", kSignals, match().severities({Severity::critical}),
                  signal(EventType::deescalate), false},
        MatchCase{"org_matches", kSignals, match().orgs({std::string(kOrg)}),
                  signal(EventType::escalate), true},
        MatchCase{"org_differs", kSignals, match().orgs({std::string(kOtherOrg)}),
                  signal(EventType::escalate), false},
        MatchCase{"labels_match", kSignals, match().labels({{"tier", "gold"}}),
                  signal(EventType::budget_warning), true},
        MatchCase{"labels_differ", kSignals, match().labels({{"tier", "silver"}}),
                  signal(EventType::budget_warning), false},
        MatchCase{"scope_matches", kSignals, match().scopes({Scope::site}),
                  signal(EventType::budget_warning), true},
        MatchCase{"policy_by_name", kSignals, match().policies({"HQ uptime"}),
                  signal(EventType::escalate), true},
        MatchCase{"all_conditions", kSignals,
                  match()
                      .severities({Severity::critical})
                      .orgs({std::string(kOrg)})
                      .labels({{"tier", "gold"}}),
                  signal(EventType::budget_critical), true}),
    kName);

TEST(EventRouter, PolicySignalsIgnoreABreachThatShouldNotBeThere) {
  // The derived severity wins: a stray breach object cannot make a warning signal critical.
  json event = signal(EventType::budget_warning);
  ASSERT_TRUE(event["breach"].is_null());
  event["breach"] = {{"severity", "critical"}};
  const EventRouter router(
      {AlertRule{"r", kSignals, match().severities({Severity::critical}), {"pager"}}});
  EXPECT_TRUE(router.notifiers_for(event).empty());
  EXPECT_EQ(router.notifiers_for(signal(EventType::escalate)), std::vector<std::string>{"pager"});
}

}  // namespace
}  // namespace slamon
