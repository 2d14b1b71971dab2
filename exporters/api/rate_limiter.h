// RateLimiter: at most N operations per key (an organization) in any rolling window, by the
// injected Clock's monotonic time (SPEC §11: /evaluate at most 2 per minute per org).
// Thread-safe: a mutex guards the per-key history.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <variant>

#include "common/clock.h"

namespace slamon::api {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  RateLimiter(int max_per_window, std::chrono::seconds window);

  struct Granted {};
  struct Refused {
    std::chrono::seconds retry_after;  // until the oldest slot frees, rounded up, at least 1 s
  };
  // Takes a slot for `key` at `now` when one is free.
  std::variant<Granted, Refused> acquire(const std::string& key, TimePoint now);

 private:
  const int max_per_window_;
  const std::chrono::seconds window_;
  std::mutex mutex_;
  std::map<std::string, std::deque<TimePoint>, std::less<>> taken_;  // per key, oldest first
};

}  // namespace slamon::api
