// Report schedules (SPEC §10) over a real store on a temp file, driven with a fake clock: the
// period each run reports on (previous day / week / month / quarter / year in the schedule's
// zone, across DST changes and month and year ends), one run per occurrence however often the
// scheduler restarts, only the latest missed occurrence run at start, none before a schedule
// existed; the report worker rendering a scheduled report, writing its chart and committing
// one sla.report.ready event for the schedule's notifiers, also when slamon restarts between
// the run and the rendering; routing of that event; and retention by age and by size.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "model/maintenance_json.h"
#include "reports/report_jobs.h"
#include "reports/report_scheduler.h"
#include "routing/routing.h"
#include "sla/report_schedule.h"
#include "support/sample_policy.h"
#include "support/sla_store_fixture.h"

namespace slamon::reports {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

WallTime at(const char* rfc3339) {
  return *parse_rfc3339_time(rfc3339);
}

const std::string kOrg = "org-1";

ReportSchedule schedule(const std::string& cron, PeriodKind period,
                        const std::string& zone = "Europe/Berlin") {
  ReportSchedule s;
  s.id = "monthly";
  s.org = kOrg;
  s.name = "Monthly Northwind";
  s.cron = cron;
  s.timezone = zone;
  s.period = period;
  s.policy_ids = {"policy-1"};
  s.format = "pdf";
  s.title = "Northwind SLA";
  s.notifiers = {"mail", "ops-slack"};
  s.provisioned = true;
  return s;
}

sla::Interval period_of(const ReportSchedule& s, const char* due) {
  auto period = sla::scheduled_report_period(s, at(due));
  EXPECT_TRUE(period) << period.error().message;
  return period.value_or(sla::Interval{});
}

TEST(ScheduledReportPeriod, IsTheCalendarPeriodBeforeTheRunInTheSchedulesZone) {
  const auto month = schedule("0 6 1 * *", PeriodKind::month);
  // 1 Dec 06:00 Berlin (CET): November, midnight to midnight Berlin time.
  EXPECT_EQ(period_of(month, "2026-12-01T05:00:00Z"),
            (sla::Interval{at("2026-10-31T23:00:00Z"), at("2026-11-30T23:00:00Z")}));
  // 1 Nov: October, which changed from CEST to CET on the 25th (31 days and one hour).
  EXPECT_EQ(period_of(month, "2026-11-01T05:00:00Z"),
            (sla::Interval{at("2026-09-30T22:00:00Z"), at("2026-10-31T23:00:00Z")}));
  // 1 Jan: December of the year before.
  EXPECT_EQ(period_of(month, "2027-01-01T05:00:00Z"),
            (sla::Interval{at("2026-11-30T23:00:00Z"), at("2026-12-31T23:00:00Z")}));

  const auto day = schedule("0 6 * * *", PeriodKind::day);
  // The day the clocks went forward has 23 hours; the day they went back 25.
  EXPECT_EQ(period_of(day, "2026-03-30T04:00:00Z"),
            (sla::Interval{at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z")}));
  EXPECT_EQ(period_of(day, "2026-10-26T05:00:00Z"),
            (sla::Interval{at("2026-10-24T22:00:00Z"), at("2026-10-25T23:00:00Z")}));

  // ISO weeks start on Monday: a run on Monday 7 Dec reports Mon 30 Nov to Mon 7 Dec.
  EXPECT_EQ(period_of(schedule("0 7 * * mon", PeriodKind::week), "2026-12-07T06:00:00Z"),
            (sla::Interval{at("2026-11-29T23:00:00Z"), at("2026-12-06T23:00:00Z")}));
  EXPECT_EQ(period_of(schedule("0 6 1 1,4,7,10 *", PeriodKind::quarter), "2027-01-01T05:00:00Z"),
            (sla::Interval{at("2026-09-30T22:00:00Z"), at("2026-12-31T23:00:00Z")}));
  EXPECT_EQ(period_of(schedule("0 0 1 1 *", PeriodKind::year, "America/New_York"),
                      "2027-01-01T05:00:00Z"),
            (sla::Interval{at("2026-01-01T05:00:00Z"), at("2027-01-01T05:00:00Z")}));
}

TEST(DueOccurrence, IsTheLatestCronStartSinceTheLastRun) {
  const auto month = schedule("0 6 1 * *", PeriodKind::month);
  const WallTime since = at("2026-11-15T00:00:00Z");
  EXPECT_EQ(sla::due_occurrence(month, since, std::nullopt, at("2026-12-01T04:59:59Z")).value(),
            std::nullopt);
  EXPECT_EQ(sla::due_occurrence(month, since, std::nullopt, at("2026-12-01T05:00:00Z")).value(),
            at("2026-12-01T05:00:00Z"));
  EXPECT_EQ(
      sla::due_occurrence(month, since, at("2026-12-01T05:00:00Z"), at("2026-12-20T00:00:00Z"))
          .value(),
      std::nullopt);
  // Down from November to March: only March's run is due.
  EXPECT_EQ(
      sla::due_occurrence(month, since, at("2026-12-01T05:00:00Z"), at("2027-03-10T00:00:00Z"))
          .value(),
      at("2027-03-01T05:00:00Z"));
  // 1 April 06:00 is CEST (04:00 UTC).
  EXPECT_EQ(sla::next_occurrence(month, at("2027-03-01T05:00:00Z")).value(),
            at("2027-04-01T04:00:00Z"));
}

// A store, a config with one provisioned policy and schedule, the scheduler and the report
// worker on the fake clock.
class SchedulerTest : public slamon::testing::SlaStoreTest {
 protected:
  SchedulerTest() : SlaStoreTest(at("2026-11-20T10:00:00Z")) {}

  void SetUp() override {
    SlaStoreTest::SetUp();
    if (HasFatalFailure()) return;
    auto config = std::make_shared<Config>();
    Organization org;
    org.id = kOrg;
    org.name = "Northwind";
    config->inventory.organizations.push_back(org);
    config->inventory.index();
    config->policies.push_back(slamon::testing::site_policy(
        {.id = "policy-1",
         .org = kOrg,
         .thresholds = {{Metric::uptime_percent, 99.5}},
         .provisioned = true,
         .sla_period = SlaPeriod{PeriodKind::month, "Europe/Berlin"}}));
    config->report_schedules.push_back(schedule("0 6 1 * *", PeriodKind::month));
    config->global.external_url = "https://slamon.example.net/";
    config_ = config;
  }

  std::function<ConfigPtr()> config_source() {
    return [this] { return config_; };
  }
  std::unique_ptr<ReportScheduler> scheduler() {
    return std::make_unique<ReportScheduler>(config_source(), *store_, clock_,
                                             [this] { ++queued_; });
  }
  std::unique_ptr<ReportJobs> worker() {
    return std::make_unique<ReportJobs>(config_source(), *store_, history_.get(), clock_,
                                        ReportJobsOptions{dir_.path() / "reports"});
  }
  std::vector<StoredReport> reports() { return store_->reports(kOrg, -1, 0).value(); }
  std::vector<StoredEvent> ready_events() {
    std::vector<StoredEvent> out;
    auto pending = store_->pending_events(100);
    EXPECT_TRUE(pending);
    for (StoredEvent& event : pending.value()) {
      if (event.type == "sla.report.ready") out.push_back(std::move(event));
    }
    return out;
  }

  std::shared_ptr<Config> config_;
  int queued_ = 0;
};

TEST_F(SchedulerTest, RunsEachOccurrenceOnceAcrossRestarts) {
  auto first = scheduler();
  // Seen first on 20 November: the 1 November occurrence came before and never runs.
  EXPECT_EQ(first->run_due(clock_.now()).value(), 0);
  EXPECT_EQ(first->next_due(clock_.now()), at("2026-12-01T05:00:00Z"));
  clock_.set(at("2026-12-01T05:00:00Z"));
  EXPECT_EQ(first->run_due(clock_.now()).value(), 1);
  EXPECT_EQ(queued_, 1);
  EXPECT_EQ(first->run_due(clock_.now() + 1min).value(), 0);

  const auto queued = reports();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].status, "pending");
  EXPECT_EQ(queued[0].title, "Northwind SLA");
  EXPECT_EQ(queued[0].period_start, at("2026-10-31T23:00:00Z"));
  EXPECT_EQ(queued[0].period_end, at("2026-11-30T23:00:00Z"));
  EXPECT_EQ(queued[0].created_by, "schedule:monthly");
  const auto status = first->status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].last_run, at("2026-12-01T05:00:00Z"));

