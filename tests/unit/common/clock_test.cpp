#include "common/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace slamon {
namespace {

using namespace std::chrono_literals;

TEST(ClockTest, Rfc3339) {
  EXPECT_EQ(format_rfc3339(from_unix_seconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(from_unix_seconds(1795000000.25)), "2026-11-18T11:06:40.250Z");
}

TEST(ClockTest, FakeClockSleeperWakesOnlyWhenAdvancedPastDeadline) {
  FakeClock clock(from_unix_seconds(1000));
  std::atomic<bool> done{false};
  bool reached = false;
  std::thread sleeper([&] {
    reached = clock.sleep_until(from_unix_seconds(1300));
    done = true;
  });
  clock.advance(100s);
  EXPECT_FALSE(done.load());  // 1100 < 1300: still asleep (checked again after join)
  clock.advance(200s);
  sleeper.join();
  EXPECT_TRUE(reached);
  EXPECT_EQ(clock.now(), from_unix_seconds(1300));
}

TEST(ClockTest, WakeReleasesSleeperEarly) {
  FakeClock clock(from_unix_seconds(0));
  bool reached = true;
  std::atomic<bool> done{false};
  std::thread sleeper([&] {
    reached = clock.sleep_until(from_unix_seconds(60));
    done = true;
  });
  // A wake sent before the sleeper starts waiting does not release it, so repeat until it does.
  while (!done) {
    clock.wake();
    std::this_thread::yield();
  }
  sleeper.join();
  EXPECT_FALSE(reached);
}

TEST(ClockTest, FakeClockWaitEndsWhenAdvancedPastTheDeadline) {
  FakeClock clock(from_unix_seconds(0));
  WakeSignal signal;
  bool reached = false;
  std::thread waiter([&] { reached = clock.wait_until(from_unix_seconds(60), signal); });
  clock.advance(30s);
  clock.advance(30s);
  waiter.join();
  EXPECT_TRUE(reached);
}

TEST(ClockTest, ARaisedSignalEndsTheWaitAndIsNotLostBeforeIt) {
  FakeClock clock(from_unix_seconds(0));
  WakeSignal signal;
  signal.raise();  // before anyone waits: the next wait returns at once
  EXPECT_FALSE(clock.wait_until(from_unix_seconds(60), signal));
  bool reached = true;
  std::thread waiter([&] { reached = clock.wait_until(from_unix_seconds(60), signal); });
  signal.raise();
  waiter.join();
  EXPECT_FALSE(reached);
  EXPECT_EQ(clock.now(), from_unix_seconds(0));

  RealClock real;
  signal.raise();
  EXPECT_FALSE(real.wait_until(real.now() + 1h, signal));
  EXPECT_TRUE(real.wait_until(real.now(), signal)) << "a deadline that has come ends the wait";
}

}  // namespace
}  // namespace slamon
