// Table-driven tests of the pure evaluator (SPEC §6.2–§6.4): threshold directions, deviation
// and severity, no-data modes, and the life of a breach over successive cycles.
#include "engine/evaluator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "support/sample_policy.h"

namespace slamon {

// Readable gtest output for the enums the tables compare (found by argument-dependent lookup).
inline void PrintTo(VerdictState s, std::ostream* os) {
  constexpr const char* kNames[] = {"ok", "warning", "critical", "no_data"};
  *os << kNames[static_cast<int>(s)];
}
inline void PrintTo(Severity s, std::ostream* os) {
  *os << to_string(s);
}
inline void PrintTo(EventType t, std::ostream* os) {
  *os << to_string(t);
}

namespace {

using namespace std::chrono_literals;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const WallTime kStart = from_unix_seconds(1'800'000'000);
constexpr char kOrg[] = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
constexpr char kSite[] = "a1b2c3d4-0000-4000-8000-000000000001";

Policy make_policy(const std::string& id, Metric metric, double threshold,
                   NoDataMode no_data = NoDataMode::keep) {
  return slamon::testing::site_policy({.id = id,
                                       .org = kOrg,
                                       .site = kSite,
                                       .labels = {{"tier", "gold"}},
                                       .thresholds = {{metric, threshold}},
                                       .no_data = no_data});
}

// Runs cycles against a running set of open breaches, as the engine does with the Store.
class Cycles {
 public:
  explicit Cycles(std::vector<Policy> policies) : policies_(std::move(policies)) {}

  Evaluation run(const MeasuredValues& values) {
    now_ += 5min;
    const EvaluationInput input{&policies_, &values, &open_, now_};
    Evaluation evaluation = evaluate(input);
    open_ = evaluation.open_breaches;
    return evaluation;
  }
  Evaluation run_value(Metric metric, double value) {
    return run({{{policies_.front().id, metric}, value}});
  }

  std::vector<Policy>& policies() { return policies_; }
  std::vector<Breach>& open() { return open_; }
  WallTime now() const { return now_; }

 private:
  std::vector<Policy> policies_;
  std::vector<Breach> open_;
  WallTime now_ = kStart;
};

std::vector<EventType> event_types(const Evaluation& e) {
  std::vector<EventType> types;
  for (const auto& event : e.events) types.push_back(event.type);
  return types;
}

// --- deviation, severity, direction -----------------------------------------------------

struct DirectionCase {
  Metric metric;
  double threshold;
  double actual;
  VerdictState expected;
};

void PrintTo(const DirectionCase& c, std::ostream* os) {
  *os << to_string(c.metric) << " threshold " << c.threshold << " actual " << c.actual;
}

class ThresholdDirection : public ::testing::TestWithParam<DirectionCase> {};

TEST_P(ThresholdDirection, DecidesTheVerdictAndOpensABreachOnlyWhenViolated) {
  const auto& c = GetParam();
  Cycles cycles({make_policy("p", c.metric, c.threshold)});
  const Evaluation e = cycles.run_value(c.metric, c.actual);

  ASSERT_EQ(e.verdicts.size(), 1u);
  const Verdict& v = e.verdicts[0];
  EXPECT_EQ(v.state, c.expected) << to_string(c.metric) << " threshold " << c.threshold
                                 << " actual " << c.actual;
  EXPECT_EQ(v.metric, c.metric);
  EXPECT_EQ(v.bound, threshold_spec(c.metric).bound);
  EXPECT_EQ(v.threshold, c.threshold);
  ASSERT_TRUE(v.actual.has_value());
  EXPECT_EQ(*v.actual, c.actual);
  const bool violated = c.expected != VerdictState::ok;
  EXPECT_EQ(v.deviation_percent.has_value(), violated);
  EXPECT_EQ(e.open_breaches.size(), violated ? 1u : 0u);
  EXPECT_EQ(e.opened, violated ? 1 : 0);
  EXPECT_EQ(is_violated(threshold_spec(c.metric).bound, c.actual, c.threshold), violated);
}

INSTANTIATE_TEST_SUITE_P(
    AllSixMetrics, ThresholdDirection,
    ::testing::Values(
        // min bounds: violated below, equality is fine
        DirectionCase{Metric::uptime_percent, 99.5, 99.4, VerdictState::warning},
        DirectionCase{Metric::uptime_percent, 99.5, 99.5, VerdictState::ok},
        DirectionCase{Metric::uptime_percent, 99.5, 100, VerdictState::ok},
        DirectionCase{Metric::uptime_percent, 99.5, 50, VerdictState::critical},
        DirectionCase{Metric::health_score, 80, 79, VerdictState::warning},
        DirectionCase{Metric::health_score, 80, 80, VerdictState::ok},
        DirectionCase{Metric::health_score, 80, 81, VerdictState::ok},
        DirectionCase{Metric::health_score, 80, 10, VerdictState::critical},
        DirectionCase{Metric::client_satisfaction, 90, 85, VerdictState::warning},
        DirectionCase{Metric::client_satisfaction, 90, 90, VerdictState::ok},
        DirectionCase{Metric::client_satisfaction, 90, 95, VerdictState::ok},
        DirectionCase{Metric::client_satisfaction, 90, 50, VerdictState::critical},
        // max bounds: violated above, equality is fine
        DirectionCase{Metric::latency_ms, 100, 101, VerdictState::warning},
        DirectionCase{Metric::latency_ms, 100, 100, VerdictState::ok},
        DirectionCase{Metric::latency_ms, 100, 99, VerdictState::ok},
        DirectionCase{Metric::latency_ms, 100, 250, VerdictState::critical},
        DirectionCase{Metric::packet_loss_percent, 1.0, 1.1, VerdictState::warning},
        DirectionCase{Metric::packet_loss_percent, 1.0, 1.0, VerdictState::ok},
        DirectionCase{Metric::packet_loss_percent, 1.0, 0.5, VerdictState::ok},
        DirectionCase{Metric::packet_loss_percent, 1.0, 1.5, VerdictState::critical},
        DirectionCase{Metric::error_rate, 0.01, 0.011, VerdictState::warning},
        DirectionCase{Metric::error_rate, 0.01, 0.01, VerdictState::ok},
        DirectionCase{Metric::error_rate, 0.01, 0.001, VerdictState::ok},
        DirectionCase{Metric::error_rate, 0.01, 0.02, VerdictState::critical}));

struct SeverityCase {
  Metric metric;
  double threshold;
  double actual;
  Severity expected;
};

void PrintTo(const SeverityCase& c, std::ostream* os) {
  *os << to_string(c.metric) << " threshold " << c.threshold << " actual " << c.actual;
}

class SeverityBoundary : public ::testing::TestWithParam<SeverityCase> {};

// SPEC §6.2: warning up to and including 20 %, critical above. "Exactly 20 %" means exactly in
// the decimals an operator writes, even when binary floating point rounds them a hair over.
TEST_P(SeverityBoundary, TwentyPercentIsWarningAndAnythingAboveIsCritical) {
  const auto& c = GetParam();
  Cycles cycles({make_policy("p", c.metric, c.threshold)});
  const Evaluation e = cycles.run_value(c.metric, c.actual);

  ASSERT_EQ(e.open_breaches.size(), 1u);
  EXPECT_EQ(e.open_breaches[0].severity, c.expected)
      << to_string(c.metric) << " threshold " << c.threshold << " actual " << c.actual
      << " deviation " << *e.open_breaches[0].deviation_percent;
  EXPECT_EQ(e.verdicts[0].state,
            c.expected == Severity::critical ? VerdictState::critical : VerdictState::warning);
}

INSTANTIATE_TEST_SUITE_P(
    ExactlyAndJustAbove, SeverityBoundary,
    ::testing::Values(SeverityCase{Metric::latency_ms, 100, 120, Severity::warning},
                      SeverityCase{Metric::latency_ms, 100, 120.0001, Severity::critical},
                      SeverityCase{Metric::health_score, 50, 40, Severity::warning},
                      SeverityCase{Metric::health_score, 50, 39.9999, Severity::critical},
                      SeverityCase{Metric::uptime_percent, 99.5, 79.6, Severity::warning},
                      SeverityCase{Metric::uptime_percent, 99.5, 79.5999, Severity::critical},
                      SeverityCase{Metric::packet_loss_percent, 1.0, 1.2, Severity::warning},
                      SeverityCase{Metric::packet_loss_percent, 1.0, 1.200001, Severity::critical},
                      SeverityCase{Metric::error_rate, 0.05, 0.06, Severity::warning},
                      SeverityCase{Metric::error_rate, 0.05, 0.0600001, Severity::critical},
                      SeverityCase{Metric::latency_ms, 99.5, 119.4, Severity::warning}));

TEST(Deviation, IsTheRelativeDistanceInPercent) {
  EXPECT_DOUBLE_EQ(deviation_percent(120, 100), 20);
  EXPECT_DOUBLE_EQ(deviation_percent(80, 100), 20);
  EXPECT_DOUBLE_EQ(deviation_percent(99, 99.5), 0.5 / 99.5 * 100);
  EXPECT_DOUBLE_EQ(deviation_percent(0.02, 0.01), 100);
}

TEST(Deviation, SeverityAtTheBoundary) {
  EXPECT_EQ(severity_for(0), Severity::warning);
  EXPECT_EQ(severity_for(20), Severity::warning);
  EXPECT_EQ(severity_for(20.0001), Severity::critical);
  EXPECT_EQ(severity_for(kInf), Severity::critical);
}

TEST(Deviation, ViolatedThresholdOfZeroIsInfinitelyDeviatedAndCritical) {
  EXPECT_EQ(deviation_percent(5, 0), kInf);

  Cycles cycles({make_policy("p", Metric::latency_ms, 0)});
  const Evaluation e = cycles.run_value(Metric::latency_ms, 5);
  ASSERT_EQ(e.verdicts.size(), 1u);
  EXPECT_EQ(e.verdicts[0].state, VerdictState::critical);
  ASSERT_TRUE(e.verdicts[0].deviation_percent.has_value());
  EXPECT_EQ(*e.verdicts[0].deviation_percent, kInf);
  ASSERT_EQ(e.open_breaches.size(), 1u);
  EXPECT_EQ(e.open_breaches[0].severity, Severity::critical);
  EXPECT_EQ(*e.open_breaches[0].deviation_percent, kInf);
}

TEST(Deviation, ZeroThresholdMetAtZeroIsOk) {
  Cycles cycles({make_policy("p", Metric::packet_loss_percent, 0)});
  const Evaluation e = cycles.run_value(Metric::packet_loss_percent, 0);
  ASSERT_EQ(e.verdicts.size(), 1u);
  EXPECT_EQ(e.verdicts[0].state, VerdictState::ok);
  EXPECT_TRUE(e.open_breaches.empty());
}

// --- no data ---------------------------------------------------------------------------------

class NonFiniteActual : public ::testing::TestWithParam<double> {};

TEST_P(NonFiniteActual, IsNoData) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100)});
  const Evaluation e = cycles.run_value(Metric::latency_ms, GetParam());
  ASSERT_EQ(e.verdicts.size(), 1u);
  EXPECT_EQ(e.verdicts[0].state, VerdictState::no_data);
  EXPECT_FALSE(e.verdicts[0].actual.has_value());
  EXPECT_FALSE(e.verdicts[0].deviation_percent.has_value());
  EXPECT_EQ(e.no_data, 1);
  EXPECT_TRUE(e.open_breaches.empty());
  EXPECT_TRUE(e.events.empty());
}

