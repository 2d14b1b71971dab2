// Tests of the evaluation cycle (SPEC §6.1): plan, fetch through a fake MetricSource, join,
// evaluate, commit to a real Store in a temporary directory, publish a Snapshot. Time comes
// from a FakeClock; concurrency is driven by a source that blocks until released.
#include "engine/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/uuid.h"
#include "fake_source.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "support/sample_config.h"
#include "support/sample_policy.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const WallTime kStart = from_unix_seconds(1'800'000'000);
const std::string kOrgA = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
const std::string kOrgB = "9d2e0b41-7c3a-4f5e-8a61-0b1c2d3e4f50";
const std::string kUptimeQuery = "100 * avg by (site_id) (avg_over_time(probe_success[5m]))";
const std::string kLatencyQuery = "1000 * avg by (site_id) (probe_duration_seconds)";

Sample site_sample(const std::string& site, double value) {
  return Sample{{{"site_id", site}, {"job", "probe"}}, value};
}

std::string site(const std::string& org, int i) {
  return org.substr(0, 8) + "-site-" + std::to_string(i);
}

Policy site_policy(const std::string& id, const std::string& org, const std::string& site_id) {
  return slamon::testing::site_policy(
      {.id = id, .org = org, .site = site_id, .labels = {{"tier", "gold"}}, .provisioned = true});
}

Policy uptime_policy(const std::string& id, const std::string& org, const std::string& site_id,
                     double threshold = 99.5) {
  Policy p = site_policy(id, org, site_id);
  slamon::testing::set_threshold(p, Metric::uptime_percent, threshold);
  return p;
}

std::shared_ptr<Config> make_config(std::vector<Policy> policies, int sites_per_org = 10) {
  auto config = std::make_shared<Config>();
  config->global.evaluation_interval = 5min;
  config->sources = {slamon::testing::prometheus_source("http://127.0.0.1:1")};
  config->measurements = {
      slamon::testing::measurement_config(
          Metric::uptime_percent, {Scope::site},
          "100 * avg by (site_id) (avg_over_time(probe_success[{{window}}]))", "site_id"),
      slamon::testing::measurement_config(Metric::latency_ms, {Scope::site},
                                          "1000 * avg by (site_id) (probe_duration_seconds)",
                                          "site_id")};

  for (const auto& org_id : {kOrgA, kOrgB}) {
    Organization org;
    org.id = org_id;
    org.name = "Org " + org_id.substr(0, 8);
    for (int i = 0; i < sites_per_org; ++i) {
      org.sites.push_back(Site{site(org_id, i), "Site " + std::to_string(i), "", "UTC"});
    }
    config->inventory.organizations.push_back(org);
  }
  config->inventory.index();
  config->policies = std::move(policies);
  return config;
}

CycleOptions dry_run() {
  CycleOptions options;
  options.dry_run = true;
  return options;
}

const Verdict* find_verdict(const Snapshot& s, const std::string& policy_id, Metric metric) {
  for (const auto& v : s.verdicts) {
    if (v.policy_id == policy_id && v.metric == metric) return &v;
  }
  return nullptr;
}

const PolicyInfo* find_policy(const Snapshot& s, const std::string& policy_id) {
  for (const auto& p : s.policies) {
    if (p.id == policy_id) return &p;
  }
  return nullptr;
}

