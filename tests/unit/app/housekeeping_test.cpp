// Housekeeping after a cycle: a retention or rollup that fails is counted for /metrics
// (slamon_housekeeping_failures_total) and does not stop the other task. The failures are
// provoked on a real Store and History by dropping the tables each task works on.
#include "app/housekeeping.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/log.h"
#include "history/history.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

const WallTime kNow = from_unix_seconds(1'800'000'000);

class HousekeepingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::configure(log::Level::error, log::Format::logfmt);  // the failures are expected
    auto store = Store::open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    auto history = history::History::open(path_, clock_);
    ASSERT_TRUE(history) << history.error().message;
    history_ = std::move(*history);
  }

  // Drops the tables named in `sql` behind the store's and the history's back.
  void drop_tables(const std::string& sql) {
    auto connection = sqlite::Connection::open(path_);
    ASSERT_TRUE(connection) << connection.error().message;
    ASSERT_TRUE(connection->exec("drop tables", sql));
  }

  void run() { run_housekeeping(*history_, *store_, kNow - std::chrono::days(1), counters_); }

  testing::TempDir dir_;
  const std::string path_ = (dir_.path() / "slamon.db").string();
  FakeClock clock_{kNow};
  std::unique_ptr<Store> store_;
  std::unique_ptr<history::History> history_;
  DegradedCounters counters_;
};

TEST_F(HousekeepingTest, CountsNothingWhenBothTasksWork) {
  run();
  EXPECT_EQ(counters_.retention_failures, 0u);
  EXPECT_EQ(counters_.rollup_failures, 0u);
}

TEST_F(HousekeepingTest, CountsAFailedRetentionAndStillRollsUp) {
  drop_tables(
      "DROP TABLE history_series; DROP TABLE history_head; DROP TABLE history_raw; "
      "DROP TABLE history_hourly; DROP TABLE history_meta;");
  run();
  run();
  EXPECT_EQ(counters_.retention_failures, 2u);
  EXPECT_EQ(counters_.rollup_failures, 0u);
  EXPECT_EQ(counters_.read().retention_failures, 2u);
}

TEST_F(HousekeepingTest, CountsAFailedRollup) {
  drop_tables("DROP TABLE policy_status_days; DROP TABLE policy_status_rollup;");
  run();
  EXPECT_EQ(counters_.retention_failures, 0u);
  EXPECT_EQ(counters_.rollup_failures, 1u);
  EXPECT_EQ(counters_.read().rollup_failures, 1u);
}

}  // namespace
}  // namespace slamon
