// History against real SQLite files with a FakeClock: exact round trips, ordering and ignored
// appends, reopening, compaction of a finished day, downsampling to hourly aggregates after the
// raw retention, expiry after the aggregate retention, window statistics against hand-computed
// values, recent_mean's window edges, bounded and idempotent maintain(), corrupt chunks, imports,
// summaries of every series (hourly aggregates, head, memory, window edges) and concurrent use.
#include "history/history.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <tuple>

#include "store/sqlite.h"
#include "store/store.h"
#include "support/store_file.h"
#include "support/temp_dir.h"

namespace slamon::history {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Midnight UTC.
const WallTime kDay0 = WallTime{seconds{20'718LL * 86'400}};

WallTime cycle(int n) {
  return kDay0 + minutes(5 * n);
}

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_.path() / "slamon.db").string();
    store_ = testing::open_store(path_);
    ASSERT_NE(store_, nullptr);
    history_ = open();
  }

  std::unique_ptr<History> open(Options options = {}) {
    auto history = History::open(path_, clock_, options);
    EXPECT_TRUE(history.has_value()) << history.error().message;
    return history ? std::move(*history) : nullptr;
  }

  void append(WallTime at, const std::string& policy, Metric metric, double value) {
    const Observation o{policy, metric, value};
    auto done = history_->append(at, std::span(&o, 1));
    ASSERT_TRUE(done.has_value()) << done.error().message;
  }

  std::vector<Point> points(const std::string& policy, Metric metric, WallTime from, WallTime to,
                            History* h = nullptr) {
    auto read = (h ? h : history_.get())->points(policy, metric, from, to);
    EXPECT_TRUE(read.has_value()) << read.error().message;
    return read ? *read : std::vector<Point>{};
  }

  // Runs maintain() until it reports nothing left; returns the number of calls.
  int maintain_all() {
    for (int calls = 1; calls < 100'000; ++calls) {
      auto more = history_->maintain();
      EXPECT_TRUE(more.has_value()) << more.error().message;
      if (!more || !*more) return calls;
    }
    ADD_FAILURE() << "maintain() never finished";
    return -1;
  }

  History::Footprint footprint() {
    auto f = history_->footprint();
    EXPECT_TRUE(f.has_value()) << f.error().message;
    return f ? *f : History::Footprint{};
  }

  // A day of 5-minute cycles for one series, value v(i).
  template <typename F>
  void fill_day(WallTime day_start, const std::string& policy, Metric metric, F v) {
    for (int i = 0; i < 288; ++i) append(day_start + minutes(5 * i), policy, metric, v(i));
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  FakeClock clock_{kDay0};
  std::unique_ptr<History> history_;
};

TEST_F(HistoryTest, AppendThenReadExactValuesInOrder) {
  const std::vector<double> values = {0.1 + 0.2, 99.95, -0.0, 1e-300, 123456.789, 100};
  for (std::size_t i = 0; i < values.size(); ++i) {
    append(cycle(static_cast<int>(i)), "p", Metric::latency_ms, values[i]);
  }
  append(cycle(2), "q", Metric::latency_ms, 7);  // another series
  auto read = points("p", Metric::latency_ms, cycle(0), cycle(6));
  ASSERT_EQ(read.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(read[i].at, cycle(static_cast<int>(i)));
    EXPECT_EQ(read[i].mean, values[i]);
    EXPECT_EQ(read[i].min, values[i]);
    EXPECT_EQ(read[i].count, 1);
  }
  // [from, to): the end is excluded, a start one millisecond late skips the first point.
  EXPECT_EQ(points("p", Metric::latency_ms, cycle(1), cycle(3)).size(), 2u);
  EXPECT_EQ(points("p", Metric::latency_ms, cycle(1) + milliseconds(1), cycle(3)).size(), 1u);
  EXPECT_TRUE(points("p", Metric::uptime_percent, cycle(0), cycle(6)).empty());
  EXPECT_TRUE(points("nobody", Metric::latency_ms, cycle(0), cycle(6)).empty());
}

