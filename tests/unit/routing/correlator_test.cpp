// Correlation (SPEC §9.4): which breaches form one incident (window and group_by keys), when
// an incident is announced and resolved, what its events carry, and that the state survives a
// save/restore. Time is passed in, so no clock is involved.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "routing/routing.h"
#include "routing_events.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using routing::Correlator;
using routing::make_correlator;
using testing::breach_event;
using testing::BreachSpec;
using testing::correlation_config;
using testing::t0;

const std::vector<std::string> kOrgAndSite{"org", "site"};

BreachSpec spec(std::string id, Scope scope, std::string_view scope_id,
                Metric metric = Metric::uptime_percent) {
  BreachSpec s;
  s.id = std::move(id);
  s.scope = scope;
  s.scope_id = std::string(scope_id);
  s.metric = metric;
  s.policy_id = "policy-" + std::string(to_string(scope)) + "-" + std::string(to_string(metric));
  s.policy_name = s.policy_id;
  return s;
}

BreachSpec camera(std::string id, std::string_view camera_id,
                  Metric metric = Metric::uptime_percent) {
  return spec(std::move(id), Scope::camera, camera_id, metric);
}
BreachSpec site(std::string id, std::string_view site_id) {
  return spec(std::move(id), Scope::site, site_id);
}
BreachSpec device_group(std::string id) {
  return spec(std::move(id), Scope::device_group, testing::kDeviceGroup);
}
BreachSpec organization(std::string id, std::string_view org = testing::kOrg) {
  BreachSpec s = spec(std::move(id), Scope::organization, "");
  s.org = std::string(org);
  return s;
}

std::vector<json> created(Correlator& correlator, const BreachSpec& s, WallTime at) {
  return correlator.observe(breach_event(EventType::breach_created, s, at), at);
}

std::vector<std::string> breach_ids(const json& incident_event) {
  std::vector<std::string> ids;
  for (const json& item : incident_event.at("incident").at("breaches")) {
    ids.push_back(item.at("breach").at("id").get<std::string>());
  }
  return ids;
}

std::vector<std::string> types(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const json& event : events) out.push_back(event.at("type").get<std::string>());
  return out;
}

// ---- which breaches form an incident ---------------------------------------------------------

struct Arrival {
  BreachSpec breach;
  std::chrono::milliseconds after;  // since t0
};

struct GroupingCase {
  std::string name;
  std::vector<std::string> group_by;
  std::vector<Arrival> arrivals;
  std::vector<std::vector<std::string>> incidents;  // breach ids of each announced incident
};

void PrintTo(const GroupingCase& c, std::ostream* os) {
  *os << c.name;
}

class Grouping : public ::testing::TestWithParam<GroupingCase> {};

TEST_P(Grouping, FormsTheExpectedIncidents) {
  const GroupingCase& c = GetParam();
  auto correlator = make_correlator(correlation_config(true, 2min, c.group_by));
  for (const Arrival& arrival : c.arrivals) {
    EXPECT_TRUE(created(*correlator, arrival.breach, t0() + arrival.after).empty());
  }
  std::vector<std::vector<std::string>> announced;
  for (const json& event : correlator->tick(t0() + 1h)) {
    EXPECT_EQ(event.at("type"), "sla.incident.opened");
    announced.push_back(breach_ids(event));
  }
  EXPECT_EQ(announced, c.incidents);
  EXPECT_FALSE(correlator->next_due().has_value());
}

using testing::kCamHq1;
using testing::kCamHq2;
using testing::kCamLab;
using testing::kGroupEmea;
using testing::kNvrLoose;
using testing::kSiteHq;
using testing::kSiteLab;

