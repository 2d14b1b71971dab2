#include "delivery/lane_control.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>

namespace slamon::delivery {

using std::chrono::milliseconds;

JitterSource random_jitter() {
  struct State {
    std::mutex mutex;
    std::mt19937_64 engine{std::random_device{}()};
  };
  auto state = std::make_shared<State>();
  return [state](milliseconds upper) {
    if (upper <= milliseconds::zero()) return milliseconds::zero();
    std::uniform_int_distribution<long long> uniform(0, upper.count());
    std::lock_guard lock(state->mutex);
    return milliseconds{uniform(state->engine)};
  };
}

milliseconds backoff_bound(const DeliveryPolicy& policy, int failed_attempts) {
  const int doublings = std::clamp(failed_attempts - 1, 0, 40);
  const milliseconds cap = std::max(policy.backoff_cap, milliseconds::zero());
  milliseconds bound = std::max(policy.backoff_base, milliseconds::zero());
  for (int i = 0; i < doublings && bound < cap; ++i) bound *= 2;
  return std::min(bound, cap);
}

milliseconds retry_delay(const DeliveryPolicy& policy, const JitterSource& jitter,
                         int failed_attempts, std::optional<milliseconds> retry_after) {
  const milliseconds bound = backoff_bound(policy, failed_attempts);
  milliseconds delay = std::clamp(jitter(bound), milliseconds::zero(), bound);
  if (retry_after && *retry_after > milliseconds::zero()) {
    delay = std::max(delay, std::min(*retry_after, policy.retry_after_cap));
  }
  return delay;
}

// ---- TokenBucket ----------------------------------------------------------------------------

TokenBucket::TokenBucket(double rate_per_second)
    : rate_(rate_per_second > 0 ? rate_per_second : 1),
      capacity_(std::max(1.0, rate_)),
      tokens_(capacity_) {}

void TokenBucket::set_rate(double rate_per_second) {
  if (rate_per_second <= 0 || rate_per_second == rate_) return;
  rate_ = rate_per_second;
  capacity_ = std::max(1.0, rate_);
  tokens_ = std::min(tokens_, capacity_);
}

void TokenBucket::refill(WallTime now) {
  // A wall clock that steps back adds nothing; the bucket simply refills from the new time.
  if (refilled_at_ && now > *refilled_at_) {
    const double seconds = std::chrono::duration<double>(now - *refilled_at_).count();
    tokens_ = std::min(capacity_, tokens_ + seconds * rate_);
  }
  refilled_at_ = now;
}

bool TokenBucket::try_take(WallTime now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

int TokenBucket::available(WallTime now) {
  refill(now);
  return static_cast<int>(tokens_);
}

WallTime TokenBucket::next_token_at(WallTime now) {
  refill(now);
  if (tokens_ >= 1.0) return now;
  const double seconds = (1.0 - tokens_) / rate_;
  return now + std::chrono::ceil<milliseconds>(std::chrono::duration<double>(seconds));
}

// ---- CircuitBreaker -------------------------------------------------------------------------

CircuitBreaker::CircuitBreaker(int threshold, milliseconds cooldown, milliseconds max_cooldown)
    : threshold_(std::max(1, threshold)),
      base_cooldown_(cooldown),
      max_cooldown_(std::max(cooldown, max_cooldown)),
      cooldown_(cooldown) {}

bool CircuitBreaker::allow(WallTime now) {
  switch (state_) {
    case State::closed:
      return true;
    case State::half_open:
      return false;  // the probe is out
    case State::open:
      if (now < open_until_) return false;
      state_ = State::half_open;
      return true;
  }
  return false;
}

void CircuitBreaker::cancel_probe() {
  if (state_ == State::half_open) state_ = State::open;  // open_until_ has passed already
}

std::optional<WallTime> CircuitBreaker::blocked_until() const {
  if (state_ == State::open) return open_until_;
  return std::nullopt;
}

bool CircuitBreaker::record_success() {
  const bool was_open = state_ != State::closed;
  state_ = State::closed;
  consecutive_failures_ = 0;
  cooldown_ = base_cooldown_;
  return was_open;
}

bool CircuitBreaker::record_failure(WallTime now) {
  switch (state_) {
    case State::closed:
      if (++consecutive_failures_ < threshold_) return false;
      break;
    case State::half_open:
      cooldown_ = std::min(cooldown_ * 2, max_cooldown_);
      break;
    case State::open:
      // A failure recorded while open (an attempt that started before it opened) changes
      // nothing.
      return false;
  }
  state_ = State::open;
  open_until_ = now + cooldown_;
  return true;
}

std::string_view to_string(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::closed:
      return "closed";
    case CircuitBreaker::State::open:
      return "open";
    case CircuitBreaker::State::half_open:
      return "half_open";
  }
  return "";
}

}  // namespace slamon::delivery
