// `slamon report` as a user runs it: the real binary on a configuration and a database written
// by the store's and the history's own API; a PDF and both CSVs land at --output (written to a
// temporary name and renamed), the database is left byte-identical, and bad arguments are
// refused with a message.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <utility>
#include <vector>

#include "support/child_process.h"
#include "support/hq_config.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::file_bytes;
using testing::kHqOrg;
using testing::run_to_completion;

const WallTime kFrom = from_unix_seconds(1'790'812'800);  // 2026-10-01T00:00:00Z

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_hq_config(dir_, "Northwind", "\"HQ Zürich, uptime\"");
    std::vector<std::pair<WallTime, double>> uptime;
    for (int hour = 0; hour < 72; ++hour) {
      uptime.emplace_back(kFrom + std::chrono::hours(hour), hour == 24 ? 0.0 : 100.0);
    }
    testing::seed_hq_database(dir_, kFrom + 72h,
                              {{kFrom, kFrom + 24h, "up"},
                               {kFrom + 24h, kFrom + 25h, "down"},
                               {kFrom + 25h, kFrom + 72h, "up"}},
                              uptime);
  }

  std::filesystem::path db() const { return testing::hq_database(dir_); }

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
  const mode_t umask_before = ::umask(0);  // the child inherits it
  auto run =
      report({"--org=" + std::string(kHqOrg), "--format=pdf", "--output=" + pdf.string()}, "pdf");
  ::umask(umask_before);
  ASSERT_TRUE(run.status.succeeded()) << run.status.describe() << "\n" << run.err;
  // A report holds a tenant's breaches: never world-readable, whatever the umask.
  struct stat status {};
  ASSERT_EQ(::stat(pdf.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0640u);
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
  run =
      report({"--org=" + std::string(kHqOrg), "--format=pdf", "--part=breaches", "--output=" + out},
             "part-with-pdf");
  EXPECT_EQ(run.status.code(), 1);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace slamon
