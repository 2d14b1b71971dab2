// SLA semantics through the engine's cycles (SPEC §7): status timelines and compliance,
// maintenance windows, budget levels, burn rates, outage counts and the sliding window with
// hysteresis. A FakeClock drives cycles five minutes apart against a fake source, a real Store
// and a real History in a temporary directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "engine/engine.h"
#include "fake_source.h"
#include "history/history.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "support/sample_config.h"
#include "support/sample_policy.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;

// 2026-11-30T00:00:00Z, a Monday: days, weeks and months are easy to reason about from here.
const WallTime kStart = from_unix_seconds(1'796'083'200);
const std::string kOrg = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
const std::string kSite = "3f7c1a52-site-0";
const std::string kUptimeQuery = "uptime_query";
const std::string kLatencyQuery = "latency_query";

Sample site_sample(double value) {
  return Sample{{{"site_id", kSite}}, value};
}

Policy site_policy(const std::string& id) {
  return slamon::testing::site_policy({.id = id, .org = kOrg, .site = kSite, .provisioned = true});
}

Policy uptime_policy(const std::string& id, double target) {
  Policy p = site_policy(id);
  slamon::testing::set_threshold(p, Metric::uptime_percent, target);
  return p;
}

std::shared_ptr<Config> make_config(std::vector<Policy> policies) {
  auto config = std::make_shared<Config>();
  config->global.evaluation_interval = 5min;
  config->sources = {slamon::testing::prometheus_source("http://127.0.0.1:1")};
  config->measurements = {slamon::testing::measurement_config(Metric::uptime_percent, {Scope::site},
                                                              kUptimeQuery, "site_id"),
                          slamon::testing::measurement_config(Metric::latency_ms, {Scope::site},
                                                              kLatencyQuery, "site_id")};
  Organization org;
  org.id = kOrg;
  org.name = "Org";
  org.sites.push_back(Site{kSite, "Site 0", "", "UTC"});
  config->inventory.organizations.push_back(org);
  config->inventory.index();
  config->policies = std::move(policies);
  return config;
}

class SlaEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    engine_.reset();
    history_.reset();
    store_.reset();
    auto store = Store::open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    auto history = history::History::open(path_, clock_);
    ASSERT_TRUE(history) << history.error().message;
    history_ = std::move(*history);
    engine_ = std::make_unique<Engine>(clock_, store_.get(), [this](const SourceConfig&) {
      return std::static_pointer_cast<MetricSource>(source_);
    });
    engine_->set_history(history_.get());
  }

  // Runs one cycle with these values (nullopt: the source answers nothing), then moves the
  // clock five minutes on.
  CycleReport cycle(std::optional<double> uptime, std::optional<double> latency = std::nullopt) {
    source_->answer(kUptimeQuery,
                    uptime ? std::vector{site_sample(*uptime)} : std::vector<Sample>{});
    source_->answer(kLatencyQuery,
                    latency ? std::vector{site_sample(*latency)} : std::vector<Sample>{});
    auto report = engine_->run_cycle(config_);
    EXPECT_TRUE(report) << (report ? "" : report.error().message);
    clock_.advance(5min);
    return report ? *report : CycleReport{};
  }

  const PolicySla* figures(const std::string& policy_id) const {
    auto snapshot = engine_->snapshot();
    for (const auto& p : snapshot->sla) {
      if (p.policy_id == policy_id) return &p;
    }
    return nullptr;
  }

  std::vector<std::string> outbox_types() {
    std::vector<std::string> types;
    auto pending = store_->pending_events(1000);
    EXPECT_TRUE(pending);
    for (const auto& e : *pending) types.push_back(e.type);
    return types;
  }

  testing::TempDir dir_;
  std::string path_ = (dir_.path() / "slamon.db").string();
  FakeClock clock_{kStart};
  std::shared_ptr<FakeSource> source_ = std::make_shared<FakeSource>("prom");
  std::unique_ptr<Store> store_;
  std::unique_ptr<history::History> history_;
  std::unique_ptr<Engine> engine_;
  ConfigPtr config_;
};

