#include "sla/recurrence.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <date/date.h>

#include "time_text.h"

namespace slamon::sla {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::utc;
using testing::zone;

std::vector<std::string> formatted(const std::vector<WallTime>& instants) {
  std::vector<std::string> out;
  for (WallTime t : instants) out.push_back(format_rfc3339(t));
  return out;
}

Recurrence parsed(const std::string& spec) {
  auto rule = Recurrence::parse(spec);
  EXPECT_TRUE(rule.has_value()) << spec << ": " << (rule ? "" : rule.error().message);
  return rule.value_or(Recurrence::parse("0 0 * * *").value());
}

TEST(RecurrenceTest, RejectsBadSpecs) {
  struct Case {
    const char* spec;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"", "empty recurrence"},
      {"61 * * * *", "cron: minute '61' out of range 0-59"},
      {"0 24 * * *", "cron: hour '24' out of range 0-23"},
      {"0 0 0 * *", "cron: day of month '0' out of range 1-31"},
      {"0 0 * 13 *", "cron: month '13' out of range 1-12"},
      {"0 0 * * 8", "cron: day of week '8' out of range 0-7"},
      {"0 0 * * funday", "cron: unknown day of week name 'funday'"},
      {"0 0 * foo *", "cron: unknown month name 'foo'"},
      {"0 2 * *", "cron: expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
      {"0 2 * * * *",
       "cron: expected 5 fields (minute hour day-of-month month day-of-week), got 6"},
      {"*/0 * * * *", "cron: bad step in minute '*/0'"},
      {"5-1 * * * *", "cron: reversed range in minute '5-1'"},
      {"x * * * *", "cron: unknown minute name 'x'"},
      {"1,,2 * * * *", "cron: empty list item in minute"},
      {"-1 * * * *", "cron: bad minute ''"},
      {"@reboot", "cron: unknown macro '@reboot'"},
      {"FREQ=HOURLY", "RRULE: unknown FREQ 'HOURLY' (expected DAILY, WEEKLY or MONTHLY)"},
      {"RRULE:BYDAY=SU", "RRULE: FREQ missing"},
      {"FREQ=WEEKLY;COUNT=3",
       "RRULE: unsupported part 'COUNT' (supported: FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYHOUR, "
       "BYMINUTE)"},
      {"FREQ=WEEKLY;BYDAY=XX", "RRULE: unknown BYDAY weekday 'XX'"},
      {"FREQ=WEEKLY;BYDAY=1SU", "RRULE: BYDAY with an ordinal needs FREQ=MONTHLY"},
      {"FREQ=MONTHLY;BYDAY=0SU", "RRULE: bad BYDAY ordinal '0SU' (expected -5..5, not 0)"},
      {"FREQ=MONTHLY", "RRULE: FREQ=MONTHLY needs BYMONTHDAY or BYDAY"},
      {"FREQ=DAILY;BYHOUR=24", "RRULE: BYHOUR '24' out of range 0-23"},
      {"FREQ=DAILY;BYMINUTE=60", "RRULE: BYMINUTE '60' out of range 0-59"},
      {"FREQ=DAILY;INTERVAL=0", "RRULE: bad INTERVAL '0' (expected 1-1000)"},
      {"FREQ=DAILY;FREQ=WEEKLY", "RRULE: FREQ given twice"},
      {"FREQ=MONTHLY;BYMONTHDAY=0", "RRULE: BYMONTHDAY '0' out of range -31..-1, 1..31"},
      {"FREQ=DAILY;BYHOUR", "RRULE: bad part 'BYHOUR'"},
  };
  for (const Case& c : cases) {
    const auto rule = Recurrence::parse(c.spec);
    ASSERT_FALSE(rule.has_value()) << c.spec;
    EXPECT_EQ(rule.error().message, c.message) << c.spec;
  }
}

TEST(RecurrenceTest, KeepsSpec) {
  EXPECT_EQ(parsed(" 0 2 * * sun ").spec(), "0 2 * * sun");
}

struct StartsCase {
  const char* spec;
  const char* zone;
  const char* from_utc;
  const char* to_utc;
  Duration duration;
  std::vector<std::string> expected;
};

TEST(RecurrenceTest, StartsOverlapping) {
  const std::vector<StartsCase> cases = {
      // Sundays 02:00 Berlin in March 2026: 02:00 does not exist on the 29th, so that
      // occurrence starts when the clock jumps (03:00 CEST = 01:00Z).
      {"0 2 * * sun",
       "Europe/Berlin",
       "2026-03-01 00:00",
       "2026-04-01 00:00",
       hours{2},
       {"2026-03-01T01:00:00Z", "2026-03-08T01:00:00Z", "2026-03-15T01:00:00Z",
        "2026-03-22T01:00:00Z", "2026-03-29T01:00:00Z"}},
      {"30 2 * * sun",
       "Europe/Berlin",
       "2026-03-28 00:00",
       "2026-03-30 00:00",
       hours{1},
       {"2026-03-29T01:00:00Z"}},
      // 02:30 repeats on 2026-10-25: one occurrence, at its first time (CEST).
      {"30 2 * * sun",
       "Europe/Berlin",
       "2026-10-24 00:00",
       "2026-10-26 00:00",
       hours{1},
       {"2026-10-25T00:30:00Z"}},
      // Both 02:00 and 02:30 fall in the gap: one occurrence at the end of it.
      {"0,30 2 * * sun",
       "Europe/Berlin",
       "2026-03-28 00:00",
       "2026-03-30 00:00",
       minutes{10},
       {"2026-03-29T01:00:00Z"}},
      {"0 2 * * 7",
       "America/New_York",
       "2026-03-07 00:00",
       "2026-03-16 00:00",
       hours{1},
       {"2026-03-08T07:00:00Z", "2026-03-15T06:00:00Z"}},
      // An occurrence that began before the range but runs into it is returned.
      {"0 2 * * sun",
       "Europe/Berlin",
       "2026-03-01 02:30",
       "2026-03-01 03:00",
       hours{2},
       {"2026-03-01T01:00:00Z"}},
      // ... and one that ended exactly at the range start is not.
      {"0 2 * * sun", "Europe/Berlin", "2026-03-01 03:00", "2026-03-02 00:00", hours{2}, {}},
      // A start exactly at the range end is outside.
      {"0 2 * * sun", "Europe/Berlin", "2026-02-28 00:00", "2026-03-01 01:00", hours{2}, {}},
      // Lists, ranges, steps, names.
      {"*/20 9-10 * * MON-fri",
       "UTC",
       "2026-03-06 00:00",
       "2026-03-09 09:30",
       minutes{5},
       {"2026-03-06T09:00:00Z", "2026-03-06T09:20:00Z", "2026-03-06T09:40:00Z",
        "2026-03-06T10:00:00Z", "2026-03-06T10:20:00Z", "2026-03-06T10:40:00Z",
        "2026-03-09T09:00:00Z", "2026-03-09T09:20:00Z"}},
      {"15 4 1 jan,Jul *",
       "UTC",
       "2026-01-01 00:00",
       "2027-12-31 00:00",
       minutes{5},
       {"2026-01-01T04:15:00Z", "2026-07-01T04:15:00Z", "2027-01-01T04:15:00Z",
        "2027-07-01T04:15:00Z"}},
      {"0 0 10-20/5 2 *",
       "UTC",
       "2028-01-01 00:00",
       "2028-03-01 00:00",
       minutes{5},
       {"2028-02-10T00:00:00Z", "2028-02-15T00:00:00Z", "2028-02-20T00:00:00Z"}},
      {"0 0 29 2 *",
       "UTC",
       "2026-01-01 00:00",
       "2029-01-01 00:00",
       minutes{5},
       {"2028-02-29T00:00:00Z"}},
      {"50/5 23 31 12 *",
       "UTC",
       "2026-12-31 00:00",
       "2027-01-01 00:00",
       minutes{1},
       {"2026-12-31T23:50:00Z", "2026-12-31T23:55:00Z"}},
      {"@weekly",
       "UTC",
       "2026-03-01 00:00",
       "2026-03-09 00:00",
       minutes{1},
       {"2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"}},
      // Vixie cron: both day fields restricted means either matches (the 13th or a Friday).
      {"0 0 13 * fri",
       "UTC",
       "2026-03-01 00:00",
       "2026-03-22 00:00",
       minutes{1},
       {"2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z"}},
      {"0 0 12 * fri",
       "UTC",
       "2026-03-01 00:00",
       "2026-03-22 00:00",
       minutes{1},
       {"2026-03-06T00:00:00Z", "2026-03-12T00:00:00Z", "2026-03-13T00:00:00Z",
        "2026-03-20T00:00:00Z"}},
      // ... but a day field starting with '*' is unrestricted, so both must match.
      {"0 0 */2 * fri",
       "UTC",
       "2026-03-01 00:00",
       "2026-04-01 00:00",
       minutes{1},
       {"2026-03-13T00:00:00Z", "2026-03-27T00:00:00Z"}},
      // RRULE: the same weekly maintenance as "0 2 * * sun".
      {"FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0",
       "Europe/Berlin",
       "2026-03-20 00:00",
       "2026-04-06 00:00",
       hours{2},
       {"2026-03-22T01:00:00Z", "2026-03-29T01:00:00Z", "2026-04-05T00:00:00Z"}},
      {"RRULE:freq=weekly;interval=2;byday=MO,WE;byhour=22;byminute=30",
       "UTC",
       "2026-01-01 00:00",
       "2026-01-26 00:00",
       hours{1},
       {"2026-01-05T22:30:00Z", "2026-01-07T22:30:00Z", "2026-01-19T22:30:00Z",
        "2026-01-21T22:30:00Z"}},
      // WEEKLY without BYDAY: Mondays (the anchor's weekday), at 00:00.
      {"FREQ=WEEKLY",
       "UTC",
       "2026-01-01 00:00",
       "2026-01-13 00:00",
       hours{1},
       {"2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"}},
      // DAILY with INTERVAL counts from 1970-01-05 (2026-01-05 is day 20454, a multiple of 3).
      {"FREQ=DAILY;INTERVAL=3;BYHOUR=6,18",
       "UTC",
       "2026-01-05 00:00",
       "2026-01-09 00:00",
       hours{1},
       {"2026-01-05T06:00:00Z", "2026-01-05T18:00:00Z", "2026-01-08T06:00:00Z",
        "2026-01-08T18:00:00Z"}},
      {"FREQ=MONTHLY;BYDAY=1SU,-1SA;BYHOUR=3",
       "UTC",
       "2026-02-01 00:00",
       "2026-04-01 00:00",
       hours{1},
       {"2026-02-01T03:00:00Z", "2026-02-28T03:00:00Z", "2026-03-01T03:00:00Z",
        "2026-03-28T03:00:00Z"}},
      {"FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23",
       "UTC",
       "2028-01-15 00:00",
       "2028-04-01 00:00",
       hours{1},
       {"2028-01-31T23:00:00Z", "2028-02-29T23:00:00Z", "2028-03-31T23:00:00Z"}},
      {"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
       "UTC",
       "2026-01-01 00:00",
       "2027-01-01 00:00",
       hours{1},
       {"2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z",
        "2026-10-01T00:00:00Z"}},
      // Friday the 13th: RRULE filters combine with AND.
      {"FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
       "UTC",
       "2026-01-01 00:00",
       "2027-01-01 00:00",
       hours{1},
       {"2026-02-13T00:00:00Z", "2026-03-13T00:00:00Z", "2026-11-13T00:00:00Z"}},
  };
  for (const StartsCase& c : cases) {
    const Recurrence rule = parsed(c.spec);
    const auto starts =
        rule.starts_overlapping(zone(c.zone), c.duration, Interval{utc(c.from_utc), utc(c.to_utc)});
    EXPECT_EQ(formatted(starts), c.expected) << c.spec << " in " << c.zone;
  }
}

TEST(RecurrenceTest, OccurrencesAcrossDst) {
  const Recurrence rule = parsed("0 2 * * sun");
  const TimeZone berlin = zone("Europe/Berlin");
  // Spring forward: starts at 03:00 CEST and lasts two real hours.
  EXPECT_EQ(
      rule.occurrences(berlin, hours{2}, Interval{utc("2026-03-28 00:00"), utc("2026-03-30 00:00")})
          .intervals(),
      (std::vector<Interval>{{utc("2026-03-29 01:00"), utc("2026-03-29 03:00")}}));
  // Fall back: 02:00 CEST (first occurrence) for two real hours.
  EXPECT_EQ(
      rule.occurrences(berlin, hours{2}, Interval{utc("2026-10-24 00:00"), utc("2026-10-26 00:00")})
          .intervals(),
      (std::vector<Interval>{{utc("2026-10-25 00:00"), utc("2026-10-25 02:00")}}));
  // Clipped to the range.
  EXPECT_EQ(
      rule.occurrences(berlin, hours{2}, Interval{utc("2026-03-01 01:30"), utc("2026-03-01 02:30")})
          .intervals(),
      (std::vector<Interval>{{utc("2026-03-01 01:30"), utc("2026-03-01 02:30")}}));
  // Overlapping occurrences merge.
  const Recurrence hourly = parsed("0 * * * *");
  const Interval day{utc("2026-03-01 00:00"), utc("2026-03-02 00:00")};
  EXPECT_EQ(hourly.occurrences(TimeZone::utc(), minutes{90}, day), IntervalSet(day));
  EXPECT_TRUE(hourly.occurrences(TimeZone::utc(), Duration{0}, day).empty());
  EXPECT_TRUE(hourly.starts_overlapping(TimeZone::utc(), minutes{-5}, day).empty());
}

TEST(RecurrenceTest, RespectsLimitAndLongRanges) {
  const Recurrence every_minute = parsed("* * * * *");
  const Interval year{utc("2026-01-01 00:00"), utc("2027-02-05 00:00")};  // 400 days
  EXPECT_EQ(every_minute.starts_overlapping(TimeZone::utc(), minutes{1}, year, 1000).size(), 1000u);
  EXPECT_EQ(every_minute.starts_overlapping(TimeZone::utc(), minutes{1}, year).size(), 100000u);
  EXPECT_EQ(every_minute.starts_overlapping(TimeZone::utc(), minutes{1}, year, 1000000).size(),
            400u * 1440);
  // In Berlin the skipped local minutes of spring all start at the end of the gap (one
  // start), and the repeated ones of autumn start once: an hour of instants has no start.
  EXPECT_EQ(
      every_minute
          .starts_overlapping(zone("Europe/Berlin"), minutes{1},
                              Interval{utc("2026-01-01 00:00"), utc("2027-01-01 00:00")}, 1000000)
          .size(),
      365u * 1440 - 60);
  EXPECT_EQ(every_minute.occurrences(zone("Europe/Berlin"), minutes{1}, year).total(),
            std::chrono::duration_cast<Duration>(hours{400 * 24} - hours{1}));

  const Recurrence weekly = parsed("0 2 * * sun");
  const auto starts = weekly.starts_overlapping(zone("Europe/Berlin"), hours{2}, year);
  EXPECT_EQ(starts.size(), 57u);  // Sundays from 2026-01-04 to 2027-01-31
}

TEST(RecurrenceTest, OpenEndedRangesAreClippedNotOverflowed) {
  const Recurrence yearly = parsed("0 0 1 1 *");
  const Interval everything{WallTime::min(), WallTime::max()};
  EXPECT_EQ(yearly.starts_overlapping(TimeZone::utc(), hours{1}, everything).size(),
            300u);  // 1900..2199
  // Durations are capped at 50 years: the look-back reaches 1850, nothing overflows.
  EXPECT_EQ(yearly.starts_overlapping(TimeZone::utc(), Duration::max(), everything).size(), 350u);
  EXPECT_FALSE(yearly.occurrences(TimeZone::utc(), hours{1}, everything).empty());
}

}  // namespace
}  // namespace slamon::sla