  // A restart an hour later runs nothing again.
  first.reset();
  clock_.set(at("2026-12-01T06:00:00Z"));
  auto restarted = scheduler();
  EXPECT_EQ(restarted->run_due(clock_.now()).value(), 0);
  EXPECT_EQ(reports().size(), 1u);
  EXPECT_EQ(restarted->status().at(0).last_run, at("2026-12-01T05:00:00Z"));
}

TEST_F(SchedulerTest, RunsOnlyTheLatestOccurrenceMissedWhileDown) {
  EXPECT_EQ(scheduler()->run_due(clock_.now()).value(), 0);
  // Down from 20 November to 10 March: December, January, February and March were missed.
  clock_.set(at("2027-03-10T08:00:00Z"));
  EXPECT_EQ(scheduler()->run_due(clock_.now()).value(), 1);
  const auto queued = reports();
  ASSERT_EQ(queued.size(), 1u);
  // February 2027 in Berlin.
  EXPECT_EQ(queued[0].period_start, at("2027-01-31T23:00:00Z"));
  EXPECT_EQ(queued[0].period_end, at("2027-02-28T23:00:00Z"));
}

TEST_F(SchedulerTest, RendersAndAnnouncesOnceWhenRestartedBetweenRunAndDelivery) {
  EXPECT_EQ(scheduler()->run_due(clock_.now()).value(), 0);
  clock_.set(at("2026-12-01T05:00:00Z"));
  ASSERT_EQ(scheduler()->run_due(clock_.now()).value(), 1);
  // slamon stops before the worker rendered the report: nothing is announced yet.
  EXPECT_TRUE(ready_events().empty());

  clock_.set(at("2026-12-01T05:02:00Z"));
  EXPECT_EQ(scheduler()->run_due(clock_.now()).value(), 0);  // the run is not made again
  auto worker_after_restart = worker();
  ASSERT_EQ(worker_after_restart->run_once().value(), 1);
  EXPECT_EQ(worker_after_restart->run_once().value(), 0);

  const auto done = reports();
  ASSERT_EQ(done.size(), 1u);
  ASSERT_EQ(done[0].status, "done") << done[0].error;
  const auto dir = dir_.path() / "reports";
  EXPECT_TRUE(std::filesystem::exists(dir / (done[0].id + ".pdf")));
  EXPECT_TRUE(std::filesystem::exists(dir / report_chart_file_name(done[0].id)));

  const auto events = ready_events();
  ASSERT_EQ(events.size(), 1u);
  const json event = json::parse(events[0].payload);
  EXPECT_EQ(event["type"], "sla.report.ready");
  EXPECT_EQ(event["priority"], "LOW");
  EXPECT_EQ(event["org_id"], kOrg);
  EXPECT_TRUE(event["breach"].is_null());
  EXPECT_EQ(event["report"]["id"], done[0].id);
  EXPECT_EQ(event["report"]["sha256"], done[0].sha256);
  EXPECT_EQ(event["report"]["size"], done[0].size);
  EXPECT_EQ(event["report"]["timezone"], "Europe/Berlin");
  EXPECT_EQ(event["report"]["download_url"],
            "https://slamon.example.net/api/v1/sla/reports/" + done[0].id + "/download");
  EXPECT_EQ(event["schedule"]["id"], "monthly");
  EXPECT_EQ(event["schedule"]["due_at"], "2026-12-01T05:00:00Z");
  EXPECT_EQ(event["schedule"]["notifiers"], json::array({"mail", "ops-slack"}));

  // The alert rules play no part: the event goes to the schedule's notifiers.
  const routing::EventRouter router({});
  EXPECT_EQ(router.notifiers_for(event), (std::vector<std::string>{"mail", "ops-slack"}));
}

