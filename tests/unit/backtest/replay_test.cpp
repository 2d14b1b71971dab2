// Tests of the backtest replay (SPEC §1, §7.1) over a fake Prometheus range query: a breach
// opens at step k and resolves at step m, escalates, stays open at the end; the no_data modes;
// failed and SNMP sources change no breach; steps are laid out from --from by --step and long
// intervals are split into range queries Prometheus accepts; the history source places points
// in the step that holds them.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backtest/output.h"
#include "backtest/replay.h"
#include "backtest/sources.h"
#include "support/sample_config.h"
#include "support/sample_policy.h"

namespace slamon::backtest {
namespace {

using namespace std::chrono_literals;
using Values = std::vector<std::optional<double>>;  // per step; nullopt = no series

constexpr char kOrg[] = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
constexpr char kSite[] = "a1b2c3d4-0000-4000-8000-000000000001";
constexpr char kOtherSite[] = "a1b2c3d4-0000-4000-8000-000000000002";
constexpr char kUptimeQuery[] = "avg by (site_id) (site_uptime_percent)";
constexpr char kLatencyQuery[] = "avg by (site_id) (site_latency_ms)";
const WallTime kFrom = from_unix_seconds(1'767'225'600);  // 2026-01-01T00:00:00Z

Config make_config() {
  Config config;
  config.global.evaluation_interval = 5min;
  config.sources = {slamon::testing::prometheus_source("http://127.0.0.1:9"),
                    slamon::testing::snmp_source()};
  config.measurements = {slamon::testing::measurement_config(Metric::uptime_percent, {Scope::site},
                                                             kUptimeQuery, "site_id"),
                         slamon::testing::measurement_config(Metric::latency_ms, {Scope::site},
                                                             kLatencyQuery, "site_id")};
  MeasurementConfig reachability;
  reachability.metric = Metric::health_score;
  reachability.scopes = {Scope::site};
  reachability.source = "switches";
  reachability.snmp = "reachability";
  config.measurements.push_back(reachability);
  return config;
}

Policy site_policy(const std::string& id, const std::string& site, Metric metric, double threshold,
                   NoDataMode no_data = NoDataMode::keep) {
  return slamon::testing::site_policy({.id = id,
                                       .org = kOrg,
                                       .site = site,
                                       .thresholds = {{metric, threshold}},
                                       .no_data = no_data,
                                       .provisioned = true});
}

// A Prometheus that answers each query with one series per site: `values[site][i]` at the i-th
// instant of the grid (counted from `origin`), none where the value is nullopt.
class FakePrometheus {
 public:
  FakePrometheus(WallTime origin, Duration step) : origin_(origin), step_(step) {}

  void series(const std::string& query, const std::string& site, Values values) {
    answers_[query][site] = std::move(values);
  }
  void fail_with(std::string message) { failure_ = std::move(message); }

  RangeQueryFn fn() {
    return [this](const std::string& source, const std::string& query, WallTime start, WallTime end,
                  Duration step) -> Result<RangeQueryResult> {
      calls.push_back({source, query, start, end, step});
      if (failure_) return fail(*failure_);
      RangeQueryResult result;
      for (const auto& [site, values] : answers_[query]) {
        RangeSeries series;
        series.labels = {{"site_id", site}, {"job", "probe"}};
        for (std::size_t i = 0; i < values.size(); ++i) {
          const WallTime at = origin_ + step_ * static_cast<long long>(i);
          if (at < start || at > end || !values[i]) continue;
          series.points.emplace_back(at, *values[i]);
        }
        if (!series.points.empty()) result.series.push_back(std::move(series));
      }
      return result;
    };
  }

  struct Call {
    std::string source, query;
    WallTime start, end;
    Duration step;
  };
  std::vector<Call> calls;

 private:
  WallTime origin_;
  Duration step_;
  std::map<std::string, std::map<std::string, Values>> answers_;
  std::optional<std::string> failure_;
};

ReplayReport run(const std::vector<Policy>& policies, FakePrometheus& prometheus, std::size_t steps,
                 Duration step = 5min) {
  const Config config = make_config();
  auto grid = make_grid(kFrom, kFrom + step * static_cast<long long>(steps - 1), step);
  EXPECT_TRUE(grid) << grid.error().message;
  PrometheusReplaySource source({"prom"}, prometheus.fn());
  auto report = replay(config, policies, *grid, source);
  EXPECT_TRUE(report) << report.error().message;
  return report ? *report : ReplayReport{};
}

struct ExpectedBreach {
  std::size_t opened_step;
  std::optional<std::size_t> closed_step;
  Severity opening, peak, at_close;
  std::string reason;  // "" while open
  int escalations = 0;
};

struct ReplayCase {
  std::string name;
  double threshold;  // uptime_percent_min
  NoDataMode no_data;
  Values values;
  std::vector<ExpectedBreach> expected;
};

class Replay : public ::testing::TestWithParam<ReplayCase> {};

TEST_P(Replay, BreachesOpenAndCloseAtTheStepsOfTheData) {
  const ReplayCase& c = GetParam();
  FakePrometheus prometheus(kFrom, 5min);
  prometheus.series(kUptimeQuery, kSite, c.values);
  prometheus.series(kUptimeQuery, kOtherSite, Values(c.values.size(), 100.0));
  const auto report = run({site_policy("p", kSite, Metric::uptime_percent, c.threshold, c.no_data),
                           site_policy("other", kOtherSite, Metric::uptime_percent, c.threshold)},
                          prometheus, c.values.size());
  ASSERT_EQ(report.breaches.size(), c.expected.size());
  for (std::size_t i = 0; i < c.expected.size(); ++i) {
    SCOPED_TRACE("breach " + std::to_string(i));
    const ReplayedBreach& got = report.breaches[i];
    const ExpectedBreach& want = c.expected[i];
    EXPECT_EQ(got.policy_id, "p");
    EXPECT_EQ(got.policy_name, "Policy p");
    EXPECT_EQ(got.scope_key, kSite);
    EXPECT_EQ(got.metric, Metric::uptime_percent);
    EXPECT_EQ(got.opened_step, want.opened_step);
    EXPECT_EQ(got.opened_at, kFrom + 5min * static_cast<long long>(want.opened_step));
    EXPECT_EQ(got.closed_step, want.closed_step);
    EXPECT_EQ(got.still_open(), !want.closed_step.has_value());
    EXPECT_EQ(got.opening_severity, want.opening);
    EXPECT_EQ(got.peak_severity, want.peak);
    EXPECT_EQ(got.last_severity, want.at_close);
    EXPECT_EQ(got.close_reason, want.reason);
    EXPECT_EQ(got.escalations, want.escalations);
    const std::size_t end_step = want.closed_step.value_or(c.values.size() - 1);
    EXPECT_EQ(got.duration(report.grid),
              5min * static_cast<long long>(end_step - want.opened_step));
  }
  EXPECT_EQ(report.policies_evaluated, 2u);
  EXPECT_EQ(prometheus.calls.size(), 1u) << "one range query for the whole interval";
}

const auto W = Severity::warning;
const auto C = Severity::critical;
const auto kNone = std::nullopt;

INSTANTIATE_TEST_SUITE_P(
    Cases, Replay,
    ::testing::Values(
        ReplayCase{"OpensAtKResolvesAtM",
                   99.5,
                   NoDataMode::keep,
                   {100, 100, 90, 90, 100, 100},
                   {{2, 4, W, W, W, "recovered"}}},
        ReplayCase{"Escalates",
                   99.5,
                   NoDataMode::keep,
                   {100, 90, 70, 90, 100},
                   {{1, 4, W, C, W, "recovered", 1}}},
        ReplayCase{
            "OpensCritical", 99.5, NoDataMode::keep, {70, 70, 100}, {{0, 2, C, C, C, "recovered"}}},
        ReplayCase{"StillOpenAtTheEnd",
                   99.5,
                   NoDataMode::keep,
                   {100, 100, 70, 70},
                   {{2, kNone, C, C, C, ""}}},
        ReplayCase{"EqualityIsCompliant", 99.5, NoDataMode::keep, {99.5, 99.5}, {}},
        ReplayCase{"OpensTwice",
                   99.5,
                   NoDataMode::keep,
                   {90, 100, 90},
                   {{0, 1, W, W, W, "recovered"}, {2, kNone, W, W, W, ""}}},
        ReplayCase{"NoDataKeepsTheBreach",
                   99.5,
                   NoDataMode::keep,
                   {90, kNone, kNone, 100},
                   {{0, 3, W, W, W, "recovered"}}},
        ReplayCase{"NoDataBreachOpensACriticalBreach",
                   99.5,
                   NoDataMode::breach,
                   {100, kNone, 100},
                   {{1, 2, C, C, C, "recovered"}}},
        ReplayCase{"NoDataBreachEscalatesAWarning",
                   99.5,
                   NoDataMode::breach,
                   {90, kNone, 90, 100},
                   {{0, 3, W, C, W, "recovered", 1}}},
        ReplayCase{"NoDataResolveResolves",
                   99.5,
                   NoDataMode::resolve,
                   {90, kNone, 90},
                   {{0, 1, W, W, W, "no data"}, {2, kNone, W, W, W, ""}}},
        ReplayCase{"NaNIsNoData",
                   99.5,
                   NoDataMode::breach,
                   {100, std::numeric_limits<double>::quiet_NaN(), 100},
                   {{1, 2, C, C, C, "recovered"}}}),
    [](const auto& info) { return info.param.name; });

TEST(ReplayActuals, KeepsTheOpeningAndLastViolatingValues) {
  FakePrometheus prometheus(kFrom, 5min);
  prometheus.series(kUptimeQuery, kSite, {90, 70, 95, 100});
  const auto report = run({site_policy("p", kSite, Metric::uptime_percent, 99.5)}, prometheus, 4);
  ASSERT_EQ(report.breaches.size(), 1u);
  EXPECT_EQ(report.breaches[0].opening_actual, 90);
  EXPECT_EQ(report.breaches[0].last_actual, 95);
  EXPECT_DOUBLE_EQ(report.breaches[0].threshold, 99.5);
}

TEST(ReplayGaps, AFailedSourceChangesNoBreachWhateverTheNoDataMode) {
  FakePrometheus prometheus(kFrom, 5min);
  prometheus.fail_with("source \"prom\": POST http://127.0.0.1:9/api/v1/query_range: refused");
  const auto report = run(
      {site_policy("p", kSite, Metric::uptime_percent, 99.5, NoDataMode::breach)}, prometheus, 6);
  EXPECT_TRUE(report.breaches.empty());
  ASSERT_EQ(report.coverage.size(), 1u);
  EXPECT_EQ(report.coverage[0].source_failed, 6u);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("refused (6 steps)"), std::string::npos) << report.problems[0];
}

TEST(ReplayGaps, SnmpMeasurementsAreNoDataFromPrometheusAndChangeNoBreach) {
  FakePrometheus prometheus(kFrom, 5min);
  const auto report = run(
      {site_policy("snmp", kSite, Metric::health_score, 90, NoDataMode::breach)}, prometheus, 3);
  EXPECT_TRUE(report.breaches.empty());
  ASSERT_EQ(report.coverage.size(), 1u);
  EXPECT_EQ(report.coverage[0].not_replayable, 3u);
  EXPECT_TRUE(prometheus.calls.empty()) << "nothing to ask Prometheus";
  const std::string table = render_table(report, "prometheus");
  EXPECT_NE(table.find("snmp health_score: no data (snmp) at 3 of 3 steps"), std::string::npos)
      << table;
}

TEST(ReplayGaps, AnAmbiguousScopeIsNoDataAndReportedOnce) {
  const Config config = make_config();
  auto grid = make_grid(kFrom, kFrom + 10min, 5min);
  ASSERT_TRUE(grid);
  PrometheusReplaySource source({"prom"},
                                [](const std::string&, const std::string&, WallTime start, WallTime,
                                   Duration step) -> Result<RangeQueryResult> {
                                  RangeQueryResult result;
                                  for (const char* job : {"a", "b"}) {
                                    RangeSeries s{{{"site_id", kSite}, {"job", job}}, {}};
                                    for (int i = 0; i < 3; ++i)
                                      s.points.emplace_back(start + step * i, 50.0);
                                    result.series.push_back(s);
                                  }
                                  return result;
                                });
  auto report =
      replay(config, {site_policy("p", kSite, Metric::uptime_percent, 99.5, NoDataMode::breach)},
             *grid, source);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->breaches.size(), 1u);
  EXPECT_EQ(report->breaches[0].opening_actual, std::nullopt) << "opened by no_data: breach";
  EXPECT_EQ(report->coverage[0].no_data, 3u);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].find("several series carry site_id=\"" + std::string(kSite) +
                                     "\"; treated as no data (3 steps)"),
            std::string::npos)
      << report->problems[0];
}