TEST_F(HistoryTest, OutOfOrderDuplicateAndNonFiniteAppendsAreIgnored) {
  append(cycle(2), "p", Metric::uptime_percent, 1);
  append(cycle(1), "p", Metric::uptime_percent, 2);                      // before the last point
  append(cycle(2), "p", Metric::uptime_percent, 3);                      // same time
  append(cycle(2) + milliseconds(400), "p", Metric::uptime_percent, 4);  // same second
  append(cycle(3), "p", Metric::uptime_percent, std::nan(""));
  append(cycle(4), "p", Metric::uptime_percent, std::numeric_limits<double>::infinity());
  append(cycle(5), "p", Metric::uptime_percent, 5);
  auto read = points("p", Metric::uptime_percent, kDay0, kDay0 + days(1));
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].mean, 1);
  EXPECT_EQ(read[1].mean, 5);
  // The same on disk.
  history_.reset();
  history_ = open();
  history_->retain_only({});
  EXPECT_EQ(points("p", Metric::uptime_percent, kDay0, kDay0 + days(1)).size(), 2u);
}

TEST_F(HistoryTest, SurvivesReopen) {
  for (int i = 0; i < 20; ++i) append(cycle(i), "p", Metric::health_score, i * 1.1);
  auto before = points("p", Metric::health_score, kDay0, kDay0 + days(1));
  clock_.set(cycle(20));
  history_.reset();
  history_ = open();
  auto after = points("p", Metric::health_score, kDay0, kDay0 + days(1));
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].at, before[i].at);
    EXPECT_EQ(after[i].mean, before[i].mean);
  }
  // Loaded into memory, and still refusing points at or before the last one.
  EXPECT_EQ(history_->recent_points("p", Metric::health_score, kDay0, cycle(20)).size(), 20u);
  append(cycle(19), "p", Metric::health_score, 99);
  EXPECT_EQ(points("p", Metric::health_score, kDay0, kDay0 + days(1)).back().mean, 19 * 1.1);
}

TEST_F(HistoryTest, CompactingAFinishedDayKeepsReadsIdentical) {
  fill_day(kDay0, "p", Metric::latency_ms, [](int i) { return 10 + i / 7.0; });
  fill_day(kDay0, "q", Metric::uptime_percent, [](int i) { return i % 50 ? 100.0 : 99.5; });
  append(kDay0 + days(1) + minutes(5), "p", Metric::latency_ms, 42);
  const auto p_before = points("p", Metric::latency_ms, kDay0, kDay0 + days(2));
  const auto q_before = points("q", Metric::uptime_percent, kDay0, kDay0 + days(2));
  ASSERT_EQ(p_before.size(), 289u);

  clock_.set(kDay0 + days(1) + minutes(30));  // within the grace period: nothing to do
  EXPECT_FALSE(*history_->maintain());
  EXPECT_EQ(footprint().raw_points, 288 * 2 + 1);

  clock_.set(kDay0 + days(1) + hours(2));
  maintain_all();
  const auto f = footprint();
  EXPECT_EQ(f.raw_points, 288 * 2 + 1);  // 576 in chunks, 1 in the head
  EXPECT_EQ(f.aggregates, 48);
  EXPECT_GT(f.bytes_on_disk, 0);

  auto check = [&](History* h) {
    for (auto [policy, metric, before] : {std::tuple{"p", Metric::latency_ms, &p_before},
                                          std::tuple{"q", Metric::uptime_percent, &q_before}}) {
      const auto after = points(policy, metric, kDay0, kDay0 + days(2), h);
      ASSERT_EQ(after.size(), before->size());
      for (std::size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].at, (*before)[i].at);
        EXPECT_EQ(after[i].mean, (*before)[i].mean);
        EXPECT_EQ(after[i].count, 1);
      }
    }
  };
  check(history_.get());
  history_->retain_only({});  // forces the disk path
  check(history_.get());
  history_.reset();
  history_ = open();
  check(history_.get());
  // A late point for the compacted day is ignored.
  append(kDay0 + days(1) - seconds(1), "q", Metric::uptime_percent, 1);
  check(history_.get());
}

