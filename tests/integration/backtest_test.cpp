// `slamon backtest` against a real Prometheus holding four backfilled hours (SPEC §1, §7.1):
// the replay from range queries decides exactly what the live engine decides when it runs a
// cycle at each of the same instants (a FakeClock, the same Prometheus, the same policies);
// the command prints it as a table or JSON, includes the API policies of the database without
// changing a byte of it, and refuses bad intervals with a clear error.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "backtest/replay.h"
#include "backtest/sources.h"
#include "config/loader.h"
#include "engine/engine.h"
#include "prometheus/prometheus_source.h"
#include "store/store.h"
#include "support/child_process.h"
#include "support/prometheus_server.h"
#include "support/temp_dir.h"

namespace slamon::integration {

using testing::CompletedRun;
using testing::run_to_completion;
namespace {

using namespace std::chrono_literals;

constexpr char kOrg[] = "5e1a0000-0000-4000-8000-000000000001";
constexpr char kSiteA[] = "5e1a0000-0000-4000-8000-0000000000a1";
constexpr char kSiteB[] = "5e1a0000-0000-4000-8000-0000000000b2";
constexpr char kSiteC[] = "5e1a0000-0000-4000-8000-0000000000c3";
const WallTime kStart = from_unix_seconds(1'767'225'600);  // 2026-01-01T00:00:00Z
constexpr char kFrom[] = "2026-01-01T00:00:00Z";
constexpr char kTo[] = "2026-01-01T04:00:00Z";
constexpr auto kStep = 5min;
constexpr std::size_t kSteps = 49;  // 00:00 .. 04:00

// Four hours every 30 s. Site A's uptime: fine, then warning (90) from 01:00, critical (70)
// from 01:30, warning (95) from 02:00, fine again from 02:30. Site B's latency: fine, then 150
// from 03:00 to the end. Site C flaps around its threshold every 20 minutes.
std::string history() {
  constexpr int kSamples = 4 * 120 + 1;
  std::vector<double> uptime_a, latency_b, uptime_c;
  for (int i = 0; i < kSamples; ++i) {
    const int minute = i / 2;
    uptime_a.push_back(minute < 60    ? 100
                       : minute < 90  ? 90
                       : minute < 120 ? 70
                       : minute < 150 ? 95
                                      : 100);
    latency_b.push_back(minute < 180 ? 20 : 150);
    uptime_c.push_back((minute / 20) % 2 == 0 ? 100 : 99);
  }
  testing::OpenMetricsBuilder builder;
  builder.gauge_series("site_uptime_percent", {{"site_id", kSiteA}}, kStart, 30s, uptime_a);
  builder.gauge_series("site_uptime_percent", {{"site_id", kSiteB}}, kStart, 30s,
                       std::vector<double>(kSamples, 100));
  builder.gauge_series("site_uptime_percent", {{"site_id", kSiteC}}, kStart, 30s, uptime_c);
  builder.gauge_series("site_latency_ms", {{"site_id", kSiteB}}, kStart, 30s, latency_b);
  return builder.str();
}

std::string main_config(const std::string& prometheus_url) {
  return R"(global:
  evaluation_interval: 5m
  storage_path: slamon.db
rule_files: ["rules/*.yml"]
inventory_files: ["inventory/*.yml"]
sources:
  - name: prom
    type: prometheus
    url: )" +
         prometheus_url +
         R"(
    timeout: 10s
measurements:
  - metric: uptime_percent
    scopes: [site]
    source: prom
    query: 'avg by (site_id) (avg_over_time(site_uptime_percent[{{window}}]))'
    scope_label: site_id
  - metric: latency_ms
    scopes: [site]
    source: prom
    query: 'avg by (site_id) (avg_over_time(site_latency_ms[{{window}}]))'
    scope_label: site_id
)";
}

std::string inventory() {
  return std::string("organizations:\n  - id: ") + kOrg + R"(
    name: Backtest Org
    sites:
      - {id: )" +
         kSiteA +
         R"(, name: A}
      - {id: )" +
         kSiteB +
         R"(, name: B}
      - {id: )" +
         kSiteC + R"(, name: C}
)";
}

