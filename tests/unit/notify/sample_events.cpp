#include "sample_events.h"

#include <gtest/gtest.h>

#include "common/uuid.h"
#include "model/event_json.h"
#include "support/sample_breach.h"

namespace slamon::notify::testing {

WallTime test_now() {
  return from_unix_seconds(1795255200);  // 2026-11-21T10:00:00Z
}

Breach sample_breach() {
  return slamon::testing::sample_breach({.org = "0a0b0c0d-0000-4000-8000-000000000001",
                                         .policy_id = "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd",
                                         .actual = 97.2,
                                         .threshold = 99.9,
                                         .deviation_percent = 2.7027,
                                         .severity = Severity::critical,
                                         .opened_at = test_now() - std::chrono::minutes(10),
                                         .last_evaluated_at = test_now()});
}

PolicyRef sample_policy() {
  PolicyRef policy;
  policy.id = "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd";
  policy.name = "Gold uptime";
  policy.scope = Scope::site;
  policy.scope_id = "site-1";
  policy.labels = {{"tier", "gold"}};
  return policy;
}

nlohmann::json breach_event(EventType type, const Breach& breach, const PolicyRef& policy) {
  Event event = make_event(type, breach, policy, test_now());
  return to_json(event);
}

nlohmann::json incident_event(const std::string& type, std::size_t breaches) {
  nlohmann::json entries = nlohmann::json::array();
  for (std::size_t i = 0; i < breaches; ++i) {
    Breach breach = sample_breach();
    breach.id = uuid_v4();
    PolicyRef policy = sample_policy();
    policy.name = "Policy " + std::to_string(i);
    entries.push_back({{"breach", to_json(breach)}, {"policy", to_json(policy)}});
  }
  nlohmann::json incident = {{"id", "1c1c1c1c-2222-4333-8444-555555555555"},
                             {"group", {{"org", sample_breach().org}, {"site", "site-1"}}},
                             {"opened_at", format_rfc3339(test_now() - std::chrono::minutes(5))},
                             {"breaches", std::move(entries)}};
  if (type == "sla.incident.resolved") incident["resolved_at"] = format_rfc3339(test_now());
  return {{"id", uuid_v4()},
          {"type", type},
          {"priority", "HIGH"},
          {"occurred_at", format_rfc3339(test_now())},
          {"org_id", sample_breach().org},
          {"incident", std::move(incident)}};
}

BudgetSignal sample_budget() {
  BudgetSignal budget;
  budget.period_start = from_unix_seconds(1796083200);  // 2026-12-01T00:00:00Z
  budget.period_end = from_unix_seconds(1798761600);    // 2027-01-01T00:00:00Z
  budget.budget_used = 0.523;
  budget.level = 0.5;
  budget.driver = "downtime";
  return budget;
}

BudgetSignal sample_budget_critical() {
  BudgetSignal budget = sample_budget();
  budget.budget_used = 0.912;
  budget.level = 0.9;
  return budget;
}

WindowSignal sample_window() {
  WindowSignal window;
  window.metric = Metric::latency_ms;
  window.mean = 1250;
  window.upper = 1000;
  window.lower = 100;
  window.interval = std::chrono::minutes(10);
  return window;
}

WindowSignal sample_window_low() {
  WindowSignal window = sample_window();
  window.mean = 80;
  return window;
}

PolicyRef latency_policy() {
  PolicyRef policy = sample_policy();
  policy.id = "7a7a7a7a-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  policy.name = "Core latency";
  return policy;
}

nlohmann::json budget_event(EventType type, const BudgetSignal& budget, const PolicyRef& policy) {
  return to_json(make_budget_event(type, sample_breach().org, policy, budget, test_now()));
}

nlohmann::json window_event(EventType type, const WindowSignal& window, const PolicyRef& policy) {
  return to_json(make_window_event(type, sample_breach().org, policy, window, test_now()));
}

nlohmann::json policy_signal_event(EventType type) {
  switch (type) {
    case EventType::budget_warning:
      return budget_event(type, sample_budget());
    case EventType::budget_critical:
      return budget_event(type, sample_budget_critical());
    case EventType::escalate:
      return window_event(type, sample_window());
    case EventType::deescalate:
      return window_event(type, sample_window_low());
    default:
      return breach_event(type);
  }
}

nlohmann::json report_event(std::string_view format, std::string_view download_url) {
  const std::string id(kSampleReportId);
  nlohmann::json report = {{"id", id},
                           {"title", "Monthly SLA report"},
                           {"format", format},
                           {"period_start", "2026-10-31T23:00:00Z"},
                           {"period_end", "2026-11-30T23:00:00Z"},
                           {"timezone", "Europe/Berlin"},
                           {"size", 123456},
                           {"sha256", std::string(64, 'a')},
                           {"file_name", id + '.' + std::string(format)},
                           {"download_url", nullptr}};
  if (!download_url.empty()) report["download_url"] = download_url;
  return {{"id", uuid_v4()},
          {"type", "sla.report.ready"},
          {"priority", "LOW"},
          {"occurred_at", "2026-12-01T05:00:03.120Z"},
          {"org_id", sample_breach().org},
          {"breach", nullptr},
          {"report", std::move(report)},
          {"schedule",
           {{"id", "monthly-northwind"},
            {"name", "Monthly Northwind"},
            {"due_at", "2026-12-01T05:00:00Z"},
            {"notifiers", {"mail", "ops-slack"}}}}};
}

Notification notification_of(const nlohmann::json& event) {
  Notification notification;
  notification.event_id = event.value("id", "");
  notification.type = event.value("type", "");
  notification.payload = event.dump();
  notification.event = event;
  return notification;
}

NotifierConfig http_notifier_config(const std::string& name, NotifierType type,
                                    const std::string& url) {
  NotifierConfig config;
  config.name = name;
  config.type = type;
  config.url = url;
  config.timeout = std::chrono::seconds(5);
  return config;
}

NotifierConfig smtp_notifier_config(const std::string& smarthost) {
  NotifierConfig config;
  config.name = "mail";
  config.type = NotifierType::smtp;
  config.smtp.smarthost = smarthost;
  config.smtp.from = "sla@example.net";
  config.smtp.to = {"noc@example.net"};
  config.smtp.require_tls = false;
  config.timeout = std::chrono::seconds(5);
  return config;
}

Message message_of(const nlohmann::json& event, std::string_view external_url) {
  auto message = build_message(event, external_url);
  EXPECT_TRUE(message) << (message ? "" : message.error().message);
  return message ? *message : Message{};
}

std::string fact(const Message& message, const std::string& label) {
  for (const Fact& f : message.facts()) {
    if (f.label == label) return f.value;
  }
  return "<none>";
}

void expect_facts(const Message& message,
                  const std::vector<std::pair<std::string, std::string>>& expected) {
  for (const auto& [label, value] : expected) {
    EXPECT_EQ(fact(message, label), value) << "fact " << label;
  }
}

}  // namespace slamon::notify::testing
