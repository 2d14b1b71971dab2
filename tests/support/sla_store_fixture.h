// SlaStoreTest: the gtest fixture base of the tests that read SLA figures back from a real
// Store and History on one SQLite file in a temp dir (SLA view, reports, status pages). It owns
// the FakeClock the History runs on and writes what those tests need: status segments and
// measured values. A derived fixture passes its "now" to the constructor and, if it overrides
// SetUp, calls SlaStoreTest::SetUp() first. Not thread-safe (one test at a time).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "common/clock.h"
#include "history/history.h"
#include "model/model.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace slamon::testing {

// (start, end, status spelling) of one status segment.
using StatusStretches = std::vector<std::tuple<WallTime, WallTime, std::string>>;

class SlaStoreTest : public ::testing::Test {
 protected:
  explicit SlaStoreTest(WallTime now) : clock_(now) {}

  void SetUp() override {
    const std::string db = (dir_.path() / "slamon.db").string();
    auto store = Store::open(db);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    auto history = history::History::open(db, clock_);
    ASSERT_TRUE(history) << history.error().message;
    history_ = std::move(*history);
  }

  void segments(const std::string& policy_id, const std::string& org,
                const StatusStretches& stretches) {
    CycleWrite write;
    for (const auto& [start, end, status] : stretches) {
      write.segments.push_back({policy_id, org, start, end, status});
    }
    ASSERT_TRUE(store_->commit(write));
  }

  // A value every `step` from `first` to `last` (inclusive); `value_at` gives it.
  template <typename ValueAt>
  void measure(const std::string& policy_id, Metric metric, WallTime first, WallTime last,
               Duration step, ValueAt value_at) {
    for (WallTime t = first; t <= last; t += step) {
      const history::Observation observation{policy_id, metric, value_at(t)};
      ASSERT_TRUE(history_->append(t, {&observation, 1}));
    }
  }

  // `values` one `step` apart from `first`.
  void measure_values(const std::string& policy_id, Metric metric, WallTime first, Duration step,
                      const std::vector<double>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      const history::Observation observation{policy_id, metric, values[i]};
      ASSERT_TRUE(history_->append(first + step * static_cast<int>(i), {&observation, 1}));
    }
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<history::History> history_;
};

}  // namespace slamon::testing