const Breach* find_breach(const std::vector<Breach>& breaches, const std::string& policy_id) {
  for (const auto& b : breaches) {
    if (b.policy_id == policy_id) return &b;
  }
  return nullptr;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Every stored event is logged at info; a thousand of them only hide a failure's output.
    log::configure(log::Level::warn, log::Format::logfmt);
    open_store();
    engine_ = make_engine();
  }

  void open_store() {
    auto opened = Store::open(db_path());
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  std::unique_ptr<Engine> make_engine() {
    return std::make_unique<Engine>(
        clock_, store_.get(), [source = source_](const SourceConfig& config) -> MetricSourcePtr {
          return config.name == source->name() ? source : nullptr;
        });
  }

  CycleReport run(const ConfigPtr& config, const CycleOptions& options = {}) {
    clock_.advance(5min);
    auto report = engine_->run_cycle(config, options);
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : CycleReport{};
  }

  std::vector<Breach> stored_open() {
    auto open = store_->open_breaches();
    EXPECT_TRUE(open) << open.error().message;
    return open ? *open : std::vector<Breach>{};
  }

  std::vector<StoredEvent> pending() {
    auto events = store_->pending_events(100'000);
    EXPECT_TRUE(events) << events.error().message;
    return events ? *events : std::vector<StoredEvent>{};
  }

  std::string db_path() const { return (dir_.path() / "slamon.db").string(); }

  testing::TempDir dir_;
  FakeClock clock_{kStart};
  std::shared_ptr<FakeSource> source_ = std::make_shared<FakeSource>("prom");
  std::unique_ptr<Store> store_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, FullCycleStoresBreachesEventsAndPublishesTheSnapshot) {
  Policy warn = uptime_policy("warn", kOrgA, site(kOrgA, 1));
  Policy crit = uptime_policy("crit", kOrgA, site(kOrgA, 2));
  Policy fine = uptime_policy("fine", kOrgA, site(kOrgA, 3));
  fine.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;
  Policy off = uptime_policy("off", kOrgA, site(kOrgA, 4));
  off.status = PolicyStatus::disabled;
  const auto config = make_config({warn, crit, fine, off});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 99.0), site_sample(site(kOrgA, 2), 50),
                                 site_sample(site(kOrgA, 3), 100), site_sample(site(kOrgA, 4), 0)});
  source_->answer(kLatencyQuery, {site_sample(site(kOrgA, 3), 20)});

  const CycleReport report = run(config);
  const WallTime now = clock_.now();

  EXPECT_EQ(report.policies_evaluated, 3);
  EXPECT_EQ(report.breaches_opened, 2);
  EXPECT_EQ(report.no_data, 0);
  EXPECT_EQ(source_->calls(), 2);
  EXPECT_EQ(source_->last_at(), now);

  // Breaches are stored.
  const auto open = stored_open();
  ASSERT_EQ(open.size(), 2u);
  const Breach* w = find_breach(open, "warn");
  const Breach* c = find_breach(open, "crit");
  ASSERT_NE(w, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(w->severity, Severity::warning);
  EXPECT_EQ(c->severity, Severity::critical);
  EXPECT_EQ(w->opened_at, now);
  EXPECT_EQ(w->actual, 99.0);

  // One outbox row per created breach, carrying the SPEC §9.1 JSON.
  const auto events = pending();
  ASSERT_EQ(events.size(), 2u);
  std::set<std::string> breach_ids;
  for (const auto& stored : events) {
    EXPECT_EQ(stored.type, "sla.breach.created");
    EXPECT_EQ(stored.org_id, kOrgA);
    EXPECT_EQ(stored.occurred_at, now);
    breach_ids.insert(stored.breach_id);

    const auto json = nlohmann::json::parse(stored.payload);
    EXPECT_EQ(json.at("id"), stored.id);
    EXPECT_TRUE(is_uuid(json.at("id").get<std::string>()));
    EXPECT_EQ(json.at("type"), "sla.breach.created");
    EXPECT_EQ(json.at("priority"), "HIGH");
    EXPECT_EQ(json.at("occurred_at"), format_rfc3339(now));
    EXPECT_EQ(json.at("org_id"), kOrgA);
    const auto& breach = json.at("breach");
    EXPECT_EQ(breach.at("id"), stored.breach_id);
    EXPECT_EQ(breach.at("org_id"), kOrgA);
    EXPECT_EQ(breach.at("scope"), "site");
    EXPECT_EQ(breach.at("metric"), "uptime_percent");
    EXPECT_EQ(breach.at("threshold"), 99.5);
    EXPECT_EQ(breach.at("status"), "active");
    EXPECT_EQ(breach.at("opened_at"), format_rfc3339(now));
    EXPECT_EQ(breach.at("last_evaluated_at"), format_rfc3339(now));
    EXPECT_TRUE(breach.at("resolved_at").is_null());
    const std::string policy_id = breach.at("policy_id");
    const auto& policy = json.at("policy");
    EXPECT_EQ(policy.at("id"), policy_id);
    EXPECT_EQ(policy.at("name"), "Policy " + policy_id);
    EXPECT_EQ(policy.at("scope"), "site");
    EXPECT_EQ(policy.at("scope_id"), breach.at("scope_id"));
    EXPECT_EQ(policy.at("labels"), nlohmann::json({{"tier", "gold"}}));
    if (policy_id == "warn") {
      EXPECT_EQ(breach.at("actual_value"), 99.0);
      EXPECT_EQ(breach.at("severity"), "warning");
      EXPECT_EQ(breach.at("scope_id"), site(kOrgA, 1));
    } else {
      EXPECT_EQ(policy_id, "crit");
      EXPECT_EQ(breach.at("actual_value"), 50.0);
      EXPECT_EQ(breach.at("severity"), "critical");
      EXPECT_EQ(breach.at("peak_severity"), "critical");
    }
  }
  EXPECT_EQ(breach_ids, (std::set<std::string>{w->id, c->id}));

  // The snapshot carries verdicts, policies and open breaches.
  const SnapshotPtr snapshot = engine_->snapshot();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(snapshot, report.snapshot);
  EXPECT_EQ(snapshot->evaluated_at, now);
  ASSERT_EQ(snapshot->verdicts.size(), 4u);
  EXPECT_EQ(find_verdict(*snapshot, "warn", Metric::uptime_percent)->state, VerdictState::warning);
  EXPECT_EQ(find_verdict(*snapshot, "crit", Metric::uptime_percent)->state, VerdictState::critical);
  EXPECT_EQ(find_verdict(*snapshot, "fine", Metric::uptime_percent)->state, VerdictState::ok);
  const Verdict* latency = find_verdict(*snapshot, "fine", Metric::latency_ms);
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->state, VerdictState::ok);
  EXPECT_EQ(latency->actual, 20);
  EXPECT_EQ(find_verdict(*snapshot, "off", Metric::uptime_percent), nullptr);

  ASSERT_EQ(snapshot->policies.size(), 4u);
  EXPECT_FALSE(find_policy(*snapshot, "warn")->compliant);
  EXPECT_FALSE(find_policy(*snapshot, "crit")->compliant);
  EXPECT_TRUE(find_policy(*snapshot, "fine")->compliant);
  EXPECT_TRUE(find_policy(*snapshot, "fine")->evaluated);
  EXPECT_FALSE(find_policy(*snapshot, "off")->evaluated);
  EXPECT_EQ(find_policy(*snapshot, "off")->status, PolicyStatus::disabled);
  EXPECT_EQ(find_policy(*snapshot, "warn")->scope_id, site(kOrgA, 1));
  EXPECT_EQ(find_policy(*snapshot, "warn")->labels.at("tier"), "gold");

  ASSERT_EQ(snapshot->open_breaches.size(), 2u);
  EXPECT_EQ(find_breach(snapshot->open_breaches, "warn")->id, w->id);
  ASSERT_EQ(snapshot->sources.size(), 1u);
  EXPECT_EQ(snapshot->sources[0].name, "prom");
  EXPECT_TRUE(snapshot->sources[0].up);

  const EngineCounters counters = engine_->counters();
  EXPECT_EQ(counters.evaluations_total, 1);
  EXPECT_EQ(counters.evaluation_failures_total, 0);
  EXPECT_EQ(counters.last_success, now);
  EXPECT_FALSE(engine_->cycle_running());
}

