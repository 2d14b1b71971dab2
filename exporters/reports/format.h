// How a report writes its figures, shared by the PDF and the CSV so both show the same digits:
// percentages with three decimals, measured values with three decimals, durations in seconds
// (CSV) or as "1h2m3s" (PDF), instants in the report's zone. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "sla/calendar.h"

namespace slamon::reports {

// Text for a figure nobody could compute (nothing evaluated, no target).
inline constexpr const char* kNoFigure = "n/a";

// 99.953 (three decimals); +Inf / -Inf spelled out; nullopt: kNoFigure.
std::string percent_text(std::optional<double> percent);
// A ratio (0..1) as a percentage: percent_text(ratio × 100).
std::string ratio_text(std::optional<double> ratio);
// A measured value (latency, loss, score) with three decimals.
std::string value_text(double value);
// Whole seconds ("3600"); durations are kept to the millisecond, so three decimals when needed.
std::string seconds_text(Duration d);
std::string seconds_text(std::optional<Duration> d);
// Rounded to the second, Prometheus spelling: "2h3m4s", "0s"; nullopt: kNoFigure.
std::string duration_text(Duration d);
std::string duration_text(std::optional<Duration> d);
// "2026-10-01 00:00 CEST": minutes suffice for a report and keep columns narrow.
std::string time_text(WallTime t, const sla::TimeZone& zone);

}  // namespace slamon::reports