TEST_F(SlaEngineTest, TimelineRecordsUpDownAndUnknownAndComplianceFollowsIt) {
  config_ = make_config({uptime_policy("gold", 99.0)});
  for (int i = 0; i < 6; ++i) cycle(100);           // 30 min up
  for (int i = 0; i < 2; ++i) cycle(50);            // 10 min down (critical)
  for (int i = 0; i < 2; ++i) cycle(std::nullopt);  // breach kept open: still down
  cycle(100);                                       // resolved: up

  auto segments = store_->status_segments("gold", kStart, kStart + 1h);
  ASSERT_TRUE(segments);
  ASSERT_EQ(segments->size(), 3u);
  EXPECT_EQ((*segments)[0].status, "up");
  EXPECT_EQ((*segments)[0].start, kStart);
  EXPECT_EQ((*segments)[0].end, kStart + 30min);
  EXPECT_EQ((*segments)[1].status, "down");
  EXPECT_EQ((*segments)[1].end, kStart + 50min);
  EXPECT_EQ((*segments)[2].status, "up");

  // As of the last cycle (t = 50 min): 30 up + 20 down over the day window's evaluated time.
  const PolicySla* sla = figures("gold");
  ASSERT_NE(sla, nullptr);
  ASSERT_TRUE(sla->compliance[0]);
  EXPECT_NEAR(*sla->compliance[0], 30.0 / 50.0, 1e-9);
}

TEST_F(SlaEngineTest, NoDataWithoutABreachIsUnknownNotUp) {
  config_ = make_config({uptime_policy("gold", 99.0)});
  cycle(std::nullopt);
  cycle(std::nullopt);
  auto segments = store_->status_segments("gold", kStart, kStart + 1h);
  ASSERT_TRUE(segments);
  ASSERT_EQ(segments->size(), 1u);
  EXPECT_EQ((*segments)[0].status, "unknown");
  EXPECT_FALSE(figures("gold")->compliance[0]) << "nothing evaluated: no ratio";
}

TEST_F(SlaEngineTest, TimelineSurvivesARestartAndAGapIsUnknown) {
  config_ = make_config({uptime_policy("gold", 99.0)});
  cycle(100);
  cycle(100);
  open();              // the daemon restarts ...
  clock_.advance(1h);  // ... an hour later
  cycle(100);
  auto segments = store_->status_segments("gold", kStart, kStart + 3h);
  ASSERT_TRUE(segments);
  ASSERT_EQ(segments->size(), 2u) << "the gap splits the stretch";
  EXPECT_EQ((*segments)[0].end, kStart + 10min);
  EXPECT_EQ((*segments)[1].start, kStart + 1h + 10min);
  EXPECT_NEAR(*figures("gold")->compliance[0], 1.0, 1e-12) << "unknown time is not counted";
}

TEST_F(SlaEngineTest, AnOldTimelineLoadsAsTotalsAndKeepsEveryWindowExact) {
  config_ = make_config({uptime_policy("gold", 99.0)});
  // 199 days of 4-hour stretches ending a day before the start: down for days -180..-170
  // (before the 92 days read segment by segment) and -50..-40 (within them), up otherwise.
  const auto day = std::chrono::hours(24);
  CycleWrite history;
  for (WallTime t = kStart - 200 * day; t < kStart - day; t += std::chrono::hours(4)) {
    const bool down = (t >= kStart - 180 * day && t < kStart - 170 * day) ||
                      (t >= kStart - 50 * day && t < kStart - 40 * day);
    history.segments.push_back({"gold", kOrg, t, t + std::chrono::hours(4), down ? "down" : "up"});
  }
  ASSERT_TRUE(store_->commit(history));
  ASSERT_TRUE(store_->roll_up_status_days(kStart - 30 * day));
  open();  // a restart reads the old part as totals
  cycle(100);
  EXPECT_NEAR(*figures("gold")->compliance[4], 179.0 / 199.0, 1e-9) << "all time";
  EXPECT_NEAR(*figures("gold")->compliance[3], 79.0 / 89.0, 1e-9) << "90 days";
  EXPECT_NEAR(*figures("gold")->compliance[2], 1.0, 1e-12) << "30 days";
}

TEST_F(SlaEngineTest, MaintenanceWindowOpensNoBreachSuppressesEventsAndIsItsOwnStatus) {
  auto config = make_config({uptime_policy("gold", 99.0)});
  MaintenanceWindow window;
  window.id = "isp-work";
  window.org = kOrg;
  window.scope = Scope::site;
  window.scope_id = kSite;
  window.start = kStart + 10min;
  window.end = kStart + 20min;
  window.reason = "ISP work";
  window.provisioned = true;
  config->maintenance.push_back(window);
  config_ = config;

  cycle(50);  // t=0: a breach opens
  ASSERT_THAT(outbox_types(), ::testing::ElementsAre("sla.breach.created"));
  cycle(100);  // t=5: resolved
  cycle(50);   // t=10: inside the window: no breach
  cycle(50);   // t=15: still inside
  EXPECT_TRUE(engine_->snapshot()->open_breaches.empty());
  EXPECT_TRUE(figures("gold")->in_maintenance);
  cycle(50);  // t=20: the window has ended: a breach opens
  EXPECT_EQ(engine_->snapshot()->open_breaches.size(), 1u);
  EXPECT_THAT(outbox_types(), ::testing::ElementsAre("sla.breach.created", "sla.breach.resolved",
                                                     "sla.breach.created"));

  auto segments = store_->status_segments("gold", kStart, kStart + 1h);
  ASSERT_TRUE(segments);
  std::vector<std::string> statuses;
  for (const auto& s : *segments) statuses.push_back(s.status);
  EXPECT_THAT(statuses, ::testing::ElementsAre("down", "up", "maintenance", "down"));
}

