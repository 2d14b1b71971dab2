// SLA accounting (SPEC §7.1, §7.2, §7.4, §7.5, §7.7) against hand-computed values: status
// distributions with gaps, maintenance and business hours; measured downtime, error budgets and
// burn rates; outage counts at the min_duration edge; period states and service credits.
#include "sla/accounting.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace slamon::sla {
namespace {

using namespace std::chrono_literals;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Monday 2026-03-02 00:00 UTC; every instant in these tests is an offset from it.
const WallTime kBase = std::chrono::sys_days{std::chrono::year{2026} / 3 / 2};
constexpr double kInf = std::numeric_limits<double>::infinity();

WallTime at(Duration offset) {
  return kBase + offset;
}
Interval span_of(Duration from, Duration to) {
  return Interval{at(from), at(to)};
}
StatusSegment seg(Duration from, Duration to, PolicyStatusKind status) {
  return StatusSegment{at(from), at(to), status};
}
UptimeSample sample(Duration from, Duration covers, double uptime) {
  return UptimeSample{at(from), covers, uptime};
}

constexpr auto up = PolicyStatusKind::up;
constexpr auto degraded = PolicyStatusKind::degraded;
constexpr auto down = PolicyStatusKind::down;
constexpr auto unknown = PolicyStatusKind::unknown;
constexpr auto maintenance = PolicyStatusKind::maintenance;

// ---------------------------------------------------------------------------------------------
// §7.1 status distribution

// The expected durations in the order up, degraded, down, unknown, maintenance.
struct Shares {
  Duration up, degraded, down, unknown, maintenance;
};

struct DistributionCase {
  std::string name;
  std::vector<StatusSegment> timeline;
  Interval window;
  std::vector<Interval> counted;  // empty: all time counts
  Shares expected;
  std::optional<double> compliance;
};

// A case as one call, so that each table row stays a few lines long.
DistributionCase distribution_case(std::string name, std::vector<StatusSegment> timeline,
                                   Interval window, std::vector<Interval> counted, Shares expected,
                                   std::optional<double> compliance) {
  return {std::move(name), std::move(timeline), window, std::move(counted), expected, compliance};
}

class DistributionTest : public ::testing::TestWithParam<DistributionCase> {};

TEST_P(DistributionTest, DurationsAndCompliance) {
  const DistributionCase& c = GetParam();
  const IntervalSet counted = IntervalSet::from(c.counted);
  const StatusDistribution d =
      distribution(c.timeline, c.window, c.counted.empty() ? nullptr : &counted);
  const Shares& e = c.expected;
  EXPECT_EQ(d.up, e.up);
  EXPECT_EQ(d.degraded, e.degraded);
  EXPECT_EQ(d.down, e.down);
  EXPECT_EQ(d.unknown, e.unknown);
  EXPECT_EQ(d.maintenance, e.maintenance);
  EXPECT_EQ(d.total(), e.up + e.degraded + e.down + e.unknown + e.maintenance);
  ASSERT_EQ(d.compliance_ratio().has_value(), c.compliance.has_value());
  if (c.compliance) {
    EXPECT_DOUBLE_EQ(*d.compliance_ratio(), *c.compliance);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Accounting, DistributionTest,
    ::testing::Values(
        distribution_case("all_evaluated",
                          {seg(0h, 6h, up), seg(6h, 7h, degraded), seg(7h, 8h, down)},
                          span_of(0h, 8h), {}, {6h, 1h, 1h, 0h, 0h}, 6.0 / 8.0),
        // Gaps [2h,3h) and [4h,5h) are unknown: neither compliant nor breached.
        distribution_case("gaps_are_unknown", {seg(0h, 2h, up), seg(3h, 4h, down)}, span_of(0h, 5h),
                          {}, {2h, 0h, 1h, 2h, 0h}, 2.0 / 3.0),
        // The segment before the window and the one past it are clipped to it.
        distribution_case("clipped_to_window", {seg(-5h, 2h, down), seg(2h, 30h, up)},
                          span_of(1h, 4h), {}, {2h, 0h, 1h, 0h, 0h}, 2.0 / 3.0),
        // Maintenance is its own share, outside the ratio.
        distribution_case("maintenance_share", {seg(0h, 3h, up), seg(3h, 4h, maintenance)},
                          span_of(0h, 4h), {}, {3h, 0h, 0h, 0h, 1h}, 1.0),
        // Business hours 09:00-17:00: the night's down time does not count.
        distribution_case("business_hours_only",
                          {seg(0h, 9h, down), seg(9h, 12h, up), seg(12h, 13h, degraded),
                           seg(13h, 24h, up)},
                          span_of(0h, 24h), {span_of(9h, 17h)}, {7h, 1h, 0h, 0h, 0h}, 7.0 / 8.0),
        // Uncounted time is not unknown either: only the gap inside business hours is.
        distribution_case("business_hours_gap", {seg(9h, 12h, up)}, span_of(0h, 24h),
                          {span_of(9h, 17h)}, {3h, 0h, 0h, 5h, 0h}, 1.0),
        // An hour up beside nine unknown ones is 100 % compliant, not 10 %.
        distribution_case("unknown_not_counted", {seg(0h, 1h, up), seg(1h, 4h, unknown)},
                          span_of(0h, 10h), {}, {1h, 0h, 0h, 9h, 0h}, 1.0),
        distribution_case("nothing_evaluated", {seg(0h, 2h, unknown)}, span_of(0h, 3h), {},
                          {0h, 0h, 0h, 3h, 0h}, std::nullopt),
        distribution_case("only_maintenance", {seg(0h, 3h, maintenance)}, span_of(0h, 3h), {},
                          {0h, 0h, 0h, 0h, 3h}, std::nullopt),
        distribution_case("empty_timeline", {}, span_of(0h, 1h), {}, {0h, 0h, 0h, 1h, 0h},
                          std::nullopt),
        distribution_case("empty_window", {seg(0h, 2h, up)}, span_of(1h, 1h), {},
                          {0h, 0h, 0h, 0h, 0h}, std::nullopt),
        // Overlapping segments (not meant to happen) never make unknown negative.
        distribution_case("overlapping_segments", {seg(0h, 2h, up), seg(1h, 3h, down)},
                          span_of(0h, 4h), {}, {2h, 0h, 2h, 1h, 0h}, 0.5)),
    [](const auto& info) { return info.param.name; });

TEST(AccountingDistribution, SharesAreOfCountedWindowTime) {
  const std::vector<StatusSegment> timeline{seg(0h, 2h, up), seg(3h, 4h, maintenance)};
  const StatusDistribution d = distribution(timeline, span_of(0h, 5h));
  EXPECT_DOUBLE_EQ(d.share(up), 0.4);
  EXPECT_DOUBLE_EQ(d.share(unknown), 0.4);
  EXPECT_DOUBLE_EQ(d.share(maintenance), 0.2);
  EXPECT_DOUBLE_EQ(d.share(down), 0.0);
  EXPECT_DOUBLE_EQ(StatusDistribution{}.share(up), 0.0);  // empty window: no division by zero
}

TEST(AccountingDistribution, StatusNamesRoundTrip) {
  for (PolicyStatusKind kind : {up, degraded, down, unknown, maintenance}) {
    EXPECT_EQ(parse_policy_status_kind(to_string(kind)), kind);
  }
  EXPECT_EQ(to_string(maintenance), "maintenance");
  EXPECT_FALSE(parse_policy_status_kind("Up").has_value());
}

// ---------------------------------------------------------------------------------------------
// §7.1 windows

TEST(AccountingWindow, RollingWindowsEndNow) {
  const WallTime now = at(1000h);
  EXPECT_EQ(window_interval(ComplianceWindow::d1, now, at(0h)), (Interval{now - 24h, now}));
  EXPECT_EQ(window_interval(ComplianceWindow::d7, now, at(0h)), (Interval{now - 168h, now}));
  EXPECT_EQ(window_interval(ComplianceWindow::d30, now, at(0h)), (Interval{now - 720h, now}));
  EXPECT_EQ(window_interval(ComplianceWindow::d90, now, at(0h)), (Interval{now - 2160h, now}));
  EXPECT_EQ(window_interval(ComplianceWindow::all, now, at(3h)), (Interval{at(3h), now}));
  EXPECT_TRUE(window_interval(ComplianceWindow::all, now, now).empty());
  EXPECT_TRUE(window_interval(ComplianceWindow::all, now, now + 1h).empty());
}

TEST(AccountingWindow, NamesRoundTrip) {
  std::vector<std::string> names;
  for (ComplianceWindow window : kComplianceWindows) {
    names.emplace_back(to_string(window));
    EXPECT_EQ(parse_compliance_window(to_string(window)), window);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"1d", "7d", "30d", "90d", "all"}));
  EXPECT_FALSE(parse_compliance_window("2d").has_value());
}

