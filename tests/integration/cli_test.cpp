// The slamon command line as a user runs it (SPEC §1): check config, eval --once (table,
// JSON, dry run) against a real Prometheus, version, and a mistyped flag.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <utility>

#include "integration/fleet.h"
#include "integration/slamon_daemon.h"
#include "integration/state_db.h"
#include "integration/test_helpers.h"
#include "support/child_process.h"

namespace slamon::integration {

using testing::CompletedRun;
using testing::run_to_completion;
namespace {

// A Prometheus URL for commands that never query it (check config, version).
constexpr const char* kUnusedPrometheus = "http://127.0.0.1:9";

Result<CompletedRun> slamon(const testing::TempDir& dir, const std::string& name,
                            std::vector<std::string> args) {
  args.insert(args.begin(), slamon_binary());
  return run_to_completion(args, dir.path(), name);
}

TEST(CheckConfig, AValidConfigurationExitsZero) {
  testing::TempDir dir;
  const FleetFiles files = write_fleet(dir, {.prometheus_url = kUnusedPrometheus});
  const auto run = slamon(dir, "check", {"check", "config", files.config.string()});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->status.code(), 0) << run->err;
  EXPECT_NE(run->out.find("OK"), std::string::npos) << run->out;
  EXPECT_EQ(run->err, "");
  EXPECT_FALSE(std::filesystem::exists(files.storage)) << "checking creates no state";
}

TEST(CheckConfig, ReportsEveryProblemOfEveryFileWithItsPosition) {
  testing::TempDir dir;
  const FleetFiles files = write_fleet(dir, {.prometheus_url = kUnusedPrometheus});
  // An unknown key in slamon.yml (line 2, column 3) and a negative latency threshold in a rule
  // file (line 8, at the value: column 34).
  std::string main_config = fleet_main_config({.prometheus_url = kUnusedPrometheus});
  main_config.insert(std::string("global:\n").size(), "  colour: blue\n");
  dir.write("slamon.yml", main_config);
  std::string rules = charlie_rules("active");
  const std::string good_threshold = "{latency_ms_max: 100}";
  rules.replace(rules.find(good_threshold), good_threshold.size(), "{latency_ms_max: -5}");
  dir.write("rules/charlie.yml", rules);

  const auto run = slamon(dir, "check", {"check", "config", files.config.string()});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->status.code(), 1) << run->status.describe();
  EXPECT_TRUE(
      has_line(run->err, files.config.string() +
                             ":2:3: global.colour: unknown key `colour`; allowed keys: "
                             "evaluation_interval, external_url, listen_address, web_config_file, "
                             "storage_path, reports_dir, log_level, log_format"))
      << run->err;
  EXPECT_TRUE(has_line(run->err,
                       files.charlie_rules.string() +
                           ":8:34: policies[0].thresholds.latency_ms_max: out of range: latency_ms "
                           "is milliseconds, so the threshold must be at least 0, got -5"))
      << run->err;
}

TEST(Version, PrintsTheVersionAndRevision) {
  testing::TempDir dir;
  const auto run = slamon(dir, "version", {"version"});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->status.code(), 0);
  EXPECT_TRUE(run->out.starts_with("slamon, version ")) << run->out;
  EXPECT_NE(run->out.find("revision: "), std::string::npos) << run->out;
  EXPECT_NE(run->out.find("sqlite: "), std::string::npos) << run->out;
  const auto info = slamon_version(dir.path());
  ASSERT_TRUE(info) << info.error().message;
}

TEST(CommandLine, AnUnknownFlagFailsWithUsage) {
  testing::TempDir dir;
  const FleetFiles files = write_fleet(dir, {.prometheus_url = kUnusedPrometheus});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--no.such-flag"},
           {"run", "--config.file=" + files.config.string(), "--web.listen-adress=127.0.0.1:1"},
           {"eval", "--once", "--outptu=json"}}) {
    const auto run = slamon(dir, "unknown-flag", args);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_TRUE(run->status.exited()) << run->status.describe();
    EXPECT_NE(run->status.code(), 0);
    EXPECT_NE(run->err.find(args.back().substr(0, args.back().find('='))), std::string::npos)
        << "the error names the flag\n"
        << run->err;
    EXPECT_NE(run->err.find("Usage:"), std::string::npos) << "a usage message on stderr\n"
                                                          << run->err;
    EXPECT_EQ(run->out, "");
  }
  EXPECT_FALSE(std::filesystem::exists(files.storage)) << "a refused command line starts nothing";
}

class EvalOnce : public FleetTest {};

