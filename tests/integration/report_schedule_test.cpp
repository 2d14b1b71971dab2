// Report schedules end to end (SPEC §10, issue 15): the real daemon with a monthly schedule at
// 06:00 Europe/Berlin, a real SMTP server (aiosmtpd, storing mail in a Maildir) and a webhook
// receiver on loopback. An occurrence missed while slamon was down runs once at start: one
// report of the previous Berlin month, mailed with the PDF attached (parsed by Python's email
// package) and announced to the webhook, downloadable through the API with the same bytes; a
// restart sends nothing again. A run recorded before slamon stopped (its report still pending)
// is rendered after the restart and delivered once per notifier, across another stop while
// the webhook refuses. The database is edited between runs as an operator's tool would: the
// schedule's first-seen time set back to stand for the time slamon was down.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/bearer_token.h"
#include "common/clock.h"
#include "integration/notify/peers.h"
#include "integration/slamon_daemon.h"
#include "integration/state_db.h"
#include "integration/test_helpers.h"
#include "support/child_process.h"
#include "support/http_stub.h"
#include "support/temp_dir.h"
#include "unit/api/api_client.h"

namespace slamon::integration {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;
using testing::run_to_completion;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kOrg = "7a1c0000-0000-4000-8000-000000000015";
constexpr const char* kSite = "7a1c0000-0000-4000-8000-0000000000a1";
constexpr const char* kPolicy = "northwind-uptime";
constexpr const char* kSchedule = "monthly-northwind";
constexpr const char* kScheduleName = "Monthly Northwind";
constexpr const char* kExternalUrl = "https://slamon.example.net";
constexpr const char* kViewerToken = "itest-report-viewer-6b0e2f";
// Two months back: every monthly occurrence in between was missed, only the latest may run.
constexpr auto kDownFor = std::chrono::days(62);

// A report mail as Python sees it: every MIME defect, the attachments (type, name, first
// bytes, SHA-256) and the plain-text body.
constexpr std::string_view kParseMail = R"(
import email, hashlib, json, sys
from email import policy
with open(sys.argv[1], 'rb') as f:
    m = email.message_from_binary_file(f, policy=policy.default)
attachments = []
for part in m.walk():
    if part.get_content_disposition() == 'attachment':
        data = part.get_content()
        attachments.append({'type': part.get_content_type(), 'name': part.get_filename(),
                            'head': data[:5].decode('latin-1'),
                            'sha256': hashlib.sha256(data).hexdigest()})
text = m.get_body(preferencelist=('plain',))
print(json.dumps({
    'subject': str(m['Subject']), 'rcpt_to': str(m['X-RcptTo']),
    'content_type': m.get_content_type(),
    'defects': [str(d) for part in m.walk() for d in part.defects],
    'attachments': attachments, 'text': text.get_content() if text else ''}))
)";

// Europe/Berlin is on summer time (UTC+2) from the last Sunday of March to the last Sunday of
// October, so the first day of April to October starts at UTC+2 and of the other months at
// UTC+1. Worked out here apart from slamon's own zone code, which is what is under test.
WallTime berlin_first_of_month(std::chrono::year_month month, std::chrono::hours local_time) {
  const unsigned number = static_cast<unsigned>(month.month());
  const std::chrono::hours offset = number >= 4 && number <= 10 ? 2h : 1h;
  return std::chrono::sys_days(month / 1) + local_time - offset;
}

// The latest occurrence of `0 6 1 * *` in Berlin at or before `now`, and the previous Berlin
// month it reports on.
struct MonthlyRun {
  WallTime due;
  WallTime period_start;
  WallTime period_end;
  std::string first_day;  // of the period, YYYY-MM-DD
};

MonthlyRun latest_monthly_run(WallTime now) {
  using namespace std::chrono;
  const year_month_day today{floor<days>(now)};
  year_month month = today.year() / today.month() + months(1);
  while (berlin_first_of_month(month, 6h) > now) month -= months(1);
  const year_month reported = month - months(1);
  char first_day[16];
  std::snprintf(first_day, sizeof(first_day), "%04d-%02u-01", static_cast<int>(reported.year()),
                static_cast<unsigned>(reported.month()));
  return {berlin_first_of_month(month, 6h), berlin_first_of_month(reported, 0h),
          berlin_first_of_month(month, 0h), first_day};
}