std::string rules() {
  const std::string org = kOrg;
  return "policies:\n"
         "  - {id: a-uptime, org: " +
         org + ", name: A uptime, scope: site, scope_id: " + kSiteA +
         ", thresholds: {uptime_percent_min: 99.5}}\n"
         "  - {id: b-latency, org: " +
         org + ", name: B latency, scope: site, scope_id: " + kSiteB +
         ", thresholds: {latency_ms_max: 100, uptime_percent_min: 99.5}}\n"
         "  - {id: c-uptime, org: " +
         org + ", name: C uptime, scope: site, scope_id: " + kSiteC +
         ", thresholds: {uptime_percent_min: 99.5}}\n";
}

// An API policy (stored in the database): B's latency against a looser threshold, so it opens
// a warning where the provisioned one opens a critical breach.
Policy api_policy() {
  Policy p;
  p.id = "api-b-latency";
  p.org = kOrg;
  p.name = "B latency (API)";
  p.scope = Scope::site;
  p.scope_id = kSiteB;
  p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 130;
  return p;
}

// What one breach did, as the engine or the backtest saw it.
struct Seen {
  std::size_t opened_step = 0;
  std::optional<std::size_t> closed_step;
  Severity opening = Severity::warning;
  Severity peak = Severity::warning;
  Severity at_close = Severity::warning;
  bool operator==(const Seen&) const = default;
};
using Key = std::pair<std::string, std::string>;  // (policy id, metric)
using Outcome = std::multimap<Key, Seen>;

std::string describe(const Outcome& outcome) {
  std::ostringstream out;
  for (const auto& [key, s] : outcome) {
    out << key.first << " " << key.second << ": opened " << s.opened_step << " closed "
        << (s.closed_step ? std::to_string(*s.closed_step) : "open") << " " << to_string(s.opening)
        << "/" << to_string(s.peak) << "/" << to_string(s.at_close) << "\n";
  }
  return out.str();
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class Backtest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = testing::PrometheusServer::start(history());
    if (!started) {
      prometheus_error_ = new std::string(started.error().message);
      return;
    }
    prometheus_ = started->release();
  }
  static void TearDownTestSuite() {
    delete prometheus_;
    prometheus_ = nullptr;
    delete prometheus_error_;
    prometheus_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(prometheus_, nullptr)
        << "Prometheus did not start: " << (prometheus_error_ ? *prometheus_error_ : "");
    config_file_ = dir_.write("slamon.yml", main_config(prometheus_->url()));
    dir_.write("inventory/fleet.yml", inventory());
    dir_.write("rules/policies.yml", rules());
    storage_ = dir_.path() / "slamon.db";
  }

  ConfigPtr load() const {
    const LoadResult loaded = load_config(config_file_);
    EXPECT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? ""
                                                            : loaded.diagnostics[0].to_string());
    return loaded.config;
  }

  // Runs the live engine with a store (holding the API policy) at every step's instant.
  Outcome run_engine(const ConfigPtr& config) const {
    auto store = Store::open(storage_.string());
    EXPECT_TRUE(store) << store.error().message;
    if (!store) return {};
    EXPECT_TRUE((*store)->insert_policy(api_policy(), kStart));
    FakeClock clock(kStart);
    Engine engine(clock, store->get(),
                  SourceRegistry().add(SourceType::prometheus, make_prometheus_source).factory());
    std::map<std::string, std::pair<Key, Seen>> open;  // breach id → what it did so far
    Outcome outcome;
    for (std::size_t step = 0; step < kSteps; ++step) {
      clock.set(kStart + kStep * static_cast<long long>(step));
      auto report = engine.run_cycle(config);
      EXPECT_TRUE(report) << report.error().message;
      if (!report) return {};
      std::map<std::string, std::pair<Key, Seen>> still_open;
      for (const Breach& b : report->snapshot->open_breaches) {
        auto it = open.find(b.id);
        std::pair<Key, Seen> entry =
            it != open.end() ? it->second
                             : std::pair<Key, Seen>{{b.policy_id, std::string(to_string(b.metric))},
                                                    {step, std::nullopt, b.severity}};
        entry.second.peak = b.peak_severity;
        entry.second.at_close = b.severity;
        still_open.emplace(b.id, entry);
      }
      for (auto& [id, entry] : open) {
        if (still_open.contains(id)) continue;
        entry.second.closed_step = step;
        outcome.insert(entry);
      }
      open = std::move(still_open);
    }
    for (auto& [id, entry] : open) outcome.insert(entry);
    return outcome;
  }

  static Outcome from_report(const backtest::ReplayReport& report) {
    Outcome outcome;
    for (const auto& b : report.breaches) {
      outcome.insert(
          {{b.policy_id, std::string(to_string(b.metric))},
           {b.opened_step, b.closed_step, b.opening_severity, b.peak_severity, b.last_severity}});
    }
    return outcome;
  }

  static Outcome from_json(const nlohmann::json& json) {
    Outcome outcome;
    for (const auto& b : json["breaches"]) {
      Seen s;
      s.opened_step = b["opened_step"].get<std::size_t>();
      if (!b["closed_step"].is_null()) s.closed_step = b["closed_step"].get<std::size_t>();
      s.opening = *parse_severity(b["severity"]["opening"].get<std::string>());
      s.peak = *parse_severity(b["severity"]["peak"].get<std::string>());
      s.at_close = *parse_severity(b["severity"]["at_close"].get<std::string>());
      outcome.insert({{b["policy_id"].get<std::string>(), b["metric"].get<std::string>()}, s});
    }
    return outcome;
  }

  Result<CompletedRun> slamon(const std::string& name, std::vector<std::string> args) const {
    args.insert(args.begin(), {SLAMON_BINARY, "--config.file=" + config_file_});
    return run_to_completion(args, dir_.path(), name);
  }

  testing::TempDir dir_;
  std::string config_file_;
  std::filesystem::path storage_;

 private:
  static inline testing::PrometheusServer* prometheus_ = nullptr;
  static inline std::string* prometheus_error_ = nullptr;
};

