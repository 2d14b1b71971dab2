// The daily rollup of status timelines (Store::roll_up_status_days, status_totals, status_days)
// against real SQLite files: every answer equals the sum of the stored segments clipped by hand,
// before and after days are summed, with edges inside days, per org, after a commit writes into
// a summed day (the clock went back), and across a reopen.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"
#include "support/store_file.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr long long kDay = 86'400'000;
// A UTC midnight, so day boundaries in the test read plainly.
const WallTime kDay0 = WallTime{milliseconds{20'000 * kDay}};
const std::array<std::string, 5> kStatuses{"up", "degraded", "down", "unknown", "maintenance"};

struct Expected {
  std::string org;
  std::array<long long, 5> ms{};
};

using testing::open_store;

// Timelines for `policies` policies over `days` days: runs of 7 minutes to 30 hours, some
// separated by gaps, crossing midnights.
std::vector<StoredStatusSegment> make_timelines(int policies, int days) {
  std::mt19937 random(7);
  std::uniform_int_distribution<long long> length(7 * 60'000LL, 30 * 3'600'000LL);
  std::uniform_int_distribution<int> status(0, 4);
  std::uniform_int_distribution<int> gap(0, 5);
  std::vector<StoredStatusSegment> out;
  for (int p = 0; p < policies; ++p) {
    const std::string id = "policy-" + std::to_string(p);
    const std::string org = p % 2 == 0 ? "org-a" : "org-b";
    WallTime at = kDay0 + minutes(37 * p);
    while (at < kDay0 + hours(24 * days)) {
      const WallTime end = at + milliseconds(length(random));
      out.push_back({id, org, at, end, kStatuses[static_cast<std::size_t>(status(random))]});
      at = end + (gap(random) == 0 ? minutes(45) : minutes(0));
    }
  }
  return out;
}

std::map<std::string, Expected> by_hand(const std::vector<StoredStatusSegment>& segments,
                                        WallTime from, WallTime to,
                                        const std::optional<std::string>& org = std::nullopt) {
  std::map<std::string, Expected> out;
  for (const auto& s : segments) {
    if (org && s.org != *org) continue;
    const WallTime start = std::max(s.start, from);
    const WallTime end = std::min(s.end, to);
    if (start >= end) continue;
    Expected& e = out[s.policy_id];
    e.org = s.org;
    const auto slot = std::ranges::find(kStatuses, s.status) - kStatuses.begin();
    e.ms[static_cast<std::size_t>(slot)] +=
        std::chrono::duration_cast<milliseconds>(end - start).count();
  }
  return out;
}

std::array<long long, 5> millis_of(const StatusTotals& t) {
  return {t.up.count(), t.degraded.count(), t.down.count(), t.unknown.count(),
          t.maintenance.count()};
}

void expect_totals(Store& store, const std::vector<StoredStatusSegment>& segments, WallTime from,
                   WallTime to, const std::optional<std::string>& org = std::nullopt) {
  auto totals = store.status_totals(org, from, to);
  ASSERT_TRUE(totals.has_value()) << totals.error().message;
  const auto expected = by_hand(segments, from, to, org);
  ASSERT_EQ(totals->size(), expected.size());
  for (const auto& t : *totals) {
    ASSERT_TRUE(expected.contains(t.policy_id)) << t.policy_id;
    EXPECT_EQ(t.org, expected.at(t.policy_id).org);
    EXPECT_EQ(millis_of(t), expected.at(t.policy_id).ms) << t.policy_id;
  }
}

void expect_days(Store& store, const std::vector<StoredStatusSegment>& segments, WallTime from,
                 WallTime to, const std::optional<std::string>& org,
                 const std::optional<std::string>& policy_id) {
  auto days = store.status_days(org, policy_id, from, to);
  ASSERT_TRUE(days.has_value()) << days.error().message;
  std::size_t expected_rows = 0;
  const WallTime first = kDay0 + hours(24 * ((from - kDay0) / hours(24)));
  for (WallTime day = first; day < to; day += hours(24)) {
    auto expected = by_hand(segments, day, day + hours(24), org);
    if (policy_id) std::erase_if(expected, [&](const auto& e) { return e.first != *policy_id; });
    expected_rows += expected.size();
    for (const auto& [id, e] : expected) {
      auto row = std::ranges::find_if(
          *days, [&](const StatusDay& d) { return d.day == day && d.totals.policy_id == id; });
      ASSERT_NE(row, days->end()) << id;
      EXPECT_EQ(millis_of(row->totals), e.ms) << id;
    }
  }
  EXPECT_EQ(days->size(), expected_rows);
  EXPECT_TRUE(std::ranges::is_sorted(*days, [](const StatusDay& a, const StatusDay& b) {
    return std::tie(a.totals.policy_id, a.day) < std::tie(b.totals.policy_id, b.day);
  }));
}

class StatusDaysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store((dir_.path() / "slamon.db").string());
    ASSERT_NE(store_, nullptr);
    segments_ = make_timelines(12, 10);
    CycleWrite write;
    write.segments = segments_;
    ASSERT_TRUE(store_->commit(write).has_value());
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::vector<StoredStatusSegment> segments_;
};

TEST_F(StatusDaysTest, TotalsWithoutRollupEqualTheSegments) {
  expect_totals(*store_, segments_, kDay0 + hours(5), kDay0 + hours(24 * 7 + 3));
  expect_totals(*store_, segments_, kDay0, kDay0 + hours(24 * 11), std::string("org-b"));
}

TEST_F(StatusDaysTest, RollupSumsClosedDaysOnceAndAnswersStayExact) {
  auto rolled = store_->roll_up_status_days(kDay0 + hours(24 * 8) + hours(3));
  ASSERT_TRUE(rolled.has_value()) << rolled.error().message;
  EXPECT_EQ(*rolled, 8);
  auto again = store_->roll_up_status_days(kDay0 + hours(24 * 8) + hours(20));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0) << "no day closed since";

  // Edges inside days, across the marker, entirely summed, entirely after it.
  expect_totals(*store_, segments_, kDay0 + hours(5), kDay0 + hours(24 * 7 + 3));
  expect_totals(*store_, segments_, kDay0 + hours(30), kDay0 + hours(24 * 9 + 11));
  expect_totals(*store_, segments_, kDay0, kDay0 + hours(24 * 8));
  expect_totals(*store_, segments_, kDay0 + hours(24 * 8 + 1), kDay0 + hours(24 * 10));
  expect_totals(*store_, segments_, kDay0 + hours(2), kDay0 + hours(24 * 9), std::string("org-a"));

  expect_days(*store_, segments_, kDay0 + hours(5), kDay0 + hours(24 * 10), std::nullopt,
              std::nullopt);
  expect_days(*store_, segments_, kDay0, kDay0 + hours(24 * 9), std::string("org-b"), std::nullopt);
  expect_days(*store_, segments_, kDay0, kDay0 + hours(24 * 10), std::nullopt,
              std::string("policy-3"));
}

TEST_F(StatusDaysTest, ACommitIntoASummedDayIsSummedAgain) {
  ASSERT_TRUE(store_->roll_up_status_days(kDay0 + hours(24 * 8)).has_value());
  // The clock went back: a cycle rewrites a stretch of day 3 (the segment keeps its start, so
  // the timeline stays without overlaps, as the engine keeps it).
  auto in_day_3 = std::ranges::find_if(segments_, [](const StoredStatusSegment& s) {
    return s.start >= kDay0 + hours(24 * 3) && s.start < kDay0 + hours(24 * 4);
  });
  ASSERT_NE(in_day_3, segments_.end());
  StoredStatusSegment rewrite = *in_day_3;
  rewrite.status = rewrite.status == "down" ? "up" : "down";
  CycleWrite write;
  write.segments = {rewrite};
  ASSERT_TRUE(store_->commit(write).has_value());
  auto stored = store_->status_segments(std::nullopt, WallTime{}, WallTime::max());
  ASSERT_TRUE(stored.has_value());
  const std::vector<StoredStatusSegment> now_stored = *stored;

  expect_totals(*store_, now_stored, kDay0, kDay0 + hours(24 * 10));
  auto rolled = store_->roll_up_status_days(kDay0 + hours(24 * 8));
  ASSERT_TRUE(rolled.has_value());
  EXPECT_EQ(*rolled, 5) << "days 3 to 7 are summed again";
  expect_totals(*store_, now_stored, kDay0, kDay0 + hours(24 * 10));
  expect_days(*store_, now_stored, kDay0, kDay0 + hours(24 * 10), std::nullopt, std::nullopt);
}

TEST_F(StatusDaysTest, RollupSurvivesReopen) {
  ASSERT_TRUE(store_->roll_up_status_days(kDay0 + hours(24 * 6)).has_value());
  store_.reset();
  store_ = open_store((dir_.path() / "slamon.db").string());
  ASSERT_NE(store_, nullptr);
  auto rolled = store_->roll_up_status_days(kDay0 + hours(24 * 7));
  ASSERT_TRUE(rolled.has_value());
  EXPECT_EQ(*rolled, 1);
  expect_totals(*store_, segments_, kDay0 + hours(1), kDay0 + hours(24 * 10));
}

TEST_F(StatusDaysTest, EmptyAndInvertedSpans) {
  auto totals = store_->status_totals(std::nullopt, kDay0 + hours(5), kDay0 + hours(5));
  ASSERT_TRUE(totals.has_value());
  EXPECT_TRUE(totals->empty());
  auto days = store_->status_days(std::nullopt, std::nullopt, kDay0 + hours(9), kDay0);
  ASSERT_TRUE(days.has_value());
  EXPECT_TRUE(days->empty());
  auto none =
      store_->status_days(std::nullopt, std::string("no-such-policy"), kDay0, kDay0 + hours(48));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace slamon
