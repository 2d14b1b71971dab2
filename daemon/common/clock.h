// Clock: the one way slamon code learns the time, injected so tests can run months of
// cycles in milliseconds (RealClock in production, FakeClock in tests). Both are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace slamon {

using WallTime = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime now() const = 0;
  virtual std::chrono::steady_clock::time_point monotonic() const = 0;
  // Blocks until `deadline` (wall time) has come or `wake` was called; returns true when the
  // deadline passed. A FakeClock returns only when advanced past the deadline or woken.
  virtual bool sleep_until(WallTime deadline) = 0;
  // Releases every sleeper early (used on shutdown and reload).
  virtual void wake() = 0;
};

class RealClock final : public Clock {
 public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point monotonic() const override {
    return std::chrono::steady_clock::now();
  }
  bool sleep_until(WallTime deadline) override;
  void wake() override;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  unsigned long wake_generation_ = 0;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime start)
      : now_(start), mono_(std::chrono::steady_clock::time_point{}) {}
  WallTime now() const override;
  std::chrono::steady_clock::time_point monotonic() const override;
  bool sleep_until(WallTime deadline) override;
  void wake() override;
  // Moves both clocks forward and releases sleepers whose deadline has come.
  void advance(Duration by);
  void set(WallTime to);

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  WallTime now_;
  std::chrono::steady_clock::time_point mono_;
  unsigned long wake_generation_ = 0;
};

// RFC 3339 in UTC with millisecond precision when not whole seconds: 2026-11-21T10:00:00Z.
std::string format_rfc3339(WallTime t);
double to_unix_seconds(WallTime t);
WallTime from_unix_seconds(double seconds);

}  // namespace slamon
