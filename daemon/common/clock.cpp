#include "common/clock.h"

#include <cmath>
#include <ctime>
#include <string>

namespace slamon {

void WakeSignal::raise() {
  {
    std::lock_guard lock(mutex_);
    raised_ = true;
  }
  cv_.notify_all();
}

bool RealClock::wait_until(WallTime deadline, WakeSignal& signal) {
  std::unique_lock lock(signal.mutex_);
  // A timeout on the steady clock: a wall clock set back must not stretch the wait.
  signal.cv_.wait_for(lock, deadline - std::chrono::system_clock::now(),
                      [&] { return signal.raised_; });
  const bool raised = signal.raised_;
  signal.raised_ = false;
  return !raised;
}

bool RealClock::sleep_until(WallTime deadline) {
  std::unique_lock lock(mutex_);
  const auto generation = wake_generation_;
  cv_.wait_until(lock, deadline, [&] { return wake_generation_ != generation; });
  return wake_generation_ == generation && std::chrono::system_clock::now() >= deadline;
}

void RealClock::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wake_generation_;
  }
  cv_.notify_all();
}

WallTime FakeClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

std::chrono::steady_clock::time_point FakeClock::monotonic() const {
  std::lock_guard lock(mutex_);
  return mono_;
}

bool FakeClock::sleep_until(WallTime deadline) {
  std::unique_lock lock(mutex_);
  const auto generation = wake_generation_;
  cv_.wait(lock, [&] { return now_ >= deadline || wake_generation_ != generation; });
  return now_ >= deadline;
}

void FakeClock::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wake_generation_;
  }
  cv_.notify_all();
}

bool FakeClock::wait_until(WallTime deadline, WakeSignal& signal) {
  std::multiset<WakeSignal*>::iterator registered;
  {
    // Registered before the time is first read, so an advance in between still notifies it.
    std::lock_guard lock(waiting_mutex_);
    registered = waiting_.insert(&signal);
  }
  bool raised = false;
  {
    std::unique_lock lock(signal.mutex_);
    signal.cv_.wait(lock, [&] { return signal.raised_ || now() >= deadline; });
    raised = signal.raised_;
    signal.raised_ = false;
  }
  std::lock_guard lock(waiting_mutex_);
  waiting_.erase(registered);
  return !raised;
}

void FakeClock::notify_signal_waiters() {
  std::lock_guard lock(waiting_mutex_);
  for (WakeSignal* signal : waiting_) {
    // Taking the signal's mutex orders this after the waiter's check of the time: it is either
    // before the check (which sees the new time) or inside the wait (which this notify ends).
    { std::lock_guard signal_lock(signal->mutex_); }
    signal->cv_.notify_all();
  }
}

void FakeClock::advance(Duration by) {
  {
    std::lock_guard lock(mutex_);
    now_ += by;
    mono_ += by;
  }
  cv_.notify_all();
  notify_signal_waiters();
}

void FakeClock::set(WallTime to) {
  {
    std::lock_guard lock(mutex_);
    if (to > now_)
      mono_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(to - now_);
    now_ = to;
  }
  cv_.notify_all();
  notify_signal_waiters();
}

std::string format_rfc3339(WallTime t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  long frac = static_cast<long>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf);
  if (frac != 0) {
    char fbuf[8];
    std::snprintf(fbuf, sizeof fbuf, ".%03ld", frac);
    out += fbuf;
  }
  out += 'Z';
  return out;
}

double to_unix_seconds(WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

WallTime from_unix_seconds(double seconds) {
  // Rounded, not truncated: 1795000000.25 s must not come back as ...249999 s.
  return WallTime(
      std::chrono::round<std::chrono::microseconds>(std::chrono::duration<double>(seconds)));
}

}  // namespace slamon