TEST_F(EvalOnce, JsonHasOneVerdictPerPolicyAndThresholdAndPersistsTheBreaches) {
  const FleetFiles files = write_fleet();
  const auto run = slamon(
      dir_, "eval", {"eval", "--once", "--output=json", "--config.file=" + files.config.string()});
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->status.code(), 0) << run->err;
  EXPECT_EQ(run->err.find(kSecretToken), std::string::npos);
  const auto output = nlohmann::json::parse(run->out, nullptr, false);
  ASSERT_FALSE(output.is_discarded()) << "not JSON:\n" << run->out;
  ASSERT_TRUE(output.contains("verdicts") && output["verdicts"].is_array()) << run->out;

  struct Expected {
    double actual;
    double threshold;
    std::optional<double> deviation_percent;
    std::string verdict;
  };
  const std::map<std::pair<std::string, std::string>, Expected> expected{
      {{kAlphaPolicy, "uptime_percent"}, {100, 99.5, std::nullopt, "ok"}},
      {{kAlphaPolicy, "latency_ms"}, {20, 50, std::nullopt, "ok"}},
      {{kBravoPolicy, "uptime_percent"}, {90, 99.5, (99.5 - 90) / 99.5 * 100, "warning"}},
      {{kCharliePolicy, "latency_ms"}, {150, 100, 50.0, "critical"}},
  };
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const auto& verdict : output["verdicts"]) {
    const std::pair<std::string, std::string> key{verdict.value("policy_id", ""),
                                                  verdict.value("metric", "")};
    SCOPED_TRACE(key.first + " " + key.second);
    ++seen[key];
    auto it = expected.find(key);
    ASSERT_NE(it, expected.end()) << verdict.dump();
    for (const char* field : {"actual", "threshold", "deviation_percent", "verdict"}) {
      EXPECT_TRUE(verdict.contains(field)) << field << " missing: " << verdict.dump();
    }
    EXPECT_EQ(verdict.value("org", ""), kOrg);
    EXPECT_DOUBLE_EQ(verdict.value("actual", -1.0), it->second.actual);
    EXPECT_DOUBLE_EQ(verdict.value("threshold", -1.0), it->second.threshold);
    EXPECT_EQ(verdict.value("verdict", ""), it->second.verdict);
    if (it->second.deviation_percent) {
      ASSERT_TRUE(verdict["deviation_percent"].is_number()) << verdict.dump();
      EXPECT_NEAR(verdict["deviation_percent"].get<double>(), *it->second.deviation_percent, 1e-9);
    } else {
      EXPECT_TRUE(verdict["deviation_percent"].is_null()) << verdict.dump();
    }
  }
  EXPECT_EQ(seen.size(), expected.size()) << run->out;
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key.first << " " << key.second;

  // Without --dry-run the cycle is stored like a daemon's.
  const auto breaches = read_breaches(files.storage);
  ASSERT_TRUE(breaches) << breaches.error().message;
  EXPECT_EQ(open_breaches(*breaches).size(), 2u);
  const auto events = read_events(files.storage);
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(events_of_type(*events, "sla.breach.created").size(), 2u);
}

TEST_F(EvalOnce, DryRunPrintsTheTableAndWritesNothing) {
  const FleetFiles files = write_fleet();
  const auto run = slamon(
      dir_, "eval", {"eval", "--once", "--dry-run", "--config.file=" + files.config.string()});
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(run->status.code(), 0) << run->err;
  for (const char* column : {"POLICY", "METRIC", "ACTUAL", "THRESHOLD", "DEVIATION", "VERDICT"}) {
    EXPECT_NE(run->out.find(column), std::string::npos) << run->out;
  }
  EXPECT_NE(run->out.find("Bravo site uptime"), std::string::npos) << run->out;
  EXPECT_NE(run->out.find("warning"), std::string::npos) << run->out;
  EXPECT_NE(run->out.find("critical"), std::string::npos) << run->out;
  EXPECT_FALSE(std::filesystem::exists(files.storage))
      << "a dry run must not create the state file";
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    EXPECT_FALSE(std::filesystem::exists(files.storage.string() + suffix)) << suffix;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "reports"));
}

TEST_F(EvalOnce, DryRunOnAnExistingStateLeavesItUnchanged) {
  const FleetFiles files = write_fleet();
  const auto stored =
      slamon(dir_, "eval-1", {"eval", "--once", "--config.file=" + files.config.string()});
  ASSERT_TRUE(stored) << stored.error().message;
  ASSERT_EQ(stored->status.code(), 0) << stored->err;
  const auto before = read_events(files.storage);
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_EQ(before->size(), 2u);

  // Resolve charlie's breach in the dry run's view only: nothing of it may be stored.
  dir_.write("rules/charlie.yml", charlie_rules("disabled"));
  const auto dry = slamon(
      dir_, "eval-2",
      {"eval", "--once", "--dry-run", "--output=json", "--config.file=" + files.config.string()});
  ASSERT_TRUE(dry) << dry.error().message;
  ASSERT_EQ(dry->status.code(), 0) << dry->err;
  const auto output = nlohmann::json::parse(dry->out, nullptr, false);
  ASSERT_FALSE(output.is_discarded()) << dry->out;
  EXPECT_EQ(output.value("breaches_resolved", -1), 1) << dry->out;

  const auto breaches = read_breaches(files.storage);
  ASSERT_TRUE(breaches) << breaches.error().message;
  EXPECT_EQ(open_breaches(*breaches).size(), 2u);
  const auto after = read_events(files.storage);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->size(), before->size());
}

}  // namespace
}  // namespace slamon::integration