INSTANTIATE_TEST_SUITE_P(NaNAndInfinities, NonFiniteActual, ::testing::Values(kNaN, kInf, -kInf));

TEST(NoData, MissingValueIsNoData) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100)});
  const Evaluation e = cycles.run({});
  ASSERT_EQ(e.verdicts.size(), 1u);
  EXPECT_EQ(e.verdicts[0].state, VerdictState::no_data);
  EXPECT_EQ(e.no_data, 1);
}

TEST(NoData, KeepLeavesTheOpenBreachUntouchedAndPublishesNothing) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100, NoDataMode::keep)});
  const Breach opened = cycles.run_value(Metric::latency_ms, 110).open_breaches.at(0);

  for (int i = 0; i < 3; ++i) {
    const Evaluation e = cycles.run({});
    EXPECT_TRUE(e.events.empty());
    EXPECT_TRUE(e.changed_breaches.empty());
    ASSERT_EQ(e.open_breaches.size(), 1u);
    const Breach& b = e.open_breaches[0];
    EXPECT_EQ(b.id, opened.id);
    EXPECT_EQ(b.actual, opened.actual);
    EXPECT_EQ(b.severity, opened.severity);
    EXPECT_EQ(b.last_evaluated_at, opened.last_evaluated_at);
    EXPECT_EQ(b.status, BreachStatus::active);
  }
}

