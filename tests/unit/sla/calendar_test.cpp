#include "sla/calendar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include <date/date.h>

#include "time_text.h"

namespace slamon::sla {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::local;
using testing::utc;
using testing::zone;

TimePeriod parse_period(std::vector<std::pair<std::string, std::string>> entries) {
  TimePeriod period;
  for (const auto& [days, hours_text] : entries) {
    auto status = parse_time_period_entry(days, hours_text, period);
    EXPECT_TRUE(status.has_value()) << days << " " << hours_text << ": " << status.error().message;
  }
  return period;
}

// --- time zones ---------------------------------------------------------------------------

TEST(TimeZoneTest, FindsZonesAndRejectsUnknown) {
  EXPECT_EQ(TimeZone::find("").value().name(), "UTC");
  EXPECT_EQ(TimeZone::find("UTC").value().zone(), nullptr);
  const auto berlin = TimeZone::find("Europe/Berlin");
  ASSERT_TRUE(berlin.has_value());
  EXPECT_EQ(berlin->name(), "Europe/Berlin");
  EXPECT_NE(berlin->zone(), nullptr);
  EXPECT_EQ(TimeZone::find("Europe/Berlin")->zone(), berlin->zone());  // cached, same zone

  const auto unknown = TimeZone::find("Mars/Olympus_Mons");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message, "unknown time zone 'Mars/Olympus_Mons'");
  EXPECT_FALSE(TimeZone::find("europe/berlin").has_value());  // IANA names are case-sensitive
  EXPECT_FALSE(TimeZone::find("../../etc/passwd").has_value());
}