TEST_F(Backtest, DecidesWhatTheEngineDecidesCycleByCycle) {
  const ConfigPtr config = load();
  ASSERT_TRUE(config);
  const Outcome engine = run_engine(config);

  auto api = Store::open(storage_.string());
  ASSERT_TRUE(api) << api.error().message;
  auto stored = (*api)->policies();
  ASSERT_TRUE(stored);
  std::vector<Policy> policies = config->policies;
  for (auto& s : *stored) policies.push_back(s.policy);
  api->reset();

  auto grid = backtest::make_grid(kStart, kStart + 4h, kStep);
  ASSERT_TRUE(grid) << grid.error().message;
  ASSERT_EQ(grid->count, kSteps);
  auto source = backtest::PrometheusReplaySource::for_config(*config);
  auto report = backtest::replay(*config, policies, *grid, *source);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(source->range_queries(), 2u) << "one range query per planned query";
  EXPECT_TRUE(report->problems.empty()) << report->problems[0];

  const Outcome replayed = from_report(*report);
  EXPECT_EQ(replayed, engine) << "backtest:\n"
                              << describe(replayed) << "engine:\n"
                              << describe(engine);

  // The data was built to exercise escalation, de-escalation, a breach still open at the end,
  // repeated openings and an API policy: check they happened.
  ASSERT_EQ(replayed.count({"a-uptime", "uptime_percent"}), 1u) << describe(replayed);
  const Seen& a = replayed.find({"a-uptime", "uptime_percent"})->second;
  EXPECT_EQ(a.opening, Severity::warning);
  EXPECT_EQ(a.peak, Severity::critical);
  EXPECT_EQ(a.at_close, Severity::warning);
  ASSERT_TRUE(a.closed_step);
  ASSERT_EQ(replayed.count({"b-latency", "latency_ms"}), 1u);
  EXPECT_FALSE(replayed.find({"b-latency", "latency_ms"})->second.closed_step);
  ASSERT_EQ(replayed.count({"api-b-latency", "latency_ms"}), 1u);
  EXPECT_GE(replayed.count({"c-uptime", "uptime_percent"}), 2u);
}

