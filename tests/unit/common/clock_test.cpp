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

}  // namespace
}  // namespace slamon
