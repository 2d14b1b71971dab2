#include "delivery/lane_control.h"

#include <gtest/gtest.h>

#include "notify/factory.h"

namespace slamon::delivery {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const WallTime kT0 = WallTime{seconds(1'790'000'000)};

JitterSource always(double fraction) {
  return [fraction](milliseconds upper) {
    return milliseconds{static_cast<long long>(static_cast<double>(upper.count()) * fraction)};
  };
}

TEST(Backoff, DoublesFromTheBaseUpToTheCap) {
  DeliveryPolicy policy;
  EXPECT_EQ(backoff_bound(policy, 1), seconds(1));
  EXPECT_EQ(backoff_bound(policy, 2), seconds(2));
  EXPECT_EQ(backoff_bound(policy, 3), seconds(4));
  EXPECT_EQ(backoff_bound(policy, 10), seconds(512));
  EXPECT_EQ(backoff_bound(policy, 11), minutes(10));
  EXPECT_EQ(backoff_bound(policy, 1000), minutes(10)) << "no overflow after many attempts";
}

TEST(Backoff, FullJitterStaysWithinTheBound) {
  DeliveryPolicy policy;
  const JitterSource jitter = random_jitter();
  bool saw_below_half = false;
  bool saw_above_half = false;
  for (int i = 0; i < 200; ++i) {
    const milliseconds delay = retry_delay(policy, jitter, 3, std::nullopt);
    ASSERT_GE(delay, milliseconds::zero());
    ASSERT_LE(delay, seconds(4));
    saw_below_half |= delay < seconds(2);
    saw_above_half |= delay > seconds(2);
  }
  EXPECT_TRUE(saw_below_half && saw_above_half) << "the delay is spread over the range";
}

TEST(Backoff, AJitterSourceOutOfRangeIsClamped) {
  DeliveryPolicy policy;
  EXPECT_EQ(retry_delay(policy, always(3.0), 1, std::nullopt), seconds(1));
  EXPECT_EQ(retry_delay(policy, always(-1.0), 1, std::nullopt), milliseconds::zero());
}

TEST(Backoff, RetryAfterIsALowerBoundCappedByPolicy) {
  DeliveryPolicy policy;
  EXPECT_EQ(retry_delay(policy, always(0.5), 1, seconds(30)), seconds(30));
  EXPECT_EQ(retry_delay(policy, always(1.0), 12, seconds(30)), minutes(10))
      << "a backoff longer than Retry-After wins";
  EXPECT_EQ(retry_delay(policy, always(0), 1, hours(5)), hours(1));
  policy.retry_after_cap = minutes(2);
  EXPECT_EQ(retry_delay(policy, always(0), 1, hours(5)), minutes(2));
}

TEST(RateDefaults, FollowTheNotifierType) {
  NotifierConfig config;
  config.type = NotifierType::slack;
  EXPECT_EQ(notify::effective_rate_limit(config), 1);
  config.type = NotifierType::teams;
  EXPECT_EQ(notify::effective_rate_limit(config), 4);
  config.type = NotifierType::webhook;
  EXPECT_EQ(notify::effective_rate_limit(config), 10);
  config.rate_limit = 2.5;
  EXPECT_EQ(notify::effective_rate_limit(config), 2.5);
}

TEST(TokenBucketTest, AllowsABurstOfOneSecondThenTheRate) {
  TokenBucket bucket(4);
  int sent = 0;
  while (bucket.try_take(kT0)) ++sent;
  EXPECT_EQ(sent, 4);
  EXPECT_EQ(bucket.next_token_at(kT0), kT0 + milliseconds(250));
  EXPECT_FALSE(bucket.try_take(kT0 + milliseconds(249)));
  EXPECT_TRUE(bucket.try_take(kT0 + milliseconds(250)));
  // Over the following second, sampled every 10 ms: exactly the rate.
  int in_second = 0;
  for (int ms = 260; ms <= 1250; ms += 10) {
    while (bucket.try_take(kT0 + milliseconds(ms))) ++in_second;
  }
  EXPECT_EQ(in_second, 4);
}

TEST(TokenBucketTest, BelowOnePerSecondHoldsOneToken) {
  TokenBucket bucket(0.5);
  EXPECT_TRUE(bucket.try_take(kT0));
  EXPECT_FALSE(bucket.try_take(kT0 + seconds(1)));
  EXPECT_EQ(bucket.next_token_at(kT0 + seconds(1)), kT0 + seconds(2));
  EXPECT_TRUE(bucket.try_take(kT0 + seconds(2)));
}

TEST(TokenBucketTest, AClockSteppingBackAddsNothing) {
  TokenBucket bucket(1);
  EXPECT_TRUE(bucket.try_take(kT0));
  EXPECT_FALSE(bucket.try_take(kT0 - hours(1)));
  EXPECT_FALSE(bucket.try_take(kT0 - hours(1) + milliseconds(500)));
  EXPECT_TRUE(bucket.try_take(kT0 - hours(1) + seconds(1)));
}

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndProbesOnce) {
  CircuitBreaker breaker(3, seconds(30), minutes(5));
  EXPECT_TRUE(breaker.allow(kT0));
  EXPECT_FALSE(breaker.record_failure(kT0));
  EXPECT_FALSE(breaker.record_failure(kT0));
  EXPECT_TRUE(breaker.record_failure(kT0));
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::open);
  EXPECT_EQ(breaker.blocked_until(), kT0 + seconds(30));
  EXPECT_FALSE(breaker.allow(kT0 + seconds(29)));