TEST(StepGrid, StepsStartAtFromAndEndAtOrBeforeTo) {
  auto grid = make_grid(kFrom, kFrom + 17min, 5min);
  ASSERT_TRUE(grid) << grid.error().message;
  EXPECT_EQ(grid->count, 4u);
  EXPECT_EQ(grid->at(0), kFrom);
  EXPECT_EQ(grid->last(), kFrom + 15min);
  EXPECT_EQ(grid->index_containing(kFrom), 0u);
  EXPECT_EQ(grid->index_containing(kFrom + 5min - 1ms), 0u);
  EXPECT_EQ(grid->index_containing(kFrom + 5min), 1u);
  EXPECT_EQ(grid->index_containing(kFrom + 20min - 1ms), 3u);
  EXPECT_EQ(grid->index_containing(kFrom + 20min), std::nullopt);
  EXPECT_EQ(grid->index_containing(kFrom - 1ms), std::nullopt);

  auto exact = make_grid(kFrom, kFrom + 15min, 5min);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->count, 4u) << "--to on a step is evaluated";
}

TEST(StepGrid, RangeQueriesAskForTheGridInstantsAndIgnoreOthers) {
  FakePrometheus prometheus(kFrom, 1min);  // a point every minute; steps every 5 minutes
  Values values(18, 100.0);
  values[10] = 50;  // 00:10, a step instant
  values[11] = 50;  // 00:11, between steps: not one of ours
  prometheus.series(kUptimeQuery, kSite, values);
  const Config config = make_config();
  auto grid = make_grid(kFrom, kFrom + 17min, 5min);
  ASSERT_TRUE(grid);
  PrometheusReplaySource source({"prom"}, prometheus.fn());
  auto report =
      replay(config, {site_policy("p", kSite, Metric::uptime_percent, 99.5)}, *grid, source);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(prometheus.calls.size(), 1u);
  EXPECT_EQ(prometheus.calls[0].source, "prom");
  EXPECT_EQ(prometheus.calls[0].query, kUptimeQuery);
  EXPECT_EQ(prometheus.calls[0].start, kFrom);
  EXPECT_EQ(prometheus.calls[0].end, kFrom + 15min);
  EXPECT_EQ(prometheus.calls[0].step, 5min);
  ASSERT_EQ(report->breaches.size(), 1u);
  EXPECT_EQ(report->breaches[0].opened_step, 2u);
  EXPECT_EQ(report->breaches[0].closed_step, 3u);
}