TEST(TimeZoneTest, ConcurrentLookupsAgree) {
  const std::vector<std::string> names = {"Europe/Berlin", "America/New_York", "Asia/Tokyo",
                                          "Australia/Sydney", "Nope/Nowhere"};
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        const std::string& name = names[static_cast<std::size_t>(i) % names.size()];
        const auto found = TimeZone::find(name);
        if (found.has_value() == (name == "Nope/Nowhere")) ++mismatches;
        if (found && found->format_local(utc("2026-07-01 12:00")).empty()) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(TimeZoneTest, FormatsLocalTime) {
  const TimeZone berlin = zone("Europe/Berlin");
  EXPECT_EQ(berlin.format_local(utc("2026-03-29 01:00")), "2026-03-29 03:00:00 CEST");
  EXPECT_EQ(berlin.format_local(utc("2026-03-29 00:59")), "2026-03-29 01:59:00 CET");
  EXPECT_EQ(TimeZone::utc().format_local(utc("2026-03-29 01:00")), "2026-03-29 01:00:00 UTC");
}

TEST(TimeZoneTest, LocalTimesAcrossTransitions) {
  const TimeZone berlin = zone("Europe/Berlin");
  // Skipped 02:30 starts at the end of the gap; repeated 02:30 means its first occurrence.
  EXPECT_EQ(local(berlin, "2026-03-29 02:30"), utc("2026-03-29 01:00"));
  EXPECT_EQ(local(berlin, "2026-03-29 03:00"), utc("2026-03-29 01:00"));
  EXPECT_EQ(local(berlin, "2026-10-25 02:30"), utc("2026-10-25 00:30"));
  EXPECT_EQ(local(berlin, "2026-10-25 03:00"), utc("2026-10-25 02:00"));
  EXPECT_EQ(
      berlin
          .instants_between(LocalTime{date::local_days{date::year{2026} / 10 / 25} + hours{2}},
                            LocalTime{date::local_days{date::year{2026} / 10 / 25} + hours{3}})
          .total(),
      hours{2});
}

// --- periods ------------------------------------------------------------------------------

struct PeriodCase {
  const char* zone;
  PeriodKind kind;
  const char* instant_utc;
  const char* expected_start_utc;
  const char* expected_end_utc;
};

TEST(CalendarTest, PeriodContaining) {
  const std::vector<PeriodCase> cases = {
      // Days in UTC and on DST days: 23 h and 25 h.
      {"UTC", PeriodKind::day, "2026-03-29 12:00", "2026-03-29 00:00", "2026-03-30 00:00"},
      {"Europe/Berlin", PeriodKind::day, "2026-03-29 12:00", "2026-03-28 23:00",
       "2026-03-29 22:00"},
      {"Europe/Berlin", PeriodKind::day, "2026-10-25 12:00", "2026-10-24 22:00",
       "2026-10-25 23:00"},
      {"America/New_York", PeriodKind::day, "2026-03-08 12:00", "2026-03-08 05:00",
       "2026-03-09 04:00"},
      {"America/New_York", PeriodKind::day, "2026-11-01 12:00", "2026-11-01 04:00",
       "2026-11-02 05:00"},
      // Local midnight skipped (Havana springs forward at 00:00): the day starts after the gap.
      {"America/Havana", PeriodKind::day, "2025-03-09 12:00", "2025-03-09 05:00",
       "2025-03-10 04:00"},
      // Local midnight repeated (Havana falls back 01:00 -> 00:00): the first midnight.
      {"America/Havana", PeriodKind::day, "2025-11-02 12:00", "2025-11-02 04:00",
       "2025-11-03 05:00"},
      // Santiago repeats 23:00-24:00 on 2025-04-05: that day lasts 25 h, and 23:30 the
      // second time still belongs to it.
      {"America/Santiago", PeriodKind::day, "2025-04-05 12:00", "2025-04-05 03:00",
       "2025-04-06 04:00"},
      {"America/Santiago", PeriodKind::day, "2025-04-06 03:30", "2025-04-05 03:00",
       "2025-04-06 04:00"},
      // Santiago skips 00:00-01:00 on 2025-09-07.
      {"America/Santiago", PeriodKind::day, "2025-09-07 12:00", "2025-09-07 04:00",
       "2025-09-08 03:00"},
      {"America/Santiago", PeriodKind::month, "2025-09-07 12:00", "2025-09-01 04:00",
       "2025-10-01 03:00"},
      // Month edges: the last local minute of January and the first of February in Berlin.
      {"Europe/Berlin", PeriodKind::month, "2026-01-31 22:59", "2025-12-31 23:00",
       "2026-01-31 23:00"},
      {"Europe/Berlin", PeriodKind::month, "2026-01-31 23:00", "2026-01-31 23:00",
       "2026-02-28 23:00"},
      {"Europe/Berlin", PeriodKind::month, "2026-03-15 00:00", "2026-02-28 23:00",
       "2026-03-31 22:00"},
      {"UTC", PeriodKind::month, "2028-02-29 23:59", "2028-02-01 00:00", "2028-03-01 00:00"},
      {"UTC", PeriodKind::month, "2026-02-14 00:00", "2026-02-01 00:00", "2026-03-01 00:00"},
      {"America/New_York", PeriodKind::month, "2026-12-01 04:59", "2026-11-01 04:00",
       "2026-12-01 05:00"},
      // Quarters start in January, April, July, October.
      {"Europe/Berlin", PeriodKind::quarter, "2026-03-31 21:59", "2025-12-31 23:00",
       "2026-03-31 22:00"},
      {"Europe/Berlin", PeriodKind::quarter, "2026-03-31 22:00", "2026-03-31 22:00",
       "2026-06-30 22:00"},
      {"UTC", PeriodKind::quarter, "2026-08-15 00:00", "2026-07-01 00:00", "2026-10-01 00:00"},
      {"UTC", PeriodKind::quarter, "2026-12-31 23:59", "2026-10-01 00:00", "2027-01-01 00:00"},
      // Years.
      {"America/New_York", PeriodKind::year, "2027-01-01 04:59", "2026-01-01 05:00",
       "2027-01-01 05:00"},
      {"America/New_York", PeriodKind::year, "2027-01-01 05:00", "2027-01-01 05:00",
       "2028-01-01 05:00"},
      {"UTC", PeriodKind::year, "2028-06-01 00:00", "2028-01-01 00:00", "2029-01-01 00:00"},
      // ISO weeks across the year boundary: 2026-01-01 is a Thursday.
      {"UTC", PeriodKind::week, "2026-01-01 12:00", "2025-12-29 00:00", "2026-01-05 00:00"},
      {"UTC", PeriodKind::week, "2026-01-04 23:59", "2025-12-29 00:00", "2026-01-05 00:00"},
      {"UTC", PeriodKind::week, "2026-01-05 00:00", "2026-01-05 00:00", "2026-01-12 00:00"},
      {"UTC", PeriodKind::week, "2025-12-31 12:00", "2025-12-29 00:00", "2026-01-05 00:00"},
      // The week holding Berlin's spring-forward Sunday lasts 167 h.
      {"Europe/Berlin", PeriodKind::week, "2026-03-29 12:00", "2026-03-22 23:00",
       "2026-03-29 22:00"},
      {"Europe/Berlin", PeriodKind::week, "2026-03-29 22:00", "2026-03-29 22:00",
       "2026-04-05 22:00"},
  };
  for (const PeriodCase& c : cases) {
    const TimeZone z = zone(c.zone);
    const Interval period = period_containing(c.kind, z, utc(c.instant_utc));
    EXPECT_EQ(period, (Interval{utc(c.expected_start_utc), utc(c.expected_end_utc)}))
        << c.zone << " " << to_string(c.kind) << " at " << c.instant_utc << ": got "
        << format_rfc3339(period.start) << " - " << format_rfc3339(period.end);
  }
}

TEST(CalendarTest, PeriodLengths) {
  struct Case {
    const char* zone;
    PeriodKind kind;
    const char* instant_utc;
    std::chrono::hours length;
  };
  const std::vector<Case> cases = {
      {"Europe/Berlin", PeriodKind::day, "2026-03-29 12:00", hours{23}},
      {"Europe/Berlin", PeriodKind::day, "2026-10-25 12:00", hours{25}},
      {"America/New_York", PeriodKind::day, "2026-03-08 12:00", hours{23}},
      {"America/New_York", PeriodKind::day, "2026-11-01 12:00", hours{25}},
      {"Europe/Berlin", PeriodKind::month, "2026-03-10 12:00", hours{31 * 24 - 1}},
      {"Europe/Berlin", PeriodKind::month, "2026-10-10 12:00", hours{31 * 24 + 1}},
      {"Europe/Berlin", PeriodKind::month, "2028-02-10 12:00", hours{29 * 24}},
      {"Europe/Berlin", PeriodKind::month, "2026-02-10 12:00", hours{28 * 24}},
      {"Europe/Berlin", PeriodKind::year, "2026-06-01 00:00", hours{365 * 24}},
      {"UTC", PeriodKind::year, "2028-06-01 00:00", hours{366 * 24}},
      {"UTC", PeriodKind::quarter, "2028-02-01 00:00", hours{91 * 24}},
      {"UTC", PeriodKind::quarter, "2026-02-01 00:00", hours{90 * 24}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(period_containing(c.kind, zone(c.zone), utc(c.instant_utc)).length(), c.length)
        << c.zone << " " << to_string(c.kind) << " at " << c.instant_utc;
  }
}

TEST(CalendarTest, PeriodsOverlapping) {
  const TimeZone berlin = zone("Europe/Berlin");
  const auto months = periods_overlapping(
      PeriodKind::month, berlin, Interval{utc("2026-01-15 00:00"), utc("2026-04-15 00:00")});
  ASSERT_EQ(months.size(), 4u);
  EXPECT_EQ(months.front().start, utc("2025-12-31 23:00"));
  EXPECT_EQ(months.back(), (Interval{utc("2026-03-31 22:00"), utc("2026-04-30 22:00")}));
  for (std::size_t i = 1; i < months.size(); ++i) EXPECT_EQ(months[i - 1].end, months[i].start);

  // A range ending exactly at a period start does not touch that period.
  EXPECT_EQ(periods_overlapping(PeriodKind::month, berlin,
                                Interval{utc("2026-01-15 00:00"), utc("2026-01-31 23:00")})
                .size(),
            1u);
  EXPECT_TRUE(periods_overlapping(PeriodKind::day, berlin,
                                  Interval{utc("2026-01-15 00:00"), utc("2026-01-15 00:00")})
                  .empty());
  const auto quarters =
      periods_overlapping(PeriodKind::quarter, TimeZone::utc(),
                          Interval{utc("2026-01-01 00:00"), utc("2027-01-01 00:00")});
  EXPECT_EQ(quarters.size(), 4u);
  const auto weeks =
      periods_overlapping(PeriodKind::week, TimeZone::utc(),
                          Interval{utc("2025-12-31 00:00"), utc("2026-01-06 00:00")});
  ASSERT_EQ(weeks.size(), 2u);
  EXPECT_EQ(weeks[0].start, utc("2025-12-29 00:00"));
  const auto days = periods_overlapping(PeriodKind::day, berlin,
                                        Interval{utc("2026-03-01 00:00"), utc("2026-11-01 00:00")});
  EXPECT_EQ(days.size(), 246u);  // local 2026-03-01 01:00 to 2026-11-01 01:00
  for (std::size_t i = 1; i < days.size(); ++i) EXPECT_EQ(days[i - 1].end, days[i].start);
}

// --- business hours -----------------------------------------------------------------------

struct CountedCase {
  const char* name;
  const char* zone;
  std::vector<std::pair<std::string, std::string>> entries;
  bool range_is_local;
  const char* from;
  const char* to;
  Duration expected;
};

TEST(CalendarTest, CountedTime) {
  using M = std::chrono::minutes;
  const std::vector<CountedCase> cases = {
      {"office week UTC",
       "UTC",
       {{"mon-fri", "09:00-18:00"}},
       true,
       "2026-03-02 00:00",
       "2026-03-09 00:00",
       hours{45}},
      {"range clips window",
       "UTC",
       {{"mon-fri", "09:00-18:00"}},
       true,
       "2026-03-02 10:30",
       "2026-03-02 12:00",
       M{90}},
      {"two windows a day",
       "UTC",
       {{"mon", "08:00-12:00,13:00-17:00"}},
       true,
       "2026-03-02 00:00",
       "2026-03-03 00:00",
       hours{8}},
      {"overlapping windows merge",
       "UTC",
       {{"mon", "08:00-12:00,10:00-14:00"}},
       true,
       "2026-03-02 00:00",
       "2026-03-03 00:00",
       hours{6}},
      {"night shift week",
       "UTC",
       {{"mon-fri", "22:00-06:00"}},
       true,
       "2026-03-02 00:00",
       "2026-03-09 00:00",
       hours{40}},
      {"night shift: Sunday's window not selected",
       "UTC",
       {{"mon-fri", "22:00-06:00"}},
       true,
       "2026-03-02 00:00",
       "2026-03-02 06:00",
       hours{0}},
      {"night shift tail of Monday",
       "UTC",
       {{"mon-fri", "22:00-06:00"}},
       true,
       "2026-03-03 00:00",
       "2026-03-03 12:00",
       hours{6}},
      {"whole day",
       "UTC",
       {{"sat,sun", "00:00-24:00"}},
       true,
       "2026-03-02 00:00",
       "2026-03-16 00:00",
       hours{96}},
      // DST days in Berlin.
      {"Berlin spring Sunday whole day",
       "Europe/Berlin",
       {{"sun", "00:00-24:00"}},
       true,
       "2026-03-29 00:00",
       "2026-03-30 00:00",
       hours{23}},
      {"Berlin autumn Sunday whole day",
       "Europe/Berlin",
       {{"sun", "00:00-24:00"}},
       true,
       "2026-10-25 00:00",
       "2026-10-26 00:00",
       hours{25}},
      {"Berlin spring 01-04",
       "Europe/Berlin",
       {{"sun", "01:00-04:00"}},
       true,
       "2026-03-29 00:00",
       "2026-03-30 00:00",
       hours{2}},
      {"Berlin autumn 01-04",
       "Europe/Berlin",
       {{"sun", "01:00-04:00"}},
       true,
       "2026-10-25 00:00",
       "2026-10-26 00:00",
       hours{4}},
      {"Berlin skipped hour counts nothing",
       "Europe/Berlin",
       {{"sun", "02:00-03:00"}},
       true,
       "2026-03-29 00:00",
       "2026-03-30 00:00",
       hours{0}},
      {"Berlin repeated hour counts twice",
       "Europe/Berlin",
       {{"sun", "02:00-03:00"}},
       true,
       "2026-10-25 00:00",
       "2026-10-26 00:00",
       hours{2}},
      {"Berlin half of repeated hour",
       "Europe/Berlin",
       {{"sun", "02:30-04:00"}},
       true,
       "2026-10-25 00:00",
       "2026-10-26 00:00",
       hours{2}},
      {"Berlin office hours unaffected on DST Sunday",
       "Europe/Berlin",
       {{"sun", "09:00-18:00"}},
       true,
       "2026-03-29 00:00",
       "2026-03-30 00:00",
       hours{9}},
      {"Berlin DST week office hours",
       "Europe/Berlin",
       {{"mon-fri", "09:00-18:00"}},
       false,
       "2026-03-22 23:00",
       "2026-03-29 22:00",
       hours{45}},
      // DST days in New York (02:00 jumps to 03:00; 01:00-02:00 repeats).
      {"NY spring Sunday whole day",
       "America/New_York",
       {{"sun", "00:00-24:00"}},
       true,
       "2026-03-08 00:00",
       "2026-03-09 00:00",
       hours{23}},
      {"NY autumn Sunday whole day",
       "America/New_York",
       {{"sun", "00:00-24:00"}},
       true,
       "2026-11-01 00:00",
       "2026-11-02 00:00",
       hours{25}},
      {"NY repeated 01:00-02:00",
       "America/New_York",
       {{"sun", "01:00-02:00"}},
       true,
       "2026-11-01 00:00",
       "2026-11-02 00:00",
       hours{2}},
      {"NY skipped 02:00-03:00",
       "America/New_York",
       {{"sun", "02:00-03:00"}},
       true,
       "2026-03-08 00:00",
       "2026-03-09 00:00",
       hours{0}},
      // Night windows across a DST change: Saturday 22:00 to Sunday 06:00.
      {"Berlin night into spring-forward",
       "Europe/Berlin",
       {{"sat", "22:00-06:00"}},
       true,
       "2026-03-28 00:00",
       "2026-03-30 00:00",
       hours{7}},
      {"Berlin night into fall-back",
       "Europe/Berlin",
       {{"sat", "22:00-06:00"}},
       true,
       "2026-10-24 00:00",
       "2026-10-26 00:00",
       hours{9}},
      {"NY night into spring-forward",
       "America/New_York",
       {{"sat", "22:00-06:00"}},
       true,
       "2026-03-07 00:00",
       "2026-03-09 00:00",
       hours{7}},
      {"NY night into fall-back",
       "America/New_York",
       {{"sat", "22:00-06:00"}},
       true,
       "2026-10-31 00:00",
       "2026-11-02 00:00",
       hours{9}},
      // Night window across a month end (Saturday 2026-10-31): split between the months.
      {"Berlin night, October part",
       "Europe/Berlin",
       {{"sat", "22:00-06:00"}},
       true,
       "2026-10-31 00:00",
       "2026-11-01 00:00",
       hours{2}},
      {"Berlin night, November part",
       "Europe/Berlin",
       {{"sat", "22:00-06:00"}},
       true,
       "2026-11-01 00:00",
       "2026-11-02 00:00",
       hours{6}},
      // Night window across a month end *and* a DST change: Saturday 2026-10-31 in New York
      // runs into Sunday 2026-11-01, when 01:00-02:00 repeats.
      {"NY night month end + DST, October part",
       "America/New_York",
       {{"sat", "22:00-06:00"}},
       true,
       "2026-10-31 00:00",
       "2026-11-01 00:00",
       hours{2}},
      {"NY night month end + DST, November part",
       "America/New_York",
       {{"sat", "22:00-06:00"}},
       true,
       "2026-11-01 00:00",
       "2026-11-02 00:00",
       hours{7}},
      {"every day whole day, Berlin March",
       "Europe/Berlin",
       {{"mon-sun", "00:00-24:00"}},
       true,
       "2026-03-01 00:00",
       "2026-04-01 00:00",
       hours{31 * 24 - 1}},
  };
  for (const CountedCase& c : cases) {
    const TimeZone z = zone(c.zone);
    const TimePeriod period = parse_period(c.entries);
    const Interval range = c.range_is_local ? Interval{local(z, c.from), local(z, c.to)}
                                            : Interval{utc(c.from), utc(c.to)};
    const IntervalSet counted = counted_time(&period, z, range);
    EXPECT_EQ(std::chrono::duration_cast<M>(counted.total()),
              std::chrono::duration_cast<M>(c.expected))
        << c.name;
    for (const Interval& piece : counted.intervals()) {
      EXPECT_LE(range.start, piece.start) << c.name;
      EXPECT_LE(piece.end, range.end) << c.name;
    }
  }
}

TEST(CalendarTest, CountedTimeMonthSplitsSumToWhole) {
  const TimeZone new_york = zone("America/New_York");
  const TimePeriod period = parse_period({{"sat", "22:00-06:00"}, {"mon-fri", "09:00-17:00"}});
  const Interval range{utc("2026-10-01 00:00"), utc("2026-12-15 00:00")};
  Duration sum{0};
  for (const Interval& month : periods_overlapping(PeriodKind::month, new_york, range)) {
    sum += counted_time(&period, new_york, intersect(month, range)).total();
  }
  EXPECT_EQ(sum, counted_time(&period, new_york, range).total());
}

TEST(CalendarTest, CountedTimeWithoutPeriodIsWholeRange) {
  const Interval range{utc("2026-03-01 00:00"), utc("2026-03-02 07:00")};
  EXPECT_EQ(counted_time(nullptr, zone("Europe/Berlin"), range), IntervalSet(range));
  const TimePeriod none;
  EXPECT_TRUE(counted_time(&none, zone("Europe/Berlin"), range).empty());
  const TimePeriod office = parse_period({{"mon-fri", "09:00-18:00"}});
  EXPECT_TRUE(counted_time(&office, TimeZone::utc(), Interval{range.end, range.start}).empty());
}

// counted_time agrees with a minute-by-minute reading of the wall clock around every DST
// change of 2026 in several zones, for windows of every shape.
TEST(CalendarTest, CountedTimeMatchesMinuteByMinute) {
  const std::vector<std::vector<std::pair<std::string, std::string>>> periods = {
      {{"mon-fri", "09:00-18:00"}},
      {{"sat", "22:00-06:00"}, {"sun", "01:30-02:30"}},
      {{"fri-mon", "23:00-03:00,00:00-01:00"}},
      {{"sun", "00:00-24:00"}, {"sat", "02:15-02:45"}},
  };
  struct Span {
    const char* zone;
    const char* from_utc;
  };
  const std::vector<Span> spans = {
      {"Europe/Berlin", "2026-03-26 00:00"},       {"Europe/Berlin", "2026-10-22 00:00"},
      {"America/New_York", "2026-03-05 00:00"},    {"America/New_York", "2026-10-29 00:00"},
      {"America/Havana", "2025-03-06 00:00"},      {"America/Havana", "2025-10-30 00:00"},
      {"America/Santiago", "2025-04-02 00:00"},    {"America/Santiago", "2025-09-04 00:00"},
      {"Australia/Lord_Howe", "2025-04-03 00:00"}, {"Australia/Lord_Howe", "2025-10-02 00:00"},
  };
  for (const auto& entries : periods) {
    const TimePeriod period = parse_period(entries);
    for (const Span& span : spans) {
      const TimeZone z = zone(span.zone);
      const Interval range{utc(span.from_utc), utc(span.from_utc) + hours{24 * 7}};
      const IntervalSet counted = counted_time(&period, z, range);
      long expected_minutes = 0;
      for (WallTime t = range.start; t < range.end; t += minutes{1}) {
        const LocalTime wall = z.to_local(t);
        const auto today = std::chrono::floor<date::days>(wall);
        bool inside = false;
        for (auto anchor : {today, today - date::days{1}}) {
          const unsigned index = date::weekday{anchor}.iso_encoding() - 1;
          for (const DailyWindow& w : period.by_weekday[index]) {
            const int end = w.end_minute <= w.start_minute ? w.end_minute + 1440 : w.end_minute;
            if (wall >= anchor + minutes{w.start_minute} && wall < anchor + minutes{end}) {
              inside = true;
            }
          }
        }
        if (inside) ++expected_minutes;
        ASSERT_EQ(counted.contains(t), inside)
            << span.zone << " " << z.format_local(t) << " " << entries.front().first;
      }
      EXPECT_EQ(counted.total(), minutes{expected_minutes}) << span.zone;
    }
  }
}

TEST(CalendarTest, CountedTimeOverFourHundredDays) {
  const TimeZone berlin = zone("Europe/Berlin");
  const TimePeriod office = parse_period({{"mon-fri", "09:00-18:00"}});
  // 2026-01-05 (Monday) + 400 days = 2027-02-09: 57 full weeks and one more day (Monday).
  const Interval range{local(berlin, "2026-01-05 00:00"), local(berlin, "2027-02-09 00:00")};
  const IntervalSet counted = counted_time(&office, berlin, range);
  EXPECT_EQ(counted.total(), hours{(57 * 5 + 1) * 9});
  EXPECT_EQ(counted.intervals().size(), 57u * 5 + 1);
}

TEST(CalendarTest, OpenEndedRangesAreClippedNotOverflowed) {
  const TimeZone berlin = zone("Europe/Berlin");
  const TimePeriod office = parse_period({{"mon-fri", "09:00-18:00"}});
  const Interval everything{WallTime::min(), WallTime::max()};
  const IntervalSet counted = counted_time(&office, berlin, everything);
  ASSERT_FALSE(counted.empty());
  EXPECT_GE(counted.intervals().front().start, utc("1900-01-01 00:00"));
  EXPECT_LE(counted.intervals().back().end, utc("2200-01-01 00:00"));
  // 1900-01-01 00:00Z is still 1899 in Berlin (LMT +00:53:28).
  EXPECT_EQ(periods_overlapping(PeriodKind::year, berlin, everything).size(), 301u);
  EXPECT_EQ(counted_time(nullptr, berlin, everything), IntervalSet(everything));
}

// --- parsing ------------------------------------------------------------------------------

TEST(CalendarTest, ParsesTimePeriodEntries) {
  struct Case {
    const char* days;
    const char* hours;
    std::array<bool, 7> days_expected;
    std::vector<DailyWindow> windows;
  };
  const std::vector<Case> cases = {
      {"mon-fri", "09:00-18:00", {1, 1, 1, 1, 1, 0, 0}, {{540, 1080}}},
      {"sat", "00:00-24:00", {0, 0, 0, 0, 0, 1, 0}, {{0, 1440}}},
      {"mon,wed,fri", "22:00-06:00", {1, 0, 1, 0, 1, 0, 0}, {{1320, 360}}},
      {"mon-fri,sun", "08:00-12:00,13:00-17:00", {1, 1, 1, 1, 1, 0, 1}, {{480, 720}, {780, 1020}}},
      {"fri-mon", "9:30-10:00", {1, 0, 0, 0, 1, 1, 1}, {{570, 600}}},  // wraps
      {" Mon - FRI ", " 09:00 - 18:00 ", {1, 1, 1, 1, 1, 0, 0}, {{540, 1080}}},
      {"sunday,Tuesday", "22:00-00:00", {0, 1, 0, 0, 0, 0, 1}, {{1320, 1440}}},
      {"wed-wed", "01:00-02:00", {0, 0, 1, 0, 0, 0, 0}, {{60, 120}}},
  };
  for (const Case& c : cases) {
    TimePeriod period;
    auto status = parse_time_period_entry(c.days, c.hours, period);
    ASSERT_TRUE(status.has_value()) << c.days << " " << c.hours << ": " << status.error().message;
    for (std::size_t day = 0; day < 7; ++day) {
      EXPECT_EQ(period.by_weekday[day],
                c.days_expected[day] ? c.windows : std::vector<DailyWindow>{})
          << c.days << " day " << day;
    }
  }
}

TEST(CalendarTest, TimePeriodEntriesAccumulateWithoutDuplicates) {
  TimePeriod period;
  ASSERT_TRUE(parse_time_period_entry("mon-fri", "09:00-12:00", period));
  ASSERT_TRUE(parse_time_period_entry("mon", "13:00-17:00", period));
  ASSERT_TRUE(parse_time_period_entry("mon,mon-tue", "09:00-12:00", period));
  EXPECT_EQ(period.by_weekday[0], (std::vector<DailyWindow>{{540, 720}, {780, 1020}}));
  EXPECT_EQ(period.by_weekday[1], (std::vector<DailyWindow>{{540, 720}}));
}

TEST(CalendarTest, RejectsBadTimePeriodEntries) {
  struct Case {
    const char* days;
    const char* hours;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"mun", "09:00-18:00", "unknown weekday 'mun'"},
      {"mon-fry", "09:00-18:00", "unknown weekday 'fry'"},
      {"", "09:00-18:00", "empty weekday list"},
      {"mon,,tue", "09:00-18:00", "empty weekday in 'mon,,tue'"},
      {"mon", "25:00-26:00", "bad time '25:00' (expected HH:MM)"},
      {"mon", "09:00-24:01", "bad time '24:01' (expected HH:MM)"},
      {"mon", "24:00-02:00", "bad time '24:00' (expected HH:MM)"},
      {"mon", "09:60-10:00", "bad time '09:60' (expected HH:MM)"},
      {"mon", "9-17", "bad time '9' (expected HH:MM)"},
      {"mon", "09:00", "bad window '09:00' (expected HH:MM-HH:MM)"},
      {"mon", "09:00-09:00", "empty window '09:00-09:00'"},
      {"mon", "", "empty hours"},
      {"mon", "09:00-12:00,", "bad window '' (expected HH:MM-HH:MM)"},
  };
  for (const Case& c : cases) {
    TimePeriod period;
    auto status = parse_time_period_entry(c.days, c.hours, period);
    ASSERT_FALSE(status.has_value()) << c.days << " " << c.hours;
    EXPECT_EQ(status.error().message, c.message);
    EXPECT_EQ(period, TimePeriod{}) << "a failed entry changes nothing";
  }
}

}  // namespace
}  // namespace slamon::sla