TEST_F(HistoryTest, DownsamplesToHourlyAggregatesAfterRawRetention) {
  // Hour h holds 12 points h, h+1, ..., h+11.
  fill_day(kDay0, "p", Metric::packet_loss_percent, [](int i) { return i / 12 + i % 12; });
  clock_.set(kDay0 + days(2));
  maintain_all();
  EXPECT_EQ(points("p", Metric::packet_loss_percent, kDay0, kDay0 + days(1)).size(), 288u);

  clock_.set(kDay0 + days(36) + hours(1));  // day 0 ended more than 35 days ago
  maintain_all();
  EXPECT_EQ(footprint().raw_points, 0);
  const auto hourly = points("p", Metric::packet_loss_percent, kDay0, kDay0 + days(1));
  ASSERT_EQ(hourly.size(), 24u);
  for (int h = 0; h < 24; ++h) {
    EXPECT_EQ(hourly[h].at, kDay0 + hours(h));
    EXPECT_EQ(hourly[h].count, 12);
    EXPECT_EQ(hourly[h].min, h);
    EXPECT_EQ(hourly[h].max, h + 11);
    EXPECT_DOUBLE_EQ(hourly[h].mean, h + 5.5);
  }
  // An hour is in a window when its start is.
  EXPECT_EQ(points("p", Metric::packet_loss_percent, kDay0 + minutes(30), kDay0 + hours(2)).size(),
            1u);
  EXPECT_TRUE(
      history_->recent_points("p", Metric::packet_loss_percent, kDay0, kDay0 + days(1)).empty());
}

TEST_F(HistoryTest, ExpiresAggregatesAfterAggregateRetention) {
  fill_day(kDay0, "p", Metric::error_rate, [](int i) { return i * 0.001; });
  clock_.set(kDay0 + days(400));
  maintain_all();
  EXPECT_EQ(points("p", Metric::error_rate, kDay0, kDay0 + days(1)).size(), 24u);
  clock_.set(kDay0 + days(401) + hours(1));
  maintain_all();
  EXPECT_TRUE(points("p", Metric::error_rate, kDay0, kDay0 + days(1)).empty());
  EXPECT_EQ(footprint().aggregates, 0);
}

TEST_F(HistoryTest, StatsMatchHandComputedValues) {
  // 1..100 in scrambled order: nearest-rank p50 = 50, p95 = 95, p99 = 99.
  for (int i = 0; i < 100; ++i) append(cycle(i), "p", Metric::latency_ms, (i * 37) % 100 + 1);
  auto stats = history_->stats("p", Metric::latency_ms, kDay0, kDay0 + days(1));
  ASSERT_TRUE(stats.has_value());
  ASSERT_TRUE(stats->has_value());
  EXPECT_EQ((*stats)->count, 100);
  EXPECT_EQ((*stats)->min, 1);
  EXPECT_EQ((*stats)->max, 100);
  EXPECT_DOUBLE_EQ((*stats)->mean, 50.5);
  EXPECT_EQ((*stats)->p50, 50);
  EXPECT_EQ((*stats)->p95, 95);
  EXPECT_EQ((*stats)->p99, 99);

  for (int i = 0; i < 4; ++i) append(cycle(i), "q", Metric::latency_ms, 10.0 * (4 - i));
  stats = history_->stats("q", Metric::latency_ms, kDay0, kDay0 + days(1));
  ASSERT_TRUE(stats && *stats);
  EXPECT_EQ((*stats)->p50, 20);  // rank ceil(0.5 × 4) = 2 of 10, 20, 30, 40
  EXPECT_EQ((*stats)->p95, 40);
  EXPECT_DOUBLE_EQ((*stats)->mean, 25);

  EXPECT_FALSE(*history_->stats("q", Metric::latency_ms, kDay0 + days(1), kDay0 + days(2)));
}