// ---------------------------------------------------------------------------------------------
// Measured downtime

struct DowntimeCase {
  std::string name;
  std::vector<UptimeSample> samples;
  Interval range;
  std::vector<Interval> counted;   // empty: all
  std::vector<Interval> excluded;  // empty: none
  Duration downtime, measured;
};

DowntimeCase downtime_case(std::string name, std::vector<UptimeSample> samples, Interval range,
                           std::vector<Interval> counted, std::vector<Interval> excluded,
                           Duration downtime, Duration measured) {
  return {std::move(name),     std::move(samples), range,   std::move(counted),
          std::move(excluded), downtime,           measured};
}

class DowntimeTest : public ::testing::TestWithParam<DowntimeCase> {};

TEST_P(DowntimeTest, Measures) {
  const DowntimeCase& c = GetParam();
  const IntervalSet counted = IntervalSet::from(c.counted);
  const IntervalSet excluded = IntervalSet::from(c.excluded);
  const Downtime d = measure_downtime(c.samples, c.range, c.counted.empty() ? nullptr : &counted,
                                      c.excluded.empty() ? nullptr : &excluded);
  EXPECT_EQ(d.downtime, c.downtime);
  EXPECT_EQ(d.measured, c.measured);
}

INSTANTIATE_TEST_SUITE_P(
    Accounting, DowntimeTest,
    ::testing::Values(
        // 1 % of an hour is 36 s.
        downtime_case("one_hour_at_99", {sample(0h, 1h, 99)}, span_of(0h, 24h), {}, {}, 36s, 1h),
        // Only the half inside the range counts.
        downtime_case("clipped_to_range", {sample(0h, 2h, 99)}, span_of(1h, 24h), {}, {}, 36s, 1h),
        downtime_case("sums_samples", {sample(0h, 1h, 50), sample(1h, 1h, 100), sample(2h, 1h, 75)},
                      span_of(0h, 3h), {}, {}, 45min, 3h),
        // Business hours 09:00-17:00: a down night is not measured.
        downtime_case("counted_only", {sample(0h, 9h, 0), sample(9h, 8h, 90)}, span_of(0h, 24h),
                      {span_of(9h, 17h)}, {}, 48min, 8h),
        // Maintenance [1h,2h) is excluded: its 0 % does not count.
        downtime_case("excluded_maintenance",
                      {sample(0h, 1h, 100), sample(1h, 1h, 0), sample(2h, 1h, 100)},
                      span_of(0h, 3h), {}, {span_of(1h, 2h)}, 0s, 2h),
        downtime_case("clamped_values", {sample(0h, 1h, 120), sample(1h, 1h, -5)}, span_of(0h, 2h),
                      {}, {}, 1h, 2h),
        downtime_case("nan_measures_nothing", {sample(0h, 1h, std::nan("")), sample(1h, 1h, 50)},
                      span_of(0h, 2h), {}, {}, 30min, 1h),
        downtime_case("none", {}, span_of(0h, 2h), {}, {}, 0s, 0s)),
    [](const auto& info) { return info.param.name; });