// Issue 16: reports hold a tenant's breaches; the directory is 0750 and every file 0640 (the
// owner writes, the group may read, nobody else), whatever the umask.
TEST_F(SchedulerTest, TheReportsDirectoryAndFilesAreNotWorldReadableWhateverTheUmask) {
  EXPECT_EQ(scheduler()->run_due(clock_.now()).value(), 0);
  clock_.set(at("2026-12-01T05:00:00Z"));
  ASSERT_EQ(scheduler()->run_due(clock_.now()).value(), 1);
  const mode_t previous = ::umask(0);
  auto rendered = worker()->run_once();
  ::umask(previous);
  ASSERT_EQ(rendered.value(), 1);
  ASSERT_EQ(reports().at(0).status, "done") << reports().at(0).error;

  const auto mode_of = [](const std::filesystem::path& path) {
    struct stat status {};
    EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
    return static_cast<unsigned>(status.st_mode & 07777);
  };
  const auto dir = dir_.path() / "reports";
  EXPECT_EQ(mode_of(dir), 0750u);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(mode_of(entry.path()), 0640u) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 3);  // the PDF, the breaches CSV and the chart
}

TEST_F(SchedulerTest, AReportThatFailsIsCountedAgainstItsSchedule) {
  config_->policies.clear();  // the schedule names a policy that no longer exists
  EXPECT_EQ(scheduler()->run_due(clock_.now()).value(), 0);
  clock_.set(at("2026-12-01T05:00:00Z"));
  ASSERT_EQ(scheduler()->run_due(clock_.now()).value(), 1);
  auto jobs = worker();
  ASSERT_EQ(jobs->run_once().value(), 1);
  EXPECT_EQ(reports().at(0).status, "failed");
  EXPECT_EQ(jobs->stats().schedule_failures.at("monthly"), 1u);
  EXPECT_TRUE(ready_events().empty());
}