TEST_F(EngineTest, LaterCyclesUpdateEscalateAndResolveInTheStore) {
  const auto config = make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 99)});
  run(config);
  const std::string id = stored_open().at(0).id;

  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10)});
  EXPECT_EQ(run(config).breaches_escalated, 1);
  ASSERT_EQ(stored_open().size(), 1u);
  EXPECT_EQ(stored_open()[0].id, id);
  EXPECT_EQ(stored_open()[0].severity, Severity::critical);
  EXPECT_EQ(stored_open()[0].actual, 10);

  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 100)});
  EXPECT_EQ(run(config).breaches_resolved, 1);
  EXPECT_TRUE(stored_open().empty());
  auto resolved = store_->breach(id);
  ASSERT_TRUE(resolved && resolved->has_value());
  EXPECT_EQ((*resolved)->status, BreachStatus::resolved);
  EXPECT_EQ((*resolved)->resolved_at, clock_.now());
  EXPECT_EQ((*resolved)->peak_severity, Severity::critical);

  std::vector<std::string> types;
  for (const auto& e : pending()) {
    types.push_back(e.type);
    EXPECT_EQ(e.breach_id, id);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"sla.breach.created", "sla.breach.escalated",
                                             "sla.breach.resolved"}));
  EXPECT_TRUE(engine_->snapshot()->open_breaches.empty());
}

TEST_F(EngineTest, SourceErrorIsNoDataAndNeverAFalseBreach) {
  const auto config = make_config({uptime_policy("open", kOrgA, site(kOrgA, 1)),
                                   uptime_policy("quiet", kOrgA, site(kOrgA, 2))});
  source_->answer(kUptimeQuery,
                  {site_sample(site(kOrgA, 1), 90), site_sample(site(kOrgA, 2), 100)});
  run(config);
  const auto before = stored_open();
  ASSERT_EQ(before.size(), 1u);

  // Now "quiet" would be violated and "open" recovered, but the source is down.
  source_->answer(kUptimeQuery,
                  {site_sample(site(kOrgA, 1), 100), site_sample(site(kOrgA, 2), 10)});
  source_->fail_with("connection refused");
  const CycleReport report = run(config);

  EXPECT_EQ(report.breaches_opened, 0);
  EXPECT_EQ(report.breaches_resolved, 0);
  EXPECT_EQ(report.no_data, 2);
  const auto after = stored_open();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_EQ(after[0].actual, before[0].actual);
  EXPECT_EQ(pending().size(), 1u) << "only the first cycle's created event";

  const SnapshotPtr snapshot = engine_->snapshot();
  for (const auto& v : snapshot->verdicts) {
    EXPECT_EQ(v.state, VerdictState::no_data) << v.policy_id;
    EXPECT_FALSE(v.actual.has_value());
  }
  ASSERT_EQ(snapshot->sources.size(), 1u);
  EXPECT_FALSE(snapshot->sources[0].up);
  EXPECT_EQ(snapshot->open_breaches.size(), 1u);

  // The source comes back: it is up again and the cycle decides as usual.
  source_->fail_with(std::nullopt);
  const CycleReport back = run(config);
  EXPECT_TRUE(engine_->snapshot()->sources.at(0).up);
  EXPECT_EQ(back.breaches_opened, 1);
  EXPECT_EQ(back.breaches_resolved, 1);
}

TEST_F(EngineTest, SourceErrorOnTheFirstCycleOpensNothing) {
  const auto config = make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10)});
  source_->fail_with("timeout");
  const CycleReport report = run(config);
  EXPECT_EQ(report.breaches_opened, 0);
  EXPECT_TRUE(stored_open().empty());
  EXPECT_TRUE(pending().empty());
  EXPECT_FALSE(report.snapshot->sources.at(0).up);
}

