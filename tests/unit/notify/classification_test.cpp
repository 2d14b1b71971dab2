// The shared outcome classification (SPEC §9.3) as every HTTP notifier applies it, against a
// real HTTP server on loopback: 2xx delivered; 503 and 429 retried (Retry-After honoured); 400
// dead; a hang past the timeout and a dropped connection retried; no detail names the URL or
// a secret.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "notify/factory.h"
#include "sample_events.h"
#include "support/http_stub.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h
using slamon::testing::HttpStub;
using slamon::testing::StubResponse;
using std::chrono::milliseconds;

constexpr std::string_view kPathSecret = "s3cr3tT0ken";
constexpr std::string_view kSigningSecret = "whsec_c2lnbmluZy1zZWNyZXQtZm9yLXRlc3Rz";

class Classification : public ::testing::TestWithParam<NotifierType> {
 protected:
  void SetUp() override {
    NotifierConfig config;
    config.name = "ops-" + std::string(to_string(GetParam()));
    config.type = GetParam();
    config.url = stub_.url() + "/hooks/T0001/B0002/" + std::string(kPathSecret);
    config.secret = std::string(kSigningSecret);
    config.timeout = milliseconds(300);
    auto made =
        make_notifier(config, NotifierOptions{.external_url = "https://slamon.example.net/"});
    ASSERT_TRUE(made) << made.error().message;
    notifier_ = std::move(*made);
  }

  DeliveryResult send_once() {
    return notifier_->send(notification_of(breach_event(EventType::breach_created)), test_now());
  }

  // What a 2xx that counts as success looks like for this type.
  StubResponse success() const {
    return GetParam() == NotifierType::slack ? StubResponse::text(200, "ok")
                                             : StubResponse::text(200, "");
  }

  void expect_no_secret(const DeliveryResult& result) const {
    EXPECT_EQ(result.detail.find(stub_.url()), std::string::npos) << result.detail;
    EXPECT_EQ(result.detail.find(kPathSecret), std::string::npos) << result.detail;
    EXPECT_EQ(result.detail.find("/hooks/"), std::string::npos) << result.detail;
    EXPECT_EQ(result.detail.find(kSigningSecret), std::string::npos) << result.detail;
  }

  HttpStub stub_;
  std::unique_ptr<Notifier> notifier_;
};

TEST_P(Classification, SuccessIsDelivered) {
  stub_.enqueue(success());
  const DeliveryResult result = send_once();
  EXPECT_EQ(result.outcome, DeliveryOutcome::delivered) << result.detail;
  EXPECT_EQ(stub_.request_count(), 1u);
}

TEST_P(Classification, ServiceUnavailableIsRetried) {
  stub_.enqueue(StubResponse::text(503, "busy"));
  const DeliveryResult result = send_once();
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_TRUE(result.detail.starts_with("HTTP 503")) << result.detail;
  EXPECT_FALSE(result.retry_after.has_value());
  expect_no_secret(result);
}

TEST_P(Classification, TooManyRequestsHonoursRetryAfter) {
  auto answer = StubResponse::text(429, "slow down");
  answer.headers.emplace_back("Retry-After", "2");
  stub_.enqueue(answer);
  const DeliveryResult result = send_once();
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  ASSERT_TRUE(result.retry_after.has_value());
  EXPECT_EQ(*result.retry_after, milliseconds(2000));
  EXPECT_TRUE(result.detail.starts_with("HTTP 429")) << result.detail;
}

TEST_P(Classification, BadRequestIsDead) {
  stub_.enqueue(StubResponse::text(400, "invalid_payload"));
  const DeliveryResult result = send_once();
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_EQ(result.detail, "HTTP 400: invalid_payload");
  expect_no_secret(result);
}

TEST_P(Classification, AnswerEchoingTheUrlIsRedacted) {
  stub_.enqueue(StubResponse::text(
      404, "no hook at " + stub_.url() + "/hooks/T0001/B0002/" + std::string(kPathSecret)));
  const DeliveryResult result = send_once();
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_TRUE(result.detail.starts_with("HTTP 404: no hook at <redacted>")) << result.detail;
  expect_no_secret(result);
}

TEST_P(Classification, HangPastTheTimeoutIsRetried) {
  stub_.enqueue(StubResponse::hang_for(std::chrono::seconds(10)));
  const DeliveryResult result = send_once();
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_NE(result.detail.find("timed out after 0.3 s"), std::string::npos) << result.detail;
  expect_no_secret(result);
}

TEST_P(Classification, DroppedConnectionIsRetried) {
  stub_.enqueue(StubResponse::drop());
  const DeliveryResult result = send_once();
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_FALSE(result.detail.empty());
  expect_no_secret(result);
}

TEST_P(Classification, MalformedEventIsDeadWithoutARequest) {
  if (GetParam() == NotifierType::webhook) {
    GTEST_SKIP() << "the webhook forwards the stored payload as it is; see webhook_test";
  }
  Notification notification;
  notification.event_id = "6a1f4a52-7c7a-4f57-8a36-0f7d1f0b9e11";
  notification.payload = "[1, 2";
  const DeliveryResult result = notifier_->send(notification, test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_NE(result.detail.find("malformed event"), std::string::npos) << result.detail;
  EXPECT_EQ(stub_.request_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(HttpNotifiers, Classification,
                         ::testing::Values(NotifierType::slack, NotifierType::teams,
                                           NotifierType::webhook, NotifierType::alertmanager),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace slamon::notify
