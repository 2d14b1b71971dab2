// Policy-level events (sla.budget.warning / .critical of SPEC §7.4, sla.escalate / .deescalate
// of SPEC §7.6) carry `"breach": null`: the message model reads them as a third kind, and every
// channel renders them (Slack, Teams in both formats, webhook, SMTP text and HTML,
// Alertmanager's short-lived alerts).
#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>

#include "notify/alertmanager.h"
#include "notify/message.h"
#include "notify/slack.h"
#include "notify/smtp.h"
#include "notify/teams.h"
#include "notify/webhook.h"
#include "sample_events.h"
#include "smtp_stub.h"
#include "support/http_stub.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h
using slamon::testing::HttpStub;
using slamon::testing::StubResponse;
using std::chrono::minutes;

constexpr std::string_view kExternalUrl = "https://slamon.example.net/";
constexpr std::string_view kDash = "\xE2\x80\x93";  // –

constexpr std::array kSignalTypes{EventType::budget_warning, EventType::budget_critical,
                                  EventType::escalate, EventType::deescalate};

const std::string kGoldPolicyId = "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd";
const std::string kLatencyPolicyId = "7a7a7a7a-bbbb-4ccc-8ddd-eeeeeeeeeeee";

std::string expected_title(EventType type) {
  const std::string period = "(period 2026-12-01 " + std::string(kDash) + " 2027-01-01)";
  switch (type) {
    case EventType::budget_warning:
      return "[WARNING] SLA budget 52% used: Gold uptime " + period;
    case EventType::budget_critical:
      return "[CRITICAL] SLA budget 91% used: Gold uptime " + period;
    case EventType::escalate:
      return "[ESCALATE] latency_ms mean 1250 ms above 1000 ms over 10m: Core latency";
    case EventType::deescalate:
      return "[DEESCALATE] latency_ms mean 80 ms below 100 ms over 10m: Core latency";
    default:
      return "";
  }
}

Tone expected_tone(EventType type) {
  switch (type) {
    case EventType::budget_critical:
    case EventType::escalate:
      return Tone::critical;
    case EventType::deescalate:
      return Tone::resolved;
    default:
      return Tone::warning;
  }
}

// Messages here link to kExternalUrl unless a test says otherwise.
Message message_of(const json& event, std::string_view external_url = kExternalUrl) {
  return testing::message_of(event, external_url);
}

std::string policy_link(EventType type) {
  return type == EventType::budget_warning || type == EventType::budget_critical
             ? "https://slamon.example.net/api/v1/sla/policies/" + kGoldPolicyId + "/periods"
             : "https://slamon.example.net/api/v1/sla/policies/" + kLatencyPolicyId;
}

// ---- the message model ----------------------------------------------------------------------

TEST(PolicySignalMessage, EventJsonHasANullBreach) {
  for (const EventType type : kSignalTypes) {
    const json event = policy_signal_event(type);
    EXPECT_TRUE(event["breach"].is_null()) << to_string(type);
    EXPECT_TRUE(event.contains("budget") || event.contains("sliding_window"));
  }
}

TEST(PolicySignalMessage, TitlesTonesAndSeverities) {
  for (const EventType type : kSignalTypes) {
    SCOPED_TRACE(std::string(to_string(type)));
    const Message message = message_of(policy_signal_event(type));
    EXPECT_TRUE(message.is_policy_signal());
    EXPECT_TRUE(message.breaches.empty());
    EXPECT_EQ(message.title, expected_title(type));
    EXPECT_EQ(message.tone, expected_tone(type));
    const bool critical = type == EventType::budget_critical || type == EventType::escalate;
    EXPECT_EQ(message.severity, critical ? "critical" : "warning");
    EXPECT_EQ(message.org_id, testing::sample_breach().org);
  }
}