TEST(AccountingDowntime, AchievedUptime) {
  EXPECT_DOUBLE_EQ(*(Downtime{36s, 1h}.achieved_uptime_percent()), 99.0);
  EXPECT_DOUBLE_EQ(*(Downtime{0s, 1h}.achieved_uptime_percent()), 100.0);
  EXPECT_FALSE(Downtime{}.achieved_uptime_percent().has_value());
}

// ---------------------------------------------------------------------------------------------
// §7.5 error budget

TEST(AccountingBudget, ThirtyDaysAtThreeNines) {
  // (1 − 0.999) × 30 d = 43.2 min; an hour at 98 % uses 72 s of it.
  const std::vector<UptimeSample> samples{sample(0h, 1h, 98), sample(1h, 1h, 100)};
  const ErrorBudget b = error_budget(99.9, samples, span_of(0h, 720h), nullptr, nullptr);
  EXPECT_EQ(b.target_percent, 99.9);
  EXPECT_EQ(b.budget, 2592s);
  EXPECT_EQ(b.used, 72s);
  EXPECT_DOUBLE_EQ(b.used_ratio(), 72.0 / 2592.0);
  EXPECT_DOUBLE_EQ(b.remaining_ratio(), 1.0 - 72.0 / 2592.0);
}

TEST(AccountingBudget, MaintenanceIsNotPartOfTheBudgetNorOfItsUse) {
  // 30 d − 2 h of maintenance: 0.001 × 718 h = 2584.8 s. The outage inside maintenance is free.
  const std::vector<UptimeSample> samples{sample(10h, 2h, 0), sample(12h, 1h, 99)};
  const IntervalSet maintenance(span_of(10h, 12h));
  const ErrorBudget b = error_budget(99.9, samples, span_of(0h, 720h), nullptr, &maintenance);
  EXPECT_EQ(b.budget, 2584800ms);
  EXPECT_EQ(b.used, 36s);
}

