// Maintenance recurrences (SPEC §7.3): a cron expression ("0 2 * * sun", five fields: minute,
// hour, day of month, month, day of week; lists, ranges, steps and names) or an RRULE subset
// ("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0", FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, BYDAY,
// BYMONTHDAY, BYHOUR, BYMINUTE, anchored at local midnight of 1970-01-05 for INTERVAL), read in
// a time zone, each occurrence lasting a fixed duration. Values; thread-safe.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sla/calendar.h"
#include "sla/interval.h"

namespace slamon::sla {

class Recurrence {
 public:
  // Errors name the field: "cron: minute '61' out of range 0-59", "RRULE: unknown FREQ 'HOURLY'".
  // A spec starting "RRULE:" or containing "FREQ=" is an RRULE, anything else cron.
  // Cron: names are case-insensitive; day of week 0 and 7 are Sunday; "a/n" without a range
  // means a-max/n; macros @yearly @annually @monthly @weekly @daily @midnight @hourly. As in
  // Vixie cron, when day of month and day of week both are restricted (neither field starts
  // with '*') a day matches either; otherwise both must match.
  // RRULE (case-insensitive, RFC 5545 names): all BY* parts filter (AND). Without BYHOUR /
  // BYMINUTE occurrences start at 00 (DTSTART is the anchor's midnight). WEEKLY without BYDAY
  // means Mondays (the anchor's weekday); MONTHLY needs BYMONTHDAY or BYDAY. BYDAY takes
  // ordinals with MONTHLY only ("1SU" first Sunday, "-1SA" last Saturday); BYMONTHDAY takes
  // -31..-1 from the month's end. INTERVAL counts days / ISO weeks / months from the anchor.
  // COUNT, UNTIL, DTSTART, BYSETPOS, BYMONTH, WKST, ... are refused.
  static Result<Recurrence> parse(std::string_view spec);

  // Occurrences last `duration` of real time (a 2 h window starting at 03:00 CEST after a
  // spring-forward jump ends at 05:00 CEST). duration <= 0: no occurrences; durations are
  // capped at 50 years. Expansion works within 1900..2200 UTC (ranges are clipped to it).
  //
  // Local start times of occurrences whose [start, start + duration) overlaps `range`, as
  // instants, in order, at most `limit`. A local start time skipped by a DST jump starts at
  // the first instant after the jump; a repeated one starts once, at its first occurrence.
  std::vector<WallTime> starts_overlapping(const TimeZone& zone, Duration duration, Interval range,
                                           std::size_t limit = 100000) const;
  // The union of the occurrences overlapping `range`, clipped to it.
  IntervalSet occurrences(const TimeZone& zone, Duration duration, Interval range) const;

  // Occurrence starts as instants (the report scheduler's use; duration plays no part). The
  // first start after `after`, looking at most 30 years ahead; nullopt when there is none.
  std::optional<WallTime> next_start(const TimeZone& zone, WallTime after) const;
  // The last start in (after, at_or_before]; nullopt when there is none.
  std::optional<WallTime> last_start(const TimeZone& zone, WallTime after,
                                     WallTime at_or_before) const;

  const std::string& spec() const { return spec_; }

 private:
  enum class Syntax { cron, rrule };
  enum class Frequency { daily, weekly, monthly };
  // An RRULE BYDAY entry: `ordinal` 0 is every such weekday, n > 0 the n-th of the month,
  // n < 0 the n-th from the end (MONTHLY only).
  struct OrdinalWeekday {
    int weekday = 0;  // 0 = Sunday
    int ordinal = 0;
  };

  Recurrence() = default;
  static Result<Recurrence> parse_cron(std::string_view spec);
  static Result<Recurrence> parse_rrule(std::string_view spec);
  bool matches_day(date::local_days day) const;
  // Calls visit(start) for each occurrence start in (after, before), in order, until it
  // returns false.
  template <typename Visit>
  void for_each_start(const TimeZone& zone, WallTime after, WallTime before, Visit visit) const;

  std::string spec_;
  Syntax syntax_ = Syntax::cron;
  std::bitset<13> months_;               // 1..12
  std::bitset<32> month_days_;           // 1..31
  std::bitset<32> month_days_from_end_;  // RRULE BYMONTHDAY=-n: bit n (1 = last day)
  std::bitset<7> weekdays_;              // 0 = Sunday
  // Cron: a day-of-month or day-of-week field not starting with '*' (Vixie's rule for when
  // the two are OR-ed). RRULE: whether BYMONTHDAY / BYDAY was given.
  bool month_days_restricted_ = false;
  bool weekdays_restricted_ = false;
  Frequency frequency_ = Frequency::daily;
  int interval_ = 1;
  std::vector<OrdinalWeekday> ordinal_weekdays_;
  std::vector<int> minutes_of_day_;  // sorted start times, minutes after local midnight
};

}  // namespace slamon::sla
