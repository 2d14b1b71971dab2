#include "app/scheduler.h"

#include <gtest/gtest.h>

namespace slamon {
namespace {

using namespace std::chrono_literals;

TEST(SchedulerTest, OnTimeCycleIsDueOneIntervalLater) {
  const WallTime due = from_unix_seconds(1000);
  const auto next = next_cycle(due, 5min, due + 3s);
  EXPECT_EQ(next.due, due + 5min);
  EXPECT_EQ(next.skipped, 0);
}

TEST(SchedulerTest, CycleEndingExactlyAtNextDueSkipsIt) {
  const WallTime due = from_unix_seconds(1000);
  const auto next = next_cycle(due, 5min, due + 5min);
  EXPECT_EQ(next.due, due + 10min);
  EXPECT_EQ(next.skipped, 1);
}

TEST(SchedulerTest, OverrunningCycleSkipsEveryMissedDueTimeAndStaysAligned) {
  const WallTime due = from_unix_seconds(1000);
  const auto next = next_cycle(due, 5min, due + 17min);
  EXPECT_EQ(next.due, due + 20min);
  EXPECT_EQ(next.skipped, 3);  // due+5, due+10, due+15 passed while running
}

}  // namespace
}  // namespace slamon
