// The message model every channel renders, and the text helpers behind it.
#include "notify/message.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "notify/text.h"
#include "sample_events.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h

TEST(BuildMessage, ReadsABreachEvent) {
  const json event = breach_event(EventType::breach_created);
  const Message message = message_of(event, "https://slamon.example.net/");
  EXPECT_EQ(message.event_id, event["id"]);
  EXPECT_EQ(message.type, "sla.breach.created");
  EXPECT_FALSE(message.is_incident());
  EXPECT_TRUE(message.is_breach());
  EXPECT_EQ(message.title, "[CRITICAL] SLA breach opened: Gold uptime");
  EXPECT_EQ(message.tone, Tone::critical);
  EXPECT_EQ(message.landing_url, "https://slamon.example.net");
  ASSERT_EQ(message.breaches.size(), 1u);
  const BreachView& breach = message.breaches.front();
  EXPECT_EQ(breach.actual, "97.2%");
  EXPECT_EQ(breach.threshold, "min 99.9%");
  EXPECT_EQ(breach.deviation, "2.703%");
  EXPECT_EQ(breach.scope_text, "site site-1");
  EXPECT_EQ(breach.policy_labels.at("tier"), "gold");
  EXPECT_EQ(breach.link,
            "https://slamon.example.net/api/v1/sla/breaches?policy_id="
            "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd");
  expect_facts(message, {{"Policy", "Gold uptime"},
                         {"Metric", "uptime_percent"},
                         {"Severity", "critical"},
                         {"Status", "active"},
                         {"Opened", "2026-11-21T09:50:00Z"},
                         {"Resolved", "<none>"}});
}

TEST(BuildMessage, TitlesAndTonesFollowTheEventType) {
  Breach warning = sample_breach();
  warning.severity = Severity::warning;
  warning.peak_severity = Severity::warning;
  const Message created = message_of(breach_event(EventType::breach_created, warning));
  EXPECT_EQ(created.title, "[WARNING] SLA breach opened: Gold uptime");
  EXPECT_EQ(created.tone, Tone::warning);

  const Message escalated = message_of(breach_event(EventType::breach_escalated));
  EXPECT_EQ(escalated.title, "[CRITICAL] SLA breach escalated: Gold uptime");

  Breach acknowledged = sample_breach();
  acknowledged.status = BreachStatus::acknowledged;
  acknowledged.acknowledged_by = "alice";
  acknowledged.ack_notes = "on it";
  const Message ack = message_of(breach_event(EventType::breach_acknowledged, acknowledged));
  EXPECT_EQ(ack.title, "[ACKNOWLEDGED] SLA breach acknowledged: Gold uptime");
  EXPECT_EQ(ack.tone, Tone::acknowledged);
  EXPECT_EQ(fact(ack, "Acknowledged by"), "alice");
  EXPECT_EQ(fact(ack, "Notes"), "on it");

  Breach resolved = sample_breach();
  resolved.status = BreachStatus::resolved;
  resolved.resolved_at = test_now();
  const Message done = message_of(breach_event(EventType::breach_resolved, resolved));
  EXPECT_EQ(done.title, "[RESOLVED] SLA breach resolved: Gold uptime");
  EXPECT_EQ(done.tone, Tone::resolved);
  EXPECT_EQ(fact(done, "Resolved"), "2026-11-21T10:00:00Z");
}

TEST(BuildMessage, UnitsFollowTheMetric) {
  Breach latency = sample_breach();
  latency.metric = Metric::latency_ms;
  latency.actual = 250;
  latency.threshold = 200;
  latency.deviation_percent = 25;
  const BreachView view = message_of(breach_event(EventType::breach_created, latency)).breaches[0];
  EXPECT_EQ(view.actual, "250 ms");
  EXPECT_EQ(view.threshold, "max 200 ms");
  EXPECT_EQ(view.deviation, "25%");

  Breach errors = sample_breach();
  errors.metric = Metric::error_rate;
  errors.actual = 0.0125;
  errors.threshold = 0;
  errors.deviation_percent = std::numeric_limits<double>::infinity();
  const BreachView ratio = message_of(breach_event(EventType::breach_created, errors)).breaches[0];
  EXPECT_EQ(ratio.actual, "0.0125");
  EXPECT_EQ(ratio.threshold, "max 0");
  EXPECT_EQ(ratio.deviation, "+Inf");
}

TEST(BuildMessage, NoDataBreachSaysSo) {
  Breach breach = sample_breach();
  breach.actual.reset();
  breach.deviation_percent.reset();
  const Message message = message_of(breach_event(EventType::breach_created, breach));
  EXPECT_EQ(message.breaches[0].actual, "no data");
  EXPECT_EQ(fact(message, "Deviation"), "<none>");
}