TEST(PolicySignalMessage, BudgetFactsAndLinks) {
  const Message message = message_of(policy_signal_event(EventType::budget_warning));
  expect_facts(message,
               {{"Policy", "Gold uptime"},
                {"Scope", "site site-1"},
                {"Period", "2026-12-01T00:00:00Z " + std::string(kDash) + " 2027-01-01T00:00:00Z"},
                {"Budget used", "52.3%"},
                {"Level", "50%"},
                {"Driver", "downtime"},
                {"Severity", "warning"},
                {"Occurred", "2026-11-21T10:00:00Z"},
                {"Actual", "<none>"}});
  const auto links = message.links();
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].url, "https://slamon.example.net");
  EXPECT_EQ(links[1].label, "SLA periods of this policy");
  EXPECT_EQ(links[1].url, policy_link(EventType::budget_warning));
  EXPECT_EQ(message.signal.summary(),
            "Gold uptime: SLA budget 52.3% used (level 50%), period 2026-12-01 " +
                std::string(kDash) + " 2027-01-01, site site-1");
}

TEST(PolicySignalMessage, WindowFactsAndLinks) {
  const Message message = message_of(policy_signal_event(EventType::escalate));
  expect_facts(message, {{"Policy", "Core latency"},
                         {"Metric", "latency_ms"},
                         {"Mean", "1250 ms"},
                         {"Upper", "1000 ms"},
                         {"Lower", "100 ms"},
                         {"Interval", "10m"},
                         {"Severity", "critical"}});
  const auto links = message.links();
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[1].label, "This policy");
  EXPECT_EQ(links[1].url, policy_link(EventType::escalate));
  const std::string text = message.text();
  EXPECT_TRUE(text.starts_with(expected_title(EventType::escalate) + "\n\n")) << text;
  EXPECT_NE(text.find("Mean: 1250 ms\n"), std::string::npos) << text;
  EXPECT_NE(text.find("This policy: " + policy_link(EventType::escalate) + "\n"), std::string::npos)
      << text;
}

TEST(PolicySignalMessage, WithoutExternalUrlThereAreNoLinks) {
  const Message message = message_of(policy_signal_event(EventType::budget_critical), "");
  EXPECT_TRUE(message.links().empty());
  EXPECT_EQ(message.text().find("http"), std::string::npos);
}

TEST(PolicySignalMessage, PeriodInAnotherZoneShowsTheTimes) {
  BudgetSignal budget = testing::sample_budget();
  budget.period_start = from_unix_seconds(1796079600);  // 2026-11-30T23:00:00Z (Berlin)
  budget.period_end = from_unix_seconds(1798758000);    // 2026-12-31T23:00:00Z
  const Message message = message_of(budget_event(EventType::budget_warning, budget));
  EXPECT_EQ(message.title,
            "[WARNING] SLA budget 52% used: Gold uptime (period 2026-11-30 23:00 UTC " +
                std::string(kDash) + " 2026-12-31 23:00 UTC)");
}

TEST(PolicySignalMessage, ZeroBudgetIsExhausted) {
  BudgetSignal budget = testing::sample_budget_critical();
  budget.budget_used = std::numeric_limits<double>::infinity();  // a 100 % target
  const Message message = message_of(budget_event(EventType::budget_critical, budget));
  EXPECT_TRUE(message.title.starts_with("[CRITICAL] SLA budget exhausted: Gold uptime"))
      << message.title;
  EXPECT_EQ(fact(message, "Budget used"), "+Inf");
}

TEST(PolicySignalMessage, TitleRoundsTheShareDown) {
  BudgetSignal budget = testing::sample_budget_critical();
  budget.budget_used = 0.8999;
  EXPECT_TRUE(message_of(budget_event(EventType::budget_critical, budget))
                  .title.starts_with("[CRITICAL] SLA budget 89% used"));
  budget.budget_used = 0.29;  // 28.999999999999996 in binary
  EXPECT_TRUE(message_of(budget_event(EventType::budget_critical, budget))
                  .title.starts_with("[CRITICAL] SLA budget 29% used"));
}

