// `slamon backtest --source=history` end to end in-process: a configuration on disk, a real
// slamon database whose history holds a cycle's points every 5 minutes, the command's JSON
// report, and the database file byte-identical afterwards (the history is read from a snapshot).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>
#include <utility>
#include <vector>

#include "backtest/command.h"
#include "support/hq_config.h"

namespace slamon::backtest {
namespace {

using namespace std::chrono_literals;

const WallTime kFrom = from_unix_seconds(1'767'225'600);  // 2026-01-01T00:00:00Z

TEST(HistoryCommand, ReplaysTheRecordedValuesWithoutWritingTheDatabase) {
  testing::TempDir dir;
  testing::write_hq_config(dir, "Org", "HQ uptime");
  const std::filesystem::path db = testing::hq_database(dir);
  // Cycles 3 s after each 5-minute mark: fine, 90 from 00:20, critical 70 at 00:30, fine
  // again from 00:40; no cycle at 00:50 (slamon stopped).
  std::vector<std::pair<WallTime, double>> uptime;
  for (int minute = 0; minute <= 60; minute += 5) {
    if (minute == 50) continue;
    const double value = minute < 20   ? 100
                         : minute < 30 ? 90
                         : minute < 35 ? 70
                         : minute < 40 ? 90
                                       : 100;
    uptime.emplace_back(kFrom + std::chrono::minutes(minute) + 3s, value);
  }
  testing::seed_hq_database(dir, kFrom + 2h, {}, uptime);
  if (::testing::Test::HasFatalFailure()) return;
  const std::string before = testing::file_bytes(db);

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

  EXPECT_EQ(testing::file_bytes(db), before) << "the database file is byte-identical";
}

}  // namespace
}  // namespace slamon::backtest
