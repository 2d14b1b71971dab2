// Instants written as text for the calendar and recurrence tests: "2026-03-29 01:00" read as
// UTC or as local time in a zone. Header-only, stateless; thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <date/date.h>

#include "common/clock.h"
#include "sla/calendar.h"

namespace slamon::sla::testing {

// "2026-03-29 01:00" as fields (date::parse trips a GCC 12 -Wmaybe-uninitialized).
inline date::local_time<std::chrono::minutes> read_time(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%u-%u %d:%d", &year, &month, &day, &hour, &minute), 5)
      << text;
  return date::local_days{date::year{year} / date::month{month} / date::day{day}} +
         std::chrono::hours{hour} + std::chrono::minutes{minute};
}

// Read as UTC.
inline WallTime utc(const std::string& text) {
  return WallTime{read_time(text).time_since_epoch()};
}

// Read as local time in `zone` (its first occurrence).
inline WallTime local(const TimeZone& zone, const std::string& text) {
  return zone.first_instant_at(LocalTime{read_time(text)});
}

// The zone named `name`; UTC (and a failed expectation) when there is none.
inline TimeZone zone(const std::string& name) {
  auto found = TimeZone::find(name);
  EXPECT_TRUE(found.has_value()) << name;
  return found.value_or(TimeZone::utc());
}

}  // namespace slamon::sla::testing