TEST(PolicySignalMessage, OutageDriverIsSpelledOut) {
  BudgetSignal budget = testing::sample_budget();
  budget.driver = "outages:uptime_percent";
  EXPECT_EQ(fact(message_of(budget_event(EventType::budget_warning, budget)), "Driver"),
            "outages of uptime_percent");
}

TEST(PolicySignalMessage, MissingSignalObjectIsMalformed) {
  json budget = policy_signal_event(EventType::budget_warning);
  budget.erase("budget");
  const auto refused = build_message(budget, "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "malformed event: sla.budget.warning without a budget object");
  json window = policy_signal_event(EventType::escalate);
  window["sliding_window"] = "nonsense";
  EXPECT_FALSE(build_message(window, ""));
}

TEST(PolicySignalMessage, OddFieldsBecomePlaceholders) {
  json event = policy_signal_event(EventType::escalate);
  event["policy"] = nullptr;
  event["sliding_window"].erase("mean");
  event["sliding_window"]["interval_seconds"] = "ten minutes";
  const Message message = message_of(event);
  EXPECT_EQ(message.title, "[ESCALATE] latency_ms mean (unknown) above 1000 ms: (unnamed policy)");
  EXPECT_TRUE(message.links().size() == 1u) << "no policy id, no policy link";
}

TEST(PolicySignalMessage, BreachEventWithNullBreachIsStillMalformed) {
  json event = policy_signal_event(EventType::budget_warning);
  event["type"] = "sla.breach.created";
  const auto refused = build_message(event, "");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("neither a breach nor an incident"), std::string::npos);
}

TEST(PolicySignalMessage, TypelessEventIsReadByItsObjects) {
  json event = policy_signal_event(EventType::budget_warning);
  event.erase("type");
  const Message message = message_of(event);
  EXPECT_TRUE(message.is_policy_signal());
  EXPECT_EQ(message.signal.kind, PolicySignalView::Kind::budget);
}

// ---- Slack ----------------------------------------------------------------------------------

class PolicySignalHttpTest : public ::testing::Test {
 protected:
  NotifierConfig config(NotifierType type, const std::string& path) const {
    return testing::http_notifier_config("n", type, stub_.url() + path);
  }

  // What `notifier` posted for `event` (the stub answering `answer`).
  template <typename N>
  std::string posted(N&& notifier, const json& event, StubResponse answer) {
    stub_.enqueue(std::move(answer));
    const std::size_t before = stub_.request_count();
    const DeliveryResult result = notifier.send(notification_of(event), test_now());
    EXPECT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
    EXPECT_EQ(stub_.request_count(), before + 1);
    const auto requests = stub_.requests();
    return requests.empty() ? std::string() : requests.back().body;
  }

  HttpStub stub_;
};

TEST_F(PolicySignalHttpTest, SlackRendersEachType) {
  SlackNotifier notifier(config(NotifierType::slack, "/services/T/B/x"), std::string(kExternalUrl));
  for (const EventType type : kSignalTypes) {
    SCOPED_TRACE(std::string(to_string(type)));
    const json body =
        json::parse(posted(notifier, policy_signal_event(type), StubResponse::text(200, "ok")));
    EXPECT_EQ(body["blocks"][0]["text"]["text"], expected_title(type));
    EXPECT_EQ(body["text"], expected_title(type));
    const json& attachment = body["attachments"][0];
    EXPECT_EQ(attachment["color"], std::string(colour_hex(expected_tone(type))));
    const std::string dumped = attachment["blocks"].dump();
    if (type == EventType::budget_warning || type == EventType::budget_critical) {
      EXPECT_NE(dumped.find("*Budget used*"), std::string::npos) << dumped;
      EXPECT_NE(dumped.find("|SLA periods of this policy>"), std::string::npos) << dumped;
    } else {
      EXPECT_NE(dumped.find("*Mean*"), std::string::npos) << dumped;
      EXPECT_NE(dumped.find("<" + policy_link(type) + "|This policy>"), std::string::npos)
          << dumped;
    }
    EXPECT_EQ(dumped.find("Breaches of this policy"), std::string::npos);
  }
}

