#include "app/eval_output.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>

namespace slamon {
namespace {

CycleReport sample_report() {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->evaluated_at = from_unix_seconds(1'800'000'000);
  snapshot->verdicts.push_back(Verdict{"org", "p1", "Core uptime", Metric::uptime_percent,
                                       Bound::min, 99.5, 97.0, 2.5125628140703515,
                                       VerdictState::warning});
  snapshot->verdicts.push_back(Verdict{"org", "p1", "Core uptime", Metric::latency_ms, Bound::max,
                                       0, 12.0, std::numeric_limits<double>::infinity(),
                                       VerdictState::critical});
  snapshot->verdicts.push_back(Verdict{"org", "p2", "Edge", Metric::packet_loss_percent, Bound::max,
                                       1.0, std::nullopt, std::nullopt, VerdictState::no_data});
  CycleReport report;
  report.snapshot = snapshot;
  report.policies_evaluated = 2;
  report.breaches_opened = 2;
  report.no_data = 1;
  return report;
}

TEST(EvalOutputTest, TableHasOneRowPerVerdict) {
  const std::string table = render_eval_table(sample_report());
  EXPECT_NE(table.find("POLICY"), std::string::npos);
  EXPECT_NE(table.find("Core uptime  uptime_percent"), std::string::npos);
  EXPECT_NE(table.find("min 99.5"), std::string::npos);
  EXPECT_NE(table.find("2.51%"), std::string::npos);
  EXPECT_NE(table.find("+Inf%"), std::string::npos);
  EXPECT_NE(table.find("no_data"), std::string::npos);
  EXPECT_NE(table.find("2 policies evaluated, 3 thresholds: 2 breaches opened"), std::string::npos);
}

TEST(EvalOutputTest, JsonCarriesEveryVerdict) {
  const auto json = nlohmann::json::parse(render_eval_json(sample_report()));
  ASSERT_EQ(json["verdicts"].size(), 3u);
  EXPECT_EQ(json["verdicts"][0]["metric"], "uptime_percent");  // sorted by policy, then metric
  EXPECT_EQ(json["verdicts"][0]["verdict"], "warning");
  EXPECT_EQ(json["verdicts"][1]["deviation_percent"], "+Inf");
  EXPECT_TRUE(json["verdicts"][2]["actual"].is_null());
  EXPECT_EQ(json["evaluated_at"], "2027-01-15T08:00:00Z");
}

}  // namespace
}  // namespace slamon

namespace slamon {
namespace {

TEST(EvalOutputTest, DryRunSummarySaysWhatWouldChange) {
  const std::string table = render_eval_table(sample_report(), /*dry_run=*/true);
  EXPECT_NE(table.find("2 breaches would open"), std::string::npos);
  EXPECT_NE(table.find("dry run: nothing stored"), std::string::npos);
}

}  // namespace
}  // namespace slamon