TEST_F(HistoryTest, StatsOverHourlyAggregatesAreWeightedByCount) {
  // Hour 0: 12 × 1.0; hour 1: 12 × 3.0; hour 2: 6 × 10.0 (30 points).
  for (int i = 0; i < 12; ++i) append(kDay0 + minutes(5 * i), "p", Metric::latency_ms, 1);
  for (int i = 0; i < 12; ++i)
    append(kDay0 + hours(1) + minutes(5 * i), "p", Metric::latency_ms, 3);
  for (int i = 0; i < 6; ++i)
    append(kDay0 + hours(2) + minutes(5 * i), "p", Metric::latency_ms, 10);
  clock_.set(kDay0 + days(40));
  maintain_all();
  auto stats = history_->stats("p", Metric::latency_ms, kDay0, kDay0 + days(1));
  ASSERT_TRUE(stats && *stats);
  EXPECT_EQ((*stats)->count, 30);
  EXPECT_DOUBLE_EQ((*stats)->mean, (12 * 1 + 12 * 3 + 6 * 10) / 30.0);
  EXPECT_EQ((*stats)->p50, 3);   // rank 15
  EXPECT_EQ((*stats)->p95, 10);  // rank 29
  EXPECT_EQ((*stats)->min, 1);
  EXPECT_EQ((*stats)->max, 10);
}

TEST_F(HistoryTest, MixedRawAndHourlyPercentilesMatchASortedList) {
  std::mt19937 random(3);
  std::uniform_int_distribution<int> small(0, 40);  // ties are likely
  for (int i = 0; i < 150; ++i)
    append(kDay0 + minutes(5 * i), "p", Metric::latency_ms, small(random));
  clock_.set(kDay0 + days(36) + hours(2));
  maintain_all();
  for (int i = 0; i < 333; ++i) {
    append(kDay0 + days(36) + minutes(3 + 5 * i), "p", Metric::latency_ms, small(random));
  }
  const auto all = points("p", Metric::latency_ms, kDay0, kDay0 + days(40));
  std::vector<std::pair<double, int>> sorted;
  long long total = 0;
  for (const Point& p : all) {
    sorted.emplace_back(p.mean, p.count);
    total += p.count;
  }
  ASSERT_EQ(total, 150 + 333);
  ASSERT_LT(all.size(), 100u + 333);  // hourly aggregates in front
  std::sort(sorted.begin(), sorted.end());
  auto nearest_rank = [&](double p) {
    const auto rank = static_cast<long long>(std::ceil(p * static_cast<double>(total)));
    long long seen = 0;
    for (const auto& [value, count] : sorted) {
      seen += count;
      if (seen >= rank) return value;
    }
    return sorted.back().first;
  };
  auto stats = history_->stats("p", Metric::latency_ms, kDay0, kDay0 + days(40));
  ASSERT_TRUE(stats && *stats);
  EXPECT_EQ((*stats)->count, total);
  EXPECT_EQ((*stats)->p50, nearest_rank(0.50));
  EXPECT_EQ((*stats)->p95, nearest_rank(0.95));
  EXPECT_EQ((*stats)->p99, nearest_rank(0.99));
}

