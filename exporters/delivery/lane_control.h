// The policy of the delivery worker (SPEC §9.3) and the controls each notifier's lane applies
// before and after an attempt: the retry delay (exponential backoff with full jitter, never
// shorter than a capped Retry-After), a token bucket that keeps a notifier under its rate
// limit, and a circuit breaker that stops hammering an endpoint that keeps failing.
// Pure logic on times the caller passes in. TokenBucket and CircuitBreaker are not
// thread-safe (each lane owns its own and uses them under its lock); random_jitter() is.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "common/clock.h"

namespace slamon::delivery {

// Draws a duration uniformly from [0, upper]. Injected so tests are deterministic.
using JitterSource = std::function<std::chrono::milliseconds(std::chrono::milliseconds upper)>;

// A JitterSource over a 64-bit Mersenne Twister seeded from std::random_device; thread-safe.
JitterSource random_jitter();

struct DeliveryPolicy {
  // After the n-th failed attempt the next one waits uniform [0, min(cap, base * 2^(n-1))].
  std::chrono::milliseconds backoff_base{std::chrono::seconds(1)};
  std::chrono::milliseconds backoff_cap{std::chrono::minutes(10)};
  // A receiver's Retry-After is honoured up to this long.
  std::chrono::milliseconds retry_after_cap{std::chrono::hours(1)};
  // Consecutive failed attempts (retry outcomes) that open a notifier's circuit; it then
  // pauses for the cool-down, probes once, and doubles the cool-down on each failed probe.
  int breaker_threshold = 5;
  std::chrono::milliseconds breaker_cooldown{std::chrono::seconds(30)};
  std::chrono::milliseconds breaker_max_cooldown{std::chrono::minutes(5)};
  int route_batch = 256;    // outbox events routed per transaction
  int delivery_batch = 64;  // due deliveries a lane reads per pass
  // How long an idle worker thread sleeps when nothing wakes it (a fallback to wake()).
  std::chrono::milliseconds poll_interval{std::chrono::seconds(5)};
  JitterSource jitter;  // empty: random_jitter()
};

// The upper bound of the backoff after `failed_attempts` (>= 1) failed attempts.
std::chrono::milliseconds backoff_bound(const DeliveryPolicy& policy, int failed_attempts);

// The delay before the next attempt after `failed_attempts` failed ones: a jittered backoff,
// but never less than `retry_after` capped at policy.retry_after_cap.
std::chrono::milliseconds retry_delay(const DeliveryPolicy& policy, const JitterSource& jitter,
                                      int failed_attempts,
                                      std::optional<std::chrono::milliseconds> retry_after);

// The rate limit of a notifier (notify::effective_rate_limit): `rate` tokens per second, holding at
// most max(1, rate) (one second's worth) so a burst after a quiet spell stays short. Starts full.
class TokenBucket {
 public:
  explicit TokenBucket(double rate_per_second);
  void set_rate(double rate_per_second);
  double rate() const { return rate_; }
  // Takes a token when one is available at `now`.
  bool try_take(WallTime now);
  // When the next token is available (`now` when one is).
  WallTime next_token_at(WallTime now);
  // Whole tokens available at `now`: how many attempts may go without waiting.
  int available(WallTime now);

 private:
  void refill(WallTime now);

  double rate_;
  double capacity_;
  double tokens_;
  std::optional<WallTime> refilled_at_;
};

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };

  CircuitBreaker(int threshold, std::chrono::milliseconds cooldown,
                 std::chrono::milliseconds max_cooldown);

  // Whether an attempt may start at `now`. An open circuit whose cool-down has passed turns
  // half-open and allows exactly one attempt, the probe, until its outcome is recorded.
  bool allow(WallTime now);
  // The probe allowed by allow() was not made after all (e.g. the rate limit held it back):
  // the next allow() may grant it again.
  void cancel_probe();
  // When the circuit would let an attempt through: nullopt when closed or probing, else the
  // end of the cool-down.
  std::optional<WallTime> blocked_until() const;
  // The endpoint answered (delivered, or refused for good): the circuit closes. True when it
  // was not closed before.
  bool record_success();
  // An attempt failed in a way worth retrying. True when this opened the circuit.
  bool record_failure(WallTime now);

  State state() const { return state_; }
  std::chrono::milliseconds cooldown() const { return cooldown_; }

 private:
  int threshold_;
  std::chrono::milliseconds base_cooldown_;
  std::chrono::milliseconds max_cooldown_;
  std::chrono::milliseconds cooldown_;
  State state_ = State::closed;
  int consecutive_failures_ = 0;
  WallTime open_until_{};
};

std::string_view to_string(CircuitBreaker::State state);

}  // namespace slamon::delivery
