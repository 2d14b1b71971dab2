// The SLA read model (SlaView) over a real store and history on a temp file: timelines,
// compliance with business hours and statistics, calendar periods and the current standing
// (one code path), daily figures, maintenance and breaches.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/uuid.h"
#include "config/config.h"
#include "history/history.h"
#include "slaview/sla_view.h"
#include "store/store.h"
#include "support/sample_breach.h"
#include "support/sample_policy.h"
#include "support/sla_store_fixture.h"

namespace slamon::slaview {
namespace {

using namespace std::chrono_literals;
using slamon::testing::sample_breach;

WallTime utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  using namespace std::chrono;
  return sys_days(year_month_day{year(y), month(m), day(d)}) + hours(h) + minutes(min);
}

const std::string kOrg = "org-1";
const std::string kSite = "site-1";
const WallTime kNow = utc(2027, 3, 10, 12);

class SlaViewTest : public slamon::testing::SlaStoreTest {
 protected:
  SlaViewTest() : SlaStoreTest(kNow) {}

  void SetUp() override {
    SlaStoreTest::SetUp();
    if (HasFatalFailure()) return;

    policy_ = slamon::testing::site_policy(
        {.id = "policy-1",
         .org = kOrg,
         .name = "Policy",
         .site = kSite,
         .thresholds = {{Metric::uptime_percent, 99}, {Metric::latency_ms, 100}},
         .sla_period = SlaPeriod{PeriodKind::month, "UTC"}});

    MaintenanceWindow window;
    window.id = "maintenance-1";
    window.org = kOrg;
    window.scope = Scope::site;
    window.scope_id = kSite;
    window.start = utc(2027, 3, 2);
    window.end = utc(2027, 3, 3);
    window.provisioned = true;
    config_.maintenance = {window};
  }

  SlaView view() const { return SlaView(config_, *store_, history_.get()); }

  Config config_;
  Policy policy_;
};

TEST(SlaViewTimeline, SortsSkipsWhatItCannotReadAndAnswersTheStatusAt) {
  const std::vector<StoredStatusSegment> stored{
      {"p", "o", utc(2027, 1, 2), utc(2027, 1, 3), "down"},
      {"p", "o", utc(2027, 1, 1), utc(2027, 1, 2), "up"},
      {"p", "o", utc(2027, 1, 3), utc(2027, 1, 4), "sideways"},  // unknown spelling
      {"p", "o", utc(2027, 1, 5), utc(2027, 1, 5), "up"},        // empty
  };
  const auto timeline = timeline_of(stored);
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].status, sla::PolicyStatusKind::up);
  EXPECT_EQ(timeline[1].status, sla::PolicyStatusKind::down);
  EXPECT_EQ(status_at(timeline, utc(2027, 1, 2, 6)), sla::PolicyStatusKind::down);
  EXPECT_EQ(status_at(timeline, utc(2027, 1, 3, 6)), sla::PolicyStatusKind::unknown);
}

TEST(SlaViewCalendar, FollowsThePolicysPeriodAndZone) {
  const Inventory inventory;
  Policy policy;
  policy.sla_period = SlaPeriod{PeriodKind::month, "Europe/Berlin"};
  auto calendar = calendar_of(policy, inventory);
  ASSERT_TRUE(calendar) << calendar.error().message;
  EXPECT_EQ(calendar->zone.name(), "Europe/Berlin");
  EXPECT_EQ(calendar->start_of_last_periods(kNow, 3), utc(2026, 12, 31, 23));
  policy.sla_period->timezone = "Mars/Olympus";
  EXPECT_FALSE(calendar_of(policy, inventory));
  policy.sla_period.reset();
  auto fallback = calendar_of(policy, inventory);
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->kind, PeriodKind::month);
  EXPECT_EQ(fallback->zone.name(), "UTC");
}

// Without an sla_period the engine reads business hours and periods in the site's zone; the
// read model must read them in the same zone, or the API and the engine disagree.
TEST(SlaViewCalendar, WithoutAPeriodZoneTheSitesZoneCountsAsForTheEngine) {
  Inventory inventory;
  Organization org;
  org.id = kOrg;
  org.sites.push_back(Site{kSite, "Site", "", "Asia/Tokyo"});
  inventory.organizations.push_back(org);
  inventory.index();
  Policy policy;
  policy.org = kOrg;
  policy.scope = Scope::site;
  policy.scope_id = kSite;
  auto calendar = calendar_of(policy, inventory);
  ASSERT_TRUE(calendar) << calendar.error().message;
  EXPECT_EQ(calendar->zone.name(), "Asia/Tokyo");
  policy.sla_period = SlaPeriod{PeriodKind::week, "Europe/Berlin"};
  EXPECT_EQ(calendar_of(policy, inventory)->zone.name(), "Europe/Berlin");
}

