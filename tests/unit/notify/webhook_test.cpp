// The webhook notifier: the stored payload byte for byte, Standard Webhooks headers and
// signature (checked here with OpenSSL directly and against the specification's example),
// extra headers, and the same webhook-id on every attempt.
#include "notify/webhook.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <string>

#include "sample_events.h"
#include "support/http_stub.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h
using slamon::testing::HttpStub;
using slamon::testing::StubResponse;

// The secret of the Standard Webhooks specification's example.
constexpr std::string_view kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::string base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()),
                                   static_cast<int>(text.size()));
  EXPECT_GE(size, 0);
  std::size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  out.resize(static_cast<std::size_t>(size) - padding);
  return out;
}

// HMAC-SHA256 of `signed_content` under `key`, base64: computed here without the notifier.
std::string expected_signature(const std::string& key, const std::string& signed_content) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(),
       digest.data(), &size);
  std::array<unsigned char, 128> encoded{};
  const int length = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(size));
  return "v1," + std::string(reinterpret_cast<const char*>(encoded.data()),
                             static_cast<std::size_t>(length));
}

NotifierConfig webhook_config(const HttpStub& stub, std::string secret) {
  NotifierConfig config = testing::http_notifier_config("itsm", NotifierType::webhook,
                                                        stub.url() + "/hook?token=s3cr3t");
  config.secret = std::move(secret);
  return config;
}

TEST(WebhookSignature, MatchesTheSpecificationExample) {
  const auto key = webhook_signing_key(kSpecSecret);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(webhook_signature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                              R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSigningKey, RawSecretIsUsedAsBytes) {
  EXPECT_EQ(webhook_signing_key("plain secret").value(), "plain secret");
}

TEST(WebhookSigningKey, BadWhsecIsRefusedWithoutQuotingIt) {
  const auto key = webhook_signing_key("whsec_not*base64!");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().message.find("not*base64"), std::string::npos);
}

TEST(WebhookHeaders, ReservedNamesAreRecognisedInAnyCase) {
  EXPECT_TRUE(is_reserved_webhook_header("Webhook-Signature"));
  EXPECT_TRUE(is_reserved_webhook_header("content-type"));
  EXPECT_TRUE(is_reserved_webhook_header("WEBHOOK-ID"));
  EXPECT_FALSE(is_reserved_webhook_header("X-Api-Key"));
}

TEST(WebhookNotifier, PostsThePayloadSignedPerStandardWebhooks) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(204, ""));
  NotifierConfig config = webhook_config(stub, std::string(kSpecSecret));
  config.headers = {{"X-Api-Key", "key-123456"}, {"Webhook-Id", "forged"}};
  WebhookNotifier notifier(config);
  // The payload exactly as stored: its spacing must survive, not be re-serialised.
  Notification notification = notification_of(breach_event(EventType::breach_created));
  notification.payload = notification.event.dump(2);

  const DeliveryResult result = notifier.send(notification, test_now());
  ASSERT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  ASSERT_EQ(stub.request_count(), 1u);
  const auto request = stub.requests().front();
  EXPECT_EQ(request.target, "/hook?token=s3cr3t");
  EXPECT_EQ(request.body, notification.payload);
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header("webhook-id"), notification.event_id);
  EXPECT_EQ(request.header("webhook-timestamp"), "1795255200");
  EXPECT_EQ(request.header("x-api-key"), "key-123456");

  const std::string key = base64_decode(kSpecSecret.substr(6));
  EXPECT_EQ(request.header("webhook-signature"),
            expected_signature(key, notification.event_id + ".1795255200." + request.body));
}

TEST(WebhookNotifier, RawSecretSignsWithItsBytes) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(200, ""));
  WebhookNotifier notifier(webhook_config(stub, "raw-secret"));
  const Notification notification = notification_of(breach_event(EventType::breach_resolved));
  ASSERT_EQ(notifier.send(notification, test_now()).outcome, DeliveryOutcome::delivered);
  const auto request = stub.requests().front();
  EXPECT_EQ(request.header("webhook-signature"),
            expected_signature("raw-secret",
                               notification.event_id + ".1795255200." + notification.payload));
}

TEST(WebhookNotifier, NoSecretMeansNoSignature) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(200, ""));
  WebhookNotifier notifier(webhook_config(stub, ""));
  ASSERT_EQ(
      notifier.send(notification_of(breach_event(EventType::breach_created)), test_now()).outcome,
      DeliveryOutcome::delivered);
  const auto request = stub.requests().front();
  EXPECT_EQ(request.header("webhook-signature"), "");
  EXPECT_FALSE(request.header("webhook-id").empty());
}

TEST(WebhookNotifier, RetryKeepsTheIdAndMovesTheTimestamp) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(503, ""));
  stub.enqueue(StubResponse::text(200, ""));
  WebhookNotifier notifier(webhook_config(stub, "raw-secret"));
  const Notification notification = notification_of(breach_event(EventType::breach_created));
  EXPECT_EQ(notifier.send(notification, test_now()).outcome, DeliveryOutcome::retry);
  EXPECT_EQ(notifier.send(notification, test_now() + std::chrono::seconds(30)).outcome,
            DeliveryOutcome::delivered);
  const auto requests = stub.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("webhook-id"), notification.event_id);
  EXPECT_EQ(requests[1].header("webhook-id"), notification.event_id);
  EXPECT_EQ(requests[0].header("webhook-timestamp"), "1795255200");
  EXPECT_EQ(requests[1].header("webhook-timestamp"), "1795255230");
  EXPECT_NE(requests[0].header("webhook-signature"), requests[1].header("webhook-signature"));
}

TEST(WebhookNotifier, IdComesFromTheEventWhenTheNotificationHasNone) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(200, ""));
  WebhookNotifier notifier(webhook_config(stub, ""));
  Notification notification = notification_of(breach_event(EventType::breach_created));
  const std::string id = notification.event_id;
  notification.event_id.clear();
  ASSERT_EQ(notifier.send(notification, test_now()).outcome, DeliveryOutcome::delivered);
  EXPECT_EQ(stub.requests().front().header("webhook-id"), id);
}

TEST(WebhookNotifier, EventWithoutAnIdIsDead) {
  HttpStub stub;
  WebhookNotifier notifier(webhook_config(stub, ""));
  Notification notification;
  notification.payload = R"({"type":"sla.breach.created"})";
  const DeliveryResult result = notifier.send(notification, test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_NE(result.detail.find("no event id"), std::string::npos);
  EXPECT_EQ(stub.request_count(), 0u);
}

TEST(WebhookNotifier, SecretsStayOutOfDetails) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(401, "bad key key-123456 for /hook?token=s3cr3t"));
  NotifierConfig config = webhook_config(stub, "raw-secret-value");
  config.headers = {{"X-Api-Key", "key-123456"}};
  WebhookNotifier notifier(config);
  const DeliveryResult result =
      notifier.send(notification_of(breach_event(EventType::breach_created)), test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_EQ(result.detail.find("key-123456"), std::string::npos) << result.detail;
  EXPECT_EQ(result.detail.find("s3cr3t"), std::string::npos) << result.detail;
}

}  // namespace
}  // namespace slamon::notify
