// Tests of the query planner (SPEC §4): batched measurements are one query per cycle whatever
// the number of policies, per-scope measurements one query per distinct scope, and the
// {{window}} / {{scope_id}} / {{scope_name}} substitutions.
#include "engine/planner.h"
#include "support/sample_config.h"
#include "support/sample_policy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace slamon {
namespace {

using slamon::testing::measurement_config;
using slamon::testing::prometheus_source;
using slamon::testing::snmp_source;

using namespace std::chrono_literals;

constexpr char kOrg[] = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
constexpr char kOtherOrg[] = "9d2e0b41-7c3a-4f5e-8a61-0b1c2d3e4f50";

const std::string& promql(const PlannedQuery& query) {
  return std::get<PromQlQuery>(query.query).promql;
}

std::string site_id(int i) {
  return "site-" + std::to_string(i);
}

Policy site_policy(const std::string& id, const std::string& site, Metric metric,
                   double threshold) {
  return slamon::testing::site_policy(
      {.id = id, .org = kOrg, .name = id, .site = site, .thresholds = {{metric, threshold}}});
}

Config make_config(std::vector<MeasurementConfig> measurements) {
  Config config;
  config.global.evaluation_interval = 5min;
  config.sources = {prometheus_source("http://127.0.0.1:9090"), snmp_source()};
  config.measurements = std::move(measurements);
  return config;
}

const MeasurementConfig kBatchedUptime = measurement_config(
    Metric::uptime_percent, {Scope::site},
    "100 * avg by (site_id) (avg_over_time(probe_success[{{window}}]))", "site_id", 5min);

class BatchedMeasurement : public ::testing::TestWithParam<int> {};

TEST_P(BatchedMeasurement, IsOneQueryWhateverTheNumberOfPolicies) {
  const int n = GetParam();
  const Config config = make_config({kBatchedUptime});
  std::vector<Policy> policies;
  for (int i = 0; i < n; ++i) {
    policies.push_back(
        site_policy("p" + std::to_string(i), site_id(i % 700), Metric::uptime_percent, 99.5));
  }

  const auto planned = plan_queries(config, policies);

  ASSERT_EQ(planned.size(), 1u);
  const PlannedQuery& q = planned[0];
  EXPECT_EQ(q.source, "prom");
  EXPECT_EQ(promql(q), "100 * avg by (site_id) (avg_over_time(probe_success[5m]))");
  EXPECT_EQ(q.scope_label, "site_id");
  EXPECT_FALSE(q.per_scope);
  ASSERT_EQ(q.targets.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(q.targets[i].policy_id, "p" + std::to_string(i));
    EXPECT_EQ(q.targets[i].metric, Metric::uptime_percent);
    EXPECT_EQ(q.targets[i].scope_key, site_id(i % 700));
  }
}

INSTANTIATE_TEST_SUITE_P(OneToAThousand, BatchedMeasurement, ::testing::Values(1, 2, 50, 1000));

TEST(Planner, TwoMetricsOnTwoMeasurementsAreTwoQueries) {
  const Config config = make_config(
      {kBatchedUptime,
       measurement_config(Metric::latency_ms, {Scope::site, Scope::device_group},
                          "1000 * avg by (scope_id) (probe_duration_seconds)", "scope_id")});
  std::vector<Policy> policies;
  for (int i = 0; i < 20; ++i) {
    Policy p = site_policy("p" + std::to_string(i), site_id(i), Metric::uptime_percent, 99);
    p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;
    policies.push_back(p);
  }

  const auto planned = plan_queries(config, policies);

  ASSERT_EQ(planned.size(), 2u);
  std::map<Metric, const PlannedQuery*> by_metric;
  for (const auto& q : planned) {
    ASSERT_FALSE(q.targets.empty());
    const Metric metric = q.targets[0].metric;
    for (const auto& t : q.targets) EXPECT_EQ(t.metric, metric);
    by_metric[metric] = &q;
    EXPECT_EQ(q.targets.size(), 20u);
  }
  ASSERT_TRUE(by_metric.contains(Metric::uptime_percent));
  ASSERT_TRUE(by_metric.contains(Metric::latency_ms));
  EXPECT_EQ(by_metric[Metric::uptime_percent]->scope_label, "site_id");
  EXPECT_EQ(by_metric[Metric::latency_ms]->scope_label, "scope_id");
  EXPECT_EQ(promql(*by_metric[Metric::latency_ms]),
            "1000 * avg by (scope_id) (probe_duration_seconds)");
}

TEST(Planner, OneMetricServedByTwoMeasurementsForDifferentScopesIsTwoQueries) {
  const Config config =
      make_config({kBatchedUptime, measurement_config(Metric::uptime_percent, {Scope::device_group},
                                                      "100 * avg by (group) (up)", "group")});
  Policy on_site = site_policy("s", "site-1", Metric::uptime_percent, 99);
  Policy on_group = site_policy("g", "group-1", Metric::uptime_percent, 99);
  on_group.scope = Scope::device_group;

  const auto planned = plan_queries(config, {on_site, on_group});

  ASSERT_EQ(planned.size(), 2u);
  std::set<std::string> queries{promql(planned[0]), promql(planned[1])};
  EXPECT_TRUE(queries.contains("100 * avg by (group) (up)"));
}

TEST(Planner, PerScopeMeasurementIsOneQueryPerDistinctScope) {
  const Config config = make_config({measurement_config(
      Metric::latency_ms, {Scope::site},
      "1000 * avg(probe_duration_seconds{site=\"{{scope_id}}\"}[{{window}}])", "", 2min)});
  const std::vector<Policy> policies{site_policy("a", "site-1", Metric::latency_ms, 100),
                                     site_policy("b", "site-2", Metric::latency_ms, 100),
                                     site_policy("c", "site-1", Metric::latency_ms, 80)};

  const auto planned = plan_queries(config, policies);

  ASSERT_EQ(planned.size(), 2u);
  std::map<std::string, const PlannedQuery*> by_text;
  for (const auto& q : planned) {
    EXPECT_TRUE(q.per_scope);
    EXPECT_EQ(q.source, "prom");
    EXPECT_EQ(q.scope_label, "");
    by_text[promql(q)] = &q;
  }
  const std::string site1 = "1000 * avg(probe_duration_seconds{site=\"site-1\"}[2m])";
  const std::string site2 = "1000 * avg(probe_duration_seconds{site=\"site-2\"}[2m])";
  ASSERT_TRUE(by_text.contains(site1));
  ASSERT_TRUE(by_text.contains(site2));
  ASSERT_EQ(by_text[site1]->targets.size(), 2u);
  EXPECT_EQ(by_text[site1]->targets[0].policy_id, "a");
  EXPECT_EQ(by_text[site1]->targets[1].policy_id, "c");
  ASSERT_EQ(by_text[site2]->targets.size(), 1u);
  EXPECT_EQ(by_text[site2]->targets[0].policy_id, "b");
}

TEST(Planner, WindowIsTheMeasurementWindow) {
  const Config config = make_config({measurement_config(
      Metric::uptime_percent, {Scope::site}, "avg_over_time(up[{{window}}])", "site", 10min)});
  const auto planned =
      plan_queries(config, {site_policy("a", "site-1", Metric::uptime_percent, 99)});
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(promql(planned[0]), "avg_over_time(up[10m])");
}

TEST(Planner, WindowDefaultsToTheEvaluationInterval) {
  Config config = make_config({measurement_config(
      Metric::uptime_percent, {Scope::site},
      "avg_over_time(up[{{window}}]) / avg_over_time(up[{{window}}])", "site")});
  config.global.evaluation_interval = 90s;
  const auto planned =
      plan_queries(config, {site_policy("a", "site-1", Metric::uptime_percent, 99)});
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(promql(planned[0]), "avg_over_time(up[1m30s]) / avg_over_time(up[1m30s])");
}

// A health-score policy on the whole organization kOrg.
Policy org_health_policy() {
  Policy policy;
  policy.id = "org-health";
  policy.org = kOrg;
  policy.scope = Scope::organization;
  slamon::testing::set_threshold(policy, Metric::health_score, 70);
  return policy;
}

TEST(Planner, OrganizationScopeJoinsOnTheOrgId) {
  const Config config = make_config({measurement_config(Metric::health_score, {Scope::organization},
                                                        "avg by (org_id) (health)", "org_id")});
  const Policy a = org_health_policy();
  Policy b = a;
  b.id = "other-org-health";
  b.org = kOtherOrg;

  const auto planned = plan_queries(config, {a, b});

  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(planned[0].scope_label, "org_id");
  ASSERT_EQ(planned[0].targets.size(), 2u);
  EXPECT_EQ(planned[0].targets[0].scope_key, kOrg);
  EXPECT_EQ(planned[0].targets[1].scope_key, kOtherOrg);
}

TEST(Planner, PerScopeOrganizationSubstitutesTheOrgId) {
  const Config config = make_config({measurement_config(Metric::health_score, {Scope::organization},
                                                        "avg(health{org=\"{{scope_id}}\"})", "")});
  const Policy a = org_health_policy();

  const auto planned = plan_queries(config, {a});

  ASSERT_EQ(planned.size(), 1u);
  EXPECT_TRUE(planned[0].per_scope);
  EXPECT_EQ(promql(planned[0]), std::string("avg(health{org=\"") + kOrg + "\"})");
}

Policy ssid_policy(const std::string& id, const std::string& ssid) {
  Policy p;
  p.id = id;
  p.org = kOrg;
  p.scope = Scope::ssid;
  p.scope_name = ssid;
  p.thresholds[static_cast<std::size_t>(Metric::client_satisfaction)] = 90;
  return p;
}

TEST(Planner, SsidPerScopeSubstitutesTheScopeName) {
  const Config config =
      make_config({measurement_config(Metric::client_satisfaction, {Scope::ssid},
                                      "avg(satisfaction{ssid=\"{{scope_name}}\"})", "")});

  const auto planned = plan_queries(
      config,
      {ssid_policy("a", "Corp-WiFi"), ssid_policy("b", "Guest"), ssid_policy("c", "Corp-WiFi")});

  ASSERT_EQ(planned.size(), 2u);
  std::map<std::string, std::size_t> targets_by_text;
  for (const auto& q : planned) {
    EXPECT_TRUE(q.per_scope);
    targets_by_text[promql(q)] = q.targets.size();
  }
  EXPECT_EQ(targets_by_text["avg(satisfaction{ssid=\"Corp-WiFi\"})"], 2u);
  EXPECT_EQ(targets_by_text["avg(satisfaction{ssid=\"Guest\"})"], 1u);
}

TEST(Planner, SsidBatchedJoinsOnTheScopeName) {
  const Config config = make_config({measurement_config(Metric::client_satisfaction, {Scope::ssid},
                                                        "avg by (ssid) (satisfaction)", "ssid")});

  const auto planned =
      plan_queries(config, {ssid_policy("a", "Corp-WiFi"), ssid_policy("b", "Guest")});

  ASSERT_EQ(planned.size(), 1u);
  ASSERT_EQ(planned[0].targets.size(), 2u);
  EXPECT_EQ(planned[0].targets[0].scope_key, "Corp-WiFi");
  EXPECT_EQ(planned[0].targets[1].scope_key, "Guest");
}

TEST(Planner, DisabledAndDraftPoliciesPlanNothing) {
  const Config config = make_config({kBatchedUptime});
  Policy disabled = site_policy("d", "site-1", Metric::uptime_percent, 99);
  disabled.status = PolicyStatus::disabled;
  Policy draft = site_policy("r", "site-2", Metric::uptime_percent, 99);
  draft.status = PolicyStatus::draft;

  EXPECT_TRUE(plan_queries(config, {disabled, draft}).empty());

  const auto planned = plan_queries(
      config, {disabled, site_policy("a", "site-3", Metric::uptime_percent, 99), draft});
  ASSERT_EQ(planned.size(), 1u);
  ASSERT_EQ(planned[0].targets.size(), 1u);
  EXPECT_EQ(planned[0].targets[0].policy_id, "a");
}

Device snmp_device(const std::string& id, DeviceKind kind, const std::string& site,
                   const std::string& source, std::vector<std::string> ssids = {}) {
  Device d;
  d.id = id;
  d.name = id;
  d.kind = kind;
  d.site = site;
  d.ssids = std::move(ssids);
  if (!source.empty()) d.snmp = DeviceSnmp{source, "127.0.0.1:161", {}};
  return d;
}

// Two orgs; in kOrg site-1 has two switches polled by `switches` and one it does not poll.
void add_inventory(Config& config) {
  Organization org;
  org.id = kOrg;
  org.name = "ACME";
  org.sites = {Site{"site-1", "One", "", "UTC"}, Site{"site-2", "Two", "", "UTC"}};
  org.devices = {snmp_device("sw1", DeviceKind::switch_, "site-1", "switches"),
                 snmp_device("sw2", DeviceKind::switch_, "site-1", "switches"),
                 snmp_device("quiet", DeviceKind::switch_, "site-1", ""),
                 snmp_device("sw3", DeviceKind::switch_, "site-2", "switches"),
                 snmp_device("ap1", DeviceKind::ap, "site-2", "switches", {"Corp-WiFi"})};
  config.inventory.organizations.push_back(org);
  Organization other;
  other.id = kOtherOrg;
  other.name = "Other";
  other.sites = {Site{"far", "Far", "", "UTC"}};
  other.devices = {snmp_device("ap9", DeviceKind::ap, "far", "switches", {"Corp-WiFi"})};
  config.inventory.organizations.push_back(other);
  config.inventory.index();
}

TEST(Planner, SnmpMeasurementIsOneQueryNamingEachScopesPolledDevices) {
  MeasurementConfig snmp =
      measurement_config(Metric::uptime_percent, {Scope::site}, "", "", 10min, "switches");
  snmp.snmp = "reachability";
  snmp.aggregate = Aggregate::worst;
  Config config = make_config({snmp});
  add_inventory(config);
  const auto planned =
      plan_queries(config, {site_policy("a", "site-1", Metric::uptime_percent, 99),
                            site_policy("b", "site-2", Metric::uptime_percent, 99),
                            site_policy("c", "site-1", Metric::uptime_percent, 95)});
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(planned[0].source, "switches");
  EXPECT_EQ(planned[0].scope_label, kSnmpScopeLabel);
  const auto& query = std::get<SnmpQuery>(planned[0].query);
  EXPECT_EQ(query.builtin, "reachability");
  EXPECT_EQ(query.window, 10min);
  EXPECT_EQ(query.aggregate, Aggregate::worst);
  EXPECT_EQ(query.metric, Metric::uptime_percent);
  // One scope per distinct scope, with only the devices this source polls.
  ASSERT_EQ(query.scopes.size(), 2u);
  EXPECT_EQ(query.scopes[0].key, std::string(kOrg) + "/site/site-1");
  EXPECT_EQ(query.scopes[0].device_ids, (std::vector<std::string>{"sw1", "sw2"}));
  EXPECT_EQ(query.scopes[1].key, std::string(kOrg) + "/site/site-2");
  EXPECT_EQ(query.scopes[1].device_ids, (std::vector<std::string>{"sw3", "ap1"}));
  ASSERT_EQ(planned[0].targets.size(), 3u);
  EXPECT_EQ(planned[0].targets[0].scope_key, query.scopes[0].key);
  EXPECT_EQ(planned[0].targets[1].scope_key, query.scopes[1].key);
  EXPECT_EQ(planned[0].targets[2].scope_key, query.scopes[0].key);
}

TEST(Planner, SsidDevicesAreFoundByTheSsidNameWithinTheOrg) {
  MeasurementConfig snmp =
      measurement_config(Metric::client_satisfaction, {Scope::ssid}, "", "", 5min, "switches");
  snmp.snmp = "oid";
  snmp.oid = "1.3.6.1.4.1.99999.1.0";
  snmp.scale = 0.5;
  Config config = make_config({snmp});
  add_inventory(config);
  Policy p = ssid_policy("a", "Corp-WiFi");
  p.scope_id = "ssid-id-1";
  Policy other = ssid_policy("b", "Corp-WiFi");
  other.org = kOtherOrg;
  const auto planned = plan_queries(config, {p, other});
  ASSERT_EQ(planned.size(), 1u);
  const auto& query = std::get<SnmpQuery>(planned[0].query);
  EXPECT_EQ(query.oid, "1.3.6.1.4.1.99999.1.0");
  EXPECT_DOUBLE_EQ(query.scale, 0.5);
  ASSERT_EQ(query.scopes.size(), 2u);
  EXPECT_EQ(query.scopes[0].key, std::string(kOrg) + "/ssid/Corp-WiFi");
  EXPECT_EQ(query.scopes[0].device_ids, std::vector<std::string>{"ap1"});
  EXPECT_EQ(query.scopes[1].key, std::string(kOtherOrg) + "/ssid/Corp-WiFi");
  EXPECT_EQ(query.scopes[1].device_ids, std::vector<std::string>{"ap9"});
}

TEST(Planner, NoPoliciesNoQueries) {
  EXPECT_TRUE(plan_queries(make_config({kBatchedUptime}), {}).empty());
}

TEST(Planner, PerScopeSubstitutesEveryOccurrenceOfEachPlaceholder) {
  Config config =
      make_config({measurement_config(Metric::latency_ms, {Scope::ssid},
                                      "x{id=\"{{scope_id}}\",name=\"{{scope_name}}\"}[{{window}}]"
                                      " + y{name=\"{{scope_name}}\"}[{{window}}]",
                                      "")});
  config.global.evaluation_interval = 1h + 30min;
  Policy p = ssid_policy("a", "Corp");
  p.scope_id = "id-1";
  p.thresholds = {};
  p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;

  const auto planned = plan_queries(config, {p});

  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(promql(planned[0]), "x{id=\"id-1\",name=\"Corp\"}[1h30m] + y{name=\"Corp\"}[1h30m]");
  EXPECT_EQ(planned[0].targets.at(0).scope_key, "id-1");
}

}  // namespace
}  // namespace slamon
