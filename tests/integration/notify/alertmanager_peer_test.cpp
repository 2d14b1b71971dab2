// The Alertmanager notifier against a real Alertmanager (Debian prometheus-alertmanager) on a
// free loopback port: a created breach shows as an active alert with the documented labels,
// escalation leaves exactly one active alert for the breach, resolution removes it from the
// active alerts, incidents likewise, resend() extends a firing alert's end, and the policy
// signals (budget levels, sliding window; no breach) are accepted as short-lived alerts.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/uuid.h"
#include "httpclient/http_client.h"
#include "model/event_json.h"
#include "notify/alertmanager.h"
#include "peers.h"
#include "support/child_process.h"
#include "support/sample_breach.h"
#include "support/temp_dir.h"

namespace slamon::notify {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using slamon::testing::ChildProcess;
using std::chrono::minutes;
using testing::notification_of;

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";
constexpr const char* kOrg = "0a0b0c0d-0000-4000-8000-000000000001";

class AlertmanagerPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kAlertmanager)) GTEST_SKIP() << kAlertmanager << " is not installed";
    const std::string config = dir_.write("alertmanager.yml",
                                          "route:\n"
                                          "  receiver: nowhere\n"
                                          "receivers:\n"
                                          "  - name: nowhere\n");
    port_ = testing::free_loopback_port();
    ASSERT_NE(port_, 0);
    auto spawned = ChildProcess::spawn(
        {kAlertmanager, "--config.file=" + config,
         "--storage.path=" + (dir_.path() / "data").string(), "--cluster.listen-address=",
         "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
        dir_.path() / "alertmanager.stdout", dir_.path() / "alertmanager.stderr", dir_.path());
    ASSERT_TRUE(spawned) << spawned.error().message;
    server_ = std::move(*spawned);
    ASSERT_TRUE(testing::wait_until_ready(*server_,
                                          [this] {
                                            const auto answer = get("/-/ready");
                                            return answer && answer->status == 200;
                                          }))
        << "alertmanager did not become ready: " << server_->stderr_text();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  Result<HttpResponse> get(const std::string& path) const {
    HttpRequest request;
    request.url = base_url() + path;
    request.timeout = std::chrono::seconds(5);
    request.context = "test";
    return http_send(request);
  }

  AlertmanagerNotifier notifier(std::chrono::milliseconds ttl = minutes(15)) const {
    NotifierConfig config;
    config.name = "am";
    config.type = NotifierType::alertmanager;
    config.url = base_url();
    config.timeout = std::chrono::seconds(10);
    return AlertmanagerNotifier(config, "https://slamon.example.net", ttl);
  }

  // The alerts Alertmanager lists by default (not resolved) whose `label` is `value`.
  json listed(const std::string& label, const std::string& value) const {
    const auto answer = get("/api/v2/alerts");
    EXPECT_TRUE(answer) << answer.error().message;
    if (!answer) return json::array();
    EXPECT_EQ(answer->status, 200) << answer->body;
    const json all = json::parse(answer->body, nullptr, false);
    json matching = json::array();
    if (!all.is_array()) return matching;
    for (const json& alert : all) {
      if (alert["labels"].value(label, "") == value) matching.push_back(alert);
    }
    return matching;
  }

  // Waits (for Alertmanager's dispatcher, a separate process) until `condition` holds on the
  // listed alerts; returns the last listing.
  json wait_for(const std::string& label, const std::string& value,
                const std::function<bool(const json&)>& condition) {
    json alerts;
    testing::wait_until_ready(
        *server_,
        [&] {
          alerts = listed(label, value);
          return condition(alerts);
        },
        std::chrono::seconds(10));
    return alerts;
  }

  static bool all_active(const json& alerts, std::size_t count) {
    if (alerts.size() != count) return false;
    for (const json& alert : alerts) {
      if (alert["status"]["state"] != "active") return false;
    }
    return true;
  }

  static Breach breach(Severity severity, WallTime now) {
    const bool critical = severity == Severity::critical;
    return slamon::testing::sample_breach({.id = uuid_v4(),
                                           .org = kOrg,
                                           .policy_id = "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd",
                                           .metric = Metric::latency_ms,
                                           .actual = critical ? 300 : 210,
                                           .threshold = 200,
                                           .deviation_percent = critical ? 50 : 5,
                                           .severity = severity,
                                           .opened_at = now - minutes(5),
                                           .last_evaluated_at = now});
  }

  static PolicyRef policy() {
    PolicyRef policy;
    policy.id = "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd";
    policy.name = "Gold latency";
    policy.scope = Scope::site;
    policy.scope_id = "site-1";
    return policy;
  }

  DeliveryResult send(AlertmanagerNotifier& am, EventType type, const Breach& b) {
    const WallTime now = std::chrono::system_clock::now();
    return am.send(notification_of(testing::event_at(type, b, policy(), now)), now);
  }

  slamon::testing::TempDir dir_;
  std::unique_ptr<ChildProcess> server_;
  int port_ = 0;
};

