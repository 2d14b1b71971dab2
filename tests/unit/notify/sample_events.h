// Events as the outbox stores them (built with the model's own to_json), for the notifier
// tests: breach events of every type, incident events with any number of breaches, and the
// policy-level signals (budget levels, sliding window) that carry no breach.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "config/config.h"
#include "model/model.h"
#include "notify/message.h"
#include "notify/notifier.h"

namespace slamon::notify::testing {

// The tests read and build events as JSON; `using namespace testing;` brings this in too.
using json = nlohmann::json;

// 2026-11-21T10:00:00Z, the tests' fixed "now".
WallTime test_now();

// An open critical uptime breach (97.2 % against a 99.9 % minimum) of policy "Gold uptime"
// on site "site-1", opened 10 minutes before test_now().
Breach sample_breach();
PolicyRef sample_policy();

// The stored JSON of an event of `type` about `breach`, occurring at test_now().
nlohmann::json breach_event(EventType type, const Breach& breach = sample_breach(),
                            const PolicyRef& policy = sample_policy());

// An incident event ("sla.incident.opened" or "sla.incident.resolved") listing `breaches`
// copies of sample_breach() (each with its own id and policy name "Policy <i>").
nlohmann::json incident_event(const std::string& type, std::size_t breaches);

// A budget signal of policy "Gold uptime" for the UTC month of December 2026: 52.3 % used,
// level 0.5 reached, driven by downtime. sample_budget_critical(): 91.2 % used, level 0.9.
BudgetSignal sample_budget();
BudgetSignal sample_budget_critical();

// A sliding window on latency_ms over 10 minutes, bounds 1000 / 100 ms: mean 1250 ms (an
// escalation). sample_window_low(): mean 80 ms (a de-escalation).
WindowSignal sample_window();
WindowSignal sample_window_low();
// Policy "Core latency" on site "site-1".
PolicyRef latency_policy();

// The stored JSON of a budget / sliding-window event, occurring at test_now().
nlohmann::json budget_event(EventType type, const BudgetSignal& budget,
                            const PolicyRef& policy = sample_policy());
nlohmann::json window_event(EventType type, const WindowSignal& window,
                            const PolicyRef& policy = latency_policy());
// The sample event of each policy-level type: budget warning/critical with sample_budget() /
// sample_budget_critical(), escalate/deescalate with sample_window() / sample_window_low().
nlohmann::json policy_signal_event(EventType type);

// The sample report's id and its download link.
inline constexpr std::string_view kSampleReportId = "5b1f0c2e-7d4a-4c61-9a3e-2f8b6d0e1a47";
inline constexpr std::string_view kSampleReportUrl =
    "https://slamon.example.net/api/v1/sla/reports/5b1f0c2e-7d4a-4c61-9a3e-2f8b6d0e1a47/download";

// An sla.report.ready event as the report worker writes it: "Monthly SLA report", November 2026
// read in Europe/Berlin (2026-10-31T23:00:00Z to 2026-11-30T23:00:00Z), 123456 bytes in
// `format`, run by schedule "Monthly Northwind"; `download_url` "" is written as null (no
// external_url).
nlohmann::json report_event(std::string_view format = "pdf",
                            std::string_view download_url = kSampleReportUrl);

// The config of an HTTP notifier named `name` of `type` posting to `url`, with a 5 s timeout.
NotifierConfig http_notifier_config(const std::string& name, NotifierType type,
                                    const std::string& url);

// The config of an SMTP notifier named "mail" mailing noc@example.net from sla@example.net
// through `smarthost` in the clear, with a 5 s timeout.
NotifierConfig smtp_notifier_config(const std::string& smarthost);

// The notification the delivery worker would hand a notifier for `event`.
Notification notification_of(const nlohmann::json& event);

// The message model of `event`; a test failure, and an empty Message, when it has none.
Message message_of(const nlohmann::json& event, std::string_view external_url = "");
// The value of the fact labelled `label`, or "<none>" when `message` has no such fact.
std::string fact(const Message& message, const std::string& label);
// Expects `message` to have each (label, value) fact; a value "<none>" expects no such fact.
void expect_facts(const Message& message,
                  const std::vector<std::pair<std::string, std::string>>& expected);

}  // namespace slamon::notify::testing
