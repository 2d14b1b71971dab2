// The SPEC §10 report endpoints through ApiWorld's HTTP server: validation (422 / 404),
// cross-tenant and site-grant rows, generate → the worker (driven with run_once) → list and
// download, the pending report's JSON, a restart resuming pending jobs, retention, and the
// download guard (`..`, `%2e%2e`, an absolute path as id, a file swapped for a symlink).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "api_client.h"
#include "api_fixture.h"
#include "reports/report_jobs.h"

namespace slamon::api::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kReports = "/api/v1/sla/reports";
const std::string kGenerate = "/api/v1/sla/reports/generate";
const std::string kViewer = ApiWorld::token("a-viewer");
const std::string kViewerA1 = ApiWorld::token("a-viewer-a1");
const std::string kViewerB = ApiWorld::token("b-viewer");

json request_body(const std::vector<std::string>& policies, const std::string& format = "pdf") {
  return json{{"period_start", format_rfc3339(kStart - 7 * 24h)},
              {"period_end", format_rfc3339(kStart)},
              {"policy_ids", policies},
              {"format", format},
              {"title", "Weekly report"}};
}

class ReportApiTest : public ::testing::Test {
 protected:
  ReportApiTest() : client_(world_.port()) {}

  // Queues a report; returns its id.
  std::string generate(const std::vector<std::string>& policies, const std::string& format = "pdf",
                       const std::string& token = kViewer) {
    const Reply reply = client_.post(kGenerate, token, request_body(policies, format).dump());
    EXPECT_EQ(reply.status, 202) << reply.body;
    EXPECT_EQ(reply.json().value("status", ""), "pending");
    const std::string id = reply.json().value("id", "");
    EXPECT_EQ(reply.header("location"), kReports + "/" + id + "/download");
    return id;
  }
  Reply download(const std::string& id, const std::string& token = kViewer,
                 const std::string& query = "") {
    return client_.get(kReports + "/" + id + "/download" + query, token);
  }
  std::filesystem::path reports_dir() const { return world_.dir().path() / "reports"; }

  ApiWorld world_;
  ApiClient client_;
};

TEST_F(ReportApiTest, InvalidRequestsAre422WithTheField) {
  struct Row {
    const char* name;
    std::function<void(json&)> change;
    const char* field;
  };
  const Row rows[] = {
      {"start after end", [](json& b) { b["period_start"] = format_rfc3339(kStart + 1h); },
       "period_start"},
      {"start equals end", [](json& b) { b["period_start"] = b["period_end"]; }, "period_start"},
      {"367 days", [](json& b) { b["period_start"] = format_rfc3339(kStart - 367 * 24h); },
       "period_end"},
      {"format xlsx", [](json& b) { b["format"] = "xlsx"; }, "format"},
      {"no format", [](json& b) { b.erase("format"); }, "format"},
      {"not a time", [](json& b) { b["period_end"] = "yesterday"; }, "period_end"},
      {"no policies", [](json& b) { b["policy_ids"] = json::array(); }, "policy_ids"},
      {"unknown key", [](json& b) { b["path"] = "/etc/passwd"; }, "path"},
  };
  for (const Row& row : rows) {
    json body = request_body({kProvA1});
    row.change(body);
    const Reply reply = client_.post(kGenerate, kViewer, body.dump());
    EXPECT_EQ(reply.status, 422) << row.name << ": " << reply.body;
    bool named = false;
    const json answer = reply.json();
    for (const json& detail : answer["error"]["details"]) {
      named = named || detail.value("field", "") == row.field;
    }
    EXPECT_TRUE(named) << row.name << ": " << reply.body;
  }
}

TEST_F(ReportApiTest, UnreadablePoliciesAre404AlikeAndQueueNothing) {
  const Reply missing = client_.post(kGenerate, kViewer, request_body({"no-such"}).dump());
  const Reply foreign = client_.post(kGenerate, kViewer, request_body({kProvB1}).dump());
  const Reply outside = client_.post(kGenerate, kViewerA1, request_body({kProvA2}).dump());
  const Reply mixed = client_.post(kGenerate, kViewerA1, request_body({kProvA1, kProvA2}).dump());
  for (const Reply* reply : {&missing, &foreign, &outside, &mixed}) {
    EXPECT_EQ(reply->status, 404) << reply->body;
    EXPECT_EQ(reply->body, missing.body);
  }
  EXPECT_EQ(world_.store().count_reports(kOrgA).value_or(-1), 0);
}