long long millis(WallTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Runs `sql` on a stopped daemon's state file, read-write (an operator's edit).
::testing::AssertionResult execute(const fs::path& database, const std::string& sql) {
  sqlite3* db = nullptr;
  const int opened = sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  const std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> owner(db, &sqlite3_close_v2);
  if (opened != SQLITE_OK) return ::testing::AssertionFailure() << sqlite3_errstr(opened);
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return ::testing::AssertionFailure() << sql << ": " << message;
  }
  return ::testing::AssertionSuccess();
}

// The first column of the first row of `sql` as text ("" when no row), read-only.
std::string query_text(const fs::path& database, const std::string& sql) {
  sqlite3* db = nullptr;
  const int opened = sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  const std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> owner(db, &sqlite3_close_v2);
  EXPECT_EQ(opened, SQLITE_OK) << sqlite3_errstr(opened);
  if (opened != SQLITE_OK) return "";
  sqlite3_busy_timeout(db, 5000);
  std::string value;
  char* error = nullptr;
  const auto first = [](void* into, int columns, char** values, char**) {
    if (columns > 0 && values[0]) *static_cast<std::string*>(into) = values[0];
    return 1;  // one row is enough
  };
  const int code = sqlite3_exec(db, sql.c_str(), first, &value, &error);
  EXPECT_TRUE(code == SQLITE_OK || code == SQLITE_ABORT) << sql << ": " << (error ? error : "");
  sqlite3_free(error);
  return value;
}

long long count_rows(const fs::path& database, const std::string& table) {
  return std::stoll(query_text(database, "SELECT count(*) FROM " + table));
}

std::vector<EventRow> report_events(const fs::path& database) {
  auto events = read_events(database);
  EXPECT_TRUE(events) << events.error().message;
  return events ? events_of_type(*events, "sla.report.ready") : std::vector<EventRow>{};
}

bool has_aiosmtpd(const fs::path& dir) {
  const auto probe = run_to_completion({kPython, "-c", "import aiosmtpd"}, dir, "probe");
  return probe && probe->status.code() == 0;
}

class ReportScheduleEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
    if (!has_aiosmtpd(dir_.path())) GTEST_SKIP() << "python3-aiosmtpd is not installed";
    ASSERT_NO_FATAL_FAILURE(start_smtp_server());
    // A Prometheus without a single series: the policy has no data, which still makes a report.
    prometheus_.set_fallback(testing::StubResponse::json(
        200, R"({"status":"success","data":{"resultType":"vector","result":[]}})"));
    hook_.set_fallback(testing::StubResponse::text(200, "accepted"));
    write_config();
  }

  void start_smtp_server() {
    smtp_port_ = notify::testing::free_loopback_port();
    ASSERT_NE(smtp_port_, 0);
    auto spawned = ChildProcess::spawn(
        {kPython, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(smtp_port_), "-c",
         "aiosmtpd.handlers.Mailbox", maildir().string()},
        dir_.path() / "smtpd.stdout", dir_.path() / "smtpd.stderr", dir_.path());
    ASSERT_TRUE(spawned) << spawned.error().message;
    smtp_server_ = std::move(*spawned);
    ASSERT_TRUE(notify::testing::wait_until_ready(
        *smtp_server_, [this] { return notify::testing::accepts_connections(smtp_port_); }))
        << "aiosmtpd did not start: " << smtp_server_->stderr_text();
  }

  void write_config() {
    dir_.write("viewer.token", std::string(kViewerToken) + "\n");
    std::ostringstream inventory;
    inventory << "organizations:\n"
              << "  - id: " << kOrg << "\n"
              << "    name: Northwind\n"
              << "    sites: [{id: " << kSite << ", name: Hamburg}]\n";
    dir_.write("inventory/northwind.yml", inventory.str());
    std::ostringstream rules;
    rules << "policies:\n"
          << "  - id: " << kPolicy << "\n"
          << "    org: " << kOrg << "\n"
          << "    name: Northwind uptime\n"
          << "    scope: site\n"
          << "    scope_id: " << kSite << "\n"
          << "    thresholds: {uptime_percent_min: 99.5}\n";
    dir_.write("rules/northwind.yml", rules.str());
    std::ostringstream main;
    main << "global:\n"
         << "  evaluation_interval: 1h\n"
         << "  storage_path: slamon.db\n"
         << "  reports_dir: reports\n"
         << "  external_url: " << kExternalUrl << "\n"
         << "rule_files: [\"rules/*.yml\"]\n"
         << "inventory_files: [\"inventory/*.yml\"]\n"
         << "sources:\n"
         << "  - {name: prom, type: prometheus, url: \"" << prometheus_.url() << "\"}\n"
         << "measurements:\n"
         << "  - metric: uptime_percent\n"
         << "    scopes: [site]\n"
         << "    source: prom\n"
         << "    query: 'avg by (site_id) (avg_over_time(site_uptime_percent[{{window}}]))'\n"
         << "    scope_label: site_id\n"
         << "auth:\n"
         << "  tokens:\n"
         << "    - {name: reader, token_file: viewer.token, org: " << kOrg << ", role: viewer}\n"
         << "notifiers:\n"
         << "  - {name: hook, type: webhook, url: \"" << hook_.url() << "/hook\", timeout: 5s}\n"
         << "  - name: mail\n"
         << "    type: smtp\n"
         << "    smarthost: 127.0.0.1:" << smtp_port_ << "\n"
         << "    from: sla@example.net\n"
         << "    to: [noc@example.net]\n"
         << "    require_tls: false\n"
         << "    hello: slamon.test\n"
         << "    timeout: 30s\n"
         << "report_schedules:\n"
         << "  - id: " << kSchedule << "\n"
         << "    org: " << kOrg << "\n"
         << "    name: " << kScheduleName << "\n"
         << "    cron: \"0 6 1 * *\"\n"
         << "    timezone: Europe/Berlin\n"
         << "    period: previous_month\n"
         << "    format: pdf\n"
         << "    policy_ids: [" << kPolicy << "]\n"
         << "    notifiers: [mail, hook]\n";
    config_ = dir_.write("slamon.yml", main.str());
  }

  fs::path maildir() const { return dir_.path() / "maildir"; }
  fs::path database() const { return dir_.path() / "slamon.db"; }

  std::unique_ptr<SlamonDaemon> start_daemon(const std::string& name) {
    auto started = SlamonDaemon::start(config_, dir_.path(), name);
    EXPECT_TRUE(started) << started.error().message;
    return started ? std::move(*started) : nullptr;
  }

  // Waits until the scheduler's first pass has begun (it reports the schedule on /metrics
  // then); stopping slamon waits for that pass to end, so the database then shows what it did.
  static void wait_for_scheduler_pass(SlamonDaemon& daemon) {
    const auto seen = daemon.wait_for_metrics("the schedule on /metrics", [](const auto& metrics) {
      return metrics.value("slamon_report_schedule_failures_total", {{"schedule", kSchedule}})
          .has_value();
    });
    ASSERT_TRUE(seen) << seen.error().message;
  }

  // Waits until this process delivered `hook` and `mail` notifications and none is pending.
  static void wait_for_deliveries(SlamonDaemon& daemon, double hook, double mail) {
    const auto done = daemon.wait_for_metrics("the deliveries", [&](const MetricsText& metrics) {
      const auto delivered = [&](const char* notifier) {
        return metrics
            .value("slamon_notifications_total", {{"notifier", notifier}, {"result", "delivered"}})
            .value_or(0);
      };
      return delivered("hook") == hook && delivered("mail") == mail &&
             metrics.value("slamon_outbox_pending") == 0;
    });
    ASSERT_TRUE(done) << done.error().message;
  }

  static void stop(std::unique_ptr<SlamonDaemon>& daemon) {
    const auto stopped = daemon->stop();
    ASSERT_TRUE(stopped) << stopped.error().message;
    EXPECT_TRUE(stopped->succeeded()) << stopped->describe() << "\n" << daemon->log();
    daemon.reset();
  }

  std::vector<fs::path> mails() const {
    std::vector<fs::path> files;
    for (const char* folder : {"new", "cur"}) {
      if (!fs::exists(maildir() / folder)) continue;
      for (const auto& entry : fs::directory_iterator(maildir() / folder)) {
        files.push_back(entry.path());
      }
    }
    return files;
  }

  json parse_mail(const fs::path& file) const {
    const std::string script = dir_.write("parse_mail.py", std::string(kParseMail));
    const auto parsed = run_to_completion({kPython, script, file.string()}, dir_.path(), "parse");
    EXPECT_TRUE(parsed) << parsed.error().message;
    if (!parsed) return json();
    EXPECT_EQ(parsed->status.code(), 0) << parsed->err;
    return json::parse(parsed->out, nullptr, false);
  }

  // The first start counts the schedule as seen from now on and runs nothing; then the
  // first-seen time is set back as if slamon had been down over the last occurrences.
  void first_start_then_down_for_two_months() {
    const WallTime before = std::chrono::system_clock::now();
    auto first = start_daemon("slamon-1");
    ASSERT_TRUE(first);
    ASSERT_NO_FATAL_FAILURE(wait_for_scheduler_pass(*first));
    ASSERT_NO_FATAL_FAILURE(stop(first));
    const WallTime after = std::chrono::system_clock::now();

    const std::string since_sql = std::string(
                                      "SELECT since FROM report_schedule_state WHERE "
                                      "schedule_id = '") +
                                  kSchedule + "'";
    const std::string since = query_text(database(), since_sql);
    ASSERT_FALSE(since.empty()) << "the first start did not record when it first saw the schedule";
    EXPECT_GE(std::stoll(since), millis(before) - 1);
    EXPECT_LE(std::stoll(since), millis(after));
    EXPECT_EQ(count_rows(database(), "report_schedule_runs"), 0);
    EXPECT_EQ(count_rows(database(), "reports"), 0);
    EXPECT_TRUE(report_events(database()).empty());
    EXPECT_EQ(hook_.request_count(), 0u);
    EXPECT_TRUE(mails().empty());

    ASSERT_TRUE(
        execute(database(), "UPDATE report_schedule_state SET since = since - " +
                                std::to_string(std::chrono::milliseconds(kDownFor).count())));
  }

  // The one mail: no MIME defect, the PDF attached under its generated name with the bytes
  // of `sha256`, the download link in the text.
  void expect_report_mail(const json& event, const std::string& first_day) const {
    const auto files = mails();
    ASSERT_EQ(files.size(), 1u);
    const json mail = parse_mail(files.front());
    ASSERT_TRUE(mail.is_object());
    EXPECT_EQ(mail["defects"], json::array());
    EXPECT_EQ(mail["content_type"], "multipart/mixed");
    EXPECT_EQ(mail["rcpt_to"], "noc@example.net");
    EXPECT_NE(mail["subject"].get<std::string>().find(kScheduleName), std::string::npos)
        << mail["subject"];
    ASSERT_EQ(mail["attachments"].size(), 1u) << mail.dump(2);
    const json& attachment = mail["attachments"][0];
    EXPECT_EQ(attachment["type"], "application/pdf");
    EXPECT_EQ(attachment["name"], "sla-report-monthly-northwind-" + first_day + ".pdf");
    EXPECT_EQ(attachment["head"], "%PDF-");
    EXPECT_EQ(attachment["sha256"], event["report"]["sha256"]);
    const std::string link = event["report"]["download_url"];
    EXPECT_NE(mail["text"].get<std::string>().find(link), std::string::npos) << mail["text"];
  }

  testing::TempDir dir_;
  testing::HttpStub prometheus_;
  testing::HttpStub hook_;
  std::unique_ptr<ChildProcess> smtp_server_;
  int smtp_port_ = 0;
  fs::path config_;
};