INSTANTIATE_TEST_SUITE_P(
    Window, Grouping,
    ::testing::Values(GroupingCase{"two_breaches_at_one_site",
                                   kOrgAndSite,
                                   {{camera("b1", kCamHq1), 0s}, {site("b2", kSiteHq), 30s}},
                                   {{"b1", "b2"}}},
                      GroupingCase{"second_just_before_the_window_closes",
                                   kOrgAndSite,
                                   {{camera("b1", kCamHq1), 0s}, {camera("b2", kCamHq2), 119999ms}},
                                   {{"b1", "b2"}}},
                      GroupingCase{"second_when_the_window_closes",
                                   kOrgAndSite,
                                   {{camera("b1", kCamHq1), 0s}, {camera("b2", kCamHq2), 120s}},
                                   {}},
                      GroupingCase{"third_joins_the_second",
                                   kOrgAndSite,
                                   {{camera("b1", kCamHq1), 0s},
                                    {camera("b2", kCamHq2), 2min},
                                    {site("b3", kSiteHq), 3min}},
                                   {{"b2", "b3"}}},
                      GroupingCase{"a_single_breach_is_no_incident",
                                   kOrgAndSite,
                                   {{camera("b1", kCamHq1), 0s}},
                                   {}}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Keys, Grouping,
    ::testing::Values(GroupingCase{"different_sites",
                                   kOrgAndSite,
                                   {{camera("b1", kCamHq1), 0s}, {camera("b2", kCamLab), 10s}},
                                   {}},
                      GroupingCase{"two_sites_two_incidents",
                                   kOrgAndSite,
                                   {{camera("hq1", kCamHq1), 0s},
                                    {camera("lab1", kCamLab), 5s},
                                    {camera("hq2", kCamHq2), 10s},
                                    {site("lab2", kSiteLab), 15s}},
                                   {{"hq1", "hq2"}, {"lab1", "lab2"}}},
                      GroupingCase{"org_only",
                                   {"org"},
                                   {{camera("b1", kCamHq1), 0s},
                                    {device_group("b2"), 10s},
                                    {organization("b3"), 20s},
                                    {camera("b4", kCamLab), 30s}},
                                   {{"b1", "b2", "b3", "b4"}}},
                      GroupingCase{"organizations_never_share_an_incident",
                                   {"metric"},
                                   {{organization("a1"), 0s},
                                    {organization("b1", testing::kOtherOrg), 1s},
                                    {camera("a2", kCamHq1), 2s},
                                    {organization("b2", testing::kOtherOrg), 3s}},
                                   {{"a1", "a2"}, {"b1", "b2"}}},
                      GroupingCase{"breaches_without_a_site_are_not_correlated",
                                   kOrgAndSite,
                                   {{device_group("b1"), 0s},
                                    {device_group("b2"), 10s},
                                    {organization("b3"), 20s}},
                                   {}},
                      GroupingCase{"a_breach_without_site_leaves_the_others_alone",
                                   kOrgAndSite,
                                   {{device_group("g1"), 0s},
                                    {camera("b1", kCamHq1), 1s},
                                    {device_group("g2"), 2s},
                                    {camera("b2", kCamHq2), 3s}},
                                   {{"b1", "b2"}}},
                      GroupingCase{"site_group",
                                   {"site_group"},
                                   {{camera("hq", kCamHq1), 0s},
                                    {site("lab", kSiteLab), 10s},
                                    {spec("loose", Scope::nvr, kNvrLoose), 15s},
                                    {spec("emea", Scope::site_group, kGroupEmea), 20s}},
                                   {{"hq", "lab", "emea"}}},
                      GroupingCase{"scope_and_metric",
                                   {"scope", "metric"},
                                   {{camera("hq", kCamHq1), 0s},
                                    {camera("lab", kCamLab), 10s},
                                    {camera("lab-latency", kCamLab, Metric::latency_ms), 20s},
                                    {site("site", kSiteHq), 30s}},
                                   {{"hq", "lab"}}},
                      GroupingCase{"policy",
                                   {"policy"},
                                   {{camera("uptime", kCamHq1), 0s},
                                    {camera("latency", kCamHq1, Metric::latency_ms), 5s},
                                    {camera("uptime-lab", kCamLab), 10s}},
                                   {{"uptime", "uptime-lab"}}},
                      GroupingCase{"scope_id",
                                   {"scope_id"},
                                   {{camera("uptime", kCamHq1), 0s},
                                    {camera("latency", kCamHq1, Metric::latency_ms), 5s},
                                    {organization("org-1"), 6s},
                                    {camera("other", kCamHq2), 8s},
                                    {organization("org-2"), 9s}},
                                   {{"uptime", "latency"}, {"org-1", "org-2"}}}),
    [](const auto& info) { return info.param.name; });

// ---- announcement ----------------------------------------------------------------------------

TEST(Correlator, AnnouncesOnceWhenTheWindowClosesListingItsBreaches) {
  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  const BreachSpec first = camera("b1", kCamHq1);
  BreachSpec second = site("b2", kSiteHq);
  second.severity = Severity::critical;
  second.labels = {{"tier", "gold"}};
  const json first_event = breach_event(EventType::breach_created, first, t0());
  const json second_event = breach_event(EventType::breach_created, second, t0() + 30s);
  EXPECT_TRUE(correlator->observe(first_event, t0()).empty());
  EXPECT_EQ(correlator->next_due(), t0() + 2min);
  EXPECT_TRUE(correlator->observe(second_event, t0() + 30s).empty());
  EXPECT_EQ(correlator->next_due(), t0() + 2min);  // the window runs from the first breach

  EXPECT_TRUE(correlator->tick(t0() + 119s).empty());
  const std::vector<json> events = correlator->tick(t0() + 2min + 500ms);
  ASSERT_EQ(events.size(), 1u);
  const json& event = events[0];
  EXPECT_EQ(event.at("type"), "sla.incident.opened");
  EXPECT_EQ(event.at("priority"), "HIGH");
  EXPECT_EQ(event.at("occurred_at"), "2026-11-21T10:02:00.500Z");
  EXPECT_EQ(event.at("org_id"), testing::kOrg);
  EXPECT_TRUE(is_uuid(event.at("id").get<std::string>()));
  const json& incident = event.at("incident");
  EXPECT_TRUE(is_uuid(incident.at("id").get<std::string>()));
  EXPECT_NE(incident.at("id"), event.at("id"));
  EXPECT_EQ(incident.at("group"), (json{{"org", testing::kOrg}, {"site", kSiteHq}}));
  EXPECT_EQ(incident.at("opened_at"), "2026-11-21T10:00:00Z");
  EXPECT_FALSE(incident.contains("resolved_at"));
  EXPECT_EQ(incident.at("breaches"),
            (json::array(
                {{{"breach", first_event.at("breach")}, {"policy", first_event.at("policy")}},
                 {{"breach", second_event.at("breach")}, {"policy", second_event.at("policy")}}})));

  EXPECT_FALSE(correlator->next_due().has_value());
  EXPECT_TRUE(correlator->tick(t0() + 1h).empty());  // announced once
}

TEST(Correlator, NextDueIsTheEarliestClosingWindow) {
  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  EXPECT_FALSE(correlator->next_due().has_value());
  created(*correlator, camera("lab", kCamLab), t0() + 10s);
  created(*correlator, camera("hq", kCamHq1), t0() + 20s);
  EXPECT_EQ(correlator->next_due(), t0() + 130s);
  correlator->tick(t0() + 130s);  // the lab incident (one breach) closes unannounced
  EXPECT_EQ(correlator->next_due(), t0() + 140s);
}

TEST(Correlator, DisabledCorrelationFormsNoIncidents) {
  auto correlator = make_correlator(correlation_config(false, 2min, kOrgAndSite));
  created(*correlator, camera("b1", kCamHq1), t0());
  created(*correlator, camera("b2", kCamHq2), t0() + 1s);
  EXPECT_FALSE(correlator->next_due().has_value());
  EXPECT_TRUE(correlator->tick(t0() + 1h).empty());
}

TEST(Correlator, ARepeatedCreatedEventIsCountedOnce) {
  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  const json event = breach_event(EventType::breach_created, camera("b1", kCamHq1), t0());
  correlator->observe(event, t0());
  correlator->observe(event, t0() + 1s);
  EXPECT_TRUE(correlator->tick(t0() + 1h).empty());  // still a single breach
}

TEST(Correlator, TheOccurredAtOfTheEventDecidesTheWindowNotTheObserveTime) {
  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  created(*correlator, camera("b1", kCamHq1), t0());
  // Committed at t0+30s but observed late (the worker was busy): still in the window.
  correlator->observe(breach_event(EventType::breach_created, camera("b2", kCamHq2), t0() + 30s),
                      t0() + 5min);
  const auto events = correlator->tick(t0() + 5min);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(breach_ids(events[0]), (std::vector<std::string>{"b1", "b2"}));
}

TEST(Correlator, IncidentsAreCappedAtOneHundredBreaches) {
  auto correlator = make_correlator(correlation_config(true, 2min, {"org"}));
  for (int i = 0; i < 105; ++i) {
    created(*correlator, camera("b" + std::to_string(i), kCamHq1),
            t0() + std::chrono::milliseconds(i));
  }
  const auto events = correlator->tick(t0() + 1h);
  ASSERT_EQ(events.size(), 1u);
  const auto ids = breach_ids(events[0]);
  ASSERT_EQ(ids.size(), 100u);
  EXPECT_EQ(ids.front(), "b0");
  EXPECT_EQ(ids.back(), "b99");
}

TEST(Correlator, MalformedEventsAreIgnored) {
  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  json no_breach_id = breach_event(EventType::breach_created, camera("b1", kCamHq1), t0());
  no_breach_id["breach"].erase("id");
  json policy_not_an_object = breach_event(EventType::breach_created, camera("b2", kCamHq1), t0());
  policy_not_an_object["policy"] = "p";
  json no_org = breach_event(EventType::breach_created, camera("b3", kCamHq1), t0());
  no_org.erase("org_id");
  for (const json& event :
       {json(nullptr), json::array(), json{{"type", 3}}, no_breach_id, policy_not_an_object, no_org,
        json{{"type", "sla.breach.resolved"}, {"breach", {{"id", "x"}}}}}) {
    EXPECT_TRUE(correlator->observe(event, t0()).empty()) << event.dump();
  }
  EXPECT_FALSE(correlator->next_due().has_value());
}

TEST(Correlator, PolicySignalsNeverJoinIncidents) {
  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  const BreachSpec hq = site("b-hq", kSiteHq);
  created(*correlator, hq, t0());
  for (const EventType type : {EventType::budget_warning, EventType::budget_critical,
                               EventType::escalate, EventType::deescalate}) {
    const json event = testing::policy_event(type, hq, t0() + 10s);
    ASSERT_TRUE(event.at("breach").is_null());
    EXPECT_TRUE(correlator->observe(event, t0() + 10s).empty()) << to_string(type);
    // Even with a breach object (an old or hand-made event), a policy signal is not a breach.
    json with_breach = event;
    with_breach["breach"] =
        breach_event(EventType::breach_created, site("b-x", kSiteHq), t0()).at("breach");
    EXPECT_TRUE(correlator->observe(with_breach, t0() + 10s).empty()) << to_string(type);
  }
  // The one breach stays alone: no incident is announced.
  EXPECT_TRUE(correlator->tick(t0() + 1h).empty());
  EXPECT_EQ(correlator->save().at("incidents").size(), 0u);
}

// ---- updates and resolution --------------------------------------------------------------------

class IncidentLife : public ::testing::Test {
 protected:
  void SetUp() override {
    correlator_ = make_correlator(correlation_config(true, 2min, kOrgAndSite));
    created(*correlator_, first_, t0());
    created(*correlator_, second_, t0() + 10s);
  }

  std::vector<json> observe(EventType type, const BreachSpec& s, WallTime at) {
    return correlator_->observe(breach_event(type, s, at), at);
  }

  std::unique_ptr<Correlator> correlator_;
  BreachSpec first_ = camera("b1", kCamHq1);
  BreachSpec second_ = camera("b2", kCamHq2);
};

TEST_F(IncidentLife, ResolvedWhenEveryBreachIsResolved) {
  ASSERT_EQ(correlator_->tick(t0() + 2min).size(), 1u);
  EXPECT_TRUE(observe(EventType::breach_acknowledged, first_, t0() + 3min).empty());
  EXPECT_TRUE(observe(EventType::breach_resolved, first_, t0() + 4min).empty());
  const auto events = observe(EventType::breach_resolved, second_, t0() + 5min);
  ASSERT_EQ(events.size(), 1u);
  const json& event = events[0];
  EXPECT_EQ(event.at("type"), "sla.incident.resolved");
  EXPECT_EQ(event.at("priority"), "NORMAL");
  EXPECT_EQ(event.at("occurred_at"), "2026-11-21T10:05:00Z");
  EXPECT_EQ(event.at("org_id"), testing::kOrg);
  const json& incident = event.at("incident");
  EXPECT_EQ(incident.at("opened_at"), "2026-11-21T10:00:00Z");
  EXPECT_EQ(incident.at("resolved_at"), "2026-11-21T10:05:00Z");
  EXPECT_EQ(breach_ids(event), (std::vector<std::string>{"b1", "b2"}));
  for (const json& item : incident.at("breaches")) {
    EXPECT_EQ(item.at("breach").at("status"), "resolved");
  }
  // Forgotten: nothing more follows, and the state is empty.
  EXPECT_TRUE(observe(EventType::breach_resolved, second_, t0() + 6min).empty());
  EXPECT_TRUE(correlator_->save().at("incidents").empty());
}

TEST_F(IncidentLife, TheOpenedAndResolvedEventsShareTheIncidentId) {
  const auto opened = correlator_->tick(t0() + 2min);
  ASSERT_EQ(opened.size(), 1u);
  observe(EventType::breach_resolved, first_, t0() + 3min);
  const auto resolved = observe(EventType::breach_resolved, second_, t0() + 4min);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].at("incident").at("id"), opened[0].at("incident").at("id"));
  EXPECT_NE(resolved[0].at("id"), opened[0].at("id"));
}

