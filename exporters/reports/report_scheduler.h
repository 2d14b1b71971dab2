// ReportScheduler: runs the report schedules of SPEC §10 (the config file's `report_schedules:`
// and the API's). At each cron occurrence, read in the schedule's IANA zone, it records a run
// and queues the report of the calendar period before it (previous day, week, month, quarter or
// year in that zone) in one transaction; the report worker renders it and, in the transaction
// that marks it done, puts an `sla.report.ready` event for the schedule's notifiers in the
// outbox. An occurrence runs at most once however often slamon restarts, and of the
// occurrences missed while slamon was down only the latest runs, once, at start. Occurrences
// before a schedule was first seen (created, or first read from the config file) never run.
//
// Thread-safe: run_due() serializes on a mutex, so the thread and a test driving the scheduler
// with a fake clock never record the same run twice (the store would refuse it anyway).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "store/store.h"

namespace slamon::reports {

// The schedules in force: the config's, then the store's (API) ones of any org.
Result<std::vector<ReportSchedule>> load_report_schedules(const Config& config, Store& store);

// The sla.report.ready event of a finished scheduled report (docs/notifications.md): the
// report, its download link under `external_url` (null without one), and the run's schedule
// and notifiers.
nlohmann::json report_ready_event(const StoredReport& report, const ReportScheduleRun& run,
                                  std::string_view external_url, const std::string& event_id,
                                  WallTime occurred_at);

// What the scheduler knows of one schedule, for /metrics.
struct ScheduleStatus {
  std::string schedule_id;
  std::optional<WallTime> last_run;  // recorded_at of its latest run
  std::uint64_t failures = 0;        // runs that could not be recorded, since start
};

class ReportScheduler {
 public:
  // `report_queued` is called after a run queued its report (the daemon wakes the report
  // worker). `store` and `clock` must outlive the scheduler.
  ReportScheduler(std::function<ConfigPtr()> config, Store& store, Clock& clock,
                  std::function<void()> report_queued);
  ~ReportScheduler();
  ReportScheduler(const ReportScheduler&) = delete;
  ReportScheduler& operator=(const ReportScheduler&) = delete;

  // Starts the thread, which first runs what was missed while slamon was down, then sleeps on
  // the clock until the next occurrence (or a wake()).
  void start();
  void stop();
  // The schedules changed (the API wrote one, the config was reloaded).
  void wake();

  // Records and queues the run of every schedule with an occurrence due at `now`; returns how
  // many ran. A schedule that fails is logged and counted; the others still run.
  Result<int> run_due(WallTime now);
  // The earliest next occurrence of any schedule after `now`; nullopt when there is none.
  std::optional<WallTime> next_due(WallTime now);

  std::vector<ScheduleStatus> status() const;

 private:
  void loop();
  // `last_due`: the occurrence of the schedule's latest run, if it ever ran.
  Status run_schedule(const ReportSchedule& schedule, std::optional<WallTime> last_due,
                      WallTime now, int& ran);

  std::function<ConfigPtr()> config_;
  Store& store_;
  Clock& clock_;
  std::function<void()> report_queued_;
  std::mutex run_mutex_;
  mutable std::mutex mutex_;  // guards everything below
  bool loaded_ = false;       // last_runs_ read from the store
  std::map<std::string, ScheduleStatus> status_;
  bool stopping_ = false;
  WakeSignal wake_;
  std::thread thread_;
};

}  // namespace slamon::reports