TEST_F(AlertmanagerPeer, CreatedBreachIsActiveUntilResolved) {
  AlertmanagerNotifier am = notifier();
  Breach open = breach(Severity::critical, std::chrono::system_clock::now());
  const DeliveryResult created = send(am, EventType::breach_created, open);
  ASSERT_EQ(created.outcome, DeliveryOutcome::delivered) << created.detail;

  const json alerts =
      wait_for("breach_id", open.id, [](const json& a) { return all_active(a, 1); });
  ASSERT_TRUE(all_active(alerts, 1)) << alerts.dump(2);
  EXPECT_EQ(alerts[0]["labels"], (json{{"alertname", "SLABreach"},
                                       {"org", kOrg},
                                       {"policy", "Gold latency"},
                                       {"policy_id", "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd"},
                                       {"breach_id", open.id},
                                       {"metric", "latency_ms"},
                                       {"severity", "critical"},
                                       {"scope", "site"},
                                       {"scope_id", "site-1"}}));
  EXPECT_EQ(alerts[0]["annotations"]["actual"], "300 ms");
  EXPECT_EQ(alerts[0]["annotations"]["threshold"], "max 200 ms");
  EXPECT_EQ(alerts[0]["annotations"]["deviation"], "50%");
  EXPECT_EQ(alerts[0]["generatorURL"], "https://slamon.example.net");

  Breach resolved = open;
  resolved.status = BreachStatus::resolved;
  resolved.resolved_at = std::chrono::system_clock::now();
  const DeliveryResult result = send(am, EventType::breach_resolved, resolved);
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  const json after = wait_for("breach_id", open.id, [](const json& a) { return a.empty(); });
  EXPECT_TRUE(after.empty()) << after.dump(2);
}

TEST_F(AlertmanagerPeer, EscalationLeavesOneActiveAlertPerBreach) {
  AlertmanagerNotifier am = notifier();
  const WallTime now = std::chrono::system_clock::now();
  Breach warning = breach(Severity::warning, now);
  ASSERT_EQ(send(am, EventType::breach_created, warning).outcome, DeliveryOutcome::delivered);
  json alerts = wait_for("breach_id", warning.id, [](const json& a) { return all_active(a, 1); });
  ASSERT_TRUE(all_active(alerts, 1)) << alerts.dump(2);
  EXPECT_EQ(alerts[0]["labels"]["severity"], "warning");

  Breach critical = warning;
  critical.severity = Severity::critical;
  critical.peak_severity = Severity::critical;
  critical.actual = 300;
  critical.deviation_percent = 50;
  ASSERT_EQ(send(am, EventType::breach_escalated, critical).outcome, DeliveryOutcome::delivered);
  alerts = wait_for("breach_id", warning.id, [](const json& a) {
    return all_active(a, 1) && a[0]["labels"]["severity"] == "critical";
  });
  ASSERT_TRUE(all_active(alerts, 1)) << alerts.dump(2);
  EXPECT_EQ(alerts[0]["labels"]["severity"], "critical");

  critical.status = BreachStatus::resolved;
  critical.resolved_at = std::chrono::system_clock::now();
  ASSERT_EQ(send(am, EventType::breach_resolved, critical).outcome, DeliveryOutcome::delivered);
  alerts = wait_for("breach_id", warning.id, [](const json& a) { return a.empty(); });
  EXPECT_TRUE(alerts.empty()) << alerts.dump(2);
}