TEST_F(SlaViewTest, ComplianceGivesStatusesTheCompliantTimeAndMetricStatistics) {
  segments(policy_.id, kOrg,
           {{utc(2027, 3, 9), utc(2027, 3, 9, 18), "up"},
            {utc(2027, 3, 9, 18), utc(2027, 3, 10), "down"}});
  measure_values(policy_.id, Metric::latency_ms, utc(2027, 3, 9, 1), 5min, {10, 20, 30});
  auto figures = view().compliance(policy_, sla::ComplianceWindow::d1, kNow);
  ASSERT_TRUE(figures) << figures.error().message;
  EXPECT_EQ(figures->range.start, utc(2027, 3, 9, 12));
  EXPECT_EQ(figures->statuses.up, 6h);
  EXPECT_EQ(figures->statuses.down, 6h);
  EXPECT_EQ(figures->statuses.unknown, 12h);
  ASSERT_TRUE(figures->compliant_time_ratio);
  EXPECT_DOUBLE_EQ(*figures->compliant_time_ratio, 0.5);
  ASSERT_EQ(figures->metrics.size(), 2u);  // uptime and latency, in metric order
  EXPECT_EQ(figures->metrics[0].metric, Metric::uptime_percent);
  EXPECT_FALSE(figures->metrics[0].stats);
  EXPECT_FALSE(figures->metrics[1].stats);  // measured before the window

  auto wider = view().compliance(policy_, {utc(2027, 3, 9), kNow});
  ASSERT_TRUE(wider);
  ASSERT_TRUE(wider->metrics[1].stats);
  EXPECT_EQ(wider->metrics[1].stats->count, 3);
  EXPECT_DOUBLE_EQ(wider->metrics[1].stats->max, 30);
}

TEST_F(SlaViewTest, TheStandingIsTheRunningPeriodAsPeriodsJudgesIt) {
  segments(policy_.id, kOrg, {{utc(2027, 3, 1), utc(2027, 3, 10, 12), "up"}});
  std::vector<double> uptime(12, 100.0);
  uptime[4] = 0;
  measure_values(policy_.id, Metric::uptime_percent, utc(2027, 3, 5), 5min, uptime);
  measure_values(policy_.id, Metric::uptime_percent, utc(2027, 3, 2, 1), 5min,
                 {0, 0});  // in maintenance: excluded

  auto periods = view().periods(policy_, {utc(2027, 2, 1), kNow}, kNow);
  ASSERT_TRUE(periods) << periods.error().message;
  EXPECT_TRUE(periods->measures_uptime);
  ASSERT_EQ(periods->items.size(), 2u);
  auto standing = view().standing(policy_, kNow);
  ASSERT_TRUE(standing) << standing.error().message;
  EXPECT_TRUE(standing->calendar_period);
  EXPECT_EQ(standing->window, periods->items.back().period);
  ASSERT_TRUE(standing->measured_uptime_percent());
  EXPECT_NEAR(*standing->measured_uptime_percent(), 100.0 * 11 / 12, 1e-9);
  EXPECT_EQ(standing->measured_uptime_percent(), periods->items.back().achieved_percent);
  EXPECT_EQ(standing->result.state, periods->items.back().state);
  EXPECT_EQ(standing->compliant_time_ratio(), 1.0);

  auto maintenance = view().maintenance(policy_, {utc(2027, 3, 1), kNow});
  ASSERT_TRUE(maintenance);
  EXPECT_EQ(maintenance->total(), 24h);
}

TEST_F(SlaViewTest, WithoutAnSlaPeriodTheStandingIsTheLastThirtyDays) {
  policy_.sla_period.reset();
  auto standing = view().standing(policy_, kNow);
  ASSERT_TRUE(standing) << standing.error().message;
  EXPECT_FALSE(standing->calendar_period);
  EXPECT_EQ(standing->window.start, kNow - kRollingSlaWindow);
  EXPECT_FALSE(standing->measured_uptime_percent());  // nothing measured
}