TEST_F(SlaEngineTest, EventsOfAnOpenBreachDuringMaintenanceAreRecordedAsSuppressed) {
  auto config = make_config({uptime_policy("gold", 99.0)});
  MaintenanceWindow window;
  window.id = "patching";
  window.org = kOrg;
  window.scope = Scope::organization;
  window.start = kStart + 5min;
  window.end = kStart + 15min;
  window.reason = "patching";
  config->maintenance.push_back(window);
  config_ = config;

  cycle(98.5);  // t=0: warning breach
  cycle(50);    // t=5: in maintenance: escalates, but the event is suppressed
  cycle(100);   // t=10: resolves, suppressed too
  EXPECT_THAT(outbox_types(), ::testing::ElementsAre("sla.breach.created"));
  auto suppressed = store_->suppressed_events(kOrg, std::string("patching"), 10);
  ASSERT_TRUE(suppressed);
  ASSERT_EQ(suppressed->size(), 2u);
  EXPECT_EQ((*suppressed)[0].type, "sla.breach.resolved");
  EXPECT_EQ((*suppressed)[1].type, "sla.breach.escalated");
  auto count = store_->count_suppressed_events(kOrg, std::nullopt);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 2);
}

TEST_F(SlaEngineTest, BudgetLevelsPublishOncePerPeriodAndResetWithTheNextPeriod) {
  Policy policy = uptime_policy("gold", 99.0);
  policy.sla_period = SlaPeriod{PeriodKind::day, "UTC"};
  policy.levels = BudgetLevels{0.5, 0.9};
  config_ = make_config({policy});
  // Budget: 1 % of a day = 14.4 min. A cycle at 0 % uptime uses 5 min of it.
  cycle(100);
  EXPECT_NEAR(*figures("gold")->budget_remaining, 1.0, 1e-12);
  cycle(0);  // 5 / 14.4 = 0.35
  EXPECT_NEAR(*figures("gold")->budget_remaining, 1.0 - 5.0 / 14.4, 1e-9);
  EXPECT_THAT(outbox_types(), ::testing::ElementsAre("sla.breach.created"));
  cycle(0);  // 10 / 14.4 = 0.69: warning
  cycle(0);  // 15 / 14.4 = 1.04: critical (once)
  cycle(0);
  std::vector<std::string> budget_events;
  for (const auto& type : outbox_types()) {
    if (type.starts_with("sla.budget.")) budget_events.push_back(type);
  }
  EXPECT_THAT(budget_events, ::testing::ElementsAre("sla.budget.warning", "sla.budget.critical"));
  EXPECT_LT(*figures("gold")->budget_remaining, 0);

  // The next day starts with a fresh budget.
  clock_.set(kStart + 24h);
  cycle(100);
  EXPECT_NEAR(*figures("gold")->budget_remaining, 1.0, 1e-12);
}

TEST_F(SlaEngineTest, BurnRateMatchesTheHandComputedValue) {
  config_ = make_config({uptime_policy("gold", 99.9)});
  for (int i = 0; i < 11; ++i) cycle(100);
  cycle(98.56);  // 1.44 % errors over 5 min against a 0.1 % budget: 14.4
  const PolicySla* sla = figures("gold");
  ASSERT_NE(sla, nullptr);
  ASSERT_TRUE(sla->burn_rates[0]);
  EXPECT_NEAR(*sla->burn_rates[0], 14.4, 1e-6);  // 5m
  ASSERT_TRUE(sla->burn_rates[2]);
  EXPECT_NEAR(*sla->burn_rates[2], 14.4 / 12, 1e-6);  // 1h: one bad cycle of twelve
}

TEST_F(SlaEngineTest, OutageCountsDriveBudgetLevels) {
  Policy policy = uptime_policy("gold", 99.0);
  policy.sla_period = SlaPeriod{PeriodKind::week, "UTC"};
  policy.requirements = {OutageRequirement{2, 10min, Metric::uptime_percent}};
  policy.levels = BudgetLevels{0.5, 1.0};
  config_ = make_config({policy});
  cycle(99.5);
  cycle(98.9);  // a breach opens (t=5)
  cycle(98.9);  // t=10: 5 min long: not yet an outage
  EXPECT_TRUE(std::ranges::none_of(
      outbox_types(), [](const std::string& t) { return t.starts_with("sla.budget."); }));
  cycle(98.9);  // t=15: exactly 10 min: one outage of two allowed: warning
  EXPECT_EQ(std::ranges::count(outbox_types(), std::string("sla.budget.warning")), 1);
}