TEST_F(ReportScheduleEndToEnd, AMissedOccurrenceRunsOnceAtStartAndIsDeliveredOnce) {
  ASSERT_NO_FATAL_FAILURE(first_start_then_down_for_two_months());
  const MonthlyRun expected = latest_monthly_run(std::chrono::system_clock::now());

  auto second = start_daemon("slamon-2");
  ASSERT_TRUE(second);
  ASSERT_NO_FATAL_FAILURE(wait_for_deliveries(*second, 1, 1));
  const auto metrics = second->scrape();
  ASSERT_TRUE(metrics) << metrics.error().message;
  EXPECT_TRUE(metrics->value("slamon_report_schedule_last_run_timestamp_seconds",
                             {{"schedule", kSchedule}}));
  EXPECT_EQ(metrics->value("slamon_report_schedule_failures_total", {{"schedule", kSchedule}}), 0);

  // Exactly one run, for the latest occurrence only, and one report event.
  EXPECT_EQ(count_rows(database(), "report_schedule_runs"), 1);
  EXPECT_EQ(query_text(database(), "SELECT due_at FROM report_schedule_runs"),
            std::to_string(millis(expected.due)));
  const auto events = report_events(database());
  ASSERT_EQ(events.size(), 1u);
  const json event = json::parse(events.front().payload);

  // The webhook got the stored event as it is.
  const auto requests = hook_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/hook");
  EXPECT_EQ(requests[0].header("webhook-id"), events.front().id);
  EXPECT_EQ(json::parse(requests[0].body, nullptr, false), event);
  EXPECT_EQ(event["type"], "sla.report.ready");
  EXPECT_EQ(event["priority"], "LOW");
  EXPECT_EQ(event["org_id"], kOrg);
  EXPECT_TRUE(event["breach"].is_null());
  const json& report = event["report"];
  const std::string report_id = report["id"];
  EXPECT_EQ(report["title"], kScheduleName);
  EXPECT_EQ(report["format"], "pdf");
  EXPECT_EQ(report["timezone"], "Europe/Berlin");
  EXPECT_EQ(report["period_start"], format_rfc3339(expected.period_start));
  EXPECT_EQ(report["period_end"], format_rfc3339(expected.period_end));
  EXPECT_EQ(report["file_name"], report_id + ".pdf");
  EXPECT_EQ(report["download_url"],
            std::string(kExternalUrl) + "/api/v1/sla/reports/" + report_id + "/download");
  EXPECT_EQ(event["schedule"], json({{"id", kSchedule},
                                     {"name", kScheduleName},
                                     {"due_at", format_rfc3339(expected.due)},
                                     {"notifiers", {"mail", "hook"}}}));

  ASSERT_NO_FATAL_FAILURE(expect_report_mail(event, expected.first_day));

  // The API serves the very bytes the event and the mail name.
  api::testing::ApiClient api(second->port());
  const auto listed = api.get("/api/v1/sla/reports", kViewerToken);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json()["items"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.json()["items"][0]["status"], "done");
  const auto download = api.get("/api/v1/sla/reports/" + report_id + "/download", kViewerToken);
  ASSERT_EQ(download.status, 200) << download.body;
  EXPECT_EQ(download.header("content-type"), "application/pdf");
  EXPECT_TRUE(download.body.starts_with("%PDF-"));
  EXPECT_EQ(static_cast<long long>(download.body.size()), report["size"].get<long long>());
  EXPECT_EQ(sha256_hex(download.body), report["sha256"]);
  ASSERT_NO_FATAL_FAILURE(stop(second));

  // A restart: the occurrence has run; nothing is run, rendered or sent again.
  auto third = start_daemon("slamon-3");
  ASSERT_TRUE(third);
  ASSERT_NO_FATAL_FAILURE(wait_for_scheduler_pass(*third));
  ASSERT_NO_FATAL_FAILURE(wait_for_deliveries(*third, 0, 0));
  ASSERT_NO_FATAL_FAILURE(stop(third));
  EXPECT_EQ(count_rows(database(), "report_schedule_runs"), 1);
  EXPECT_EQ(count_rows(database(), "reports"), 1);
  EXPECT_EQ(report_events(database()).size(), 1u);
  EXPECT_EQ(hook_.request_count(), 1u);
  EXPECT_EQ(mails().size(), 1u);
}