TEST(AccountingBudget, BusinessHoursOnly) {
  // 8 counted hours at a 99 % target: 4.8 min.
  const IntervalSet counted(span_of(9h, 17h));
  const std::vector<UptimeSample> samples{sample(0h, 24h, 50)};
  const ErrorBudget b = error_budget(99, samples, span_of(0h, 24h), &counted, nullptr);
  EXPECT_EQ(b.budget, 288s);
  EXPECT_EQ(b.used, 4h);
  EXPECT_DOUBLE_EQ(b.used_ratio(), 50.0);
}

TEST(AccountingBudget, HundredPercentTargetHasNoBudget) {
  const ErrorBudget clean =
      error_budget(100, std::vector{sample(0h, 1h, 100)}, span_of(0h, 24h), nullptr, nullptr);
  EXPECT_EQ(clean.budget, 0s);
  EXPECT_EQ(clean.used_ratio(), 0.0);
  EXPECT_EQ(clean.remaining_ratio(), 1.0);
  const ErrorBudget hit =
      error_budget(100, std::vector{sample(0h, 1h, 99.99)}, span_of(0h, 24h), nullptr, nullptr);
  EXPECT_EQ(hit.budget, 0s);
  EXPECT_GT(hit.used, 0s);
  EXPECT_EQ(hit.used_ratio(), kInf);
  EXPECT_EQ(hit.remaining_ratio(), -kInf);
}

// ---------------------------------------------------------------------------------------------
// §7.5 burn rate

struct BurnCase {
  std::string name;
  double target;
  std::vector<UptimeSample> samples;
  Duration window;
  std::vector<Interval> excluded;
  std::optional<double> burn;
};

BurnCase burn_case(std::string name, double target, std::vector<UptimeSample> samples,
                   Duration window, std::vector<Interval> excluded, std::optional<double> burn) {
  return {std::move(name), target, std::move(samples), window, std::move(excluded), burn};
}

class BurnRateTest : public ::testing::TestWithParam<BurnCase> {};

// "now" is 10 h after the base in every case.
TEST_P(BurnRateTest, AgainstHandComputed) {
  const BurnCase& c = GetParam();
  const IntervalSet excluded = IntervalSet::from(c.excluded);
  const std::optional<double> burn = burn_rate(c.target, c.samples, at(10h), c.window, nullptr,
                                               c.excluded.empty() ? nullptr : &excluded);
  ASSERT_EQ(burn.has_value(), c.burn.has_value());
  if (!c.burn) return;
  if (std::isinf(*c.burn)) {
    EXPECT_EQ(*burn, *c.burn);
  } else {
    EXPECT_NEAR(*burn, *c.burn, 1e-9);
  }
}

std::vector<UptimeSample> twelve_five_minute_samples_one_down() {
  std::vector<UptimeSample> samples;
  for (int i = 0; i < 12; ++i) {
    samples.push_back(sample(9h + i * 5min, 5min, i == 3 ? 0 : 100));
  }
  return samples;
}

INSTANTIATE_TEST_SUITE_P(
    Accounting, BurnRateTest,
    ::testing::Values(
        // 1.44 % errors against a 0.1 % allowance: the page threshold 14.4.
        burn_case("page_threshold", 99.9, {sample(10h - 5min, 5min, 98.56)}, 5min, {}, 14.4),
        // (1/12) / 0.001
        burn_case("one_down_cycle_in_an_hour", 99.9, twelve_five_minute_samples_one_down(), 1h, {},
                  1000.0 / 12.0),
        // The 5 m window sees only the last, clean cycle.
        burn_case("short_window_sees_last_cycle", 99.9, twelve_five_minute_samples_one_down(), 5min,
                  {}, 0.0),
        burn_case("half_the_allowance", 99, {sample(9h, 1h, 99.5)}, 1h, {}, 0.5),
        // Only 30 of the window's 60 minutes measured: the ratio is of measured time.
        burn_case("partly_measured", 99, {sample(9h + 30min, 30min, 98)}, 1h, {}, 2.0),
        burn_case("maintenance_excluded", 99.9,
                  {sample(9h, 30min, 0), sample(9h + 30min, 30min, 100)}, 1h,
                  {span_of(9h, 9h + 30min)}, 0.0),
        burn_case("nothing_measured", 99.9, {sample(0h, 1h, 0)}, 1h, {}, std::nullopt),
        burn_case("hundred_percent_target_hit", 100, {sample(9h, 1h, 99.9)}, 1h, {}, kInf),
        burn_case("hundred_percent_target_clean", 100, {sample(9h, 1h, 100)}, 1h, {}, 0.0)),
    [](const auto& info) { return info.param.name; });

TEST(AccountingBurnRate, Windows) {
  std::vector<std::string> labels;
  std::vector<Duration> lengths;
  for (const BurnWindow& window : burn_windows()) {
    labels.emplace_back(window.label);
    lengths.push_back(window.length);
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}));
  EXPECT_EQ(lengths, (std::vector<Duration>{5min, 30min, 1h, 2h, 6h, 24h, 72h}));
}