TEST_F(AlertmanagerPeer, ResendExtendsTheFiringAlert) {
  AlertmanagerNotifier short_lived = notifier(minutes(2));
  Breach open = breach(Severity::critical, std::chrono::system_clock::now());
  ASSERT_EQ(send(short_lived, EventType::breach_created, open).outcome, DeliveryOutcome::delivered);
  ASSERT_TRUE(all_active(
      wait_for("breach_id", open.id, [](const json& a) { return all_active(a, 1); }), 1));

  AlertmanagerNotifier am = notifier(minutes(60));
  const WallTime now = std::chrono::system_clock::now();
  const json event = testing::event_at(EventType::breach_created, open, policy(), now);
  const DeliveryResult result = am.resend({event}, now);
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  const std::string expected_end = format_rfc3339(now + minutes(60)).substr(0, 19);
  const json alerts = wait_for("breach_id", open.id, [&](const json& a) {
    return all_active(a, 1) && a[0]["endsAt"].get<std::string>().substr(0, 19) == expected_end;
  });
  ASSERT_TRUE(all_active(alerts, 1)) << alerts.dump(2);
  EXPECT_EQ(alerts[0]["endsAt"].get<std::string>().substr(0, 19), expected_end);
}

TEST_F(AlertmanagerPeer, IncidentIsActiveUntilResolved) {
  AlertmanagerNotifier am = notifier();
  const WallTime now = std::chrono::system_clock::now();
  const std::string incident_id = uuid_v4();
  json entries = json::array();
  for (int i = 0; i < 3; ++i) {
    entries.push_back({{"breach", to_json(breach(Severity::critical, now))},
                       {"policy", {{"id", "p"}, {"name", "Policy " + std::to_string(i)}}}});
  }
  json event = {{"id", uuid_v4()},
                {"type", "sla.incident.opened"},
                {"priority", "HIGH"},
                {"occurred_at", format_rfc3339(now)},
                {"org_id", kOrg},
                {"incident",
                 {{"id", incident_id},
                  {"group", {{"org", kOrg}, {"site", "site-1"}}},
                  {"opened_at", format_rfc3339(now - minutes(2))},
                  {"breaches", entries}}}};
  ASSERT_EQ(am.send(notification_of(event), now).outcome, DeliveryOutcome::delivered);
  json alerts =
      wait_for("incident_id", incident_id, [](const json& a) { return all_active(a, 1); });
  ASSERT_TRUE(all_active(alerts, 1)) << alerts.dump(2);
  EXPECT_EQ(alerts[0]["labels"], (json{{"alertname", "SLAIncident"},
                                       {"org", kOrg},
                                       {"incident_id", incident_id},
                                       {"site", "site-1"}}));
  EXPECT_EQ(alerts[0]["annotations"]["breaches"], "3");

  const WallTime later = std::chrono::system_clock::now();
  event["id"] = uuid_v4();
  event["type"] = "sla.incident.resolved";
  event["incident"]["resolved_at"] = format_rfc3339(later);
  ASSERT_EQ(am.send(notification_of(event), later).outcome, DeliveryOutcome::delivered);
  alerts = wait_for("incident_id", incident_id, [](const json& a) { return a.empty(); });
  EXPECT_TRUE(alerts.empty()) << alerts.dump(2);
}