TEST_F(SlaViewTest, TheOverviewsDaysAreTheDaysAndAddUpToTheSpan) {
  segments(policy_.id, kOrg,
           {{utc(2027, 3, 8, 12), utc(2027, 3, 9), "up"},
            {utc(2027, 3, 9), utc(2027, 3, 9, 6), "degraded"},
            {utc(2027, 3, 9, 6), kNow + 5min, "down"}});
  auto overview = view().overview(policy_, 3, kNow);
  ASSERT_TRUE(overview) << overview.error().message;
  EXPECT_EQ(overview->status_now, sla::PolicyStatusKind::down);
  ASSERT_EQ(overview->days.size(), 3u);
  EXPECT_EQ(overview->days.front().start, utc(2027, 3, 8));
  EXPECT_EQ(overview->days[0].statuses.up, 12h);
  EXPECT_EQ(overview->days[1].statuses.degraded, 6h);
  EXPECT_EQ(overview->days[2].statuses.total(), 12h);  // today up to now
  EXPECT_EQ(overview->days_statuses.down, 18h + 12h);
  auto days = view().days(policy_, utc(2027, 3, 8), 3, kNow);
  ASSERT_TRUE(days);
  for (std::size_t i = 0; i < days->size(); ++i) {
    EXPECT_EQ((*days)[i].statuses.up, overview->days[i].statuses.up);
    EXPECT_EQ((*days)[i].statuses.down, overview->days[i].statuses.down);
  }
}

TEST_F(SlaViewTest, DailyStatisticsAndNoHistory) {
  measure_values(policy_.id, Metric::latency_ms, utc(2027, 3, 9, 1), 5min, {10, 20});
  measure_values(policy_.id, Metric::latency_ms, utc(2027, 3, 10, 1), 5min, {40});
  auto days = view().daily_stats(policy_, Metric::latency_ms, utc(2027, 3, 8), 3, kNow);
  ASSERT_TRUE(days) << days.error().message;
  ASSERT_EQ(days->size(), 3u);
  EXPECT_FALSE((*days)[0].stats);
  ASSERT_TRUE((*days)[1].stats);
  EXPECT_EQ((*days)[1].stats->count, 2);
  ASSERT_TRUE((*days)[2].stats);
  EXPECT_DOUBLE_EQ((*days)[2].stats->p50, 40);

  const SlaView without_history(config_, *store_, nullptr);
  auto none = without_history.stats(policy_, Metric::latency_ms, {utc(2027, 3, 8), kNow});
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(SlaViewTest, BreachesArePagedOpenOnesOldestFirst) {
  std::vector<Breach> breaches;
  for (int i = 0; i < 450; ++i) {  // more than two store pages
    const WallTime opened = utc(2027, 1, 1) + std::chrono::hours(i);
    breaches.push_back(sample_breach({.id = uuid_v4(),
                                      .org = kOrg,
                                      .policy_id = policy_.id,
                                      .status = BreachStatus::resolved,
                                      .opened_at = opened,
                                      .resolved_at = opened + 30min}));
  }
  breaches.push_back(sample_breach({.id = uuid_v4(),
                                    .org = kOrg,
                                    .policy_id = policy_.id,
                                    .metric = Metric::latency_ms,
                                    .opened_at = utc(2027, 3, 2)}));
  breaches.push_back(sample_breach({.id = uuid_v4(),
                                    .org = kOrg,
                                    .policy_id = policy_.id,
                                    .metric = Metric::packet_loss_percent,
                                    .opened_at = utc(2027, 3, 1)}));
  auto committed = store_->commit(breaches, {});
  ASSERT_TRUE(committed) << committed.error().message;
  BreachQuery query;
  query.org = kOrg;
  auto all = all_breaches(*store_, query);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->size(), 452u);
  auto open = view().open_breaches(kOrg);
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ(open->front().metric, Metric::packet_loss_percent);
  auto opened = view().breaches_opened_in(policy_, {utc(2027, 1, 2), utc(2027, 1, 3)});
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->size(), 24u);
  query.scope_keys = std::vector<std::string>{};
  auto nothing = all_breaches(*store_, query);
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
}

}  // namespace
}  // namespace slamon::slaview