  EXPECT_TRUE(breaker.allow(kT0 + seconds(30)));
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::half_open);
  EXPECT_FALSE(breaker.allow(kT0 + seconds(30))) << "one probe at a time";
  EXPECT_TRUE(breaker.record_failure(kT0 + seconds(31)));
  EXPECT_EQ(breaker.blocked_until(), kT0 + seconds(91)) << "the cool-down doubles";

  EXPECT_TRUE(breaker.allow(kT0 + seconds(91)));
  EXPECT_TRUE(breaker.record_success());
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::closed);
  EXPECT_EQ(breaker.cooldown(), seconds(30));
  EXPECT_FALSE(breaker.record_failure(kT0 + seconds(92))) << "the count starts again";
}

TEST(CircuitBreakerTest, CoolDownDoublesUpToTheMaximum) {
  CircuitBreaker breaker(1, seconds(30), minutes(5));
  WallTime now = kT0;
  breaker.record_failure(now);
  std::vector<milliseconds> cooldowns{breaker.cooldown()};
  for (int i = 0; i < 6; ++i) {
    now = *breaker.blocked_until();
    ASSERT_TRUE(breaker.allow(now));
    breaker.record_failure(now);
    cooldowns.push_back(breaker.cooldown());
  }
  EXPECT_EQ(cooldowns,
            (std::vector<milliseconds>{seconds(30), seconds(60), seconds(120), seconds(240),
                                       minutes(5), minutes(5), minutes(5)}));
}

TEST(CircuitBreakerTest, ACancelledProbeMayBeTakenAgain) {
  CircuitBreaker breaker(1, seconds(30), minutes(5));
  breaker.record_failure(kT0);
  ASSERT_TRUE(breaker.allow(kT0 + seconds(30)));
  breaker.cancel_probe();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::open);
  EXPECT_TRUE(breaker.allow(kT0 + seconds(30)));
}

TEST(CircuitBreakerTest, SuccessResetsTheFailureCount) {
  CircuitBreaker breaker(2, seconds(30), minutes(5));
  EXPECT_FALSE(breaker.record_failure(kT0));
  EXPECT_FALSE(breaker.record_success());
  EXPECT_FALSE(breaker.record_failure(kT0));
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::closed);
}

}  // namespace
}  // namespace slamon::delivery
