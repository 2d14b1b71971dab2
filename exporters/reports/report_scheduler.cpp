#include "reports/report_scheduler.h"

#include <algorithm>
#include <iterator>

#include "common/log.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "sla/report_schedule.h"

namespace slamon::reports {

namespace {

// Schedules are looked at again at this pace even without a wake-up (a reload that added one,
// a lost wake-up); an occurrence is never run late by more than this.
constexpr auto kPollInterval = std::chrono::seconds(60);
// Who a scheduled report was created by, in the reports list.
constexpr std::string_view kCreatorPrefix = "schedule:";

}  // namespace

Result<std::vector<ReportSchedule>> load_report_schedules(const Config& config, Store& store) {
  std::vector<ReportSchedule> schedules = config.report_schedules;
  auto stored = store.report_schedules(std::nullopt);
  if (!stored) return std::unexpected(stored.error());
  std::move(stored->begin(), stored->end(), std::back_inserter(schedules));
  return schedules;
}

nlohmann::json report_ready_event(const StoredReport& report, const ReportScheduleRun& run,
                                  std::string_view external_url, const std::string& event_id,
                                  WallTime occurred_at) {
  using nlohmann::json;
  std::string base(external_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  const json download =
      base.empty() ? json(nullptr) : json(base + "/api/v1/sla/reports/" + report.id + "/download");
  return json{{"id", event_id},
              {"type", "sla.report.ready"},
              {"priority", "LOW"},
              {"occurred_at", format_rfc3339(occurred_at)},
              {"org_id", report.org},
              {"breach", nullptr},
              {"report",
               {{"id", report.id},
                {"title", report.title},
                {"format", report.format},
                {"period_start", format_rfc3339(report.period_start)},
                {"period_end", format_rfc3339(report.period_end)},
                {"timezone", run.timezone},
                {"size", report.size},
                {"sha256", report.sha256},
                {"file_name", report.file_name},
                {"download_url", download}}},
              {"schedule",
               {{"id", run.schedule_id},
                {"name", run.schedule_name},
                {"due_at", format_rfc3339(run.due_at)},
                {"notifiers", run.notifiers}}}};
}

ReportScheduler::ReportScheduler(std::function<ConfigPtr()> config, Store& store, Clock& clock,
                                 std::function<void()> report_queued)
    : config_(std::move(config)),
      store_(store),
      clock_(clock),
      report_queued_(std::move(report_queued)) {}

ReportScheduler::~ReportScheduler() {
  stop();
}

void ReportScheduler::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void ReportScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.raise();
  if (thread_.joinable()) thread_.join();
}

void ReportScheduler::wake() {
  wake_.raise();
}

void ReportScheduler::loop() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    const WallTime now = clock_.now();
    if (auto ran = run_due(now); !ran) {
      log::warn("report schedules: cannot run", {{"error", ran.error().message}});
    }
    WallTime deadline = now + kPollInterval;
    if (auto next = next_due(now); next && *next < deadline) deadline = *next;
    clock_.wait_until(deadline, wake_);
  }
}

Result<int> ReportScheduler::run_due(WallTime now) {
  std::lock_guard run(run_mutex_);
  const ConfigPtr config = config_();
  if (!config) return 0;
  auto schedules = load_report_schedules(*config, store_);
  if (!schedules) return std::unexpected(schedules.error());
  {
    std::lock_guard lock(mutex_);
    if (!loaded_) {
      auto runs = store_.latest_report_schedule_runs();
      if (!runs) return std::unexpected(runs.error());
      for (const ReportScheduleRun& last : *runs) {
        status_[last.schedule_id].schedule_id = last.schedule_id;
        status_[last.schedule_id].last_run = last.recorded_at;
      }
      loaded_ = true;
    }
    // Only the schedules in force are reported; a removed one's series ends.
    std::map<std::string, ScheduleStatus> current;
    for (const ReportSchedule& schedule : *schedules) {
      ScheduleStatus& status = current[schedule.id];
      if (auto known = status_.find(schedule.id); known != status_.end()) status = known->second;
      status.schedule_id = schedule.id;
    }
    status_ = std::move(current);
  }
  auto runs = store_.latest_report_schedule_runs();
  if (!runs) return std::unexpected(runs.error());
  std::map<std::string, WallTime> last_due;
  for (const ReportScheduleRun& last : *runs) last_due[last.schedule_id] = last.due_at;
  int ran = 0;
  for (const ReportSchedule& schedule : *schedules) {
    const auto last = last_due.find(schedule.id);
    const auto previous = last == last_due.end() ? std::nullopt : std::optional(last->second);
    if (auto done = run_schedule(schedule, previous, now, ran); !done) {
      log::warn("report schedule failed",
                {{"schedule", schedule.id}, {"error", done.error().message}});
      std::lock_guard lock(mutex_);
      ++status_[schedule.id].failures;
    }
  }
  return ran;
}

Status ReportScheduler::run_schedule(const ReportSchedule& schedule,
                                     std::optional<WallTime> last_due, WallTime now, int& ran) {
  auto since = store_.report_schedule_since(schedule.id, now);
  if (!since) return std::unexpected(since.error());
  auto due = sla::due_occurrence(schedule, *since, last_due, now);
  if (!due) return std::unexpected(due.error());
  if (!*due) return {};
  auto period = sla::scheduled_report_period(schedule, **due);
  if (!period) return std::unexpected(period.error());

  StoredReport report;
  report.id = uuid_v4();
  report.org = schedule.org;
  report.title = schedule.title.empty() ? schedule.name : schedule.title;
  report.period_start = period->start;
  report.period_end = period->end;
  report.format = schedule.format;
  report.policy_ids = schedule.policy_ids;
  report.created_at = now;
  report.created_by = std::string(kCreatorPrefix) + schedule.id;
  ReportScheduleRun run{schedule.id,       **due,     schedule.org,
                        schedule.name,     report.id, schedule.notifiers,
                        schedule.timezone, now};
  if (auto recorded = store_.record_report_schedule_run(run, report); !recorded) {
    // Another pass recorded this occurrence already: nothing to do.
    if (recorded.error().kind == WriteFailure::conflict) return {};
    return fail(recorded.error().message);
  }
  log::info("report schedule ran", {{"schedule", schedule.id},
                                    {"due_at", format_rfc3339(**due)},
                                    {"report", report.id},
                                    {"period_start", format_rfc3339(period->start)},
                                    {"period_end", format_rfc3339(period->end)}});
  {
    std::lock_guard lock(mutex_);
    status_[schedule.id].last_run = now;
  }
  ++ran;
  if (report_queued_) report_queued_();
  return {};
}

std::optional<WallTime> ReportScheduler::next_due(WallTime now) {
  const ConfigPtr config = config_();
  if (!config) return std::nullopt;
  auto schedules = load_report_schedules(*config, store_);
  if (!schedules) return std::nullopt;
  std::optional<WallTime> earliest;
  for (const ReportSchedule& schedule : *schedules) {
    auto next = sla::next_occurrence(schedule, now);
    if (next && *next && (!earliest || **next < *earliest)) earliest = **next;
  }
  return earliest;
}

std::vector<ScheduleStatus> ReportScheduler::status() const {
  std::lock_guard lock(mutex_);
  std::vector<ScheduleStatus> out;
  for (const auto& [id, status] : status_) out.push_back(status);
  return out;
}

}  // namespace slamon::reports