TEST_F(EngineTest, DuplicateScopeLabelIsNoDataForThatScopeOnly) {
  const auto config = make_config({uptime_policy("dup", kOrgA, site(kOrgA, 1)),
                                   uptime_policy("single", kOrgA, site(kOrgA, 2))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10), site_sample(site(kOrgA, 2), 50),
                                 site_sample(site(kOrgA, 1), 100)});

  const CycleReport report = run(config);

  EXPECT_EQ(find_verdict(*report.snapshot, "dup", Metric::uptime_percent)->state,
            VerdictState::no_data);
  EXPECT_EQ(find_verdict(*report.snapshot, "single", Metric::uptime_percent)->state,
            VerdictState::critical);
  EXPECT_EQ(report.no_data, 1);
  const auto open = stored_open();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].policy_id, "single");
  EXPECT_TRUE(report.snapshot->sources.at(0).up);
}

TEST_F(EngineTest, SeriesWithoutTheScopeLabelAreIgnored) {
  const auto config = make_config({uptime_policy("labelled", kOrgA, site(kOrgA, 1)),
                                   uptime_policy("absent", kOrgA, site(kOrgA, 2))});
  source_->answer(kUptimeQuery, {Sample{{}, 0}, Sample{{{"instance", "10.0.0.1:9100"}}, 1},
                                 site_sample(site(kOrgA, 1), 99.9)});

  const CycleReport report = run(config);

  const Verdict* labelled = find_verdict(*report.snapshot, "labelled", Metric::uptime_percent);
  EXPECT_EQ(labelled->state, VerdictState::ok);
  EXPECT_EQ(labelled->actual, 99.9);
  EXPECT_EQ(find_verdict(*report.snapshot, "absent", Metric::uptime_percent)->state,
            VerdictState::no_data);
  EXPECT_TRUE(stored_open().empty());
  EXPECT_TRUE(report.snapshot->sources.at(0).up);
}

TEST_F(EngineTest, NonFiniteSampleIsNoData) {
  const auto config = make_config(
      {uptime_policy("nan", kOrgA, site(kOrgA, 1)), uptime_policy("inf", kOrgA, site(kOrgA, 2))});
  source_->answer(kUptimeQuery,
                  {site_sample(site(kOrgA, 1), std::numeric_limits<double>::quiet_NaN()),
                   site_sample(site(kOrgA, 2), -std::numeric_limits<double>::infinity())});
  const CycleReport report = run(config);
  EXPECT_EQ(report.no_data, 2);
  EXPECT_TRUE(stored_open().empty());
}

TEST_F(EngineTest, RestartContinuesTheSameOpenBreachAndResolvesItOnRecovery) {
  const auto config = make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 90)});
  run(config);
  const auto before = stored_open();
  ASSERT_EQ(before.size(), 1u);
  const std::string id = before[0].id;

  engine_.reset();
  store_.reset();
  open_store();
  engine_ = make_engine();

  // Still violated after the restart: the same breach, no second "created".
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 95)});
  const CycleReport still = run(config);
  EXPECT_EQ(still.breaches_opened, 0);
  ASSERT_EQ(still.snapshot->open_breaches.size(), 1u);
  EXPECT_EQ(still.snapshot->open_breaches[0].id, id);
  EXPECT_EQ(still.snapshot->open_breaches[0].opened_at, before[0].opened_at);
  EXPECT_EQ(still.snapshot->open_breaches[0].actual, 95);
  ASSERT_EQ(stored_open().size(), 1u);
  EXPECT_EQ(stored_open()[0].id, id);

  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 99.9)});
  const CycleReport recovered = run(config);
  EXPECT_EQ(recovered.breaches_resolved, 1);
  EXPECT_TRUE(stored_open().empty());
  auto stored = store_->breach(id);
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ((*stored)->status, BreachStatus::resolved);

  const auto events = pending();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "sla.breach.created");
  EXPECT_EQ(events[1].type, "sla.breach.resolved");
  EXPECT_EQ(events[1].breach_id, id);
}

TEST_F(EngineTest, DryRunStoresNothingAndPublishesNothing) {
  const auto config = make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10)});

  const CycleReport report = run(config, dry_run());

  EXPECT_EQ(report.breaches_opened, 1);
  ASSERT_NE(report.snapshot, nullptr);
  EXPECT_EQ(find_verdict(*report.snapshot, "p", Metric::uptime_percent)->state,
            VerdictState::critical);
  EXPECT_EQ(report.snapshot->open_breaches.size(), 1u);
  EXPECT_TRUE(stored_open().empty());
  EXPECT_TRUE(pending().empty());
  EXPECT_EQ(engine_->snapshot(), nullptr);
  EXPECT_EQ(engine_->counters().evaluations_total, 0);
  EXPECT_TRUE(engine_->counters().breaches_opened_total.empty());
}

