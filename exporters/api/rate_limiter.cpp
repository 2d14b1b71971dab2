#include "api/rate_limiter.h"

#include <algorithm>

namespace slamon::api {

RateLimiter::RateLimiter(int max_per_window, std::chrono::seconds window)
    : max_per_window_(max_per_window), window_(window) {}

std::variant<RateLimiter::Granted, RateLimiter::Refused> RateLimiter::acquire(
    const std::string& key, TimePoint now) {
  if (max_per_window_ <= 0) return Refused{window_};
  std::lock_guard lock(mutex_);
  // Keys whose history has expired are dropped, so the map holds only recently active orgs.
  for (auto it = taken_.begin(); it != taken_.end();) {
    auto& times = it->second;
    while (!times.empty() && times.front() + window_ <= now) times.pop_front();
    it = times.empty() && it->first != key ? taken_.erase(it) : std::next(it);
  }
  auto& times = taken_[key];
  if (static_cast<int>(times.size()) < max_per_window_) {
    times.push_back(now);
    return Granted{};
  }
  const auto wait = times.front() + window_ - now;
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait);
  return Refused{std::max(seconds, std::chrono::seconds(1))};
}

}  // namespace slamon::api