TEST_F(HistoryTest, RecentMeanWindowEdges) {
  append(cycle(0), "p", Metric::uptime_percent, 1);
  append(cycle(1), "p", Metric::uptime_percent, 2);
  append(cycle(2), "p", Metric::uptime_percent, 3);
  EXPECT_EQ(history_->recent_mean("p", Metric::uptime_percent, cycle(0), cycle(2)), 1.5);
  EXPECT_EQ(history_->recent_mean("p", Metric::uptime_percent, cycle(0) + milliseconds(1),
                                  cycle(2) + milliseconds(1)),
            2.5);
  EXPECT_EQ(history_->recent_mean("p", Metric::uptime_percent, cycle(0), cycle(3)), 2);
  EXPECT_FALSE(history_->recent_mean("p", Metric::uptime_percent, cycle(3), cycle(9)));
  EXPECT_FALSE(history_->recent_mean("p", Metric::uptime_percent, cycle(2), cycle(2)));
  EXPECT_FALSE(history_->recent_mean("x", Metric::uptime_percent, cycle(0), cycle(9)));
  EXPECT_EQ(history_->recent_points("p", Metric::uptime_percent, cycle(1), cycle(3)).size(), 2u);

  // Beyond memory_window the mean comes from disk.
  clock_.set(kDay0 + days(5));
  append(kDay0 + days(5), "p", Metric::uptime_percent, 50);
  EXPECT_TRUE(history_->recent_points("p", Metric::uptime_percent, cycle(0), cycle(3)).empty());
  EXPECT_EQ(history_->recent_mean("p", Metric::uptime_percent, cycle(0), cycle(3)), 2);
  maintain_all();
  EXPECT_EQ(history_->recent_mean("p", Metric::uptime_percent, cycle(0), cycle(3)), 2);
}

TEST_F(HistoryTest, MaintainIsBoundedAndIdempotent) {
  constexpr int kSeries = 1'200;  // more than one compaction batch
  for (int c = 0; c < 4; ++c) {
    std::vector<Observation> cycle_values;
    for (int s = 0; s < kSeries; ++s) {
      cycle_values.push_back({"policy-" + std::to_string(s), Metric::latency_ms, s + c * 0.25});
    }
    ASSERT_TRUE(history_->append(cycle(c * 70), cycle_values).has_value());
  }
  EXPECT_FALSE(*history_->maintain());  // the day is not over
  clock_.set(kDay0 + days(1) + hours(2));
  auto first = history_->maintain();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(*first);  // a first batch of series, more to come
  // Half-compacted: reads are unchanged, from the head on disk or memory.
  history_->retain_only({});
  EXPECT_EQ(points("policy-1100", Metric::latency_ms, kDay0, kDay0 + days(1)).size(), 4u);

  // A restart in the middle starts the day again; rewriting chunks is harmless.
  history_.reset();
  history_ = open();
  const int calls = maintain_all();
  EXPECT_GE(calls, 3);
  const auto f = footprint();
  EXPECT_EQ(f.raw_points, kSeries * 4);
  EXPECT_FALSE(*history_->maintain());
  EXPECT_FALSE(*history_->maintain());
  EXPECT_EQ(footprint().bytes_on_disk, f.bytes_on_disk);
  auto read = points("policy-7", Metric::latency_ms, kDay0, kDay0 + days(1));
  ASSERT_EQ(read.size(), 4u);
  EXPECT_EQ(read[3].mean, 7.75);
}

TEST_F(HistoryTest, CorruptChunkIsAnErrorNotACrash) {
  fill_day(kDay0, "p", Metric::latency_ms, [](int i) { return i * 0.5; });
  clock_.set(kDay0 + days(1) + hours(2));
  maintain_all();
  {
    auto raw = sqlite::Connection::open(path_);
    ASSERT_TRUE(raw.has_value());
    ASSERT_TRUE(raw->exec("damage", "UPDATE history_raw SET data = substr(data, 1, 40)"));
  }
  history_->retain_only({});
  EXPECT_EQ(history_->health().corrupt_chunks, 0u);
  auto read = history_->points("p", Metric::latency_ms, kDay0, kDay0 + days(1));
  ASSERT_FALSE(read.has_value());
  EXPECT_NE(read.error().message.find("corrupt"), std::string::npos);
  EXPECT_EQ(history_->health().corrupt_chunks, 1u) << "each read that meets it counts";
  EXPECT_FALSE(history_->stats("p", Metric::latency_ms, kDay0, kDay0 + days(1)).has_value());
  EXPECT_EQ(history_->health().corrupt_chunks, 2u);
  // Opening skips the damaged chunk (with a warning, counted) rather than failing.
  history_.reset();
  history_ = open();
  ASSERT_NE(history_, nullptr);
  EXPECT_TRUE(history_->recent_points("p", Metric::latency_ms, kDay0, kDay0 + days(1)).empty());
  EXPECT_EQ(history_->health().corrupt_chunks, 1u);
  EXPECT_EQ(history_->health().maintain_failures, 0u);
  EXPECT_EQ(history_->health().append_failures, 0u);
}