TEST(NoData, KeepOpensNothing) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100, NoDataMode::keep)});
  const Evaluation e = cycles.run({});
  EXPECT_TRUE(e.open_breaches.empty());
  EXPECT_TRUE(e.events.empty());
}

TEST(NoData, BreachOpensACriticalBreachWithoutActual) {
  Cycles cycles({make_policy("p", Metric::uptime_percent, 99.5, NoDataMode::breach)});
  const Evaluation e = cycles.run({});

  ASSERT_EQ(e.verdicts.size(), 1u);
  EXPECT_EQ(e.verdicts[0].state, VerdictState::no_data);
  ASSERT_EQ(e.open_breaches.size(), 1u);
  const Breach& b = e.open_breaches[0];
  EXPECT_EQ(b.severity, Severity::critical);
  EXPECT_EQ(b.peak_severity, Severity::critical);
  EXPECT_FALSE(b.actual.has_value());
  EXPECT_FALSE(b.deviation_percent.has_value());
  EXPECT_EQ(b.threshold, 99.5);
  EXPECT_EQ(event_types(e), std::vector{EventType::breach_created});
  EXPECT_EQ(e.opened, 1);
}

TEST(NoData, BreachEscalatesAnExistingWarningBreach) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100, NoDataMode::breach)});
  const Breach opened = cycles.run_value(Metric::latency_ms, 110).open_breaches.at(0);
  ASSERT_EQ(opened.severity, Severity::warning);

  const Evaluation e = cycles.run({});
  ASSERT_EQ(e.open_breaches.size(), 1u);
  const Breach& b = e.open_breaches[0];
  EXPECT_EQ(b.id, opened.id);
  EXPECT_EQ(b.severity, Severity::critical);
  EXPECT_EQ(b.peak_severity, Severity::critical);
  EXPECT_FALSE(b.actual.has_value());
  EXPECT_EQ(event_types(e), std::vector{EventType::breach_escalated});
  EXPECT_EQ(e.escalated, 1);
  EXPECT_EQ(e.opened, 0);
}