TEST_F(SchedulerTest, ABrokenScheduleDoesNotStopTheOthers) {
  ReportSchedule broken = schedule("0 6 1 * *", PeriodKind::month, "Mars/Olympus");
  broken.id = "broken";
  config_->report_schedules.insert(config_->report_schedules.begin(), broken);
  auto runner = scheduler();
  EXPECT_EQ(runner->run_due(clock_.now()).value(), 0);
  clock_.set(at("2026-12-01T05:00:00Z"));
  EXPECT_EQ(runner->run_due(clock_.now()).value(), 1);
  std::map<std::string, std::uint64_t> failures;
  for (const ScheduleStatus& s : runner->status()) failures[s.schedule_id] = s.failures;
  EXPECT_EQ(failures["broken"], 2u);
  EXPECT_EQ(failures["monthly"], 0u);
}

TEST_F(SchedulerTest, RetentionRemovesByAgeThenBySize) {
  auto jobs = worker();
  const auto queue = [&](const std::string& id, const std::string& format) {
    StoredReport report;
    report.id = id;
    report.org = kOrg;
    report.title = id;
    report.period_start = at("2026-11-01T00:00:00Z");
    report.period_end = at("2026-11-08T00:00:00Z");
    report.format = format;
    report.policy_ids = {"policy-1"};
    report.created_at = clock_.now();
    report.created_by = "test";
    ASSERT_TRUE(store_->insert_report(report));
    ASSERT_EQ(jobs->run_once().value(), 1);
    clock_.advance(1h);
  };
  queue("r-old", "pdf");
  queue("r-middle", "pdf");
  queue("r-new", "csv");
  EXPECT_EQ(jobs->remove_expired().value(), 0);
  // A limit below the three reports' files removes the oldest until the rest fit.
  const auto dir = dir_.path() / "reports";
  const auto size_of = [&](const std::string& id, const std::string& format) {
    return std::filesystem::file_size(dir / (id + "." + format)) +
           std::filesystem::file_size(dir / (id + "-breaches.csv"));
  };
  config_->reports.max_bytes = size_of("r-middle", "pdf") + size_of("r-new", "csv");
  EXPECT_EQ(jobs->remove_expired().value(), 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "r-old.pdf"));
  EXPECT_TRUE(std::filesystem::exists(dir / "r-middle.pdf"));
  // Then age: at 3 h the newest is 1 h old and the middle one 2 h: 90 minutes keeps the newest.
  config_->reports.retention = 90min;
  EXPECT_EQ(jobs->remove_expired().value(), 1);
  ASSERT_EQ(reports().size(), 1u);
  EXPECT_EQ(reports()[0].id, "r-new");
}

}  // namespace
}  // namespace slamon::reports
