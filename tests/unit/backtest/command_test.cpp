// Tests of the backtest's edges: times on the command line, the report's table and JSON, and
// reading the API policies from a real slamon database without changing a byte of it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <sstream>

#include "backtest/command.h"
#include "backtest/database.h"
#include "backtest/output.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace slamon::backtest {
namespace {

using namespace std::chrono_literals;

const WallTime kFrom = from_unix_seconds(1'767'225'600);  // 2026-01-01T00:00:00Z

TEST(ParseTime, AcceptsRfc3339AndUnixSeconds) {
  EXPECT_EQ(parse_time("2026-01-01T00:00:00Z"), kFrom);
  EXPECT_EQ(parse_time("2026-01-01T01:00:00+01:00"), kFrom);
  EXPECT_EQ(parse_time("2026-01-01T00:00:00.250Z"), kFrom + 250ms);
  EXPECT_EQ(parse_time("1767225600"), kFrom);
  EXPECT_EQ(parse_time("1767225600.5"), kFrom + 500ms);
  for (const char* bad : {"", "yesterday", "2026-01-01", "-5", "1e9", "2026-13-01T00:00:00Z"}) {
    const auto parsed = parse_time(bad);
    EXPECT_FALSE(parsed) << bad;
    if (!parsed) {
      EXPECT_NE(parsed.error().message.find("RFC 3339"), std::string::npos);
    }
  }
}

ReplayReport sample_report() {
  ReplayReport report;
  report.grid = *make_grid(kFrom, kFrom + 2h, 5min);
  report.policies_evaluated = 2;
  ReplayedBreach closed;
  closed.org = "org-1";
  closed.policy_id = "bravo-uptime";
  closed.policy_name = "Bravo uptime";
  closed.scope = Scope::site;
  closed.scope_key = "site-b";
  closed.metric = Metric::uptime_percent;
  closed.threshold = 99.5;
  closed.opened_step = 6;
  closed.opened_at = kFrom + 30min;
  closed.closed_step = 18;
  closed.closed_at = kFrom + 90min;
  closed.close_reason = "recovered";
  closed.opening_severity = Severity::warning;
  closed.peak_severity = Severity::critical;
  closed.last_severity = Severity::warning;
  closed.opening_actual = 90;
  closed.last_actual = 95;
  closed.escalations = 1;
  ReplayedBreach open = closed;
  open.policy_id = "charlie-latency";
  open.metric = Metric::latency_ms;
  open.threshold = 100;
  open.opened_step = 12;
  open.opened_at = kFrom + 60min;
  open.closed_step.reset();
  open.closed_at.reset();
  open.close_reason.clear();
  open.opening_severity = open.peak_severity = open.last_severity = Severity::critical;
  open.opening_actual = std::nullopt;
  open.last_actual = std::nullopt;
  open.escalations = 0;
  report.breaches = {closed, open};
  report.coverage = {SeriesCoverage{"bravo-uptime", Metric::uptime_percent, 25, 0, 0, 0, 0},
                     SeriesCoverage{"charlie-latency", Metric::latency_ms, 20, 5, 0, 0, 0}};
  return report;
}

TEST(Output, TableListsEachBreachWithItsSeveritiesAndDuration) {
  const std::string table = render_table(sample_report(), "prometheus", {"a note"});
  EXPECT_NE(table.find("Backtest from 2026-01-01T00:00:00Z to 2026-01-01T02:00:00Z, step 5m "
                       "(25 steps), source prometheus, 2 active policies"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("POLICY           METRIC          OPENED                CLOSED      "
                       "          DURATION  OPENING   PEAK      AT CLOSE  REASON"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("bravo-uptime     uptime_percent  2026-01-01T00:30:00Z  "
                       "2026-01-01T01:30:00Z  1h        warning   critical  warning   recovered"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("charlie-latency  latency_ms      2026-01-01T01:00:00Z  still open     "
                       "       >= 1h     critical  critical  critical  -"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("2 breaches would have opened: 1 closed, 1 still open at "
                       "2026-01-01T02:00:00Z."),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("  a note\n"), std::string::npos) << table;
  EXPECT_NE(table.find("charlie-latency latency_ms: no data at 5 of 25 steps"), std::string::npos)
      << table;
}

TEST(Output, JsonHasTheBreachesAndTheirSeverities) {
  const auto json = nlohmann::json::parse(render_json(sample_report(), "history"));
  EXPECT_EQ(json["from"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(json["to"], "2026-01-01T02:00:00Z");
  EXPECT_EQ(json["step"], "5m");
  EXPECT_EQ(json["steps"], 25);
  EXPECT_EQ(json["source"], "history");
  EXPECT_EQ(json["summary"], (nlohmann::json{{"opened", 2}, {"closed", 1}, {"still_open", 1}}));
  ASSERT_EQ(json["breaches"].size(), 2u);
  const auto& closed = json["breaches"][0];
  EXPECT_EQ(closed["policy_id"], "bravo-uptime");
  EXPECT_EQ(closed["policy"], "Bravo uptime");
  EXPECT_EQ(closed["scope"], "site");
  EXPECT_EQ(closed["scope_id"], "site-b");
  EXPECT_EQ(closed["metric"], "uptime_percent");
  EXPECT_EQ(closed["opened_at"], "2026-01-01T00:30:00Z");
  EXPECT_EQ(closed["closed_at"], "2026-01-01T01:30:00Z");
  EXPECT_EQ(closed["still_open"], false);
  EXPECT_EQ(closed["duration_seconds"], 3600);
  EXPECT_EQ(closed["close_reason"], "recovered");
  EXPECT_EQ(
      closed["severity"],
      (nlohmann::json{{"opening", "warning"}, {"peak", "critical"}, {"at_close", "warning"}}));
  EXPECT_EQ(closed["escalations"], 1);
  EXPECT_EQ(closed["actual"]["opening"], 90);
  const auto& open = json["breaches"][1];
  EXPECT_TRUE(open["closed_at"].is_null());
  EXPECT_TRUE(open["closed_step"].is_null());
  EXPECT_EQ(open["still_open"], true);
  EXPECT_EQ(open["duration_seconds"], 3600);
  EXPECT_TRUE(open["actual"]["opening"].is_null());
  ASSERT_EQ(json["coverage"].size(), 2u);
  EXPECT_EQ(json["coverage"][1]["steps_no_data"], 5);
}

TEST(Output, SaysSoWhenNothingWouldHaveOpened) {
  ReplayReport report;
  report.grid = *make_grid(kFrom, kFrom + 1h, 5min);
  EXPECT_NE(render_table(report, "prometheus").find("No breach would have opened."),
            std::string::npos);
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Policy api_policy(const std::string& id, const std::string& name) {
  Policy p;
  p.id = id;
  p.org = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
  p.name = name;
  p.scope = Scope::site;
  p.scope_id = "a1b2c3d4-0000-4000-8000-000000000001";
  p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;
  return p;
}

TEST(Database, ReadsTheApiPoliciesWithoutChangingTheFile) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "slamon.db").string();
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->insert_policy(api_policy("api-1", "API latency"), kFrom));
    ASSERT_TRUE((*store)->insert_policy(api_policy("shadowed", "Shadowed"), kFrom));
  }
  const std::string before = file_bytes(path);
  const auto modified = std::filesystem::last_write_time(path);

  auto policies = read_api_policies(path);
  ASSERT_TRUE(policies) << policies.error().message;
  ASSERT_EQ(policies->size(), 2u);
  EXPECT_EQ((*policies)[0].id, "api-1");
  EXPECT_EQ((*policies)[0].threshold(Metric::latency_ms), 100);
  EXPECT_FALSE((*policies)[0].provisioned);

  auto snapshot = DatabaseSnapshot::take(path);
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  auto from_snapshot = read_api_policies((*snapshot)->path());
  ASSERT_TRUE(from_snapshot) << from_snapshot.error().message;
  EXPECT_EQ(from_snapshot->size(), 2u);
  const std::filesystem::path snapshot_path = (*snapshot)->path();
  snapshot->reset();
  EXPECT_FALSE(std::filesystem::exists(snapshot_path)) << "the snapshot goes with its object";

  EXPECT_EQ(file_bytes(path), before);
  EXPECT_EQ(std::filesystem::last_write_time(path), modified);

  Policy provisioned = api_policy("shadowed", "Provisioned");
  provisioned.provisioned = true;
  const auto merged = merge_policies({provisioned}, std::move(*policies));
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].name, "Provisioned") << "a provisioned policy wins an id collision";
  EXPECT_EQ(merged[1].id, "api-1");
}

TEST(Database, AMissingOrForeignFileIsAnError) {
  testing::TempDir dir;
  EXPECT_FALSE(read_api_policies((dir.path() / "missing.db").string()));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing.db")) << "nothing is created";
  const std::string junk = dir.write("junk.db", std::string(4096, 'x'));
  const auto read = read_api_policies(junk);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find(junk), std::string::npos) << read.error().message;
}

}  // namespace
}  // namespace slamon::backtest