TEST(NoData, ResolveResolvesTheOpenBreachWithReason) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100, NoDataMode::resolve)});
  const Breach opened = cycles.run_value(Metric::latency_ms, 110).open_breaches.at(0);

  const Evaluation e = cycles.run({});
  EXPECT_TRUE(e.open_breaches.empty());
  ASSERT_EQ(e.changed_breaches.size(), 1u);
  const Breach& b = e.changed_breaches[0];
  EXPECT_EQ(b.id, opened.id);
  EXPECT_EQ(b.status, BreachStatus::resolved);
  EXPECT_EQ(b.resolve_reason, "no data");
  EXPECT_EQ(b.resolved_at, cycles.now());
  EXPECT_EQ(event_types(e), std::vector{EventType::breach_resolved});
  EXPECT_EQ(e.resolved, 1);
}

TEST(NoData, ResolveWithoutOpenBreachDoesNothing) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100, NoDataMode::resolve)});
  const Evaluation e = cycles.run({});
  EXPECT_TRUE(e.events.empty());
  EXPECT_TRUE(e.changed_breaches.empty());
}

// --- breach life -------------------------------------------------------------------------------

TEST(BreachLife, CreationSetsEveryFieldAndPublishesCreated) {
  Policy policy = make_policy("core-uptime", Metric::uptime_percent, 99.5);
  Cycles cycles({policy});
  const Evaluation e = cycles.run_value(Metric::uptime_percent, 98);

  ASSERT_EQ(e.open_breaches.size(), 1u);
  const Breach& b = e.open_breaches[0];
  EXPECT_TRUE(is_uuid(b.id)) << b.id;
  EXPECT_EQ(b.org, kOrg);
  EXPECT_EQ(b.policy_id, "core-uptime");
  EXPECT_EQ(b.scope, Scope::site);
  EXPECT_EQ(b.scope_id, kSite);
  EXPECT_EQ(b.metric, Metric::uptime_percent);
  EXPECT_EQ(b.actual, 98);
  EXPECT_EQ(b.threshold, 99.5);
  ASSERT_TRUE(b.deviation_percent.has_value());
  EXPECT_DOUBLE_EQ(*b.deviation_percent, 1.5 / 99.5 * 100);
  EXPECT_EQ(b.severity, Severity::warning);
  EXPECT_EQ(b.peak_severity, Severity::warning);
  EXPECT_EQ(b.status, BreachStatus::active);
  EXPECT_EQ(b.opened_at, cycles.now());
  EXPECT_EQ(b.last_evaluated_at, cycles.now());
  EXPECT_FALSE(b.resolved_at.has_value());

  ASSERT_EQ(e.changed_breaches.size(), 1u);
  EXPECT_EQ(e.changed_breaches[0].id, b.id);
  ASSERT_EQ(e.events.size(), 1u);
  const Event& ev = e.events[0];
  EXPECT_TRUE(is_uuid(ev.id));
  EXPECT_EQ(ev.type, EventType::breach_created);
  EXPECT_EQ(to_string(ev.type), "sla.breach.created");
  EXPECT_EQ(ev.priority, Priority::HIGH);
  EXPECT_EQ(ev.occurred_at, cycles.now());
  EXPECT_EQ(ev.org_id, kOrg);
  EXPECT_EQ(ev.breach->id, b.id);
  EXPECT_EQ(ev.policy.id, "core-uptime");
  EXPECT_EQ(ev.policy.name, policy.name);
  EXPECT_EQ(ev.policy.scope, Scope::site);
  EXPECT_EQ(ev.policy.scope_id, kSite);
  EXPECT_EQ(ev.policy.labels, policy.labels);
  EXPECT_EQ(e.opened, 1);
}