TEST_F(ReportScheduleEndToEnd, ARunRecordedBeforeAStopIsRenderedAfterTheRestartAndSentOnce) {
  ASSERT_NO_FATAL_FAILURE(first_start_then_down_for_two_months());
  const MonthlyRun expected = latest_monthly_run(std::chrono::system_clock::now());

  // slamon stopped right after the scheduler recorded the run and queued its report, in one
  // transaction as record_report_schedule_run writes them, before the worker rendered it.
  const std::string report_id = "0d15a5e0-7b1c-4d2e-9f30-5a6b7c8d9e01";
  const long long recorded_at = millis(std::chrono::system_clock::now());
  std::ostringstream sql;
  sql << "BEGIN;\n"
      << "INSERT INTO report_schedule_runs (schedule_id, due_at, org, schedule_name, report_id, "
      << "notifiers, timezone, recorded_at) VALUES ('" << kSchedule << "', " << millis(expected.due)
      << ", '" << kOrg << "', '" << kScheduleName << "', '" << report_id
      << "', '[\"mail\",\"hook\"]', 'Europe/Berlin', " << recorded_at << ");\n"
      << "INSERT INTO reports (id, org, title, period_start, period_end, format, policy_ids, "
      << "status, created_at, created_by) VALUES ('" << report_id << "', '" << kOrg << "', '"
      << kScheduleName << "', " << millis(expected.period_start) << ", "
      << millis(expected.period_end) << ", 'pdf', '[\"" << kPolicy << "\"]', 'pending', "
      << recorded_at << ", 'schedule:" << kSchedule << "');\n"
      << "COMMIT;\n";
  ASSERT_TRUE(execute(database(), sql.str()));

  // The restart renders the report and mails it; the webhook refuses, and slamon stops again
  // with the webhook's notification pending.
  hook_.set_fallback(testing::StubResponse::text(503, "down for maintenance"));
  auto second = start_daemon("slamon-2");
  ASSERT_TRUE(second);
  const auto mailed = second->wait_for_metrics(
      "the mail and a refused webhook attempt", [this](const MetricsText& metrics) {
        return metrics.value("slamon_notifications_total",
                             {{"notifier", "mail"}, {"result", "delivered"}}) == 1 &&
               hook_.request_count() >= 1;
      });
  ASSERT_TRUE(mailed) << mailed.error().message;
  ASSERT_NO_FATAL_FAILURE(stop(second));
  EXPECT_EQ(count_rows(database(), "report_schedule_runs"), 1);
  EXPECT_EQ(query_text(database(), "SELECT id || ' ' || status FROM reports"), report_id + " done");
  const auto events = report_events(database());
  ASSERT_EQ(events.size(), 1u);
  const json event = json::parse(events.front().payload);
  EXPECT_EQ(event["report"]["id"], report_id);
  EXPECT_EQ(event["schedule"]["due_at"], format_rfc3339(expected.due));
  ASSERT_NO_FATAL_FAILURE(expect_report_mail(event, expected.first_day));

  // The webhook is back: the pending notification goes out once, nothing else does.
  const std::size_t refused = hook_.request_count();
  hook_.set_fallback(testing::StubResponse::text(200, "accepted"));
  auto third = start_daemon("slamon-3");
  ASSERT_TRUE(third);
  ASSERT_NO_FATAL_FAILURE(wait_for_scheduler_pass(*third));
  ASSERT_NO_FATAL_FAILURE(wait_for_deliveries(*third, 1, 0));
  ASSERT_NO_FATAL_FAILURE(stop(third));

  const auto requests = hook_.requests();
  EXPECT_EQ(requests.size(), refused + 1) << "one accepted delivery after the refused ones";
  for (const auto& request : requests) {
    EXPECT_EQ(request.header("webhook-id"), events.front().id);
    EXPECT_EQ(json::parse(request.body, nullptr, false), event);
  }
  EXPECT_EQ(mails().size(), 1u);
  EXPECT_EQ(count_rows(database(), "report_schedule_runs"), 1);
  EXPECT_EQ(count_rows(database(), "reports"), 1);
  EXPECT_EQ(report_events(database()).size(), 1u);
}

}  // namespace
}  // namespace slamon::integration