// ---------------------------------------------------------------------------------------------
// §7.4 outage counting

TEST(AccountingOutages, MinDurationEdgeMetricAndPeriod) {
  const OutageRequirement requirement{
      .max_outages = 5, .min_duration = 2min, .metric = Metric::uptime_percent};
  const Interval period = span_of(0h, 24h);
  const WallTime now = at(30h);
  struct Case {
    std::string name;
    OutageInterval outage;
    int expected;
  };
  const std::vector<Case> cases{
      {"exactly_min_duration", {Metric::uptime_percent, at(1h), at(1h + 2min)}, 1},
      {"just_below", {Metric::uptime_percent, at(1h), at(1h + 2min - 1ms)}, 0},
      {"other_metric", {Metric::latency_ms, at(1h), at(2h)}, 0},
      {"opened_before_period", {Metric::uptime_percent, at(-1h), at(1h)}, 0},
      {"opened_at_period_start", {Metric::uptime_percent, at(0h), at(1h)}, 1},
      {"opened_at_period_end", {Metric::uptime_percent, at(24h), at(25h)}, 0},
      // Opened inside, resolved after the period: it counts whole.
      {"runs_past_period_end", {Metric::uptime_percent, at(24h - 1min), at(25h)}, 1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(count_outages(std::vector{c.outage}, requirement, period, now), c.expected) << c.name;
  }
}

TEST(AccountingOutages, OpenBreachCountsOnceLongEnough) {
  const OutageRequirement requirement{
      .max_outages = 1, .min_duration = 2min, .metric = Metric::uptime_percent};
  const std::vector<OutageInterval> open{{Metric::uptime_percent, at(10h), std::nullopt}};
  const Interval period = span_of(0h, 24h);
  EXPECT_EQ(count_outages(open, requirement, period, at(10h + 1min)), 0);
  EXPECT_EQ(count_outages(open, requirement, period, at(10h + 2min)), 1);
  EXPECT_EQ(count_outages(open, requirement, period, at(9h)), 0);  // not yet opened
}

TEST(AccountingOutages, Counts) {
  const OutageRequirement requirement{
      .max_outages = 2, .min_duration = 1min, .metric = Metric::uptime_percent};
  const std::vector<OutageInterval> outages{
      {Metric::uptime_percent, at(1h), at(1h + 5min)},
      {Metric::uptime_percent, at(2h), at(2h + 30s)},  // too short
      {Metric::uptime_percent, at(3h), at(3h + 1min)},
      {Metric::uptime_percent, at(4h), std::nullopt},
  };
  EXPECT_EQ(count_outages(outages, requirement, span_of(0h, 24h), at(5h)), 3);
}

// ---------------------------------------------------------------------------------------------
// §7.2 / §7.4 / §7.7 period results

// A ten-day period: 14 400 min; at a 99 % target the budget is 144 min.
constexpr Duration kDay = 24h;
const Interval kPeriod = span_of(0h, 10 * kDay);

Policy uptime_policy(double target) {
  Policy p;
  p.id = "uptime";
  p.thresholds[static_cast<std::size_t>(Metric::uptime_percent)] = target;
  return p;
}

Policy latency_policy() {
  Policy p;
  p.id = "latency";
  p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;
  return p;
}

// One sample per day, each standing for the whole day.
std::vector<UptimeSample> daily(const std::vector<double>& uptimes) {
  std::vector<UptimeSample> samples;
  for (std::size_t i = 0; i < uptimes.size(); ++i) {
    samples.push_back(sample(static_cast<int>(i) * kDay, kDay, uptimes[i]));
  }
  return samples;
}

PeriodResult evaluate(const Policy& policy, WallTime now, std::span<const UptimeSample> uptime,
                      std::span<const StatusSegment> timeline = {},
                      std::span<const OutageInterval> outages = {},
                      const IntervalSet* maintenance = nullptr) {
  PeriodInputs in;
  in.policy = &policy;
  in.period = kPeriod;
  in.now = now;
  in.maintenance = maintenance;
  in.timeline = timeline;
  in.uptime = uptime;
  in.outages = outages;
  return evaluate_period(in);
}

TEST(AccountingPeriod, UptimeMet) {
  // One day at 99.5 %: 7.2 min down, 5 % of the budget; 99.95 % achieved.
  const auto samples = daily({100, 100, 99.5, 100, 100, 100, 100, 100, 100, 100});
  const PeriodResult r = evaluate(uptime_policy(99), at(10 * kDay), samples);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.target_percent, 99);
  ASSERT_TRUE(r.achieved_percent);
  EXPECT_NEAR(*r.achieved_percent, 99.95, 1e-9);
  ASSERT_TRUE(r.budget);
  EXPECT_EQ(r.budget->budget, 144min);
  EXPECT_EQ(r.budget->used, 432s);
  EXPECT_NEAR(r.budget_used, 0.05, 1e-12);
  EXPECT_EQ(r.state, PeriodState::met);
  EXPECT_FALSE(r.credit_percent);  // no credits configured
}

