// The Teams notifier: the Workflows Adaptive Card and the legacy MessageCard it posts, the
// 28 KB bound for large incidents, and 2xx as success.
#include "notify/teams.h"

#include <gtest/gtest.h>

#include <string>

#include "sample_events.h"
#include "support/http_stub.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h
using slamon::testing::HttpStub;
using slamon::testing::StubResponse;

class TeamsTest : public ::testing::Test {
 protected:
  TeamsNotifier notifier(TeamsFormat format) const {
    NotifierConfig config = testing::http_notifier_config(
        "ops-teams", NotifierType::teams,
        stub_.url() + "/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t");
    config.teams_format = format;
    return TeamsNotifier(config, "https://slamon.example.net");
  }

  json posted(TeamsFormat format, const json& event) {
    stub_.enqueue(StubResponse::text(202, ""));
    const DeliveryResult result = notifier(format).send(notification_of(event), test_now());
    EXPECT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
    const auto requests = stub_.requests();
    EXPECT_FALSE(requests.empty());
    if (requests.empty()) return json();
    EXPECT_EQ(requests.back().header("content-type"), "application/json");
    EXPECT_EQ(requests.back().target, "/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t");
    last_size_ = requests.back().body.size();
    return json::parse(requests.back().body);
  }

  HttpStub stub_;
  std::size_t last_size_ = 0;
};

const json* find_fact(const json& facts, const std::string& key_name, const std::string& key) {
  for (const json& fact : facts) {
    if (fact[key_name] == key) return &fact;
  }
  return nullptr;
}

TEST_F(TeamsTest, AdaptiveCardIsAWorkflowsMessage) {
  const json body = posted(TeamsFormat::adaptive_card, breach_event(EventType::breach_created));
  EXPECT_EQ(body["type"], "message");
  ASSERT_EQ(body["attachments"].size(), 1u);
  const json& attachment = body["attachments"][0];
  EXPECT_EQ(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
  const json& card = attachment["content"];
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["version"], "1.4");
  const json& header = card["body"][0];
  EXPECT_EQ(header["style"], "attention");
  EXPECT_EQ(header["items"][0]["text"], "[CRITICAL] SLA breach opened: Gold uptime");
  EXPECT_EQ(header["items"][0]["color"], "Attention");
  const json& facts = card["body"][1]["facts"];
  ASSERT_NE(find_fact(facts, "title", "Policy"), nullptr);
  EXPECT_EQ((*find_fact(facts, "title", "Policy"))["value"], "Gold uptime");
  EXPECT_EQ((*find_fact(facts, "title", "Actual"))["value"], "97.2%");
  EXPECT_EQ((*find_fact(facts, "title", "Threshold"))["value"], "min 99.9%");
  EXPECT_EQ((*find_fact(facts, "title", "Scope"))["value"], "site site-1");
  ASSERT_EQ(card["actions"].size(), 2u);
  EXPECT_EQ(card["actions"][0]["url"], "https://slamon.example.net");
  EXPECT_EQ(card["actions"][1]["url"],
            "https://slamon.example.net/api/v1/sla/breaches?policy_id="
            "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd");
}

TEST_F(TeamsTest, MessageCardHasThemeColourAndFacts) {
  const json body = posted(TeamsFormat::message_card, breach_event(EventType::breach_created));
  EXPECT_EQ(body["@type"], "MessageCard");
  EXPECT_EQ(body["themeColor"], "D50000");
  EXPECT_EQ(body["title"], "[CRITICAL] SLA breach opened: Gold uptime");
  EXPECT_EQ(body["summary"], body["title"]);
  const json& facts = body["sections"][0]["facts"];
  ASSERT_NE(find_fact(facts, "name", "Deviation"), nullptr);
  EXPECT_EQ((*find_fact(facts, "name", "Deviation"))["value"], "2.703%");
  EXPECT_EQ(body["potentialAction"][0]["@type"], "OpenUri");
  EXPECT_EQ(body["potentialAction"][0]["targets"][0]["uri"], "https://slamon.example.net");
}

TEST_F(TeamsTest, ResolvedIsGreen) {
  Breach resolved = testing::sample_breach();
  resolved.status = BreachStatus::resolved;
  resolved.resolved_at = test_now();
  const json event = breach_event(EventType::breach_resolved, resolved);
  EXPECT_EQ(posted(TeamsFormat::message_card, event)["themeColor"], "2E7D32");
  EXPECT_EQ(
      posted(TeamsFormat::adaptive_card, event)["attachments"][0]["content"]["body"][0]["style"],
      "good");
}

TEST_F(TeamsTest, HugeIncidentStaysUnder28KilobytesInBothFormats) {
  const json event = incident_event("sla.incident.opened", 2000);
  for (const TeamsFormat format : {TeamsFormat::adaptive_card, TeamsFormat::message_card}) {
    const json body = posted(format, event);
    EXPECT_LT(last_size_, 28u * 1024u);
    const std::string text = body.dump();
    EXPECT_NE(text.find("Policy 0"), std::string::npos) << "the first breaches are listed";
    EXPECT_NE(text.find("Policy 20"), std::string::npos) << "as many as fit are listed";
    EXPECT_EQ(text.find("Policy 1999"), std::string::npos) << "the last ones are not";
    const auto more = text.find(" more\"");
    ASSERT_NE(more, std::string::npos);
    const auto and_at = text.rfind("and ", more);
    const int counted = std::stoi(text.substr(and_at + 4, more - and_at - 4));
    EXPECT_GT(counted, 0);
    EXPECT_LT(counted, 2000);
    // Every breach is either listed or counted.
    std::size_t listed = 0;
    for (auto at = text.find("Policy "); at != std::string::npos;
         at = text.find("Policy ", at + 1)) {
      ++listed;
    }
    EXPECT_EQ(listed + static_cast<std::size_t>(counted), 2000u);
  }
}

TEST_F(TeamsTest, SmallIncidentListsEveryBreach) {
  const json body = posted(TeamsFormat::adaptive_card, incident_event("sla.incident.opened", 3));
  const std::string text = body.dump();
  EXPECT_NE(text.find("[CRITICAL] SLA incident opened: 3 breaches (org="), std::string::npos);
  EXPECT_NE(text.find("Policy 2: uptime_percent 97.2% vs min 99.9%"), std::string::npos);
  EXPECT_EQ(text.find(" more\""), std::string::npos);
}

TEST_F(TeamsTest, AnyTwoHundredIsDelivered) {
  stub_.enqueue(StubResponse::text(200, "1"));
  EXPECT_EQ(notifier(TeamsFormat::message_card)
                .send(notification_of(breach_event(EventType::breach_created)), test_now())
                .outcome,
            DeliveryOutcome::delivered);
}

}  // namespace
}  // namespace slamon::notify
