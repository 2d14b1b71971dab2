// When a report schedule (SPEC §10) runs and what period each run reports on: its 5-field cron
// read in its IANA zone (DST-correct, as maintenance recurrences), and the calendar period of
// its kind before the one holding the run. Shared by the scheduler (reports/) and the API's
// next_run_at. Pure functions; thread-safe.
#pragma once

#include <optional>

#include "common/result.h"
#include "model/model.h"
#include "sla/interval.h"

namespace slamon::sla {

// The period a run due at `due` reports on: the calendar period of schedule.period before the
// one holding `due`, in the schedule's zone.
Result<Interval> scheduled_report_period(const ReportSchedule& schedule, WallTime due);

// The occurrence a schedule should run at `now`: its latest cron start in
// (max(since, last_due), now]; nullopt when nothing is due. Of several occurrences missed
// while slamon was down only the latest runs.
Result<std::optional<WallTime>> due_occurrence(const ReportSchedule& schedule, WallTime since,
                                               std::optional<WallTime> last_due, WallTime now);

// The schedule's first occurrence after `after`; nullopt when its cron never fires again.
Result<std::optional<WallTime>> next_occurrence(const ReportSchedule& schedule, WallTime after);

}  // namespace slamon::sla