TEST(AccountingPeriod, UptimeAtRiskAtDefaultAndConfiguredLevels) {
  // One day at 95 %: 72 min down, exactly half the budget.
  const auto samples = daily({100, 95, 100});
  Policy policy = uptime_policy(99);
  const PeriodResult running = evaluate(policy, at(3 * kDay), samples);
  EXPECT_FALSE(running.complete);
  EXPECT_DOUBLE_EQ(running.budget_used, 0.5);
  EXPECT_EQ(running.state, PeriodState::at_risk);  // default warn level 0.5, inclusive

  policy.levels = BudgetLevels{.warn_at_budget_used = 0.6, .crit_at_budget_used = 0.9};
  EXPECT_EQ(evaluate(policy, at(3 * kDay), samples).state, PeriodState::met);
  policy.levels->warn_at_budget_used = 0.4;
  EXPECT_EQ(evaluate(policy, at(3 * kDay), samples).state, PeriodState::at_risk);
}

TEST(AccountingPeriod, UptimeBudgetSpentBreaksARunningPeriod) {
  // Two days at 90 %: 288 min down of a 144 min budget, on day 3 of 10.
  const auto samples = daily({90, 90, 100});
  const PeriodResult r = evaluate(uptime_policy(99), at(3 * kDay), samples);
  EXPECT_FALSE(r.complete);
  EXPECT_DOUBLE_EQ(r.budget_used, 2.0);
  EXPECT_EQ(r.state, PeriodState::broken);
}

TEST(AccountingPeriod, CompleteVersusRunning) {
  // Only the first day was measured, at 98 %: 28.8 min of a 144 min budget (0.2). Running, that
  // is within target so far; once the period is over, 98 % achieved < 99 % is broken.
  const auto samples = daily({98});
  const PeriodResult running = evaluate(uptime_policy(99), at(1 * kDay), samples);
  EXPECT_FALSE(running.complete);
  EXPECT_NEAR(*running.achieved_percent, 98.0, 1e-9);
  EXPECT_NEAR(running.budget_used, 0.2, 1e-12);
  EXPECT_EQ(running.state, PeriodState::met);

  const PeriodResult complete = evaluate(uptime_policy(99), at(10 * kDay), samples);
  EXPECT_TRUE(complete.complete);
  EXPECT_EQ(complete.state, PeriodState::broken);

  // `now` long after the end is as complete as its end.
  EXPECT_EQ(evaluate(uptime_policy(99), at(40 * kDay), samples).state, PeriodState::broken);
}

TEST(AccountingPeriod, RunningPeriodJudgesOnlyElapsedTime) {
  // Day 2 of 10: the eight future days are not unknown.
  const std::vector<StatusSegment> timeline{seg(0h, 47h, up), seg(47h, 48h, down)};
  const PeriodResult r = evaluate(uptime_policy(99), at(2 * kDay), daily({100, 100}), timeline);
  EXPECT_EQ(r.distribution.unknown, 0s);
  EXPECT_EQ(r.distribution.up, 47h);
  EXPECT_EQ(r.breach_time, 1h);
  EXPECT_DOUBLE_EQ(*r.compliance_ratio, 47.0 / 48.0);
}

TEST(AccountingPeriod, BreachTimeAndMaintenance) {
  const std::vector<StatusSegment> timeline{seg(0h, 10h, up), seg(10h, 11h, degraded),
                                            seg(11h, 12h, down), seg(12h, 14h, maintenance),
                                            seg(14h, 240h, up)};
  // The 0 % during maintenance is excluded from achieved and from the budget.
  const std::vector<UptimeSample> samples{sample(0h, 12h, 100), sample(12h, 2h, 0),
                                          sample(14h, 226h, 100)};
  const IntervalSet maintenance(span_of(12h, 14h));
  const PeriodResult r =
      evaluate(uptime_policy(99.9), at(240h), samples, timeline, {}, &maintenance);
  EXPECT_EQ(r.breach_time, 2h);
  EXPECT_EQ(r.distribution.maintenance, 2h);
  EXPECT_DOUBLE_EQ(*r.achieved_percent, 100.0);
  EXPECT_EQ(r.budget->budget, 238 * 3600ms);  // 0.001 × 238 h
  EXPECT_EQ(r.budget->used, 0s);
  EXPECT_EQ(r.state, PeriodState::met);
}

