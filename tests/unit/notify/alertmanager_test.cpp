// The Alertmanager notifier: the alerts each event becomes (labels, annotations, times), the
// label identity across escalation and resolution, incidents, and resend().
#include "notify/alertmanager.h"

#include <gtest/gtest.h>

#include <string>

#include "sample_events.h"
#include "support/http_stub.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h
using slamon::testing::HttpStub;
using slamon::testing::StubResponse;
using std::chrono::minutes;

constexpr std::string_view kExternalUrl = "https://slamon.example.net";

json alerts_of(const json& event) {
  auto alerts = alertmanager_alerts(event, test_now(), minutes(15), kExternalUrl);
  EXPECT_TRUE(alerts) << (alerts ? "" : alerts.error().message);
  return alerts ? *alerts : json::array();
}

Breach escalated_breach() {
  Breach breach = sample_breach();
  breach.severity = Severity::critical;
  breach.peak_severity = Severity::critical;
  return breach;
}

Breach warning_breach() {
  Breach breach = sample_breach();
  breach.actual = 99.5;
  breach.deviation_percent = 0.4;
  breach.severity = Severity::warning;
  breach.peak_severity = Severity::warning;
  return breach;
}

TEST(AlertmanagerAlerts, CreatedBreachIsAFiringAlert) {
  const json alerts = alerts_of(breach_event(EventType::breach_created));
  ASSERT_EQ(alerts.size(), 1u);
  const json& alert = alerts[0];
  EXPECT_EQ(alert["labels"], (json{{"alertname", "SLABreach"},
                                   {"org", "0a0b0c0d-0000-4000-8000-000000000001"},
                                   {"policy", "Gold uptime"},
                                   {"policy_id", "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd"},
                                   {"breach_id", "6f0b1c2e-1111-4222-8333-444455556666"},
                                   {"metric", "uptime_percent"},
                                   {"severity", "critical"},
                                   {"scope", "site"},
                                   {"scope_id", "site-1"}}));
  EXPECT_EQ(alert["annotations"]["actual"], "97.2%");
  EXPECT_EQ(alert["annotations"]["threshold"], "min 99.9%");
  EXPECT_EQ(alert["annotations"]["deviation"], "2.703%");
  EXPECT_NE(alert["annotations"]["summary"].get<std::string>().find("Gold uptime"),
            std::string::npos);
  EXPECT_EQ(alert["startsAt"], "2026-11-21T09:50:00Z");
  EXPECT_EQ(alert["endsAt"], "2026-11-21T10:15:00Z");
  EXPECT_EQ(alert["generatorURL"], "https://slamon.example.net");
}

TEST(AlertmanagerAlerts, OrganizationScopeHasNoScopeIdLabel) {
  Breach breach = sample_breach();
  breach.scope = Scope::organization;
  breach.scope_id.reset();
  PolicyRef policy = testing::sample_policy();
  policy.scope = Scope::organization;
  policy.scope_id.reset();
  const json alerts = alerts_of(breach_event(EventType::breach_created, breach, policy));
  EXPECT_FALSE(alerts[0]["labels"].contains("scope_id"));
  EXPECT_EQ(alerts[0]["labels"]["scope"], "organization");
}

TEST(AlertmanagerAlerts, EscalationEndsTheWarningAlertAndFiresTheCriticalOne) {
  const json created = alerts_of(breach_event(EventType::breach_created, warning_breach()));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0]["labels"]["severity"], "warning");

  Breach escalated = escalated_breach();
  const json alerts = alerts_of(breach_event(EventType::breach_escalated, escalated));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0]["labels"]["severity"], "critical");
  EXPECT_EQ(alerts[0]["endsAt"], "2026-11-21T10:15:00Z");
  // The second is the created alert's exact label set, ended now.
  EXPECT_EQ(alerts[1]["labels"], created[0]["labels"]);
  EXPECT_EQ(alerts[1]["endsAt"], "2026-11-21T10:00:00Z");
}

TEST(AlertmanagerAlerts, DeescalationKeepsThePeakSeverityLabel) {
  Breach breach = escalated_breach();
  breach.severity = Severity::warning;  // current back to warning, peak stays critical
  const json alerts = alerts_of(breach_event(EventType::breach_acknowledged, breach));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["labels"]["severity"], "critical");
  EXPECT_EQ(alerts[0]["annotations"]["current_severity"], "warning");
}

TEST(AlertmanagerAlerts, ResolutionEndsBothSeverityLabelSets) {
  Breach breach = escalated_breach();
  breach.status = BreachStatus::resolved;
  breach.resolved_at = test_now() - minutes(1);
  const json firing = alerts_of(breach_event(EventType::breach_created, escalated_breach()));
  const json alerts = alerts_of(breach_event(EventType::breach_resolved, breach));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0]["labels"], firing[0]["labels"]);
  EXPECT_EQ(alerts[1]["labels"]["severity"], "warning");
  for (const json& alert : alerts) {
    EXPECT_EQ(alert["endsAt"], "2026-11-21T09:59:00Z");
    EXPECT_EQ(alert["startsAt"], "2026-11-21T09:50:00Z");
  }
}