// ---- Teams ----------------------------------------------------------------------------------

const json* find_fact(const json& facts, const std::string& key_name, const std::string& key) {
  for (const json& fact : facts) {
    if (fact[key_name] == key) return &fact;
  }
  return nullptr;
}

TEST_F(PolicySignalHttpTest, TeamsAdaptiveCardRendersEachType) {
  NotifierConfig teams = config(NotifierType::teams, "/workflows/x?sig=y");
  teams.teams_format = TeamsFormat::adaptive_card;
  TeamsNotifier notifier(teams, std::string(kExternalUrl));
  const std::array<std::string, 4> styles{"warning", "attention", "attention", "good"};
  for (std::size_t i = 0; i < kSignalTypes.size(); ++i) {
    const EventType type = kSignalTypes[i];
    SCOPED_TRACE(std::string(to_string(type)));
    const json body =
        json::parse(posted(notifier, policy_signal_event(type), StubResponse::text(202, "")));
    const json& card = body["attachments"][0]["content"];
    EXPECT_EQ(card["body"][0]["style"], styles[i]);
    EXPECT_EQ(card["body"][0]["items"][0]["text"], expected_title(type));
    const json& facts = card["body"][1]["facts"];
    ASSERT_NE(find_fact(facts, "title", "Policy"), nullptr);
    EXPECT_EQ(card["body"].size(), 2u) << "no breach list";
    ASSERT_EQ(card["actions"].size(), 2u);
    EXPECT_EQ(card["actions"][1]["url"], policy_link(type));
  }
}

TEST_F(PolicySignalHttpTest, TeamsMessageCardRendersEachType) {
  NotifierConfig teams = config(NotifierType::teams, "/webhookb2/x");
  teams.teams_format = TeamsFormat::message_card;
  TeamsNotifier notifier(teams, std::string(kExternalUrl));
  for (const EventType type : kSignalTypes) {
    SCOPED_TRACE(std::string(to_string(type)));
    const json card =
        json::parse(posted(notifier, policy_signal_event(type), StubResponse::text(200, "1")));
    EXPECT_EQ(card["@type"], "MessageCard");
    EXPECT_EQ(card["title"], expected_title(type));
    EXPECT_EQ(card["themeColor"], std::string(colour_hex(expected_tone(type))).substr(1));
    ASSERT_EQ(card["sections"].size(), 1u);
    const json& facts = card["sections"][0]["facts"];
    const bool budget = type == EventType::budget_warning || type == EventType::budget_critical;
    const json* signal_fact = find_fact(facts, "name", budget ? "Budget used" : "Mean");
    ASSERT_NE(signal_fact, nullptr);
    EXPECT_EQ((*signal_fact)["value"], type == EventType::budget_warning    ? "52.3%"
                                       : type == EventType::budget_critical ? "91.2%"
                                       : type == EventType::escalate        ? "1250 ms"
                                                                            : "80 ms");
    EXPECT_EQ(card["potentialAction"][1]["targets"][0]["uri"], policy_link(type));
  }
}

// ---- webhook --------------------------------------------------------------------------------

TEST_F(PolicySignalHttpTest, WebhookPostsTheRawEvent) {
  WebhookNotifier notifier(config(NotifierType::webhook, "/hook"));
  for (const EventType type : kSignalTypes) {
    SCOPED_TRACE(std::string(to_string(type)));
    const json event = policy_signal_event(type);
    const std::string body = posted(notifier, event, StubResponse::text(204, ""));
    EXPECT_EQ(body, event.dump());
    const json parsed = json::parse(body);
    EXPECT_TRUE(parsed["breach"].is_null());
    EXPECT_EQ(parsed["type"], std::string(to_string(type)));
    EXPECT_EQ(stub_.requests().back().header("webhook-id"), event["id"]);
  }
}