TEST_F(ReportApiTest, GeneratedPdfIsRenderedByTheWorkerListedAndDownloaded) {
  const std::string id = generate({kProvA1, kProvOrgA});
  json listed = client_.get(kReports, kViewer).json();
  ASSERT_EQ(listed["total"], 1) << listed.dump();
  EXPECT_EQ(listed["items"][0]["status"], "pending");
  EXPECT_EQ(listed["items"][0]["title"], "Weekly report");

  const Reply pending = download(id);
  EXPECT_EQ(pending.status, 200) << pending.body;
  EXPECT_EQ(pending.json().value("title", ""), "Weekly report");
  EXPECT_TRUE(pending.json().contains("policies"));

  EXPECT_EQ(world_.report_jobs().run_once().value_or(-1), 1);
  EXPECT_EQ(world_.report_jobs().run_once().value_or(-1), 0);
  listed = client_.get(kReports, kViewer).json();
  const json& item = listed["items"][0];
  EXPECT_EQ(item["status"], "done") << listed.dump();
  EXPECT_EQ(item["format"], "pdf");
  EXPECT_EQ(item["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(item["period_end"], format_rfc3339(kStart));

  const Reply file = download(id);
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(file.body.substr(0, 4), "%PDF");
  EXPECT_EQ(static_cast<long long>(file.body.size()), item["size"].get<long long>());
  EXPECT_EQ(file.header("content-type"), "application/pdf");
  EXPECT_EQ(file.header("content-disposition"), "attachment; filename=\"" + id + ".pdf\"");

  const auto mode = std::filesystem::status(reports_dir() / (id + ".pdf")).permissions();
  EXPECT_EQ(mode, std::filesystem::perms(0640));
  EXPECT_EQ(std::filesystem::status(reports_dir()).permissions(), std::filesystem::perms(0750));
}

TEST_F(ReportApiTest, CsvAndItsBreachesPartDownloadAsCsv) {
  const std::string id = generate({kProvA1}, "csv");
  ASSERT_EQ(world_.report_jobs().run_once().value_or(-1), 1);
  const Reply csv = download(id);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.header("content-disposition"), "attachment; filename=\"" + id + ".csv\"");
  EXPECT_NE(csv.body.find(kProvA1), std::string::npos);
  const Reply breaches = download(id, kViewer, "?part=breaches");
  ASSERT_EQ(breaches.status, 200) << breaches.body;
  EXPECT_EQ(breaches.header("content-disposition"),
            "attachment; filename=\"" + id + "-breaches.csv\"");
  EXPECT_EQ(download(id, kViewer, "?part=../../etc/passwd").status, 422);
}

TEST_F(ReportApiTest, AnotherOrgsReportIs404LikeAMissingOneAndSiteGrantsSeeTheirOwn) {
  const std::string both = generate({kProvA1, kProvA2});
  const std::string a1 = generate({kProvA1}, "pdf", kViewerA1);
  ASSERT_EQ(world_.report_jobs().run_once().value_or(-1), 2);

  const Reply missing = download("00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(missing.status, 404);
  const Reply foreign = download(both, kViewerB);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.body, missing.body);
  EXPECT_EQ(client_.get(kReports, kViewerB).json()["total"], 0);

  const Reply outside = download(both, kViewerA1);
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(outside.body, missing.body);
  EXPECT_EQ(download(a1, kViewerA1).status, 200);
  const json listed = client_.get(kReports, kViewerA1).json();
  ASSERT_EQ(listed["total"], 1) << listed.dump();
  EXPECT_EQ(listed["items"][0]["id"], a1);
  EXPECT_EQ(client_.get(kReports, kViewer).json()["total"], 2);
}

TEST_F(ReportApiTest, DownloadGuardNeverSendsAFileOutsideTheReportsDirectory) {
  const std::string id = generate({kProvA1});
  ASSERT_EQ(world_.report_jobs().run_once().value_or(-1), 1);
  const std::filesystem::path secret = world_.dir().path() / "secret.txt";
  std::ofstream(secret) << "TOP-SECRET";

  for (const std::string& path : std::vector<std::string>{
           "..", "%2e%2e", "%2E%2E%2Fsecret.txt", "..%2F..%2Fsecret.txt", "%2Fetc%2Fpasswd",
           "%2F" + secret.string().substr(1), id + "%2F..%2F..%2Fsecret.txt"}) {
    const Reply reply = client_.get(kReports + "/" + path + "/download", kViewer);
    EXPECT_TRUE(reply.status == 403 || reply.status == 404) << path << ": " << reply.status;
    EXPECT_EQ(reply.body.find("TOP-SECRET"), std::string::npos) << path;
    EXPECT_EQ(reply.body.find("root:"), std::string::npos) << path;
  }

  // The rendered file swapped for a symlink to a file outside the directory.
  const std::filesystem::path file = reports_dir() / (id + ".pdf");
  std::filesystem::remove(file);
  std::filesystem::create_symlink(secret, file);
  const Reply swapped = download(id);
  EXPECT_EQ(swapped.status, 403) << swapped.body;
  EXPECT_EQ(swapped.body.find("TOP-SECRET"), std::string::npos);
}

TEST_F(ReportApiTest, ARestartResumesPendingReports) {
  const std::string id = generate({kProvA1});
  {
    // The worker of the next run: a fresh one over the same database and directory.
    reports::ReportJobs restarted([this] { return world_.config(); }, world_.store(), nullptr,
                                  world_.clock(), reports::ReportJobsOptions{reports_dir()});
    EXPECT_EQ(restarted.run_once().value_or(-1), 1);
    const auto stats = restarted.stats();
    EXPECT_EQ((stats.renders.at({"pdf", "success"})), 1u);
    EXPECT_EQ(stats.durations, 1u);
  }
  EXPECT_EQ(download(id).body.substr(0, 4), "%PDF");
  EXPECT_EQ(world_.report_jobs().run_once().value_or(-1), 0);
}

TEST_F(ReportApiTest, AReportWhosePolicyVanishedFailsWithTheError) {
  world_.insert_policy(ApiWorld::site_policy("api-a1", kOrgA, kSiteA1, "API policy"));
  const std::string id = generate({"api-a1"});
  ASSERT_TRUE(world_.store().delete_policy(kOrgA, "api-a1"));
  ASSERT_EQ(world_.report_jobs().run_once().value_or(-1), 1);
  EXPECT_EQ(client_.get(kReports, kViewer).json()["items"][0]["status"], "failed");
  const Reply failed = download(id);
  EXPECT_EQ(failed.status, 409);
  EXPECT_NE(failed.body.find("no longer exists"), std::string::npos) << failed.body;
  EXPECT_EQ(world_.report_jobs().stats().renders.at({"pdf", "failure"}), 1u);
}

TEST_F(ReportApiTest, RetentionRemovesOldReportsAndTheirFiles) {
  const std::string id = generate({kProvA1}, "csv");
  ASSERT_EQ(world_.report_jobs().run_once().value_or(-1), 1);
  ASSERT_TRUE(std::filesystem::exists(reports_dir() / (id + ".csv")));
  world_.clock().advance(89 * 24h);
  EXPECT_EQ(world_.report_jobs().remove_expired().value_or(-1), 0);
  world_.clock().advance(2 * 24h);
  EXPECT_EQ(world_.report_jobs().remove_expired().value_or(-1), 1);
  EXPECT_FALSE(std::filesystem::exists(reports_dir() / (id + ".csv")));
  EXPECT_FALSE(std::filesystem::exists(reports_dir() / (id + "-breaches.csv")));
  EXPECT_EQ(client_.get(kReports, kViewer).json()["total"], 0);
}

}  // namespace
}  // namespace slamon::api::testing