namespace slamon::sla {
namespace {

using testing::local;
using testing::utc;
using testing::zone;

Recurrence cron(const std::string& spec) {
  auto parsed = Recurrence::parse(spec);
  EXPECT_TRUE(parsed) << spec;
  return *parsed;
}

TEST(RecurrenceStartsTest, NextStartFollowsTheLocalClockAcrossDst) {
  const TimeZone berlin = zone("Europe/Berlin");
  const Recurrence daily = cron("0 6 * * *");
  // 06:00 CET is 05:00 UTC; after the spring change 06:00 CEST is 04:00 UTC.
  EXPECT_EQ(daily.next_start(berlin, utc("2026-03-28 05:00")), utc("2026-03-29 04:00"));
  EXPECT_EQ(daily.next_start(berlin, utc("2026-10-24 05:00")), utc("2026-10-25 05:00"));
  // 02:30 does not exist on 2026-03-29 in Berlin: it runs at the first instant after the gap.
  EXPECT_EQ(cron("30 2 * * *").next_start(berlin, utc("2026-03-28 12:00")),
            local(berlin, "2026-03-29 03:00"));
  // 02:30 happens twice on 2026-10-25: it runs once, at the first.
  const Recurrence twice = cron("30 2 * * *");
  const WallTime first = *twice.next_start(berlin, utc("2026-10-24 12:00"));
  EXPECT_EQ(first, utc("2026-10-25 00:30"));
  EXPECT_EQ(twice.next_start(berlin, first), utc("2026-10-26 01:30"));
}

TEST(RecurrenceStartsTest, NextStartFindsRareAndNoOccurrences) {
  // 29 February: the next one is four years ahead at most, and 31 February never comes.
  EXPECT_EQ(cron("0 0 29 2 *").next_start(TimeZone::utc(), utc("2026-03-01 00:00")),
            utc("2028-02-29 00:00"));
  EXPECT_EQ(cron("0 0 31 2 *").next_start(TimeZone::utc(), utc("2026-03-01 00:00")), std::nullopt);
}

TEST(RecurrenceStartsTest, LastStartIsTheLatestInTheHalfOpenRange) {
  const TimeZone berlin = zone("Europe/Berlin");
  const Recurrence monthly = cron("0 6 1 * *");
  // (after, at_or_before]: an occurrence exactly at the end counts, one at `after` does not.
  EXPECT_EQ(monthly.last_start(berlin, utc("2026-10-01 00:00"), utc("2026-12-01 05:00")),
            utc("2026-12-01 05:00"));
  EXPECT_EQ(monthly.last_start(berlin, utc("2026-12-01 05:00"), utc("2026-12-20 00:00")),
            std::nullopt);
  EXPECT_EQ(monthly.last_start(berlin, utc("2026-01-01 00:00"), utc("2026-12-01 04:59")),
            utc("2026-11-01 05:00"));
  // An expression firing every minute over years looks back only as far as it must.
  EXPECT_EQ(cron("* * * * *")
                .last_start(TimeZone::utc(), utc("2020-01-01 00:00"), utc("2026-06-01 12:34")),
            utc("2026-06-01 12:34"));
  // A rare one over a long range is still found.
  EXPECT_EQ(cron("0 0 29 2 *")
                .last_start(TimeZone::utc(), utc("2019-01-01 00:00"), utc("2026-06-01 00:00")),
            utc("2024-02-29 00:00"));
}

}  // namespace
}  // namespace slamon::sla