TEST_F(HistoryTest, HealthCountsFailedAppendsAndMaintenance) {
  append(cycle(0), "p", Metric::latency_ms, 1.0);
  {
    auto raw = sqlite::Connection::open(path_);
    ASSERT_TRUE(raw.has_value());
    ASSERT_TRUE(raw->exec("break the table", "DROP TABLE history_head"));
  }
  const Observation o{"p", Metric::latency_ms, 2.0};
  EXPECT_FALSE(history_->append(cycle(1), std::span(&o, 1)).has_value());
  EXPECT_EQ(history_->health().append_failures, 1u);
  EXPECT_EQ(history_->recent_points("p", Metric::latency_ms, kDay0, cycle(2)).size(), 2u)
      << "the points stay in memory";
  EXPECT_FALSE(history_->maintain().has_value());
  EXPECT_EQ(history_->health().maintain_failures, 1u);
  EXPECT_EQ(history_->health().corrupt_chunks, 0u);
}

TEST_F(HistoryTest, ImportsPastDaysAsChunks) {
  clock_.set(kDay0 + days(10) + hours(3));
  std::vector<ImportedDay> imported;
  for (int d = 0; d < 3; ++d) {
    ImportedDay day{"p", Metric::client_satisfaction, {}};
    for (int i = 0; i < 288; ++i) {
      day.points.emplace_back(kDay0 + days(d) + minutes(5 * i), d * 1000 + i * 0.1);
    }
    imported.push_back(std::move(day));
  }
  ASSERT_TRUE(history_->import_days(imported).has_value());
  auto read = points("p", Metric::client_satisfaction, kDay0, kDay0 + days(3));
  ASSERT_EQ(read.size(), 3u * 288);
  EXPECT_EQ(read[288 + 5].mean, 1000 + 5 * 0.1);
  // Today is not before the compaction boundary.
  ImportedDay today{"p", Metric::client_satisfaction, {{kDay0 + days(10), 1.0}}};
  EXPECT_FALSE(history_->import_days(std::span(&today, 1)).has_value());
  // Appending continues after the imported days.
  append(kDay0 + days(10) + hours(3), "p", Metric::client_satisfaction, 7);
  EXPECT_EQ(points("p", Metric::client_satisfaction, kDay0, kDay0 + days(11)).size(), 3u * 288 + 1);
}

// ---- summaries() ------------------------------------------------------------------------------

void expect_summary(const SeriesSummary& s, const std::string& policy, Metric metric,
                    long long count, double min, double mean, double max) {
  EXPECT_EQ(s.policy_id, policy);
  EXPECT_EQ(s.metric, metric);
  EXPECT_EQ(s.count, count) << policy;
  EXPECT_EQ(s.min, min) << policy;
  EXPECT_DOUBLE_EQ(s.mean, mean) << policy;
  EXPECT_EQ(s.max, max) << policy;
}

class SummariesTest : public HistoryTest {
 protected:
  // Day 0 of "p" (hour h holds h, h + 1, ..., h + 11; sum 4,896) compacted; day 1 in the head
  // and memory: "p" 100, 200, 300 at 00:00, 00:05, 00:10 and "q" 1, 3 at 00:00, 00:05.
  void SetUp() override {
    HistoryTest::SetUp();
    fill_day(kDay0, "p", Metric::latency_ms, [](int i) { return i / 12 + i % 12; });
    clock_.set(kDay1 + hours(2));
    maintain_all();
    for (int i = 0; i < 3; ++i)
      append(kDay1 + minutes(5 * i), "p", Metric::latency_ms, 100 * (i + 1));
    append(kDay1, "q", Metric::uptime_percent, 1);
    append(kDay1 + minutes(5), "q", Metric::uptime_percent, 3);
  }