TEST_F(IncidentLife, UpdatesKeepTheBreachSnapshotsCurrent) {
  BreachSpec escalated = first_;
  escalated.severity = Severity::critical;
  EXPECT_TRUE(observe(EventType::breach_escalated, escalated, t0() + 20s).empty());
  EXPECT_TRUE(observe(EventType::breach_acknowledged, second_, t0() + 30s).empty());
  const auto events = correlator_->tick(t0() + 2min);
  ASSERT_EQ(events.size(), 1u);
  const json& breaches = events[0].at("incident").at("breaches");
  EXPECT_EQ(breaches[0].at("breach").at("severity"), "critical");
  EXPECT_EQ(breaches[1].at("breach").at("status"), "acknowledged");
  EXPECT_EQ(breaches[1].at("breach").at("acknowledged_by"), "noc");
}

TEST_F(IncidentLife, AllResolvedBeforeTheWindowClosesIsAnnouncedAndResolvedAtOnce) {
  EXPECT_TRUE(observe(EventType::breach_resolved, first_, t0() + 20s).empty());
  EXPECT_TRUE(observe(EventType::breach_resolved, second_, t0() + 40s).empty());
  const auto events = correlator_->tick(t0() + 2min);
  EXPECT_EQ(types(events),
            (std::vector<std::string>{"sla.incident.opened", "sla.incident.resolved"}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].at("incident").at("resolved_at"), "2026-11-21T10:00:40Z");
  EXPECT_TRUE(correlator_->save().at("incidents").empty());
}

