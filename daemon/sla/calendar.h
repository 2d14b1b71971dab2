// Calendar arithmetic in IANA time zones (SPEC §7.2): the SLA periods (day, week, month,
// quarter, year) that contain an instant, the periods overlapping a range, and the business
// hours of a `time_period` within a range, all DST-correct (tz database via date-tz).
// Pure functions; thread-safe (the tz database is loaded once, thread-safely).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

#include "common/result.h"
#include "model/model.h"
#include "sla/interval.h"

namespace date {
class time_zone;
}

namespace slamon::sla {

// A local wall-clock reading (no zone attached), at WallTime's precision.
using LocalTime = date::local_time<WallTime::duration>;

// A validated time zone. "UTC" and "" both mean UTC. Cheap to copy.
class TimeZone {
 public:
  static Result<TimeZone> find(std::string_view name);  // error: "unknown time zone 'X'"
  static TimeZone utc();
  const std::string& name() const { return name_; }
  // Local wall-clock fields of an instant (for tests and formatting).
  std::string format_local(WallTime t) const;  // "2026-03-29 03:00:00 CEST"

  const date::time_zone* zone() const { return zone_; }  // nullptr for UTC

  // Conversions between instants and local wall-clock time (used by the calendar and by
  // recurrences). Beyond 2037 the OS tz database as read by date-tz holds no further
  // transitions: the last offset in force then is used for all later instants.
  LocalTime to_local(WallTime t) const;
  // The instant the wall clock first shows `local`; for a local time skipped by a DST jump,
  // the first instant after the jump.
  WallTime first_instant_at(LocalTime local) const;
  // Every instant whose local time falls in [from, to): a repeated local time contributes
  // each of its occurrences, a skipped one none.
  IntervalSet instants_between(LocalTime from, LocalTime to) const;

 private:
  TimeZone(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  const date::time_zone* zone_ = nullptr;
};

// The zone a policy's SLA periods and business hours are read in (SPEC §7.2): its
// sla_period's (the config puts the site's zone there when none was written), else `fallback`
// (empty: UTC). The engine, the API, status pages and reports all read it here.
Result<TimeZone> zone_of(const Policy& policy, std::string_view fallback = {});

// The period of `kind` containing `t`, from local midnight of its first day to local midnight
// after its last day. Weeks start on Monday (ISO 8601); quarters in January, April, July and
// October. A local midnight that does not exist (a DST jump at 00:00) starts at the first
// instant after it.
Interval period_containing(PeriodKind kind, const TimeZone& zone, WallTime t);
// Every period of `kind` that overlaps [range.start, range.end), in order (clipped: no); none
// for an empty range. Periods are never empty: a local day skipped entirely (Pacific/Apia,
// 2011-12-30) has no period. Calendar functions work within 1900..2200 UTC: ranges are
// clipped to it (so open-ended ranges are safe), instants clamped.
std::vector<Interval> periods_overlapping(PeriodKind kind, const TimeZone& zone, Interval range);

// The instants of `range` that fall in `period`'s windows, in `zone`'s local time. A window is
// anchored to the local date it opens on: "22:00-06:00" on Monday runs to Tuesday 06:00. Local
// times skipped by a DST jump are not counted; repeated ones count once per occurrence (the
// wall clock really passes them twice). nullptr: the whole range counts.
IntervalSet counted_time(const TimePeriod* period, const TimeZone& zone, Interval range);

// Parses one `time_period` entry: days "mon-fri", "sat", "mon,wed,fri", "mon-fri,sun" and
// hours "09:00-18:00", "22:00-06:00" (spans midnight), "00:00-24:00" (whole day), several
// comma-separated ("08:00-12:00,13:00-17:00"). Adds the windows to `into`. Errors name the
// offending part: "unknown weekday 'mun'", "bad time '25:00' (expected HH:MM)",
// "empty window '09:00-09:00'".
// Also accepted: full day names ("monday"), any letter case, spaces around items, ranges that
// wrap the week ("fri-mon" = Fri, Sat, Sun, Mon), one-digit hours ("9:00"); "HH:MM-00:00"
// ends at midnight (stored as end 1440). Windows already present on a day are not added twice.
// On error `into` is left unchanged.
Status parse_time_period_entry(std::string_view days, std::string_view hours, TimePeriod& into);

}  // namespace slamon::sla