TEST_F(EngineTest, DryRunLeavesThePublishedSnapshotAndOpenBreachesAlone) {
  const auto config = make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 90)});
  const SnapshotPtr published = run(config).snapshot;

  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 100)});
  const CycleReport dry = run(config, dry_run());
  EXPECT_EQ(dry.breaches_resolved, 1);
  EXPECT_TRUE(dry.snapshot->open_breaches.empty());

  EXPECT_EQ(engine_->snapshot(), published);
  EXPECT_EQ(stored_open().size(), 1u);
  EXPECT_EQ(pending().size(), 1u);
}

TEST(EngineWithoutStore, DryRunNeedsNoStore) {
  FakeClock clock(kStart);
  auto source = std::make_shared<FakeSource>("prom");
  Engine engine(clock, nullptr, [&](const SourceConfig&) -> MetricSourcePtr { return source; });
  source->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10)});
  auto report =
      engine.run_cycle(make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))}), dry_run());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->breaches_opened, 1);
  EXPECT_EQ(engine.snapshot(), nullptr);
}

TEST_F(EngineTest, OrgOptionEvaluatesOnlyThatOrgAndKeepsTheOthersSnapshot) {
  const auto config = make_config(
      {uptime_policy("a", kOrgA, site(kOrgA, 1)), uptime_policy("b", kOrgB, site(kOrgB, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 90), site_sample(site(kOrgB, 1), 50)});
  run(config);
  ASSERT_EQ(stored_open().size(), 2u);
  const std::string b_breach = find_breach(stored_open(), "b")->id;
  const int calls_before = source_->calls();

  // Both recover, but only org A is evaluated.
  source_->answer(kUptimeQuery,
                  {site_sample(site(kOrgA, 1), 100), site_sample(site(kOrgB, 1), 100)});
  const CycleReport report = run(config, CycleOptions{.org = kOrgA});

  EXPECT_EQ(report.policies_evaluated, 1);
  EXPECT_EQ(report.breaches_resolved, 1);
  EXPECT_EQ(source_->calls() - calls_before, 1);
  const auto open = stored_open();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, b_breach);

  const SnapshotPtr snapshot = engine_->snapshot();
  ASSERT_EQ(snapshot->policies.size(), 2u);
  EXPECT_TRUE(find_policy(*snapshot, "a")->compliant);
  EXPECT_FALSE(find_policy(*snapshot, "b")->compliant);
  ASSERT_EQ(snapshot->verdicts.size(), 2u);
  EXPECT_EQ(find_verdict(*snapshot, "a", Metric::uptime_percent)->state, VerdictState::ok);
  const Verdict* b = find_verdict(*snapshot, "b", Metric::uptime_percent);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->state, VerdictState::critical);
  EXPECT_EQ(b->actual, 50);
  ASSERT_EQ(snapshot->open_breaches.size(), 1u);
  EXPECT_EQ(snapshot->open_breaches[0].id, b_breach);
  ASSERT_EQ(snapshot->sources.size(), 1u);

  // A full cycle then resolves org B too.
  EXPECT_EQ(run(config).breaches_resolved, 1);
  EXPECT_TRUE(stored_open().empty());
}

TEST_F(EngineTest, CycleStartedWhileAnotherRunsIsSkippedAndCounted) {
  const auto config = make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 100)});
  source_->hold();

  std::optional<Result<CycleReport>> first;
  std::jthread running([&] { first = engine_->run_cycle(config); });
  struct ReleaseOnExit {
    FakeSource& source;
    ~ReleaseOnExit() { source.release(); }
  } release_on_exit{*source_};
  ASSERT_TRUE(source_->wait_until_inside());
  EXPECT_TRUE(engine_->cycle_running());

  const auto second = engine_->run_cycle(config);
  ASSERT_FALSE(second);
  EXPECT_THAT(second.error().message, HasSubstr("skipped"));
  EXPECT_EQ(engine_->counters().evaluations_skipped_total, 1);
  EXPECT_EQ(source_->calls(), 1) << "the skipped cycle must not query";

  source_->release();
  running.join();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(*first) << first->error().message;
  const EngineCounters counters = engine_->counters();
  EXPECT_EQ(counters.evaluations_total, 1);
  EXPECT_EQ(counters.evaluations_skipped_total, 1);
  EXPECT_FALSE(engine_->cycle_running());

  // The engine is free again.
  EXPECT_TRUE(engine_->run_cycle(config));
  EXPECT_EQ(engine_->counters().evaluations_skipped_total, 1);
}