TEST(BreachLife, SsidBreachCarriesTheScopeName) {
  Policy policy = make_policy("wifi", Metric::client_satisfaction, 90);
  policy.scope = Scope::ssid;
  policy.scope_id.reset();
  policy.scope_name = "Corp-WiFi";
  Cycles cycles({policy});
  const Evaluation e = cycles.run_value(Metric::client_satisfaction, 80);
  ASSERT_EQ(e.open_breaches.size(), 1u);
  EXPECT_EQ(e.open_breaches[0].scope, Scope::ssid);
  EXPECT_FALSE(e.open_breaches[0].scope_id.has_value());
  EXPECT_EQ(e.open_breaches[0].scope_name, "Corp-WiFi");
  EXPECT_EQ(e.events.at(0).policy.scope_name, "Corp-WiFi");
}

TEST(BreachLife, UpdateKeepsIdentityAndTracksTheLatestValues) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100)});
  const Breach opened = cycles.run_value(Metric::latency_ms, 110).open_breaches.at(0);

  const Evaluation e = cycles.run_value(Metric::latency_ms, 115);
  ASSERT_EQ(e.open_breaches.size(), 1u);
  const Breach& b = e.open_breaches[0];
  EXPECT_EQ(b.id, opened.id);
  EXPECT_EQ(b.opened_at, opened.opened_at);
  EXPECT_EQ(b.actual, 115);
  EXPECT_DOUBLE_EQ(*b.deviation_percent, 15);
  EXPECT_EQ(b.severity, Severity::warning);
  EXPECT_EQ(b.last_evaluated_at, cycles.now());
  EXPECT_TRUE(e.events.empty());
  ASSERT_EQ(e.changed_breaches.size(), 1u);
  EXPECT_EQ(e.changed_breaches[0].id, opened.id);
  EXPECT_EQ(e.changed_breaches[0].actual, 115);
  EXPECT_EQ(e.opened, 0);
}

TEST(BreachLife, WarningToCriticalEscalates) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100)});
  const Breach opened = cycles.run_value(Metric::latency_ms, 110).open_breaches.at(0);

  const Evaluation e = cycles.run_value(Metric::latency_ms, 200);
  ASSERT_EQ(e.open_breaches.size(), 1u);
  const Breach& b = e.open_breaches[0];
  EXPECT_EQ(b.id, opened.id);
  EXPECT_EQ(b.severity, Severity::critical);
  EXPECT_EQ(b.peak_severity, Severity::critical);
  ASSERT_EQ(e.events.size(), 1u);
  EXPECT_EQ(e.events[0].type, EventType::breach_escalated);
  EXPECT_EQ(to_string(e.events[0].type), "sla.breach.escalated");
  EXPECT_EQ(e.events[0].priority, Priority::HIGH);
  EXPECT_EQ(e.events[0].breach->id, opened.id);
  EXPECT_EQ(e.events[0].breach->severity, Severity::critical);
  EXPECT_EQ(e.escalated, 1);
  ASSERT_EQ(e.changed_breaches.size(), 1u);
  EXPECT_EQ(e.changed_breaches[0].severity, Severity::critical);
}

TEST(BreachLife, CriticalToWarningKeepsPeakAndPublishesNothing) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100)});
  cycles.run_value(Metric::latency_ms, 110);
  cycles.run_value(Metric::latency_ms, 200);

  const Evaluation e = cycles.run_value(Metric::latency_ms, 105);
  ASSERT_EQ(e.open_breaches.size(), 1u);
  EXPECT_EQ(e.open_breaches[0].severity, Severity::warning);
  EXPECT_EQ(e.open_breaches[0].peak_severity, Severity::critical);
  EXPECT_TRUE(e.events.empty());
  EXPECT_EQ(e.escalated, 0);

  // Back to critical is warning → critical again: it publishes again.
  const Evaluation again = cycles.run_value(Metric::latency_ms, 300);
  EXPECT_EQ(event_types(again), std::vector{EventType::breach_escalated});
}