TEST(AccountingPeriod, UnknownIsNeitherCompliantNorBreached) {
  // Nothing measured, nothing evaluated: no achieved value, nothing broken, no credit.
  Policy policy = uptime_policy(99.9);
  policy.credits = {{99.9, 10}};
  const std::vector<StatusSegment> timeline{seg(0h, 240h, unknown)};
  const PeriodResult r = evaluate(policy, at(240h), {}, timeline);
  EXPECT_FALSE(r.achieved_percent);
  EXPECT_FALSE(r.compliance_ratio);
  EXPECT_EQ(r.distribution.unknown, 240h);
  EXPECT_EQ(r.breach_time, 0s);
  EXPECT_EQ(r.budget_used, 0);
  EXPECT_EQ(r.state, PeriodState::met);
  EXPECT_FALSE(r.credit_percent);

  const PeriodResult latency = evaluate(latency_policy(), at(240h), {}, timeline);
  EXPECT_FALSE(latency.achieved_percent);
  EXPECT_FALSE(latency.budget);
  EXPECT_EQ(latency.state, PeriodState::met);
}

TEST(AccountingPeriod, NonUptimePolicyWithoutRequirements) {
  // Nine days up, one down (plus an unknown hour, which changes nothing): 90 % achieved.
  const std::vector<StatusSegment> timeline{seg(0h, 9 * kDay, up),
                                            seg(9 * kDay, 10 * kDay - 1h, down)};
  const PeriodResult complete = evaluate(latency_policy(), at(10 * kDay), {}, timeline);
  EXPECT_EQ(complete.target_percent, 100);
  EXPECT_FALSE(complete.budget);
  EXPECT_NEAR(*complete.achieved_percent, 100.0 * 216.0 / 239.0, 1e-9);
  EXPECT_EQ(complete.breach_time, 23h);
  EXPECT_EQ(complete.distribution.unknown, 1h);
  EXPECT_EQ(complete.state, PeriodState::broken);

  // Running, breach time does not break the period yet (lead's rule: only a complete one).
  const PeriodResult running = evaluate(latency_policy(), at(9 * kDay + 1h), {}, timeline);
  EXPECT_FALSE(running.complete);
  EXPECT_EQ(running.state, PeriodState::met);

  // Without breach time a complete period is met.
  const std::vector<StatusSegment> clean{seg(0h, 240h, up)};
  const PeriodResult met = evaluate(latency_policy(), at(240h), {}, clean);
  EXPECT_DOUBLE_EQ(*met.achieved_percent, 100.0);
  EXPECT_EQ(met.state, PeriodState::met);
}

TEST(AccountingPeriod, RequirementsDecideForANonUptimePolicy) {
  Policy policy = latency_policy();
  policy.requirements = {{.max_outages = 2, .min_duration = 2min, .metric = Metric::latency_ms}};
  const std::vector<StatusSegment> timeline{seg(0h, 1h, up), seg(1h, 2h, down), seg(2h, 240h, up)};
  const OutageInterval long_one{Metric::latency_ms, at(1h), at(2h)};
  const OutageInterval short_one{Metric::latency_ms, at(3h), at(3h + 1min)};
  const OutageInterval other_metric{Metric::uptime_percent, at(4h), at(5h)};
  struct Case {
    std::string name;
    std::vector<OutageInterval> outages;
    int counted;
    double budget_used;
    PeriodState state;
  };
  const std::vector<Case> cases{
      {"none", {}, 0, 0.0, PeriodState::met},
      // 1 of 2 = 0.5 reaches the default warn level although the compliance is < 1.
      {"one_of_two", {long_one, short_one, other_metric}, 1, 0.5, PeriodState::at_risk},
      {"two_of_two", {long_one, long_one}, 2, 1.0, PeriodState::at_risk},
      {"three_of_two", {long_one, long_one, long_one}, 3, 1.5, PeriodState::broken},
  };
  for (const Case& c : cases) {
    const PeriodResult r = evaluate(policy, at(240h), {}, timeline, c.outages);
    ASSERT_EQ(r.requirements.size(), 1u) << c.name;
    EXPECT_EQ(r.requirements[0].outages, c.counted) << c.name;
    EXPECT_EQ(r.requirements[0].broken, c.state == PeriodState::broken) << c.name;
    EXPECT_DOUBLE_EQ(r.budget_used, c.budget_used) << c.name;
    EXPECT_EQ(r.state, c.state) << c.name;
    EXPECT_LT(*r.compliance_ratio, 1.0) << c.name;
  }
}