TEST_F(EngineTest, ThousandPoliciesAreOneQueryPerBatchedMeasurementPerCycle) {
  constexpr int kPolicies = 1000;
  std::vector<Policy> policies;
  std::vector<Sample> uptime;
  std::vector<Sample> latency;
  for (int i = 0; i < kPolicies; ++i) {
    Policy p = uptime_policy("p" + std::to_string(i), kOrgA, site(kOrgA, i));
    p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;
    policies.push_back(p);
    uptime.push_back(site_sample(site(kOrgA, i), i % 10 == 0 ? 90 : 100));   // 100 violated
    latency.push_back(site_sample(site(kOrgA, i), i % 25 == 0 ? 150 : 50));  // 40 violated
  }
  const auto config = make_config(policies, kPolicies);
  source_->answer(kUptimeQuery, uptime);
  source_->answer(kLatencyQuery, latency);

  for (int cycle = 1; cycle <= 3; ++cycle) {
    const CycleReport report = run(config);
    EXPECT_EQ(source_->calls(), 2 * cycle);
    EXPECT_EQ(report.queries, 2);
    EXPECT_EQ(report.policies_evaluated, kPolicies);
    EXPECT_EQ(report.snapshot->verdicts.size(), 2u * kPolicies);
    EXPECT_EQ(report.no_data, 0);
    EXPECT_EQ(report.breaches_opened, cycle == 1 ? 140 : 0);
    EXPECT_EQ(report.snapshot->open_breaches.size(), 140u);
  }
  const auto queries = source_->queries();
  EXPECT_EQ(std::set<std::string>(queries.begin(), queries.end()),
            (std::set<std::string>{kUptimeQuery, kLatencyQuery}));
  EXPECT_EQ(stored_open().size(), 140u);
  EXPECT_EQ(pending().size(), 140u);
}

TEST_F(EngineTest, CountsBreachesOpenedByOrgAndSeverity) {
  const auto config = make_config(
      {uptime_policy("a1", kOrgA, site(kOrgA, 1)), uptime_policy("a2", kOrgA, site(kOrgA, 2)),
       uptime_policy("a3", kOrgA, site(kOrgA, 3)), uptime_policy("b1", kOrgB, site(kOrgB, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 99), site_sample(site(kOrgA, 2), 98),
                                 site_sample(site(kOrgA, 3), 10), site_sample(site(kOrgB, 1), 0)});
  run(config);
  using Key = std::pair<std::string, Severity>;
  EXPECT_EQ(engine_->counters().breaches_opened_total,
            (std::map<Key, long long>{{{kOrgA, Severity::warning}, 2},
                                      {{kOrgA, Severity::critical}, 1},
                                      {{kOrgB, Severity::critical}, 1}}));

  // Escalation is not an opening; a resolved breach that opens again is.
  source_->answer(kUptimeQuery,
                  {site_sample(site(kOrgA, 1), 10), site_sample(site(kOrgA, 2), 98),
                   site_sample(site(kOrgA, 3), 10), site_sample(site(kOrgB, 1), 100)});
  run(config);
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10), site_sample(site(kOrgA, 2), 98),
                                 site_sample(site(kOrgA, 3), 10), site_sample(site(kOrgB, 1), 99)});
  run(config);
  EXPECT_EQ(engine_->counters().breaches_opened_total,
            (std::map<Key, long long>{{{kOrgA, Severity::warning}, 2},
                                      {{kOrgA, Severity::critical}, 1},
                                      {{kOrgB, Severity::critical}, 1},
                                      {{kOrgB, Severity::warning}, 1}}));
  EXPECT_EQ(engine_->counters().evaluations_total, 3);
}

TEST_F(EngineTest, PolicyRemovedFromConfigResolvesItsStoredBreach) {
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10)});
  run(make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))}));
  const std::string id = stored_open().at(0).id;

  const CycleReport report = run(make_config({}));
  EXPECT_EQ(report.breaches_resolved, 1);
  EXPECT_EQ(source_->calls(), 1) << "nothing to measure";
  auto stored = store_->breach(id);
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ((*stored)->status, BreachStatus::resolved);
  EXPECT_EQ((*stored)->resolve_reason, "policy deleted");
}

TEST_F(EngineTest, PerScopeMeasurementQueriesEveryScopeAndJoinsItsSingleSeries) {
  constexpr int kSites = 20;
  std::vector<Policy> policies;
  for (int i = 0; i < kSites; ++i) {
    Policy p = site_policy("p" + std::to_string(i), kOrgA, site(kOrgA, i));
    p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;
    policies.push_back(p);
  }
  auto config = make_config(policies, kSites);
  config->measurements[1].query = "1000 * avg(probe_duration_seconds{site=\"{{scope_id}}\"})";
  config->measurements[1].scope_label = "";
  auto query_for = [](int i) {
    return "1000 * avg(probe_duration_seconds{site=\"" + site(kOrgA, i) + "\"})";
  };
  for (int i = 0; i < kSites; ++i) {
    if (i == 3) {
      source_->answer(query_for(i), {Sample{{}, 10}, Sample{{{"x", "y"}}, 500}});  // ambiguous
    } else if (i != 4) {
      source_->answer(query_for(i), {Sample{{}, i < 10 ? 50.0 : 150.0}});
    }
  }

  const CycleReport report = run(config);

  EXPECT_EQ(source_->calls(), kSites);
  EXPECT_EQ(report.queries, kSites);
  const auto queries = source_->queries();
  EXPECT_EQ(std::set<std::string>(queries.begin(), queries.end()).size(), std::size_t{kSites});
  EXPECT_EQ(find_verdict(*report.snapshot, "p0", Metric::latency_ms)->state, VerdictState::ok);
  EXPECT_EQ(find_verdict(*report.snapshot, "p0", Metric::latency_ms)->actual, 50);
  EXPECT_EQ(find_verdict(*report.snapshot, "p3", Metric::latency_ms)->state, VerdictState::no_data);
  EXPECT_EQ(find_verdict(*report.snapshot, "p4", Metric::latency_ms)->state, VerdictState::no_data);
  EXPECT_EQ(find_verdict(*report.snapshot, "p12", Metric::latency_ms)->state,
            VerdictState::critical);
  EXPECT_EQ(report.no_data, 2);
  EXPECT_EQ(report.breaches_opened, kSites - 10);
  EXPECT_EQ(stored_open().size(), std::size_t{kSites - 10});
}

