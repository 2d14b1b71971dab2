// The Slack notifier: the webhook JSON it posts (text, blocks, severity colour, links) and
// Slack's own success rule (200 with the body "ok").
#include "notify/slack.h"

#include <gtest/gtest.h>

#include <string>

#include "notify/factory.h"
#include "sample_events.h"
#include "support/http_stub.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h
using slamon::testing::HttpStub;
using slamon::testing::StubResponse;

class SlackTest : public ::testing::Test {
 protected:
  SlackNotifier notifier() const {
    return SlackNotifier(testing::http_notifier_config("ops-slack", NotifierType::slack,
                                                       stub_.url() + "/services/T0/B0/s3cr3t"),
                         "https://slamon.example.net");
  }

  json posted(const json& event) {
    stub_.enqueue(StubResponse::text(200, "ok"));
    const DeliveryResult result = notifier().send(notification_of(event), test_now());
    EXPECT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
    const auto requests = stub_.requests();
    EXPECT_FALSE(requests.empty());
    if (requests.empty()) return json();
    const auto& request = requests.back();
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.path, "/services/T0/B0/s3cr3t");
    EXPECT_EQ(request.header("content-type"), "application/json");
    return json::parse(request.body);
  }

  HttpStub stub_;
};

TEST_F(SlackTest, PostsTextBlocksAndAColouredAttachment) {
  const json body = posted(breach_event(EventType::breach_created));
  ASSERT_TRUE(body["text"].is_string());
  EXPECT_NE(body["text"].get<std::string>().find("[CRITICAL] SLA breach opened: Gold uptime"),
            std::string::npos);
  ASSERT_TRUE(body["blocks"].is_array());
  EXPECT_EQ(body["blocks"][0]["type"], "header");
  EXPECT_EQ(body["blocks"][0]["text"]["text"], "[CRITICAL] SLA breach opened: Gold uptime");

  const json& attachment = body["attachments"][0];
  EXPECT_EQ(attachment["color"], "#D50000");
  const std::string blocks = attachment["blocks"].dump();
  EXPECT_NE(blocks.find("*Policy*\\nGold uptime"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("*Scope*\\nsite site-1"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("*Actual*\\n97.2%"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("*Threshold*\\nmin 99.9%"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("*Deviation*\\n2.703%"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("*Status*\\nactive"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("<https://slamon.example.net|Open slamon>"), std::string::npos);
  EXPECT_NE(blocks.find("<https://slamon.example.net/api/v1/sla/breaches?policy_id="
                        "9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd|Breaches of this policy>"),
            std::string::npos)
      << blocks;
}

TEST_F(SlackTest, ColourFollowsSeverityAndState) {
  Breach warning = sample_breach();
  warning.severity = Severity::warning;
  warning.peak_severity = Severity::warning;
  EXPECT_EQ(posted(breach_event(EventType::breach_created, warning))["attachments"][0]["color"],
            "#FFA000");

  Breach acknowledged = sample_breach();
  acknowledged.status = BreachStatus::acknowledged;
  acknowledged.acknowledged_by = "alice";
  EXPECT_EQ(
      posted(breach_event(EventType::breach_acknowledged, acknowledged))["attachments"][0]["color"],
      "#1E88E5");

  Breach resolved = sample_breach();
  resolved.status = BreachStatus::resolved;
  resolved.resolved_at = test_now();
  const json body = posted(breach_event(EventType::breach_resolved, resolved));
  EXPECT_EQ(body["attachments"][0]["color"], "#2E7D32");
  EXPECT_EQ(body["blocks"][0]["text"]["text"], "[RESOLVED] SLA breach resolved: Gold uptime");
}

TEST_F(SlackTest, EscapesMarkupInNames) {
  PolicyRef policy = testing::sample_policy();
  policy.name = "<!channel> & friends";
  const json body = posted(breach_event(EventType::breach_created, sample_breach(), policy));
  const std::string blocks = body["attachments"][0]["blocks"].dump();
  EXPECT_EQ(blocks.find("<!channel>"), std::string::npos) << blocks;
  EXPECT_NE(blocks.find("&lt;!channel&gt; &amp; friends"), std::string::npos) << blocks;
}

TEST_F(SlackTest, IncidentListsBreachesWithinSlackLimits) {
  const json body = posted(incident_event("sla.incident.opened", 500));
  EXPECT_EQ(body["blocks"][0]["text"]["text"].get<std::string>().substr(0, 40),
            "[CRITICAL] SLA incident opened: 500 brea");
  const json& blocks = body["attachments"][0]["blocks"];
  EXPECT_LE(blocks.size(), 50u);
  for (const json& block : blocks) {
    if (block.contains("text")) {
      EXPECT_LE(block["text"]["text"].get<std::string>().size(), 3000u);
    }
  }
  const std::string dumped = blocks.dump();
  EXPECT_NE(dumped.find("Policy 0: uptime_percent 97.2% vs min 99.9%"), std::string::npos);
  EXPECT_NE(dumped.find(" more\""), std::string::npos) << "the rest is counted";
}

TEST_F(SlackTest, OkStatusWithAnotherBodyIsDead) {
  stub_.enqueue(StubResponse::text(200, "invalid_blocks " + std::string(400, 'x')));
  const DeliveryResult result =
      notifier().send(notification_of(breach_event(EventType::breach_created)), test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_TRUE(result.detail.starts_with("HTTP 200 without \"ok\": invalid_blocks"))
      << result.detail;
  EXPECT_LT(result.detail.size(), 260u) << "the body is truncated";
  EXPECT_EQ(result.detail.find("s3cr3t"), std::string::npos);
}

TEST_F(SlackTest, OkStatusWithEmptyBodyIsDead) {
  stub_.enqueue(StubResponse::text(200, ""));
  const DeliveryResult result =
      notifier().send(notification_of(breach_event(EventType::breach_created)), test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
}

TEST_F(SlackTest, NonOkStatusFollowsTheSharedClassification) {
  stub_.enqueue(StubResponse::text(404, "no_service"));
  const DeliveryResult result =
      notifier().send(notification_of(breach_event(EventType::breach_created)), test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_EQ(result.detail, "HTTP 404: no_service");
}

}  // namespace
}  // namespace slamon::notify