TEST(AccountingPeriod, RequirementBreaksAnUptimePolicyWithinBudget) {
  Policy policy = uptime_policy(99);
  policy.requirements = {
      {.max_outages = 0, .min_duration = 2min, .metric = Metric::uptime_percent}};
  const std::vector<OutageInterval> outages{{Metric::uptime_percent, at(5h), std::nullopt}};
  const auto samples = daily({100});
  // Open for 1 min: not an outage yet.
  EXPECT_EQ(evaluate(policy, at(5h + 1min), samples, {}, outages).state, PeriodState::met);
  // Open for 2 min: one outage where none are allowed.
  const PeriodResult r = evaluate(policy, at(5h + 2min), samples, {}, outages);
  EXPECT_EQ(r.requirements[0].outages, 1);
  EXPECT_EQ(r.budget_used, kInf);
  EXPECT_EQ(r.state, PeriodState::broken);
}

TEST(AccountingPeriod, BudgetUsedIsTheLargestShare) {
  Policy policy = uptime_policy(99);
  policy.requirements = {
      {.max_outages = 10, .min_duration = 0min, .metric = Metric::uptime_percent}};
  const auto samples = daily({95});  // 0.5 of the budget
  const std::vector<OutageInterval> outages{{Metric::uptime_percent, at(1h), at(2h)},
                                            {Metric::uptime_percent, at(3h), at(4h)}};  // 0.2
  const PeriodResult r = evaluate(policy, at(kDay), samples, {}, outages);
  EXPECT_DOUBLE_EQ(r.budget_used, 0.5);
  EXPECT_DOUBLE_EQ(r.budget->used_ratio(), 0.5);
}

TEST(AccountingPeriod, WarnLevelZeroDoesNotFlagAnUntouchedPeriod) {
  Policy policy = uptime_policy(99);
  policy.levels = BudgetLevels{.warn_at_budget_used = 0, .crit_at_budget_used = 0.9};
  EXPECT_EQ(evaluate(policy, at(kDay), daily({100})).state, PeriodState::met);
  EXPECT_EQ(evaluate(policy, at(kDay), daily({99.99})).state, PeriodState::at_risk);
}

TEST(AccountingPeriod, HundredPercentTarget) {
  EXPECT_EQ(evaluate(uptime_policy(100), at(kDay), daily({100})).state, PeriodState::met);
  const PeriodResult hit = evaluate(uptime_policy(100), at(kDay), daily({99.999}));
  EXPECT_EQ(hit.budget_used, kInf);
  EXPECT_EQ(hit.state, PeriodState::broken);
}

TEST(AccountingPeriod, Credits) {
  Policy policy = uptime_policy(99.9);
  policy.credits = {{99.9, 10}, {99.0, 25}};
  struct Case {
    double uptime;  // every day of a complete period
    double credit;
  };
  for (const Case& c : {Case{100, 0}, Case{99.95, 0}, Case{99.5, 10}, Case{98.5, 25}}) {
    const auto samples = daily(std::vector<double>(10, c.uptime));
    const PeriodResult r = evaluate(policy, at(10 * kDay), samples);
    ASSERT_TRUE(r.credit_percent) << c.uptime;
    EXPECT_EQ(*r.credit_percent, c.credit) << c.uptime;
  }
}

TEST(AccountingPeriod, NoPolicyIsHarmless) {
  PeriodInputs in;
  in.period = kPeriod;
  in.now = at(kDay);
  const PeriodResult r = evaluate_period(in);
  EXPECT_EQ(r.state, PeriodState::met);
  EXPECT_TRUE(r.requirements.empty());
  EXPECT_EQ(r.distribution.unknown, kDay);
}

TEST(AccountingPeriod, StateNames) {
  EXPECT_EQ(to_string(PeriodState::met), "met");
  EXPECT_EQ(to_string(PeriodState::at_risk), "at_risk");
  EXPECT_EQ(to_string(PeriodState::broken), "broken");
}

// ---------------------------------------------------------------------------------------------
// §7.7 credit tiers

TEST(AccountingCredits, LowestApplicableTierWins) {
  const std::vector<CreditTier> tiers{{99.9, 10}, {99.0, 25}};
  const std::vector<CreditTier> reversed{{99.0, 25}, {99.9, 10}};
  struct Case {
    double achieved;
    double credit;
  };
  for (const Case& c : {Case{100, 0}, Case{99.95, 0}, Case{99.9, 0}, Case{99.89, 10},
                        Case{99.0, 10}, Case{98.99, 25}, Case{98.5, 25}, Case{0, 25}}) {
    EXPECT_EQ(credit_owed(tiers, c.achieved), c.credit) << c.achieved;
    EXPECT_EQ(credit_owed(reversed, c.achieved), c.credit) << c.achieved;
  }
  EXPECT_EQ(credit_owed({}, 50), 0);
}

}  // namespace
}  // namespace slamon::sla