TEST_F(Backtest, CommandPrintsJsonFromTheDatabaseWithoutChangingIt) {
  const ConfigPtr config = load();
  ASSERT_TRUE(config);
  const Outcome engine = run_engine(config);  // leaves slamon.db with breaches and events
  const std::string before = file_bytes(storage_);
  ASSERT_FALSE(before.empty());
  const auto modified = std::filesystem::last_write_time(storage_);

  const auto run =
      slamon("backtest-json", {"backtest", std::string("--from=") + kFrom,
                               std::string("--to=") + kTo, "--step=5m", "--output=json"});
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->status.code(), 0) << run->err;
  const auto json = nlohmann::json::parse(run->out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << run->out;
  EXPECT_EQ(json["steps"], kSteps);
  EXPECT_EQ(json["source"], "prometheus");
  EXPECT_EQ(json["policies_evaluated"], 4) << "three provisioned, one from the database";
  const Outcome replayed = from_json(json);
  EXPECT_EQ(replayed, engine) << "backtest:\n"
                              << describe(replayed) << "engine:\n"
                              << describe(engine);

  EXPECT_EQ(file_bytes(storage_), before) << "the database file is byte-identical";
  EXPECT_EQ(std::filesystem::last_write_time(storage_), modified);
  auto store = Store::open(storage_.string());
  ASSERT_TRUE(store);
  BreachQuery all;
  all.limit = 200;
  auto count = (*store)->count_breaches(all);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, static_cast<long long>(engine.size())) << "the backtest stored no breach";
}

TEST_F(Backtest, CommandPrintsATable) {
  const auto run = slamon("backtest-table", {"backtest", std::string("--from=") + kFrom,
                                             "--to=1767240000", "--step=5m"});
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->status.code(), 0) << run->err;
  const std::string& out = run->out;
  EXPECT_NE(out.find("Backtest from 2026-01-01T00:00:00Z to 2026-01-01T04:00:00Z, step 5m (49 "
                     "steps), source prometheus, 3 active policies"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("POLICY     METRIC          OPENED                CLOSED"), std::string::npos)
      << out;
  EXPECT_NE(out.find("OPENING   PEAK      AT CLOSE  REASON"), std::string::npos) << out;
  EXPECT_NE(out.find("b-latency  latency_ms      2026-01-01T03:05:00Z  still open"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("warning   critical  warning   recovered"), std::string::npos) << out;
  EXPECT_NE(out.find("still open at 2026-01-01T04:00:00Z."), std::string::npos) << out;
  EXPECT_NE(out.find("no database at " + storage_.string() +
                     ": only the policies of the rule "
                     "files"),
            std::string::npos)
      << out;
  EXPECT_FALSE(std::filesystem::exists(storage_)) << "a backtest creates no database";
}

TEST_F(Backtest, CommandRefusesBadIntervals) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases{
      {{"--from=2026-01-01T04:00:00Z", "--to=2026-01-01T00:00:00Z"}, "--from must be before --to"},
      {{"--from=1767225600", "--to=1767225600"}, "--from must be before --to"},
      {{"--from=2025-01-01T00:00:00Z", "--to=2026-02-06T00:00:00Z", "--step=1h"},
       "longer than 400 days"},
      {{"--from=2026-01-01T00:00:00Z", "--to=2026-03-15T00:00:00Z", "--step=1m"},
       "more than 100000; use a longer --step or a shorter interval"},
      {{"--from=yesterday", "--to=2026-01-01T00:00:00Z"}, "--from: \"yesterday\" is not a time"},
      {{"--from=2026-01-01T00:00:00Z", "--to=2026-01-01T04:00:00Z", "--step=5 minutes"},
       "--step: \"5 minutes\" is not a duration"},
      {{"--from=2026-01-01T00:00:00Z", "--to=2026-01-01T04:00:00Z", "--source=history"},
       "--source=history reads slamon's database, and there is none"},
      {{"--from=2026-01-01T00:00:00Z", "--to=2026-01-01T04:00:00Z", "--output=yaml"}, "--output"},
      {{"--to=2026-01-01T04:00:00Z"}, "--from is required"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"backtest"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto run = slamon("backtest-error", args);
    ASSERT_TRUE(run) << run.error().message;
    SCOPED_TRACE(c.error);
    EXPECT_TRUE(run->status.exited()) << run->status.describe();
    EXPECT_NE(run->status.code(), 0);
    EXPECT_NE(run->err.find(c.error), std::string::npos) << run->err;
    EXPECT_EQ(run->out, "");
  }
  EXPECT_FALSE(std::filesystem::exists(storage_));
}

}  // namespace
}  // namespace slamon::integration