TEST_F(IncidentLife, ABreachResolvedInTheWindowStaysListed) {
  EXPECT_TRUE(observe(EventType::breach_resolved, first_, t0() + 20s).empty());
  const auto opened = correlator_->tick(t0() + 2min);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].at("incident").at("breaches")[0].at("breach").at("status"), "resolved");
  const auto resolved = observe(EventType::breach_resolved, second_, t0() + 3min);
  EXPECT_EQ(types(resolved), std::vector<std::string>{"sla.incident.resolved"});
}

TEST_F(IncidentLife, EventsOfUncorrelatedBreachesChangeNothing) {
  const BreachSpec stranger = camera("b9", kCamLab);
  EXPECT_TRUE(observe(EventType::breach_resolved, stranger, t0() + 20s).empty());
  const auto events = correlator_->tick(t0() + 2min);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(breach_ids(events[0]), (std::vector<std::string>{"b1", "b2"}));
}

// ---- save and restore ------------------------------------------------------------------------

TEST_F(IncidentLife, StateSavedMidWindowRestoresAndAnnouncesLater) {
  // Through text, as it is stored.
  const std::string saved = correlator_->save().dump();
  auto restored = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  ASSERT_TRUE(restored->restore(json::parse(saved)).has_value());
  EXPECT_EQ(restored->save(), json::parse(saved));
  EXPECT_EQ(restored->next_due(), t0() + 2min);

  EXPECT_TRUE(created(*restored, site("b3", kSiteHq), t0() + 50s).empty());
  const auto original = correlator_->tick(t0() + 2min);
  const auto events = restored->tick(t0() + 2min);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(original.size(), 1u);
  EXPECT_EQ(breach_ids(events[0]), (std::vector<std::string>{"b1", "b2", "b3"}));
  EXPECT_EQ(events[0].at("incident").at("id"), original[0].at("incident").at("id"));
  EXPECT_EQ(events[0].at("incident").at("opened_at"), "2026-11-21T10:00:00Z");
}

