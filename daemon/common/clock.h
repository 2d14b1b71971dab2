// Clock: the one way slamon code learns the time, injected so tests can run months of
// cycles in milliseconds (RealClock in production, FakeClock in tests). Both are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

namespace slamon {

using WallTime = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

// A wake-up call for one thread waiting in Clock::wait_until: raise() ends the wait in
// progress, or the next one when none is, so a wake-up is never lost. Thread-safe.
class WakeSignal {
 public:
  void raise();

 private:
  friend class RealClock;
  friend class FakeClock;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool raised_ = false;
};

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
  // Blocks until `deadline` (wall time) has come or `signal` was raised, and lowers it; returns
  // true when the deadline passed. A FakeClock returns only when advanced past the deadline or
  // signalled; wake() does not end this wait.
  virtual bool wait_until(WallTime deadline, WakeSignal& signal) = 0;
};

class RealClock final : public Clock {
 public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point monotonic() const override {
    return std::chrono::steady_clock::now();
  }
  bool sleep_until(WallTime deadline) override;
  void wake() override;
  bool wait_until(WallTime deadline, WakeSignal& signal) override;

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
  bool wait_until(WallTime deadline, WakeSignal& signal) override;
  // Moves both clocks forward and releases sleepers whose deadline has come.
  void advance(Duration by);
  void set(WallTime to);

 private:
  // Lets every thread in wait_until look at the moved time.
  void notify_signal_waiters();

  // Lock order: waiting_mutex_, then a signal's mutex, then mutex_.
  std::mutex waiting_mutex_;
  std::multiset<WakeSignal*> waiting_;  // signals of the threads in wait_until
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