TEST(BreachLife, OpenedCriticalStaysSilentWhileCritical) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100)});
  EXPECT_EQ(event_types(cycles.run_value(Metric::latency_ms, 300)),
            std::vector{EventType::breach_created});
  EXPECT_TRUE(cycles.run_value(Metric::latency_ms, 400).events.empty());
}

TEST(BreachLife, RecoveryResolves) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100)});
  const Breach opened = cycles.run_value(Metric::latency_ms, 150).open_breaches.at(0);

  const Evaluation e = cycles.run_value(Metric::latency_ms, 100);
  EXPECT_TRUE(e.open_breaches.empty());
  ASSERT_EQ(e.changed_breaches.size(), 1u);
  const Breach& b = e.changed_breaches[0];
  EXPECT_EQ(b.id, opened.id);
  EXPECT_EQ(b.status, BreachStatus::resolved);
  EXPECT_EQ(b.resolved_at, cycles.now());
  EXPECT_EQ(b.opened_at, opened.opened_at);
  EXPECT_EQ(b.peak_severity, Severity::critical);
  ASSERT_EQ(e.events.size(), 1u);
  EXPECT_EQ(e.events[0].type, EventType::breach_resolved);
  EXPECT_EQ(to_string(e.events[0].type), "sla.breach.resolved");
  EXPECT_EQ(e.events[0].priority, Priority::NORMAL);
  EXPECT_EQ(e.events[0].breach->status, BreachStatus::resolved);
  EXPECT_EQ(e.resolved, 1);
  EXPECT_EQ(e.verdicts.at(0).state, VerdictState::ok);
}

TEST(BreachLife, AcknowledgedBreachIsUpdatedKeepsItsAckAndResolvesOnRecovery) {
  Cycles cycles({make_policy("p", Metric::latency_ms, 100)});
  cycles.run_value(Metric::latency_ms, 110);
  ASSERT_EQ(cycles.open().size(), 1u);
  Breach& acked = cycles.open()[0];
  acked.status = BreachStatus::acknowledged;
  acked.acknowledged_at = cycles.now();
  acked.acknowledged_by = "alice";
  const std::string id = acked.id;

  const Evaluation still = cycles.run_value(Metric::latency_ms, 112);
  ASSERT_EQ(still.open_breaches.size(), 1u);
  EXPECT_EQ(still.open_breaches[0].status, BreachStatus::acknowledged);
  EXPECT_EQ(still.open_breaches[0].acknowledged_by, "alice");

  const Evaluation e = cycles.run_value(Metric::latency_ms, 90);
  EXPECT_TRUE(e.open_breaches.empty());
  ASSERT_EQ(e.changed_breaches.size(), 1u);
  EXPECT_EQ(e.changed_breaches[0].id, id);
  EXPECT_EQ(e.changed_breaches[0].status, BreachStatus::resolved);
  EXPECT_TRUE(e.changed_breaches[0].resolved_at.has_value());
  EXPECT_EQ(event_types(e), std::vector{EventType::breach_resolved});
}

struct RetirementCase {
  std::string name;
  std::function<void(std::vector<Policy>&)> change;
  std::string reason;
};

class PolicyRetirement : public ::testing::TestWithParam<RetirementCase> {};

TEST_P(PolicyRetirement, ResolvesTheOpenBreachWithAReason) {
  std::vector<Policy> policies{make_policy("p", Metric::latency_ms, 100)};
  policies[0].thresholds[static_cast<std::size_t>(Metric::error_rate)] = 0.01;
  policies.push_back(make_policy("bystander", Metric::latency_ms, 100));
  Cycles cycles(policies);
  const MeasuredValues violated{{{"p", Metric::latency_ms}, 150},
                                {{"p", Metric::error_rate}, 0.5},
                                {{"bystander", Metric::latency_ms}, 150}};
  ASSERT_EQ(cycles.run(violated).open_breaches.size(), 3u);

  GetParam().change(cycles.policies());
  const Evaluation e = cycles.run(violated);

  std::vector<Breach> resolved;
  for (const auto& b : e.changed_breaches) {
    if (b.status == BreachStatus::resolved) resolved.push_back(b);
  }
  ASSERT_FALSE(resolved.empty());
  for (const auto& b : resolved) {
    EXPECT_EQ(b.policy_id, "p");
    EXPECT_EQ(b.resolve_reason, GetParam().reason);
    EXPECT_EQ(b.resolved_at, cycles.now());
  }
  for (const auto& ev : e.events) {
    EXPECT_EQ(ev.type, EventType::breach_resolved);
    EXPECT_EQ(ev.breach->policy_id, "p");
  }
  EXPECT_EQ(e.events.size(), resolved.size());
  EXPECT_EQ(e.resolved, static_cast<int>(resolved.size()));
  // The bystander's breach is untouched by another policy's retirement.
  bool bystander_open = false;
  for (const auto& b : e.open_breaches) bystander_open |= b.policy_id == "bystander";
  EXPECT_TRUE(bystander_open);
}