// ---- SMTP -----------------------------------------------------------------------------------

TEST(PolicySignalSmtp, MailHasBothPartsForEachType) {
  for (const EventType type : kSignalTypes) {
    SCOPED_TRACE(std::string(to_string(type)));
    const Message message = message_of(policy_signal_event(type));
    const std::string mail = smtp_mail(message, smtp_notifier_config("mail:25").smtp, test_now());
    EXPECT_NE(mail.find("\r\nX-Slamon-Event-Type: " + std::string(to_string(type)) + "\r\n"),
              std::string::npos);
    // The budget titles hold an en dash: the subject is RFC 2047-encoded; the others are ASCII.
    if (type == EventType::escalate || type == EventType::deescalate) {
      // Long subjects are folded at spaces (CRLF + space); unfolded they are the title.
      std::string unfolded = mail;
      for (auto at = unfolded.find("\r\n "); at != std::string::npos;
           at = unfolded.find("\r\n ", at)) {
        unfolded.erase(at, 2);
      }
      EXPECT_NE(unfolded.find("\r\nSubject: " + expected_title(type) + "\r\n"), std::string::npos)
          << mail;
      EXPECT_NE(mail.find("Mean: " + fact(message, "Mean")), std::string::npos);
      EXPECT_NE(mail.find("<th align=3D\"left\">Upper</th><td>1000 ms</td>"), std::string::npos);
    } else {
      EXPECT_NE(mail.find("\r\nSubject: =?UTF-8?B?"), std::string::npos);
      EXPECT_NE(mail.find("Budget used: " + fact(message, "Budget used")), std::string::npos);
      EXPECT_NE(mail.find("<th align=3D\"left\">Driver</th><td>downtime</td>"), std::string::npos);
    }
    EXPECT_NE(mail.find(std::string(colour_hex(expected_tone(type)))), std::string::npos);
    EXPECT_EQ(mail.find("Breaches of this policy"), std::string::npos);
  }
}

TEST(PolicySignalSmtp, NotifierDeliversABudgetMail) {
  testing::SmtpStub stub;
  SmtpNotifier notifier(smtp_notifier_config(stub.smarthost()), std::string(kExternalUrl));
  const DeliveryResult result =
      notifier.send(notification_of(policy_signal_event(EventType::budget_critical)), test_now());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  const auto sessions = stub.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_NE(sessions[0].data.find("SLA periods of this policy"), std::string::npos);
}

// ---- Alertmanager ---------------------------------------------------------------------------

json alerts_of(const json& event, WallTime now = test_now()) {
  auto alerts = alertmanager_alerts(event, now, minutes(15), kExternalUrl);
  EXPECT_TRUE(alerts) << (alerts ? "" : alerts.error().message);
  return alerts ? *alerts : json::array();
}

TEST(PolicySignalAlertmanager, BudgetWarningIsAShortLivedAlert) {
  const json alerts = alerts_of(policy_signal_event(EventType::budget_warning));
  ASSERT_EQ(alerts.size(), 1u);
  const json& alert = alerts[0];
  EXPECT_EQ(alert["labels"], (json{{"alertname", "SLABudget"},
                                   {"org", testing::sample_breach().org},
                                   {"policy", "Gold uptime"},
                                   {"policy_id", kGoldPolicyId},
                                   {"period_start", "2026-12-01T00:00:00Z"},
                                   {"severity", "warning"},
                                   {"scope", "site"},
                                   {"scope_id", "site-1"}}));
  EXPECT_EQ(alert["startsAt"], "2026-11-21T10:00:00Z");
  EXPECT_EQ(alert["endsAt"], "2026-11-21T10:15:00Z");
  EXPECT_EQ(alert["annotations"]["summary"], expected_title(EventType::budget_warning));
  EXPECT_EQ(alert["annotations"]["budget_used"], "52.3%");
  EXPECT_EQ(alert["annotations"]["level"], "50%");
  EXPECT_EQ(alert["annotations"]["period_end"], "2027-01-01T00:00:00Z");
  EXPECT_EQ(alert["annotations"]["policy_url"], policy_link(EventType::budget_warning));
}

