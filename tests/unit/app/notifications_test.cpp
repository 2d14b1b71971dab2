// The daemon's notification setup: notifiers built from config, and which open breaches an
// Alertmanager notifier keeps alive (those its alert rules send to it).
#include <gtest/gtest.h>

#include "app/notifications.h"
#include "common/log.h"
#include "support/http_stub.h"
#include "support/sample_breach.h"

namespace slamon {
namespace {

Breach open_breach(const std::string& id, const std::string& policy, Severity severity) {
  return testing::sample_breach({.id = id,
                                 .org = "org-a",
                                 .policy_id = policy,
                                 .metric = Metric::latency_ms,
                                 .actual = 150,
                                 .threshold = 100,
                                 .deviation_percent = 50,
                                 .severity = severity,
                                 .opened_at = from_unix_seconds(1'800'000'000)});
}

AlertRule rule(std::string name, std::vector<std::string> events, std::vector<Severity> severities,
               std::vector<std::string> notifiers) {
  AlertRule r;
  r.name = std::move(name);
  r.events = std::move(events);
  r.match.severities = std::move(severities);
  r.notifiers = std::move(notifiers);
  return r;
}

TEST(OpenBreachEvents, AreThoseTheRulesSendToTheNotifier) {
  Snapshot snapshot;
  PolicyInfo gold;
  gold.org = "org-a";
  gold.id = "gold";
  gold.name = "Gold latency";
  gold.labels = {{"tier", "gold"}};
  snapshot.policies = {gold};
  snapshot.open_breaches = {open_breach("b-warn", "gold", Severity::warning),
                            open_breach("b-crit", "gold", Severity::critical)};
  const routing::EventRouter router(
      {rule("pager", {"sla.breach.created"}, {Severity::critical}, {"am"}),
       rule("chat", {"sla.breach.created"}, {}, {"slack"})});

  const auto for_am = open_breach_events_for("am", router, snapshot);
  ASSERT_EQ(for_am.size(), 1u);
  EXPECT_EQ(for_am[0]["breach"]["id"], "b-crit");
  EXPECT_EQ(for_am[0]["type"], "sla.breach.created");
  EXPECT_EQ(for_am[0]["policy"]["name"], "Gold latency");
  EXPECT_EQ(for_am[0]["policy"]["labels"]["tier"], "gold");
  EXPECT_EQ(open_breach_events_for("slack", router, snapshot).size(), 2u);
  EXPECT_TRUE(open_breach_events_for("nobody", router, snapshot).empty());
}

TEST(OpenBreachEvents, CountABreachRoutedOnlyAsEscalated) {
  Snapshot snapshot;
  snapshot.open_breaches = {open_breach("b-1", "p", Severity::critical)};
  const routing::EventRouter router({rule("escalations", {"sla.breach.escalated"}, {}, {"am"})});
  const auto events = open_breach_events_for("am", router, snapshot);
  ASSERT_EQ(events.size(), 1u);
  // The policy is gone from the snapshot: it is named by its id.
  EXPECT_EQ(events[0]["policy"]["name"], "p");
}

TEST(NotificationSetup, BuildsEveryConfiguredNotifier) {
  auto config = std::make_shared<Config>();
  NotifierConfig hook;
  hook.name = "itsm";
  hook.type = NotifierType::webhook;
  hook.url = "http://127.0.0.1:1/hook";
  NotifierConfig am;
  am.name = "am";
  am.type = NotifierType::alertmanager;
  am.url = "http://127.0.0.1:1";
  config->notifiers = {hook, am};
  config->alert_rules = {rule("all", {"sla.breach.created"}, {}, {"itsm", "am"})};
  auto setup = build_notification_setup(config);
  ASSERT_TRUE(setup) << setup.error().message;
  ASSERT_EQ(setup->delivery.notifiers.size(), 2u);
  EXPECT_EQ(setup->delivery.notifiers[0].notifier->name(), "itsm");
  ASSERT_EQ(setup->alertmanagers.size(), 1u);
  EXPECT_EQ(setup->alertmanagers[0]->name(), "am");
  EXPECT_TRUE(setup->delivery.correlator);
  EXPECT_EQ(setup->delivery.select(nlohmann::json{{"type", "sla.breach.created"}}),
            (std::vector<std::string>{"itsm", "am"}));
}

TEST(NotificationSetup, FailsNamingTheNotifierItCannotBuild) {
  auto config = std::make_shared<Config>();
  NotifierConfig hook;
  hook.name = "broken";
  hook.type = NotifierType::webhook;  // no URL
  config->notifiers = {hook};
  auto setup = build_notification_setup(config);
  ASSERT_FALSE(setup);
  EXPECT_NE(setup.error().message.find("broken"), std::string::npos) << setup.error().message;
}

// The refresh re-posts to a failing Alertmanager and counts the failure for /metrics
// (slamon_alertmanager_refresh_failures_total); one that answers counts nothing.
TEST(AlertmanagerRefresh, CountsEveryAlertmanagerThatFails) {
  log::configure(log::Level::error, log::Format::logfmt);  // the failure's warning is expected
  testing::HttpStub answering;
  answering.set_fallback(testing::StubResponse::text(200, ""));
  testing::HttpStub failing;
  failing.set_fallback(testing::StubResponse::text(500, "down"));
  auto alertmanager = [](const std::string& name, const std::string& url) {
    NotifierConfig config;
    config.name = name;
    config.type = NotifierType::alertmanager;
    config.url = url;
    return std::make_shared<notify::AlertmanagerNotifier>(config, "");
  };
  const std::vector<std::shared_ptr<notify::AlertmanagerNotifier>> alertmanagers = {
      alertmanager("ok", answering.url()), alertmanager("broken", failing.url())};
  Snapshot snapshot;
  snapshot.open_breaches = {open_breach("b-1", "p", Severity::critical)};
  const routing::EventRouter router({rule("all", {"sla.breach.created"}, {}, {"ok", "broken"})});
  DegradedCounters counters;

  resend_open_breach_alerts(router, alertmanagers, snapshot, from_unix_seconds(1'800'000'000),
                            counters);
  EXPECT_EQ(counters.alertmanager_refresh_failures, 1u);
  EXPECT_EQ(counters.read().alertmanager_refresh_failures, 1u);
  EXPECT_EQ(answering.requests().size(), 1u);
  EXPECT_FALSE(failing.requests().empty());
}

}  // namespace
}  // namespace slamon