INSTANTIATE_TEST_SUITE_P(
    DisabledDraftDeletedThresholdRemoved, PolicyRetirement,
    ::testing::Values(
        RetirementCase{"disabled",
                       [](std::vector<Policy>& p) { p[0].status = PolicyStatus::disabled; },
                       "policy disabled"},
        RetirementCase{"draft", [](std::vector<Policy>& p) { p[0].status = PolicyStatus::draft; },
                       "policy draft"},
        RetirementCase{"deleted", [](std::vector<Policy>& p) { p.erase(p.begin()); },
                       "policy deleted"},
        RetirementCase{"threshold_removed",
                       [](std::vector<Policy>& p) {
                         p[0].thresholds[static_cast<std::size_t>(Metric::latency_ms)].reset();
                       },
                       "threshold removed"}),
    [](const auto& info) { return info.param.name; });

TEST(BreachLife, RetiringEveryThresholdResolvesBoth) {
  Policy policy = make_policy("p", Metric::latency_ms, 100);
  policy.thresholds[static_cast<std::size_t>(Metric::error_rate)] = 0.01;
  Cycles cycles({policy});
  cycles.run({{{"p", Metric::latency_ms}, 150}, {{"p", Metric::error_rate}, 0.5}});
  ASSERT_EQ(cycles.open().size(), 2u);

  cycles.policies()[0].status = PolicyStatus::disabled;
  const Evaluation e = cycles.run({});
  EXPECT_TRUE(e.open_breaches.empty());
  EXPECT_EQ(e.resolved, 2);
  EXPECT_TRUE(e.verdicts.empty()) << "a disabled policy has no verdicts";
}

TEST(BreachLife, DeletedPolicyResolutionEventStillNamesThePolicy) {
  Cycles cycles({make_policy("gone", Metric::latency_ms, 100)});
  cycles.run_value(Metric::latency_ms, 150);
  cycles.policies().clear();
  const Evaluation e = cycles.run({});
  ASSERT_EQ(e.events.size(), 1u);
  EXPECT_EQ(e.events[0].policy.id, "gone");
  EXPECT_EQ(e.events[0].policy.scope_id, kSite);
  EXPECT_EQ(e.events[0].org_id, kOrg);
}

TEST(BreachLife, AtMostOneOpenBreachPerPolicyAndMetricOverManyCycles) {
  std::vector<Policy> policies;
  for (int i = 0; i < 5; ++i) {
    Policy p = make_policy("p" + std::to_string(i), Metric::latency_ms, 100);
    p.thresholds[static_cast<std::size_t>(Metric::packet_loss_percent)] = 1.0;
    p.no_data = i % 2 == 0 ? NoDataMode::breach : NoDataMode::keep;
    policies.push_back(p);
  }
  Cycles cycles(policies);
  std::set<std::string> ids_ever;
  std::set<std::pair<std::string, Metric>> open_before;
  for (int cycle = 0; cycle < 60; ++cycle) {
    MeasuredValues values;
    for (int i = 0; i < 5; ++i) {
      const std::string id = "p" + std::to_string(i);
      // A deterministic mix of ok, warning, critical and missing values.
      const int phase = (cycle + i) % 7;
      if (phase != 3) values[{id, Metric::latency_ms}] = 80.0 + phase * 15;
      if (phase != 5) values[{id, Metric::packet_loss_percent}] = 0.5 * phase;
    }
    const Evaluation e = cycles.run(values);

    std::set<std::pair<std::string, Metric>> keys;
    for (const auto& b : e.open_breaches) {
      EXPECT_TRUE(b.open());
      EXPECT_TRUE(keys.emplace(b.policy_id, b.metric).second)
          << "two open breaches for " << b.policy_id << " " << to_string(b.metric);
    }
    for (const auto& b : e.open_breaches) ids_ever.insert(b.id);
    int created = 0;
    for (const auto& ev : e.events) {
      if (ev.type != EventType::breach_created) continue;
      ++created;
      EXPECT_FALSE(open_before.contains({ev.breach->policy_id, ev.breach->metric}))
          << "a second breach opened beside an open one, cycle " << cycle;
    }
    EXPECT_EQ(created, e.opened);
    open_before = keys;
  }
  EXPECT_GT(ids_ever.size(), 10u) << "the mix should open and resolve many breaches";
}

