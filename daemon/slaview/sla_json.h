// The JSON shapes of the read model's figures (SPEC §7, §10, §11): one spelling of a status
// distribution, a calendar SLA period with its budget, outages and credit, and the statistics
// of measured values, shared by the API's /compliance and /periods and by reports, so the
// same figure is written the same way wherever a reader meets it. Pure functions; thread-safe.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "history/history.h"
#include "sla/accounting.h"

namespace slamon::slaview {

// JSON has no infinity: +/-Inf are written as the strings "+Inf" / "-Inf", as everywhere in
// slamon's JSON (docs/decisions.md); NaN and nullopt as null.
nlohmann::json number_json(double value);
nlohmann::json number_json(const std::optional<double>& value);

// Milliseconds-exact durations as seconds.
double seconds_of(Duration duration);

// {"up": {"seconds", "share"}, "degraded": ..., "down": ..., "unknown": ..., "maintenance": ...}
nlohmann::json statuses_json(const sla::StatusDistribution& distribution);

// {"count", "min", "mean", "max", "p50", "p95", "p99"}; null when nothing was measured.
nlohmann::json window_stats_json(const std::optional<history::WindowStats>& stats);

// One calendar SLA period (or any range judged as one): state, achieved and target percent,
// compliance ratio, statuses, budget, requirements, breach minutes, credit; uptime figures
// only for a policy that `measures_uptime`, credits only when it `has_credits`.
nlohmann::json period_json(const sla::PeriodResult& result, bool measures_uptime, bool has_credits);

}  // namespace slamon::slaview
