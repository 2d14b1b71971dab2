// `slamon backtest --source=history` end to end in-process: a configuration on disk, a real
// slamon database whose history holds a cycle's points every 5 minutes, the command's JSON
// report, and the database file byte-identical afterwards (the history is read from a snapshot).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <sstream>

#include "backtest/command.h"
#include "history/history.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace slamon::backtest {
namespace {

using namespace std::chrono_literals;

constexpr char kOrg[] = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
constexpr char kSite[] = "a1b2c3d4-0000-4000-8000-000000000001";
const WallTime kFrom = from_unix_seconds(1'767'225'600);  // 2026-01-01T00:00:00Z

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_config(const testing::TempDir& dir) {
  dir.write("slamon.yml", R"(global:
  storage_path: slamon.db
rule_files: ["rules/*.yml"]
inventory_files: ["inventory/*.yml"]
sources:
  - {name: prom, type: prometheus, url: "http://127.0.0.1:9"}
measurements:
  - metric: uptime_percent
    scopes: [site]
    source: prom
    query: 'avg by (site_id) (site_uptime_percent)'
    scope_label: site_id
)");
  dir.write("inventory/fleet.yml", std::string("organizations:\n  - id: ") + kOrg +
                                       "\n    name: Org\n    sites:\n      - {id: " + kSite +
                                       ", name: HQ}\n");
  dir.write("rules/hq.yml", std::string("policies:\n  - {id: hq-uptime, org: ") + kOrg +
                                ", name: HQ uptime, scope: site, scope_id: " + kSite +
                                ", thresholds: {uptime_percent_min: 99.5}}\n");
}

TEST(HistoryCommand, ReplaysTheRecordedValuesWithoutWritingTheDatabase) {
  testing::TempDir dir;
  write_config(dir);
  const std::filesystem::path db = dir.path() / "slamon.db";
  {
    auto store = Store::open(db.string());
    ASSERT_TRUE(store) << store.error().message;
    FakeClock clock(kFrom + 2h);
    auto history = history::History::open(db.string(), clock);
    ASSERT_TRUE(history) << history.error().message;
    // Cycles 3 s after each 5-minute mark: fine, 90 from 00:20, critical 70 at 00:30, fine
    // again from 00:40; no cycle at 00:50 (slamon stopped).
    for (int minute = 0; minute <= 60; minute += 5) {
      if (minute == 50) continue;
      const double value = minute < 20   ? 100
                           : minute < 30 ? 90
                           : minute < 35 ? 70
                           : minute < 40 ? 90
                                         : 100;
      const history::Observation o{"hq-uptime", Metric::uptime_percent, value};
      ASSERT_TRUE((*history)->append(kFrom + std::chrono::minutes(minute) + 3s, {&o, 1}));
    }
  }
  const std::string before = file_bytes(db);

  CommandOptions options;
  options.config_file = (dir.path() / "slamon.yml").string();
  options.from = "2026-01-01T00:00:00Z";
  options.to = "2026-01-01T01:00:00Z";
  options.source = "history";
  options.output = "json";
  std::ostringstream out, err;
  ASSERT_EQ(run_command(options, out, err), 0) << err.str();
  const auto json = nlohmann::json::parse(out.str(), nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << out.str();
  EXPECT_EQ(json["source"], "history");
  ASSERT_EQ(json["breaches"].size(), 1u) << json.dump(2);
  const auto& b = json["breaches"][0];
  EXPECT_EQ(b["policy_id"], "hq-uptime");
  EXPECT_EQ(b["opened_at"], "2026-01-01T00:20:00Z");
  EXPECT_EQ(b["closed_at"], "2026-01-01T00:40:00Z");
  EXPECT_EQ(b["severity"]["opening"], "warning");
  EXPECT_EQ(b["severity"]["peak"], "critical");
  EXPECT_EQ(b["severity"]["at_close"], "warning");
  ASSERT_EQ(json["coverage"].size(), 1u);
  EXPECT_EQ(json["coverage"][0]["steps_with_data"], 12);
  EXPECT_EQ(json["coverage"][0]["steps_not_recorded"], 1);

  EXPECT_EQ(file_bytes(db), before) << "the database file is byte-identical";
}

}  // namespace
}  // namespace slamon::backtest