// ---- policies created through the API (stored, not provisioned) ---------------------------

Policy api_policy(const std::string& id, const std::string& org, const std::string& site_id,
                  double threshold = 99.5) {
  Policy p = uptime_policy(id, org, site_id, threshold);
  p.provisioned = false;
  return p;
}

TEST_F(EngineTest, StoredPolicyIsEvaluatedAndDeletingItResolvesItsBreach) {
  const auto config = make_config({uptime_policy("file", kOrgA, site(kOrgA, 2))});
  ASSERT_TRUE(store_->insert_policy(api_policy("api", kOrgA, site(kOrgA, 1)), clock_.now()));
  source_->answer(kUptimeQuery,
                  {site_sample(site(kOrgA, 1), 10), site_sample(site(kOrgA, 2), 100)});

  const CycleReport opened = run(config);
  EXPECT_EQ(opened.policies_evaluated, 2);
  EXPECT_EQ(opened.breaches_opened, 1);
  EXPECT_EQ(opened.queries, 1) << "provisioned and stored policies share the batched query";
  const auto open = stored_open();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].policy_id, "api");
  EXPECT_EQ(open[0].severity, Severity::critical);
  const auto events = pending();
  ASSERT_EQ(events.size(), 1u);
  const auto payload = nlohmann::json::parse(events[0].payload);
  EXPECT_EQ(payload.at("policy").at("name"), "Policy api");
  EXPECT_EQ(payload.at("policy").at("labels"), nlohmann::json({{"tier", "gold"}}));
  EXPECT_EQ(find_verdict(*opened.snapshot, "api", Metric::uptime_percent)->state,
            VerdictState::critical);
  ASSERT_NE(find_policy(*opened.snapshot, "api"), nullptr);
  EXPECT_FALSE(find_policy(*opened.snapshot, "api")->compliant);

  ASSERT_TRUE(store_->delete_policy(kOrgA, "api"));
  const int calls_before = source_->calls();
  const CycleReport after = run(config);
  EXPECT_EQ(after.breaches_resolved, 1);
  EXPECT_EQ(after.policies_evaluated, 1);
  EXPECT_EQ(source_->calls() - calls_before, 1) << "only the provisioned policy is measured";
  auto resolved = store_->breach(open[0].id);
  ASSERT_TRUE(resolved && resolved->has_value());
  EXPECT_EQ((*resolved)->status, BreachStatus::resolved);
  EXPECT_EQ((*resolved)->resolve_reason, "policy deleted");
  EXPECT_EQ((*resolved)->resolved_at, clock_.now());
  EXPECT_EQ(find_policy(*after.snapshot, "api"), nullptr);
  EXPECT_TRUE(stored_open().empty());
}

TEST_F(EngineTest, ChangedStoredPolicyTakesEffectOnTheNextCycle) {
  const auto config = make_config({});
  auto inserted = store_->insert_policy(api_policy("api", kOrgA, site(kOrgA, 1)), clock_.now());
  ASSERT_TRUE(inserted);
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 99)});
  EXPECT_EQ(run(config).breaches_opened, 1);
  EXPECT_EQ(run(config).breaches_opened, 0) << "the same breach stays open";

  Policy relaxed = inserted->policy;
  relaxed.thresholds[static_cast<std::size_t>(Metric::uptime_percent)] = 98;
  ASSERT_TRUE(store_->update_policy(relaxed, inserted->revision, clock_.now()));
  const CycleReport report = run(config);
  EXPECT_EQ(report.breaches_resolved, 1);
  EXPECT_EQ(find_verdict(*report.snapshot, "api", Metric::uptime_percent)->threshold, 98);
  EXPECT_TRUE(stored_open().empty());
}