TEST(BreachLife, OpenBreachesEqualTheOpenSetAfterTheCycle) {
  std::vector<Policy> policies;
  for (int i = 0; i < 4; ++i)
    policies.push_back(make_policy("p" + std::to_string(i), Metric::latency_ms, 100));
  Cycles cycles(policies);
  std::map<std::string, Breach> open_by_id;
  const std::vector<std::vector<double>> rounds{
      {150, 50, 110, kNaN}, {50, 150, 115, 120}, {50, 50, 300, kNaN}, {150, 150, 50, 50}};
  for (const auto& round : rounds) {
    MeasuredValues values;
    for (int i = 0; i < 4; ++i) values[{"p" + std::to_string(i), Metric::latency_ms}] = round[i];
    const Evaluation e = cycles.run(values);
    // Apply this cycle's changes to the previous open set, as the Store would.
    for (const auto& b : e.changed_breaches) {
      if (b.open()) {
        open_by_id[b.id] = b;
      } else {
        open_by_id.erase(b.id);
      }
    }
    std::map<std::string, Breach> reported;
    for (const auto& b : e.open_breaches) reported[b.id] = b;
    ASSERT_EQ(reported.size(), open_by_id.size());
    for (const auto& [id, b] : open_by_id) {
      ASSERT_TRUE(reported.contains(id));
      EXPECT_EQ(reported[id].actual, b.actual);
      EXPECT_EQ(reported[id].severity, b.severity);
      EXPECT_EQ(reported[id].last_evaluated_at, b.last_evaluated_at);
    }
  }
}

TEST(Evaluate, OneVerdictPerActivePolicyThreshold) {
  Policy a = make_policy("a", Metric::latency_ms, 100);
  a.thresholds[static_cast<std::size_t>(Metric::uptime_percent)] = 99;
  a.thresholds[static_cast<std::size_t>(Metric::error_rate)] = 0.1;
  Policy b = make_policy("b", Metric::health_score, 70);
  Policy c = make_policy("c", Metric::health_score, 70);
  c.status = PolicyStatus::draft;
  Cycles cycles({a, b, c});
  const Evaluation e =
      cycles.run({{{"a", Metric::latency_ms}, 50}, {{"b", Metric::health_score}, 60}});
  EXPECT_EQ(e.verdicts.size(), 4u);
  EXPECT_EQ(e.no_data, 2);
  for (const auto& v : e.verdicts) {
    EXPECT_NE(v.policy_id, "c");
    EXPECT_EQ(v.org, kOrg);
  }
}

}  // namespace
}  // namespace slamon

namespace slamon {
namespace {

// A failed source query is no data that says nothing about the devices: whatever the policy's
// no_data mode, it must neither open nor resolve a breach.
TEST(SourceFailure, ChangesNoBreachInAnyNoDataMode) {
  for (const NoDataMode mode : {NoDataMode::keep, NoDataMode::breach, NoDataMode::resolve}) {
    const std::vector<Policy> policies{make_policy("p", Metric::uptime_percent, 99.5, mode)};
    const MeasuredValues violated{{{"p", Metric::uptime_percent}, 90.0}};
    const std::vector<Breach> none;
    const Evaluation first = evaluate(EvaluationInput{&policies, &violated, &none, kStart});
    ASSERT_EQ(first.open_breaches.size(), 1u);

    const MeasuredValues nothing;
    const UnmeasuredKeys failed{{"p", Metric::uptime_percent}};
    const Evaluation during_outage = evaluate(
        EvaluationInput{&policies, &nothing, &first.open_breaches, kStart + 5min, &failed});
    EXPECT_TRUE(during_outage.changed_breaches.empty()) << to_string(mode);
    EXPECT_TRUE(during_outage.events.empty()) << to_string(mode);
    ASSERT_EQ(during_outage.open_breaches.size(), 1u);
    EXPECT_EQ(during_outage.open_breaches[0].id, first.open_breaches[0].id);
    ASSERT_EQ(during_outage.verdicts.size(), 1u);
    EXPECT_EQ(during_outage.verdicts[0].state, VerdictState::no_data);

    // And with no breach open, an outage opens none even under no_data: breach.
    const Evaluation fresh = evaluate(EvaluationInput{&policies, &nothing, &none, kStart, &failed});
    EXPECT_TRUE(fresh.open_breaches.empty()) << to_string(mode);
  }
}

}  // namespace
}  // namespace slamon
