// `slamon report` as a user runs it: the real binary on a configuration and a database written
// by the store's and the history's own API; a PDF and both CSVs land at --output (written to a
// temporary name and renamed), the database is left byte-identical, and bad arguments are
// refused with a message.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/clock.h"
#include "history/history.h"
#include "store/store.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::run_to_completion;

constexpr char kOrg[] = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
constexpr char kSite[] = "a1b2c3d4-0000-4000-8000-000000000001";
const WallTime kFrom = from_unix_seconds(1'790'812'800);  // 2026-10-01T00:00:00Z

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("slamon.yml", R"(global:
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
    dir_.write("inventory/fleet.yml",
               std::string("organizations:\n  - id: ") + kOrg +
                   "\n    name: Northwind\n    sites:\n      - {id: " + kSite + ", name: HQ}\n");
    dir_.write("rules/hq.yml", std::string("policies:\n  - {id: hq-uptime, org: ") + kOrg +
                                   ", name: \"HQ Zürich, uptime\", scope: site, scope_id: " +
                                   kSite + ", thresholds: {uptime_percent_min: 99.5}}\n");
    auto store = Store::open(db().string());
    ASSERT_TRUE(store) << store.error().message;
    CycleWrite write;
    write.segments.push_back({"hq-uptime", kOrg, kFrom, kFrom + 24h, "up"});
    write.segments.push_back({"hq-uptime", kOrg, kFrom + 24h, kFrom + 25h, "down"});
    write.segments.push_back({"hq-uptime", kOrg, kFrom + 25h, kFrom + 72h, "up"});
    ASSERT_TRUE((*store)->commit(write));
    FakeClock clock(kFrom + 72h);
    auto history = history::History::open(db().string(), clock);
    ASSERT_TRUE(history) << history.error().message;
    for (int hour = 0; hour < 72; ++hour) {
      const history::Observation o{"hq-uptime", Metric::uptime_percent, hour == 24 ? 0.0 : 100.0};
      ASSERT_TRUE((*history)->append(kFrom + std::chrono::hours(hour), {&o, 1}));
    }
  }

  std::filesystem::path db() const { return dir_.path() / "slamon.db"; }

  testing::CompletedRun report(const std::vector<std::string>& extra, const std::string& name) {
    std::vector<std::string> argv{
        SLAMON_BINARY, "--config.file=" + (dir_.path() / "slamon.yml").string(), "report",
        "--from=2026-10-01T00:00:00Z", "--to=2026-10-04T00:00:00Z"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto run = run_to_completion(argv, dir_.path(), name);
    EXPECT_TRUE(run) << (run ? "" : run.error().message);
    return run ? *run : testing::CompletedRun{};
  }

  testing::TempDir dir_;
};

TEST_F(ReportCli, WritesAPdfAndCsvsWithoutTouchingTheDatabase) {
  const std::string before = file_bytes(db());
  const auto pdf = dir_.path() / "out" / "report.pdf";
  std::filesystem::create_directories(pdf.parent_path());
  auto run =
      report({"--org=" + std::string(kOrg), "--format=pdf", "--output=" + pdf.string()}, "pdf");
  ASSERT_TRUE(run.status.succeeded()) << run.status.describe() << "\n" << run.err;
  EXPECT_NE(run.out.find("1 policies"), std::string::npos) << run.out;
  EXPECT_EQ(file_bytes(pdf).rfind("%PDF-", 0), 0u);
  // Only the report: no temporary file is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(pdf.parent_path()),
                          std::filesystem::directory_iterator()),
            1);

  const auto csv = dir_.path() / "out" / "report.csv";
  run = report({"--policy=hq-uptime", "--format=csv", "--output=" + csv.string()}, "csv");
  ASSERT_TRUE(run.status.succeeded()) << run.err;
  const std::string rows = file_bytes(csv);
  EXPECT_EQ(rows.rfind("policy_id,policy_name,", 0), 0u) << rows;
  EXPECT_NE(rows.find("hq-uptime,\"HQ Zürich, uptime\",site"), std::string::npos) << rows;

  const auto breaches = dir_.path() / "out" / "breaches.csv";
  run = report(
      {"--policy=hq-uptime", "--format=csv", "--part=breaches", "--output=" + breaches.string()},
      "breaches");
  ASSERT_TRUE(run.status.succeeded()) << run.err;
  EXPECT_EQ(file_bytes(breaches).rfind("policy_id,policy_name,breach_id", 0), 0u);

  EXPECT_EQ(file_bytes(db()), before) << "the database file is byte-identical";
}

TEST_F(ReportCli, RefusesBadArguments) {
  const auto out = (dir_.path() / "x.pdf").string();
  auto run = report({"--policy=nope", "--output=" + out}, "unknown-policy");
  EXPECT_EQ(run.status.code(), 1);
  EXPECT_NE(run.err.find("no policy nope"), std::string::npos) << run.err;
  run = report({"--org=" + std::string(kOrg), "--format=pdf", "--part=breaches", "--output=" + out},
               "part-with-pdf");
  EXPECT_EQ(run.status.code(), 1);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace slamon