  std::vector<SeriesSummary> summaries(WallTime from, WallTime to) {
    auto read = history_->summaries(from, to);
    EXPECT_TRUE(read.has_value()) << read.error().message;
    return read ? *read : std::vector<SeriesSummary>{};
  }

  // The figures of the fixture for a few windows, whatever holds the points.
  void expect_fixture() {
    auto all = summaries(kDay0, kDay0 + days(2));
    ASSERT_EQ(all.size(), 2u);
    expect_summary(all[0], "p", Metric::latency_ms, 291, 0, (4896 + 600) / 291.0, 300);
    expect_summary(all[1], "q", Metric::uptime_percent, 2, 1, 2, 3);

    // An hour counts when its start is in the window: only 01:00 of [00:30, 02:00).
    auto hour = summaries(kDay0 + minutes(30), kDay0 + hours(2));
    ASSERT_EQ(hour.size(), 1u);
    expect_summary(hour[0], "p", Metric::latency_ms, 12, 1, 6.5, 12);

    // Hours 1..23 of day 0, then the head's first point: the end is excluded.
    auto across = summaries(kDay0 + hours(1), kDay1 + minutes(5));
    ASSERT_EQ(across.size(), 2u);
    expect_summary(across[0], "p", Metric::latency_ms, 276 + 1, 1, (4896 - 66 + 100) / 277.0, 100);
    expect_summary(across[1], "q", Metric::uptime_percent, 1, 1, 1, 1);

    // Only the head, starting one millisecond after a point.
    auto head = summaries(kDay1 + milliseconds(1), kDay1 + hours(1));
    ASSERT_EQ(head.size(), 2u);
    expect_summary(head[0], "p", Metric::latency_ms, 2, 200, 250, 300);
    expect_summary(head[1], "q", Metric::uptime_percent, 1, 3, 3, 3);

    EXPECT_TRUE(summaries(kDay1, kDay1).empty());
    EXPECT_TRUE(summaries(kDay1, kDay0).empty());
    EXPECT_TRUE(summaries(kDay0 + days(5), kDay0 + days(6)).empty());
  }

  static constexpr WallTime kDay1 = kDay0 + days(1);
};

TEST_F(SummariesTest, HourlyAggregatesHeadAndMemory) {
  expect_fixture();
}

TEST_F(SummariesTest, AgreeWithStatsOnWholeHours) {
  for (auto [from, to] : {std::pair{kDay0, kDay0 + days(2)}, std::pair{kDay0 + hours(5), kDay1},
                          std::pair{kDay0 + hours(23), kDay1 + hours(1)}}) {
    auto all = summaries(from, to);
    ASSERT_FALSE(all.empty());
    auto stats = history_->stats("p", Metric::latency_ms, from, to);
    ASSERT_TRUE(stats && *stats);
    EXPECT_EQ(all[0].count, (*stats)->count);
    EXPECT_EQ(all[0].min, (*stats)->min);
    EXPECT_EQ(all[0].max, (*stats)->max);
    EXPECT_NEAR(all[0].mean, (*stats)->mean, 1e-9);
  }
}

TEST_F(SummariesTest, HeadOnDiskWhenMemoryLacksIt) {
  history_->retain_only(
      std::vector<std::string>{"q"});  // "p" reads the head from disk, "q" from memory
  expect_fixture();
  history_->retain_only({});
  expect_fixture();
  history_.reset();
  history_ = open();  // memory reloaded from disk
  expect_fixture();
}