TEST_F(IncidentLife, StateSavedAfterAnnouncementStillResolves) {
  ASSERT_EQ(correlator_->tick(t0() + 2min).size(), 1u);
  observe(EventType::breach_resolved, first_, t0() + 3min);
  auto restored = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  ASSERT_TRUE(restored->restore(json::parse(correlator_->save().dump())).has_value());
  EXPECT_FALSE(restored->next_due().has_value());
  const auto events = restored->observe(
      breach_event(EventType::breach_resolved, second_, t0() + 4min), t0() + 4min);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type"), "sla.incident.resolved");
  EXPECT_EQ(events[0].at("incident").at("resolved_at"), "2026-11-21T10:04:00Z");
}

TEST(Correlator, EmptyStateRoundTrips) {
  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  const json state = correlator->save();
  EXPECT_EQ(state, (json{{"version", 1}, {"incidents", json::array()}}));
  EXPECT_TRUE(correlator->restore(state).has_value());
}

struct GarbageCase {
  std::string name;
  std::function<void(json&)> spoil;  // applied to a valid state of one incident
  std::string message;
};

void PrintTo(const GarbageCase& c, std::ostream* os) {
  *os << c.name;
}

class RestoreRefuses : public ::testing::TestWithParam<GarbageCase> {};

TEST_P(RestoreRefuses, MalformedStateAndKeepsTheCurrentOne) {
  auto source = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  created(*source, camera("b1", kCamHq1), t0());
  created(*source, camera("b2", kCamHq2), t0() + 1s);
  json state = source->save();
  GetParam().spoil(state);

  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  created(*correlator, camera("mine", kCamLab), t0());
  const json before = correlator->save();
  const Status restored = correlator->restore(state);
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().message, GetParam().message);
  EXPECT_EQ(correlator->save(), before);
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, RestoreRefuses,
    ::testing::Values(
        GarbageCase{"not_an_object", [](json& s) { s = json::array(); },
                    "correlation state: expected an object"},
        GarbageCase{"text", [](json& s) { s = "garbage"; },
                    "correlation state: expected an object"},
        GarbageCase{"no_version", [](json& s) { s.erase("version"); },
                    "correlation state version: expected 1"},
        GarbageCase{"other_version", [](json& s) { s["version"] = 2; },
                    "correlation state version: expected 1"},
        GarbageCase{"incidents_not_a_list", [](json& s) { s["incidents"] = json::object(); },
                    "correlation state incidents: expected a list"},
        GarbageCase{"incident_not_an_object", [](json& s) { s["incidents"][0] = 1; },
                    "correlation state incidents[0]: expected an object"},
        GarbageCase{"incident_without_id", [](json& s) { s["incidents"][0].erase("id"); },
                    "correlation state incidents[0].id: expected a non-empty string"},
        GarbageCase{"duplicate_incident",
                    [](json& s) { s["incidents"].push_back(s["incidents"][0]); },
                    "correlation state incidents[1].id: duplicate incident id"},
        GarbageCase{"group_not_an_object", [](json& s) { s["incidents"][0]["group"] = "x"; },
                    "correlation state incidents[0].group: expected an object"},
        GarbageCase{"bad_time",
                    [](json& s) { s["incidents"][0]["closes_at"] = "2026-13-01T00:00:00Z"; },
                    "correlation state incidents[0].closes_at: expected an RFC 3339 time"},
        GarbageCase{"time_as_number", [](json& s) { s["incidents"][0]["opened_at"] = 17; },
                    "correlation state incidents[0].opened_at: expected an RFC 3339 time"},
        GarbageCase{"announced_not_bool", [](json& s) { s["incidents"][0]["announced"] = "no"; },
                    "correlation state incidents[0].announced: expected true or false"},
        GarbageCase{"no_breaches", [](json& s) { s["incidents"][0]["breaches"] = json::array(); },
                    "correlation state incidents[0].breaches: expected a non-empty list"},
        GarbageCase{"breach_not_an_object",
                    [](json& s) { s["incidents"][0]["breaches"][1]["breach"] = 5; },
                    "correlation state incidents[0].breaches[1].breach: expected an object"},
        GarbageCase{"breach_without_id",
                    [](json& s) { s["incidents"][0]["breaches"][0]["breach"].erase("id"); },
                    "correlation state incidents[0].breaches[0].breach.id: expected a non-empty "
                    "string"},
        GarbageCase{
            "breach_twice",
            [](json& s) { s["incidents"][0]["breaches"][1] = s["incidents"][0]["breaches"][0]; },
            "correlation state incidents[0].breaches[1].breach.id: the breach is listed "
            "twice"},
        GarbageCase{"policy_missing",
                    [](json& s) { s["incidents"][0]["breaches"][0].erase("policy"); },
                    "correlation state incidents[0].breaches[0].policy: expected an object"},
        GarbageCase{"resolved_at_missing",
                    [](json& s) { s["incidents"][0]["breaches"][0].erase("resolved_at"); },
                    "correlation state incidents[0].breaches[0].resolved_at: missing"},
        GarbageCase{"resolved_at_garbage",
                    [](json& s) { s["incidents"][0]["breaches"][0]["resolved_at"] = "soon"; },
                    "correlation state incidents[0].breaches[0].resolved_at: expected an RFC 3339 "
                    "time"}),
    [](const auto& info) { return info.param.name; });

// ---- with the alert rules
// ------------------------------------------------------------------------

TEST(Correlator, IncidentEventsAreRoutedByTheAlertRules) {
  auto correlator = make_correlator(correlation_config(true, 2min, kOrgAndSite));
  BreachSpec critical = camera("b1", kCamHq1);
  critical.severity = Severity::critical;
  created(*correlator, critical, t0());
  created(*correlator, site("b2", kSiteHq), t0() + 1s);
  const auto events = correlator->tick(t0() + 2min);
  ASSERT_EQ(events.size(), 1u);
  AlertRuleMatch critical_only;
  critical_only.severities = {Severity::critical};
  const routing::EventRouter router(
      {AlertRule{"pager", {"sla.incident.opened"}, critical_only, {"am"}},
       AlertRule{"breaches", {"sla.breach.created"}, {}, {"slack"}}});
  EXPECT_EQ(router.notifiers_for(events[0]), std::vector<std::string>{"am"});
}

}  // namespace
}  // namespace slamon