TEST(AlertmanagerAlerts, IncidentIsOneAlertWithGroupLabels) {
  const json alerts = alerts_of(incident_event("sla.incident.opened", 30));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["labels"], (json{{"alertname", "SLAIncident"},
                                       {"org", "0a0b0c0d-0000-4000-8000-000000000001"},
                                       {"incident_id", "1c1c1c1c-2222-4333-8444-555555555555"},
                                       {"site", "site-1"}}));
  EXPECT_EQ(alerts[0]["annotations"]["breaches"], "30");
  EXPECT_NE(alerts[0]["annotations"]["description"].get<std::string>().find("and 10 more"),
            std::string::npos);
  EXPECT_EQ(alerts[0]["startsAt"], "2026-11-21T09:55:00Z");
  EXPECT_EQ(alerts[0]["endsAt"], "2026-11-21T10:15:00Z");

  const json resolved = alerts_of(incident_event("sla.incident.resolved", 2));
  EXPECT_EQ(resolved[0]["labels"], alerts[0]["labels"]);
  EXPECT_EQ(resolved[0]["endsAt"], "2026-11-21T10:00:00Z");
}

TEST(AlertmanagerAlerts, MalformedEventIsAnError) {
  EXPECT_FALSE(alertmanager_alerts(json::array(), test_now(), minutes(15), ""));
  EXPECT_FALSE(
      alertmanager_alerts(json{{"type", "sla.breach.created"}}, test_now(), minutes(15), ""));
}

class AlertmanagerNotifierTest : public ::testing::Test {
 protected:
  AlertmanagerNotifier notifier() const {
    return AlertmanagerNotifier(
        testing::http_notifier_config("am", NotifierType::alertmanager, stub_.url() + "/"),
        std::string(kExternalUrl), minutes(15));
  }

  HttpStub stub_;
};

TEST_F(AlertmanagerNotifierTest, PostsTheAlertsToTheV2Api) {
  stub_.enqueue(StubResponse::text(200, ""));
  const DeliveryResult result =
      notifier().send(notification_of(breach_event(EventType::breach_created)), test_now());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  const auto request = stub_.requests().front();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/api/v2/alerts");
  EXPECT_EQ(request.header("content-type"), "application/json");
  const json body = json::parse(request.body);
  ASSERT_TRUE(body.is_array());
  EXPECT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["labels"]["alertname"], "SLABreach");
}

TEST_F(AlertmanagerNotifierTest, ResendPostsEveryOpenBreachInOneRequest) {
  stub_.enqueue(StubResponse::text(200, ""));
  Breach second = sample_breach();
  second.id = "22222222-1111-4222-8333-444455556666";
  second.metric = Metric::latency_ms;
  second.actual = 250;
  second.threshold = 200;
  second.deviation_percent = 25;
  const std::vector<json> open = {breach_event(EventType::breach_escalated),
                                  breach_event(EventType::breach_acknowledged, second),
                                  json("not an event")};
  const WallTime later = test_now() + minutes(5);
  const DeliveryResult result = notifier().resend(open, later);
  EXPECT_EQ(result.outcome, DeliveryOutcome::delivered);
  EXPECT_NE(result.detail.find("1 unreadable events skipped"), std::string::npos);
  ASSERT_EQ(stub_.request_count(), 1u);
  const json body = json::parse(stub_.requests().front().body);
  ASSERT_EQ(body.size(), 2u) << "only firing alerts, no resolution of the warning label set";
  EXPECT_EQ(body[0]["labels"]["metric"], "uptime_percent");
  EXPECT_EQ(body[1]["labels"]["metric"], "latency_ms");
  EXPECT_EQ(body[1]["annotations"]["actual"], "250 ms");
  EXPECT_EQ(body[1]["annotations"]["threshold"], "max 200 ms");
  for (const json& alert : body) EXPECT_EQ(alert["endsAt"], "2026-11-21T10:20:00Z");
}

TEST_F(AlertmanagerNotifierTest, ResendOfNothingSendsNothing) {
  EXPECT_EQ(notifier().resend({}, test_now()).outcome, DeliveryOutcome::delivered);
  EXPECT_EQ(stub_.request_count(), 0u);
}

TEST_F(AlertmanagerNotifierTest, ResendIsClassifiedLikeSend) {
  stub_.enqueue(StubResponse::text(503, ""));
  const DeliveryResult result =
      notifier().resend({breach_event(EventType::breach_created)}, test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_EQ(result.detail, "HTTP 503");
}

}  // namespace
}  // namespace slamon::notify