TEST_F(SlaEngineTest, SlidingWindowEscalatesWithHysteresisAndCooldown) {
  Policy policy = site_policy("latency");
  policy.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 5000;
  policy.sliding_window = SlidingWindow{Metric::latency_ms, 1000, 100, 10min, 30min};
  config_ = make_config({policy});
  auto escalations = [&] {
    std::vector<std::string> out;
    for (const auto& type : outbox_types()) {
      if (type == "sla.escalate" || type == "sla.deescalate") out.push_back(type);
    }
    return out;
  };
  cycle(std::nullopt, 500);
  cycle(std::nullopt, 1600);  // mean (500 + 1600) / 2 = 1050 > 1000: escalate
  EXPECT_THAT(escalations(), ::testing::ElementsAre("sla.escalate"));
  cycle(std::nullopt, 2000);  // still above: nothing new
  cycle(std::nullopt, 500);   // mean 1250: nothing
  cycle(std::nullopt, 50);    // mean 275: between the bounds: nothing
  cycle(std::nullopt, 50);    // mean 50 < 100: de-escalate
  EXPECT_THAT(escalations(), ::testing::ElementsAre("sla.escalate", "sla.deescalate"));
  cycle(std::nullopt, 3000);  // t=30: mean 1525 > 1000, but within 30 min of the last: cooling
  EXPECT_EQ(escalations().size(), 2u);
  cycle(std::nullopt, 3000);  // t=35: 30 min after the escalation at t=5: escalates again
  EXPECT_THAT(escalations(),
              ::testing::ElementsAre("sla.escalate", "sla.deescalate", "sla.escalate"));
}

TEST_F(SlaEngineTest, DryRunWritesNoTimeline) {
  config_ = make_config({uptime_policy("gold", 99.0)});
  CycleOptions dry;
  dry.dry_run = true;
  source_->answer(kUptimeQuery, {site_sample(100)});
  ASSERT_TRUE(engine_->run_cycle(config_, dry));
  auto segments = store_->status_segments(std::nullopt, kStart - 1h, kStart + 1h);
  ASSERT_TRUE(segments);
  EXPECT_TRUE(segments->empty());
}

// Degraded cycles go on, and are counted for /metrics. The database is changed behind the
// engine's back through a connection of the test's own.
void execute(const std::string& path, const std::string& sql) {
  auto connection = sqlite::Connection::open(path);
  ASSERT_TRUE(connection) << connection.error().message;
  auto done = connection->exec("test setup", sql);
  ASSERT_TRUE(done) << done.error().message;
}

TEST_F(SlaEngineTest, CountsCyclesWhoseValuesTheHistoryRefused) {
  log::configure(log::Level::error, log::Format::logfmt);  // the warnings are expected
  config_ = make_config({uptime_policy("gold", 99.0)});
  cycle(100);
  EXPECT_EQ(engine_->counters().history_append_failures_total, 0);
  std::string refuse;
  for (const char* table : {"history_series", "history_head", "history_raw"}) {
    for (const char* change : {"INSERT", "UPDATE"}) {
      refuse += std::string("CREATE TRIGGER refuse_") + change + "_" + table + " BEFORE " + change +
                " ON " + table + " BEGIN SELECT RAISE(ABORT, 'refused'); END; ";
    }
  }
  execute(path_, refuse);
  cycle(100);
  cycle(100);
  EXPECT_EQ(engine_->counters().history_append_failures_total, 2);
  EXPECT_EQ(engine_->counters().evaluation_failures_total, 0) << "the cycles themselves worked";
}

TEST_F(SlaEngineTest, CountsFallingBackToTheConfigsMaintenanceWindows) {
  log::configure(log::Level::error, log::Format::logfmt);
  config_ = make_config({uptime_policy("gold", 99.0)});
  cycle(100);
  EXPECT_EQ(engine_->counters().maintenance_read_failures_total, 0);
  execute(path_, "ALTER TABLE maintenance_windows RENAME TO maintenance_windows_away");
  config_ = make_config({uptime_policy("gold", 99.0)});  // a new config: the calendar is rebuilt
  cycle(100);
  EXPECT_GE(engine_->counters().maintenance_read_failures_total, 1);
  EXPECT_EQ(engine_->counters().evaluation_failures_total, 0) << "the cycle itself worked";
}

}  // namespace
}  // namespace slamon