TEST_F(SummariesTest, AfterDownsamplingAndCompaction) {
  clock_.set(kDay0 + days(36) + hours(2));  // day 0 leaves the raw retention, day 1 compacts
  maintain_all();
  EXPECT_EQ(footprint().raw_points, 5);  // day 1's chunks only
  auto check = [&] {
    auto all = summaries(kDay0, kDay0 + days(2));
    ASSERT_EQ(all.size(), 2u);
    expect_summary(all[0], "p", Metric::latency_ms, 291, 0, (4896 + 600) / 291.0, 300);
    expect_summary(all[1], "q", Metric::uptime_percent, 2, 1, 2, 3);
    // Day 1 is compacted too: its hour 00:00 counts whole when its start is in the window.
    auto across = summaries(kDay0 + hours(1), kDay1 + minutes(5));
    ASSERT_EQ(across.size(), 2u);
    expect_summary(across[0], "p", Metric::latency_ms, 276 + 3, 1, (4896 - 66 + 600) / 279.0, 300);
    EXPECT_TRUE(summaries(kDay1 + milliseconds(1), kDay1 + hours(1)).empty());
  };
  check();
  history_->retain_only({});
  check();
}

TEST_F(SummariesTest, ManySeriesInPolicyAndMetricOrder) {
  std::vector<Observation> cycle_values;
  for (int s = 0; s < 50; ++s) {
    cycle_values.push_back({"z" + std::to_string(49 - s), kAllMetrics[s % kMetricCount], 1.0 * s});
  }
  ASSERT_TRUE(history_->append(kDay1 + hours(1), cycle_values).has_value());
  auto all = summaries(kDay0, kDay0 + days(2));
  ASSERT_EQ(all.size(), 52u);
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_TRUE(std::tie(all[i - 1].policy_id, all[i - 1].metric) <
                std::tie(all[i].policy_id, all[i].metric));
  }
}

TEST_F(SummariesTest, CorruptAggregatesAreAnError) {
  {
    auto raw = sqlite::Connection::open(path_);
    ASSERT_TRUE(raw.has_value());
    ASSERT_TRUE(raw->exec("damage", "UPDATE history_hourly SET data = substr(data, 1, 5)"));
  }
  auto read = history_->summaries(kDay0, kDay0 + days(2));
  ASSERT_FALSE(read.has_value());
  EXPECT_NE(read.error().message.find("corrupt"), std::string::npos);
  // A window that needs no compacted day still reads.
  EXPECT_EQ(summaries(kDay1, kDay1 + days(1)).size(), 2u);
}

TEST_F(HistoryTest, ConcurrentAppendsReadsAndMaintenance) {
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      auto read = history_->points("p0", Metric::latency_ms, kDay0, kDay0 + days(10));
      ASSERT_TRUE(read.has_value()) << read.error().message;
      for (std::size_t i = 1; i < read->size(); ++i) ASSERT_LT((*read)[i - 1].at, (*read)[i].at);
      (void)history_->recent_mean("p1", Metric::latency_ms, kDay0, kDay0 + days(10));
      auto all = history_->summaries(kDay0, kDay0 + days(10));
      ASSERT_TRUE(all.has_value()) << all.error().message;
      for (const SeriesSummary& s : *all) ASSERT_EQ(s.count, all->front().count);
    }
  });
  std::thread maintainer([&] {
    while (!done) ASSERT_TRUE(history_->maintain().has_value());
  });
  for (int c = 0; c < 3 * 288; c += 3) {
    std::vector<Observation> values;
    for (int s = 0; s < 20; ++s)
      values.push_back({"p" + std::to_string(s), Metric::latency_ms, c * 1.0});
    clock_.set(cycle(c));
    ASSERT_TRUE(history_->append(cycle(c), values).has_value());
  }
  done = true;
  reader.join();
  maintainer.join();
  clock_.set(kDay0 + days(3) + hours(2));
  maintain_all();
  history_->retain_only({});
  EXPECT_EQ(points("p3", Metric::latency_ms, kDay0, kDay0 + days(10)).size(), 288u);
}

}  // namespace
}  // namespace slamon::history