// The engine keeps the stored policies between cycles and reads them again only when the
// store's policies revision moves; a read that fails fails the cycle rather than taking the
// policies for deleted.
TEST_F(EngineTest, StoredPoliciesAreReadAgainOnlyWhenChangedAndAFailedReadChangesNothing) {
  const auto config = make_config({});
  ASSERT_TRUE(store_->insert_policy(api_policy("api", kOrgA, site(kOrgA, 1)), clock_.now()));
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10)});
  run(config);
  const auto open = stored_open();
  ASSERT_EQ(open.size(), 1u);

  // Damaged behind the store's back: the revision did not move, so the cached policy is used.
  auto db = sqlite::Connection::open(db_path());
  ASSERT_TRUE(db) << db.error().message;
  ASSERT_TRUE(db->exec("damage", "UPDATE policies SET body = 'not json' WHERE id = 'api'"));
  const CycleReport cached = run(config);
  EXPECT_EQ(cached.policies_evaluated, 1);
  EXPECT_EQ(cached.breaches_resolved, 0);

  // A write moves the revision: the re-read fails, and so does the cycle, changing nothing.
  ASSERT_TRUE(store_->insert_policy(api_policy("api-2", kOrgA, site(kOrgA, 2)), clock_.now()));
  const SnapshotPtr published = engine_->snapshot();
  clock_.advance(5min);
  const auto failed = engine_->run_cycle(config);
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message, HasSubstr("cannot read the API policies"));
  EXPECT_THAT(failed.error().message, HasSubstr("'api'"));
  EXPECT_EQ(engine_->counters().evaluation_failures_total, 1);
  EXPECT_EQ(engine_->snapshot(), published);
  ASSERT_EQ(stored_open().size(), 1u);
  EXPECT_EQ(stored_open()[0].id, open[0].id) << "not resolved as deleted";

  // Repaired: the next cycle reads again and goes on.
  ASSERT_TRUE(db->exec("repair",
                       "UPDATE policies SET body = (SELECT body FROM policies WHERE "
                       "id = 'api-2') WHERE id = 'api'"));
  const CycleReport repaired = run(config);
  EXPECT_EQ(repaired.policies_evaluated, 2);
  EXPECT_EQ(stored_open().size(), 1u);
  EXPECT_EQ(stored_open()[0].id, open[0].id);
}

TEST_F(EngineTest, ProvisionedPolicyWinsAnIdCollisionWithAStoredOneAndIsWarnedOnce) {
  const auto config = make_config({uptime_policy("dup", kOrgA, site(kOrgA, 1), 99.5)});
  ASSERT_TRUE(store_->insert_policy(api_policy("dup", kOrgA, site(kOrgA, 1), 50), clock_.now()));
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 90)});

  ::testing::internal::CaptureStderr();
  const CycleReport first = run(config);
  const CycleReport second = run(config);
  const std::string logged = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(first.policies_evaluated, 1);
  ASSERT_EQ(first.snapshot->verdicts.size(), 1u);
  EXPECT_EQ(first.snapshot->verdicts[0].threshold, 99.5);
  EXPECT_EQ(first.breaches_opened, 1) << "90 violates the provisioned 99.5, not the stored 50";
  EXPECT_EQ(second.snapshot->policies.size(), 1u);
  std::size_t warnings = 0;
  for (auto at = logged.find("the provisioned one is used"); at != std::string::npos;
       at = logged.find("the provisioned one is used", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << logged;
}

TEST_F(EngineTest, OrgOptionAppliesToStoredPolicies) {
  const auto config = make_config({});
  ASSERT_TRUE(store_->insert_policy(api_policy("a", kOrgA, site(kOrgA, 1)), clock_.now()));
  ASSERT_TRUE(store_->insert_policy(api_policy("b", kOrgB, site(kOrgB, 1)), clock_.now()));
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10), site_sample(site(kOrgB, 1), 10)});
  const CycleReport report = run(config, CycleOptions{.org = kOrgB});
  EXPECT_EQ(report.policies_evaluated, 1);
  const auto open = stored_open();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].policy_id, "b");
}

// SPEC §6.3: the breach changes and their events are one transaction; when it cannot be
// stored, nothing of the cycle is kept or published.
TEST_F(EngineTest, CycleThatCannotBeStoredChangesNothing) {
  const auto config = make_config({uptime_policy("p", kOrgA, site(kOrgA, 1))});
  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 99.9)});
  const SnapshotPtr published = run(config).snapshot;

  auto saboteur = sqlite::Connection::open(db_path());
  ASSERT_TRUE(saboteur) << saboteur.error().message;
  ASSERT_TRUE(saboteur->exec("block events",
                             "CREATE TRIGGER refuse_events BEFORE INSERT ON events "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END;"));

  source_->answer(kUptimeQuery, {site_sample(site(kOrgA, 1), 10)});
  clock_.advance(5min);
  const auto failed = engine_->run_cycle(config);
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message, HasSubstr("disk full"));
  EXPECT_TRUE(stored_open().empty()) << "the breach row must be rolled back with its event";
  EXPECT_TRUE(pending().empty());
  EXPECT_EQ(engine_->snapshot(), published);
  EXPECT_EQ(engine_->counters().evaluation_failures_total, 1);
  EXPECT_TRUE(engine_->counters().breaches_opened_total.empty());
  EXPECT_FALSE(engine_->cycle_running());

  ASSERT_TRUE(saboteur->exec("unblock events", "DROP TRIGGER refuse_events;"));
  const CycleReport retried = run(config);
  EXPECT_EQ(retried.breaches_opened, 1);
  EXPECT_EQ(stored_open().size(), 1u);
  EXPECT_EQ(pending().size(), 1u);
}

}  // namespace
}  // namespace slamon