TEST(StepGrid, LongIntervalsAreSplitIntoRangeQueriesPrometheusAccepts) {
  constexpr std::size_t kSteps = 25'001;
  Values values(kSteps, 100.0);
  for (std::size_t i = 9'990; i < 10'020; ++i) values[i] = 90;  // across the first split
  FakePrometheus prometheus(kFrom, 1min);
  prometheus.series(kUptimeQuery, kSite, values);
  const auto report =
      run({site_policy("p", kSite, Metric::uptime_percent, 99.5)}, prometheus, kSteps, 1min);
  ASSERT_EQ(prometheus.calls.size(), 3u);
  EXPECT_EQ(prometheus.calls[0].start, kFrom);
  EXPECT_EQ(prometheus.calls[0].end, kFrom + 9'999min);
  EXPECT_EQ(prometheus.calls[1].start, kFrom + 10'000min);
  EXPECT_EQ(prometheus.calls[1].end, kFrom + 19'999min);
  EXPECT_EQ(prometheus.calls[2].start, kFrom + 20'000min);
  EXPECT_EQ(prometheus.calls[2].end, kFrom + 25'000min);
  for (const auto& call : prometheus.calls) {
    EXPECT_LE(static_cast<std::size_t>((call.end - call.start) / call.step) + 1,
              kMaxRangeQueryPoints);
  }
  ASSERT_EQ(report.breaches.size(), 1u) << "one breach across the split";
  EXPECT_EQ(report.breaches[0].opened_step, 9'990u);
  EXPECT_EQ(report.breaches[0].closed_step, 10'020u);
}

TEST(StepGrid, RefusesBadIntervals) {
  auto expect_error = [](WallTime from, WallTime to, Duration step, const std::string& text) {
    auto grid = make_grid(from, to, step);
    ASSERT_FALSE(grid);
    EXPECT_NE(grid.error().message.find(text), std::string::npos) << grid.error().message;
  };
  expect_error(kFrom, kFrom, 5min, "--from must be before --to");
  expect_error(kFrom + 1h, kFrom, 5min, "--from must be before --to");
  expect_error(kFrom, kFrom + std::chrono::days(401), 1h, "longer than 400 days");
  expect_error(kFrom, kFrom + 100'000min, 1min, "100001 steps, more than 100000");
  expect_error(kFrom, kFrom + 1h, 0ms, "--step");
  EXPECT_TRUE(make_grid(kFrom, kFrom + 99'999min, 1min));
  EXPECT_TRUE(make_grid(kFrom, kFrom + std::chrono::days(400), 1h));
}

// History points as History::points returns them.
class FakeHistory {
 public:
  std::map<SeriesKey, std::vector<history::Point>> series;
  int reads = 0;
  HistoryPointsFn fn() {
    return [this](const std::string& policy_id, Metric metric, WallTime from,
                  WallTime to) -> Result<std::vector<history::Point>> {
      ++reads;
      std::vector<history::Point> out;
      for (const auto& p : series[{policy_id, metric}]) {
        if (p.at >= from && p.at < to) out.push_back(p);
      }
      return out;
    };
  }
};

history::Point raw(WallTime at, double value) {
  return history::Point{at, value, value, value, 1};
}

TEST(HistorySource, APointAppliesToTheStepThatHoldsIt) {
  FakeHistory history;
  auto& points = history.series[{"p", Metric::uptime_percent}];
  points.push_back(raw(kFrom + 3s, 90));             // step 0 (a cycle a bit late)
  points.push_back(raw(kFrom + 5min + 3s, 80));      // step 1
  points.push_back(raw(kFrom + 7min, 100));          // step 1 too: averaged
  points.push_back({kFrom + 15min, 40, 60, 80, 3});  // step 3: an aggregate of 3
  points.push_back(raw(kFrom + 15min + 30s, 100));   // step 3: weighs 1 against 3
  const Config config = make_config();
  auto grid = make_grid(kFrom, kFrom + 15min, 5min);
  ASSERT_TRUE(grid);
  HistoryReplaySource source(history.fn());
  const std::vector<Policy> policies{site_policy("p", kSite, Metric::uptime_percent, 99.5)};
  auto measured = source.measure(plan_queries(config, policies), *grid, 0, grid->count);
  ASSERT_TRUE(measured) << measured.error().message;
  ASSERT_EQ(measured->size(), 4u);
  const SeriesKey key{"p", Metric::uptime_percent};
  EXPECT_DOUBLE_EQ((*measured)[0].values.at(key), 90);
  EXPECT_DOUBLE_EQ((*measured)[1].values.at(key), 90);
  EXPECT_FALSE((*measured)[2].values.contains(key));
  EXPECT_EQ((*measured)[2].gaps.at(key), Gap::not_recorded);
  EXPECT_DOUBLE_EQ((*measured)[3].values.at(key), (60.0 * 3 + 100) / 4);
}

TEST(HistorySource, ReplaysSnmpPoliciesAndKeepsBreachesOverGaps) {
  FakeHistory history;
  auto& points = history.series[{"snmp", Metric::health_score}];
  points.push_back(raw(kFrom, 50));
  // no point at step 1: slamon was not running; the breach stays open
  points.push_back(raw(kFrom + 10min, 95));
  const Config config = make_config();
  auto grid = make_grid(kFrom, kFrom + 10min, 5min);
  ASSERT_TRUE(grid);
  HistoryReplaySource source(history.fn());
  auto report =
      replay(config, {site_policy("snmp", kSite, Metric::health_score, 90, NoDataMode::resolve)},
             *grid, source);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->breaches.size(), 1u);
  EXPECT_EQ(report->breaches[0].opened_step, 0u);
  EXPECT_EQ(report->breaches[0].opening_severity, Severity::critical);
  EXPECT_EQ(report->breaches[0].closed_step, 2u);
  EXPECT_EQ(report->breaches[0].close_reason, "recovered");
  EXPECT_EQ(report->coverage[0].not_recorded, 1u);
  EXPECT_EQ(history.reads, 1) << "one read per policy × metric for the whole interval";
}

}  // namespace
}  // namespace slamon::backtest