TEST(BuildMessage, ToleratesMissingAndOddFields) {
  const json event = {{"id", 42},
                      {"type", "sla.breach.created"},
                      {"breach", {{"metric", nullptr}, {"threshold", "high"}, {"severity", 7}}},
                      {"policy", "not an object"}};
  const Message message = message_of(event);
  EXPECT_EQ(message.title, "[WARNING] SLA breach opened: (unnamed policy)");
  EXPECT_EQ(message.breaches[0].threshold, "(unknown threshold)");
  EXPECT_EQ(message.breaches[0].actual, "no data");
  EXPECT_EQ(message.breaches[0].scope_text, "(unknown scope)");
  EXPECT_FALSE(message.text().empty());
}

TEST(BuildMessage, ControlCharactersAndBadUtf8AreNeutralised) {
  PolicyRef policy = testing::sample_policy();
  policy.name = "Gold\r\nBcc: evil@example.com \xff";
  const Message message =
      message_of(breach_event(EventType::breach_created, sample_breach(), policy));
  EXPECT_EQ(message.title.find('\n'), std::string::npos);
  EXPECT_EQ(message.title.find('\r'), std::string::npos);
  EXPECT_NE(message.title.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(BuildMessage, RefusesWhatIsNotAnEvent) {
  EXPECT_FALSE(build_message(json::array(), ""));
  const auto no_breach = build_message(json{{"type", "sla.breach.created"}}, "");
  ASSERT_FALSE(no_breach);
  EXPECT_NE(no_breach.error().message.find("malformed event"), std::string::npos);
  EXPECT_FALSE(build_message(json{{"type", "sla.incident.opened"}}, ""));
}

TEST(BuildMessage, ReadsAnIncident) {
  json event = incident_event("sla.incident.opened", 3);
  event["incident"]["breaches"].push_back("garbage");
  const Message message = message_of(event, "https://slamon.example.net");
  EXPECT_TRUE(message.is_incident());
  EXPECT_EQ(message.breaches.size(), 3u);
  EXPECT_EQ(message.unreadable_breaches, 1u);
  EXPECT_EQ(message.title,
            "[CRITICAL] SLA incident opened: 4 breaches (org=0a0b0c0d-0000-4000-8000-000000000001, "
            "site=site-1)");
  EXPECT_EQ(message.tone, Tone::critical);
  EXPECT_EQ(fact(message, "Breaches"), "4");
  const std::string text = message.text();
  EXPECT_NE(text.find("- Policy 1: uptime_percent 97.2% vs min 99.9% (deviation 2.703%), "
                      "critical, site site-1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("- and 1 more\n"), std::string::npos);

  const Message resolved = message_of(incident_event("sla.incident.resolved", 1));
  EXPECT_EQ(resolved.tone, Tone::resolved);
  EXPECT_TRUE(resolved.title.starts_with("[RESOLVED] SLA incident resolved: 1 breach ("));
  EXPECT_EQ(fact(resolved, "Resolved"), "2026-11-21T10:00:00Z");
}

TEST(EventOf, FallsBackToThePayload) {
  Notification notification;
  notification.payload = R"({"id":"x","breach":{}})";
  const auto event = event_of(notification);
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["id"], "x");
  notification.payload = "nonsense";
  EXPECT_FALSE(event_of(notification));
}

TEST(Text, TruncatesOnCharacterBoundaries) {
  EXPECT_EQ(truncate_utf8("short", 10), "short");
  EXPECT_EQ(truncate_utf8("abcdefghij", 6, true), "abc...");
  // "é" is two bytes; a cut inside it backs off to before it.
  EXPECT_EQ(truncate_utf8("a\xC3\xA9"
                          "bcd",
                          5, true),
            "a...");
  EXPECT_EQ(truncate_utf8("\xC3\xA9\xC3\xA9\xC3\xA9", 5, true), "\xC3\xA9...");
  EXPECT_EQ(truncate_utf8("abcdef", 5), "ab\xE2\x80\xA6");
}

TEST(Text, RepairsInvalidUtf8) {
  EXPECT_EQ(valid_utf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(valid_utf8("a\xC3"), "a\xEF\xBF\xBD");
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(Text, Escapes) {
  EXPECT_EQ(single_line("  a\r\nb\t "), "a  b");
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  EXPECT_EQ(slack_escape("<!here> & *bold*"), "&lt;!here&gt; &amp; *bold*");
  EXPECT_EQ(url_encode_component("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
}

TEST(Text, Base64PadsToWholeQuads) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64(std::string("\xff\x00\x10", 3)), "/wAQ");
}

TEST(Text, FormatsNumbersForPeople) {
  EXPECT_EQ(format_number(99.95), "99.95");
  EXPECT_EQ(format_number(250), "250");
  EXPECT_EQ(format_number(0.0012), "0.0012");
  EXPECT_EQ(format_number(2.70270270), "2.703");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(12345678), "12345678");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "+Inf");
}

}  // namespace
}  // namespace slamon::notify
