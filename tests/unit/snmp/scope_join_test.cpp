// Tests of how a cycle turns an SNMP source's per-device values into policy values (SPEC §4,
// §5), through the planner, the SNMP scope aggregation (snmp::aggregate_scopes) and the engine's
// join by label: one query per SNMP measurement, each scope's devices (only those polled by that
// source) aggregated with the measurement's `aggregate`, no data when none of them has a value.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/engine.h"
#include "engine/planner.h"
#include "snmp/measurement_math.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;

const WallTime kNow = from_unix_seconds(1'800'000'000);
const std::string kOrg = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
const std::string kOtherOrg = "9d2e0b41-7c3a-4f5e-8a61-0b1c2d3e4f50";

// Answers every SNMP query as the SNMP source does, from fixed per-device values instead of
// a poll history, and records the queries it was asked.
class DeviceSource final : public MetricSource {
 public:
  DeviceSource(std::string name, std::map<std::string, double> values)
      : name_(std::move(name)), values_(std::move(values)) {}
  const std::string& name() const override { return name_; }
  Result<QueryResult> query(const MetricQuery& query, WallTime) override {
    const auto* snmp = std::get_if<SnmpQuery>(&query);
    if (snmp == nullptr) return fail("not an SNMP query");
    queries.push_back(*snmp);
    return QueryResult{snmp::aggregate_scopes(*snmp, values_), {}};
  }
  std::vector<SnmpQuery> queries;

 private:
  std::string name_;
  std::map<std::string, double> values_;
};

Device device(const std::string& id, DeviceKind kind, const std::string& site,
              const std::string& source, std::vector<std::string> groups = {},
              std::vector<std::string> ssids = {}) {
  Device d;
  d.id = id;
  d.name = "dev-" + id;
  d.kind = kind;
  d.site = site;
  d.device_groups = std::move(groups);
  d.ssids = std::move(ssids);
  if (!source.empty()) d.snmp = DeviceSnmp{source, "127.0.0.1:161", {}};
  return d;
}

Policy policy(const std::string& id, Scope scope, std::optional<std::string> scope_id,
              Metric metric, double threshold, const std::string& org = kOrg) {
  Policy p;
  p.id = id;
  p.org = org;
  p.name = "Policy " + id;
  p.scope = scope;
  p.scope_id = std::move(scope_id);
  p.provisioned = true;
  p.thresholds[static_cast<std::size_t>(metric)] = threshold;
  return p;
}

MeasurementConfig snmp_measurement(Metric metric, std::vector<Scope> scopes,
                                   const std::string& builtin, Aggregate aggregate) {
  MeasurementConfig m;
  m.metric = metric;
  m.scopes = std::move(scopes);
  m.source = "switches";
  m.snmp = builtin;
  m.aggregate = aggregate;
  m.window = 10min;
  return m;
}

std::shared_ptr<Config> make_config(std::vector<Policy> policies,
                                    Aggregate uptime_aggregate = Aggregate::avg) {
  auto config = std::make_shared<Config>();
  config->global.evaluation_interval = 5min;
  for (const std::string name : {"switches", "cameras"}) {
    SourceConfig source;
    source.name = name;
    source.type = SourceType::snmp;
    config->sources.push_back(source);
  }
  config->measurements.push_back(snmp_measurement(
      Metric::uptime_percent,
      {Scope::organization, Scope::site, Scope::device_group, Scope::camera, Scope::ssid},
      "reachability", uptime_aggregate));
  config->measurements.push_back(
      snmp_measurement(Metric::latency_ms, {Scope::site}, "response_time", Aggregate::worst));

  Organization org;
  org.id = kOrg;
  org.name = "ACME";
  org.sites = {Site{"hq", "HQ", "", "UTC"}, Site{"branch", "Branch", "", "UTC"}};
  org.device_groups = {DeviceGroup{"aps", "Access points"}};
  org.devices = {
      device("sw1", DeviceKind::switch_, "hq", "switches"),
      device("sw2", DeviceKind::switch_, "hq", "switches"),
      device("ap1", DeviceKind::ap, "hq", "switches", {"aps"}, {"Corp-WiFi"}),
      device("cam1", DeviceKind::camera, "hq", "cameras"),  // polled by another source
      device("quiet", DeviceKind::switch_, "hq", ""),       // not polled at all
      device("sw3", DeviceKind::switch_, "branch", "switches"),
  };
  config->inventory.organizations.push_back(org);
  Organization other;
  other.id = kOtherOrg;
  other.name = "Other";
  other.sites = {Site{"far", "Far", "", "UTC"}};
  other.devices = {device("far1", DeviceKind::switch_, "far", "switches")};
  config->inventory.organizations.push_back(other);
  config->inventory.index();
  config->policies = std::move(policies);
  return config;
}

struct CycleRun {
  std::shared_ptr<Snapshot const> snapshot;
  std::vector<SnmpQuery> queries;
};

CycleRun run_cycle_with(const ConfigPtr& config, std::map<std::string, double> values) {
  FakeClock clock(kNow);
  auto source = std::make_shared<DeviceSource>("switches", std::move(values));
  Engine engine(clock, nullptr, [&](const SourceConfig& c) -> MetricSourcePtr {
    return c.name == "switches" ? source : nullptr;
  });
  CycleOptions options;
  options.dry_run = true;
  auto report = engine.run_cycle(config, options);
  EXPECT_TRUE(report) << report.error().message;
  return CycleRun{report ? report->snapshot : nullptr, source->queries};
}

std::optional<double> actual(const CycleRun& run, const std::string& policy_id, Metric metric) {
  for (const auto& verdict : run.snapshot->verdicts) {
    if (verdict.policy_id == policy_id && verdict.metric == metric) return verdict.actual;
  }
  ADD_FAILURE() << "no verdict for " << policy_id;
  return std::nullopt;
}

const std::map<std::string, double> kReachability{{"sw1", 100}, {"sw2", 80}, {"ap1", 90},
                                                  {"sw3", 50},  {"cam1", 0}, {"far1", 10}};

TEST(SnmpJoin, SiteAveragesItsDevicesPolledByTheSource) {
  const auto config = make_config({policy("hq", Scope::site, "hq", Metric::uptime_percent, 99)});
  const CycleRun result = run_cycle_with(config, kReachability);
  // sw1, sw2, ap1: cam1 belongs to another source and `quiet` is not polled.
  EXPECT_DOUBLE_EQ(*actual(result, "hq", Metric::uptime_percent), 90.0);
}

TEST(SnmpJoin, OneQueryPerMeasurementWhateverThePolicies) {
  const auto config =
      make_config({policy("hq", Scope::site, "hq", Metric::uptime_percent, 99),
                   policy("br", Scope::site, "branch", Metric::uptime_percent, 99),
                   policy("org", Scope::organization, std::nullopt, Metric::uptime_percent, 99)});
  const CycleRun result = run_cycle_with(config, kReachability);
  ASSERT_EQ(result.queries.size(), 1u);
  EXPECT_EQ(result.queries[0].builtin, "reachability");
  EXPECT_EQ(result.queries[0].window, 10min);
  EXPECT_EQ(result.queries[0].scopes.size(), 3u);
  EXPECT_DOUBLE_EQ(*actual(result, "br", Metric::uptime_percent), 50.0);
  // The organization's devices never include another org's.
  EXPECT_DOUBLE_EQ(*actual(result, "org", Metric::uptime_percent), (100 + 80 + 90 + 50) / 4.0);
}

TEST(SnmpJoin, AggregateMinMaxAndWorstFollowTheMetricsDirection) {
  const auto policies = std::vector{policy("hq", Scope::site, "hq", Metric::uptime_percent, 99)};
  EXPECT_DOUBLE_EQ(*actual(run_cycle_with(make_config(policies, Aggregate::min), kReachability),
                           "hq", Metric::uptime_percent),
                   80.0);
  EXPECT_DOUBLE_EQ(*actual(run_cycle_with(make_config(policies, Aggregate::max), kReachability),
                           "hq", Metric::uptime_percent),
                   100.0);
  // Lower uptime is worse.
  EXPECT_DOUBLE_EQ(*actual(run_cycle_with(make_config(policies, Aggregate::worst), kReachability),
                           "hq", Metric::uptime_percent),
                   80.0);
  // Higher latency is worse (the latency measurement uses `worst`).
  const auto latency = make_config({policy("lat", Scope::site, "hq", Metric::latency_ms, 100)});
  EXPECT_DOUBLE_EQ(*actual(run_cycle_with(latency, {{"sw1", 3}, {"sw2", 40}, {"ap1", 7}}), "lat",
                           Metric::latency_ms),
                   40.0);
}

TEST(SnmpJoin, DeviceGroupAndSsidScopesUseTheirMembers) {
  Policy ssid = policy("wifi", Scope::ssid, std::nullopt, Metric::uptime_percent, 99);
  ssid.scope_name = "Corp-WiFi";
  const auto config =
      make_config({policy("aps", Scope::device_group, "aps", Metric::uptime_percent, 99), ssid});
  const CycleRun result = run_cycle_with(config, kReachability);
  EXPECT_DOUBLE_EQ(*actual(result, "aps", Metric::uptime_percent), 90.0);
  EXPECT_DOUBLE_EQ(*actual(result, "wifi", Metric::uptime_percent), 90.0);
}

TEST(SnmpJoin, ScopeWithoutAnyValueIsNoData) {
  const auto config =
      make_config({policy("hq", Scope::site, "hq", Metric::uptime_percent, 99),
                   policy("cam", Scope::camera, "cam1", Metric::uptime_percent, 99)});
  // Devices without a value in the window (never answered, no samples) are simply absent.
  const CycleRun result = run_cycle_with(config, {{"sw3", 100}});
  EXPECT_FALSE(actual(result, "hq", Metric::uptime_percent).has_value());
  // cam1 is polled by the `cameras` source, which has no MetricSource here: no data.
  EXPECT_FALSE(actual(result, "cam", Metric::uptime_percent).has_value());
}

TEST(SnmpScopes, OneSamplePerScopeWithAValueInTheScopesDeviceOrder) {
  SnmpQuery query;
  query.builtin = "reachability";
  query.scopes = {{"a", {"sw1", "sw2", "gone"}}, {"b", {"gone"}}, {"c", {}}, {"d", {"sw2"}}};
  const auto samples = snmp::aggregate_scopes(query, {{"sw1", 100}, {"sw2", 50}});
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].labels, (std::map<std::string, std::string>{{kSnmpScopeLabel, "a"}}));
  EXPECT_DOUBLE_EQ(samples[0].value, 75.0);
  EXPECT_EQ(samples[1].labels.at(kSnmpScopeLabel), "d");
  EXPECT_DOUBLE_EQ(samples[1].value, 50.0);
  query.aggregate = Aggregate::worst;
  query.metric = Metric::latency_ms;  // higher is worse
  EXPECT_DOUBLE_EQ(snmp::aggregate_scopes(query, {{"sw1", 100}, {"sw2", 50}})[0].value, 100.0);
}

}  // namespace
}  // namespace slamon
