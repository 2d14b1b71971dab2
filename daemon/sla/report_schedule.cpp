#include "sla/report_schedule.h"

#include <algorithm>

#include "sla/calendar.h"
#include "sla/recurrence.h"

namespace slamon::sla {

namespace {

struct ParsedSchedule {
  Recurrence cron;
  TimeZone zone;
};

Result<ParsedSchedule> parse(const ReportSchedule& schedule) {
  auto cron = Recurrence::parse(schedule.cron);
  if (!cron) return fail("schedule '" + schedule.id + "': " + cron.error().message);
  auto zone = TimeZone::find(schedule.timezone);
  if (!zone) return fail("schedule '" + schedule.id + "': " + zone.error().message);
  return ParsedSchedule{std::move(*cron), *zone};
}

}  // namespace

Result<Interval> scheduled_report_period(const ReportSchedule& schedule, WallTime due) {
  auto zone = TimeZone::find(schedule.timezone);
  if (!zone) return std::unexpected(zone.error());
  const Interval current = period_containing(schedule.period, *zone, due);
  return period_containing(schedule.period, *zone, current.start - std::chrono::milliseconds(1));
}

Result<std::optional<WallTime>> due_occurrence(const ReportSchedule& schedule, WallTime since,
                                               std::optional<WallTime> last_due, WallTime now) {
  auto parsed = parse(schedule);
  if (!parsed) return std::unexpected(parsed.error());
  const WallTime after = last_due ? std::max(since, *last_due) : since;
  return parsed->cron.last_start(parsed->zone, after, now);
}

Result<std::optional<WallTime>> next_occurrence(const ReportSchedule& schedule, WallTime after) {
  auto parsed = parse(schedule);
  if (!parsed) return std::unexpected(parsed.error());
  return parsed->cron.next_start(parsed->zone, after);
}

}  // namespace slamon::sla
