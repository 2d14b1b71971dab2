// Prometheus-style durations ("30s", "5m", "1h30m", "7d", "250ms"): parsing and printing.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace slamon {

// Parses the Prometheus duration syntax: one or more <integer><unit> groups with units
// y, w, d, h, m, s, ms in descending order, each at most once; "0" alone is zero.
// Returns nullopt for anything else (empty, negative, fractional, unknown unit, overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest canonical spelling, as Prometheus prints it: 90000ms -> "1m30s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace slamon