TEST_F(AlertmanagerPeer, PolicySignalsAreShortLivedAlerts) {
  AlertmanagerNotifier am = notifier();
  const WallTime now = std::chrono::system_clock::now();
  PolicyRef gold = policy();
  gold.id = uuid_v4();
  BudgetSignal budget;
  budget.period_start = now - std::chrono::days(20);
  budget.period_end = now + std::chrono::days(10);
  budget.budget_used = 0.55;
  budget.level = 0.5;
  budget.driver = "downtime";
  const json warning =
      to_json(make_budget_event(EventType::budget_warning, kOrg, gold, budget, now));
  ASSERT_TRUE(warning["breach"].is_null());
  const DeliveryResult warned = am.send(notification_of(warning), now);
  ASSERT_EQ(warned.outcome, DeliveryOutcome::delivered) << warned.detail;
  json alerts = wait_for("policy_id", gold.id, [](const json& a) { return all_active(a, 1); });
  ASSERT_TRUE(all_active(alerts, 1)) << alerts.dump(2);
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "SLABudget");
  EXPECT_EQ(alerts[0]["labels"]["severity"], "warning");
  EXPECT_EQ(alerts[0]["annotations"]["budget_used"], "55%");

  // The critical level fires its own alert and ends the warning one.
  budget.budget_used = 0.92;
  budget.level = 0.9;
  const WallTime later = std::chrono::system_clock::now();
  const json critical =
      to_json(make_budget_event(EventType::budget_critical, kOrg, gold, budget, later));
  ASSERT_EQ(am.send(notification_of(critical), later).outcome, DeliveryOutcome::delivered);
  alerts = wait_for("policy_id", gold.id, [](const json& a) {
    return all_active(a, 1) && a[0]["labels"]["severity"] == "critical";
  });
  ASSERT_TRUE(all_active(alerts, 1)) << alerts.dump(2);
  EXPECT_EQ(alerts[0]["labels"]["severity"], "critical");

  // Escalation fires a sliding-window alert; de-escalation ends it.
  PolicyRef latency = policy();
  latency.id = uuid_v4();
  WindowSignal window;
  window.metric = Metric::latency_ms;
  window.mean = 1250;
  window.upper = 1000;
  window.lower = 100;
  window.interval = minutes(10);
  const json escalate = to_json(make_window_event(EventType::escalate, kOrg, latency, window, now));
  ASSERT_EQ(am.send(notification_of(escalate), now).outcome, DeliveryOutcome::delivered);
  alerts = wait_for("policy_id", latency.id, [](const json& a) { return all_active(a, 1); });
  ASSERT_TRUE(all_active(alerts, 1)) << alerts.dump(2);
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "SLASlidingWindow");
  window.mean = 80;
  const WallTime calm = std::chrono::system_clock::now();
  const json deescalate =
      to_json(make_window_event(EventType::deescalate, kOrg, latency, window, calm));
  ASSERT_EQ(am.send(notification_of(deescalate), calm).outcome, DeliveryOutcome::delivered);
  alerts = wait_for("policy_id", latency.id, [](const json& a) { return a.empty(); });
  EXPECT_TRUE(alerts.empty()) << alerts.dump(2);
}

TEST_F(AlertmanagerPeer, InvalidAlertIsRefusedPermanently) {
  AlertmanagerNotifier am = notifier();
  Breach odd = breach(Severity::critical, std::chrono::system_clock::now());
  // Resolved before it opened: Alertmanager refuses an alert that ends before it starts.
  odd.status = BreachStatus::resolved;
  odd.resolved_at = odd.opened_at - minutes(10);
  const DeliveryResult result = send(am, EventType::breach_resolved, odd);
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead) << result.detail;
  EXPECT_TRUE(result.detail.starts_with("HTTP 400")) << result.detail;
  EXPECT_EQ(result.detail.find(base_url()), std::string::npos);
}

}  // namespace
}  // namespace slamon::notify