TEST(PolicySignalAlertmanager, BudgetCriticalEndsTheWarningAlert) {
  const json alerts = alerts_of(policy_signal_event(EventType::budget_critical));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0]["labels"]["severity"], "critical");
  EXPECT_EQ(alerts[0]["endsAt"], "2026-11-21T10:15:00Z");
  EXPECT_EQ(alerts[1]["labels"]["severity"], "warning");
  EXPECT_EQ(alerts[1]["labels"]["period_start"], "2026-12-01T00:00:00Z");
  EXPECT_EQ(alerts[1]["endsAt"], "2026-11-21T10:00:00Z");
  EXPECT_FALSE(alerts[1].contains("startsAt"));
}

TEST(PolicySignalAlertmanager, EscalateFiresAndDeescalateEndsTheSameAlert) {
  const json fired = alerts_of(policy_signal_event(EventType::escalate));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0]["labels"]["alertname"], "SLASlidingWindow");
  EXPECT_EQ(fired[0]["labels"]["metric"], "latency_ms");
  EXPECT_EQ(fired[0]["labels"]["severity"], "critical");
  EXPECT_EQ(fired[0]["annotations"]["mean"], "1250 ms");
  EXPECT_EQ(fired[0]["annotations"]["interval"], "10m");
  EXPECT_EQ(fired[0]["endsAt"], "2026-11-21T10:15:00Z");

  const json ended = alerts_of(policy_signal_event(EventType::deescalate), test_now());
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0]["labels"], fired[0]["labels"]) << "the same label set, so the same alert";
  EXPECT_EQ(ended[0]["endsAt"], "2026-11-21T10:00:00Z");
  EXPECT_FALSE(ended[0].contains("startsAt"));
  EXPECT_EQ(ended[0]["annotations"]["mean"], "80 ms");
}

class PolicySignalAlertmanagerTest : public PolicySignalHttpTest {
 protected:
  AlertmanagerNotifier notifier() const {
    return AlertmanagerNotifier(config(NotifierType::alertmanager, ""), std::string(kExternalUrl),
                                minutes(15));
  }
};

TEST_F(PolicySignalAlertmanagerTest, SendPostsEveryTypeAndNothingIsDeadLettered) {
  for (const EventType type : kSignalTypes) {
    SCOPED_TRACE(std::string(to_string(type)));
    const json body =
        json::parse(posted(notifier(), policy_signal_event(type), StubResponse::text(200, "")));
    ASSERT_TRUE(body.is_array());
    EXPECT_FALSE(body.empty());
    EXPECT_EQ(stub_.requests().back().path, "/api/v2/alerts");
  }
}

TEST_F(PolicySignalAlertmanagerTest, ResendSkipsPolicySignals) {
  stub_.enqueue(StubResponse::text(200, ""));
  const DeliveryResult result = notifier().resend(
      {policy_signal_event(EventType::escalate), testing::breach_event(EventType::breach_created)},
      test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::delivered);
  EXPECT_EQ(result.detail, "") << "a policy signal is not an unreadable event";
  ASSERT_EQ(stub_.request_count(), 1u);
  const json body = json::parse(stub_.requests().front().body);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["labels"]["alertname"], "SLABreach");

  EXPECT_EQ(notifier().resend({policy_signal_event(EventType::budget_warning)}, test_now()).outcome,
            DeliveryOutcome::delivered);
  EXPECT_EQ(stub_.request_count(), 1u) << "nothing left to post, no request";
}

}  // namespace
}  // namespace slamon::notify
