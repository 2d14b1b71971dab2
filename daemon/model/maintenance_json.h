// JSON form of a maintenance window (SPEC §7.3, §11): the object the API returns for a window,
// which is also the body the store keeps for a window created through the API. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "model/model.h"

namespace slamon {

// {id, org, scope, scope_id, scope_name, start, end, recurrence, duration, timezone, reason,
// provisioned, created_at, created_by}. A one-off window has start and end (RFC 3339, UTC) and
// recurrence, duration and timezone null; a recurring one the reverse, with duration in
// Prometheus syntax ("2h"). scope_id, scope_name, created_at and created_by are null when
// absent (a window from the config file has no creator).
nlohmann::json maintenance_to_json(const MaintenanceWindow& window);

// Reads back an object written by maintenance_to_json (as the store keeps it; `body` is its
// text). Strict about the keys it writes (present, typed, timestamps and durations readable);
// ignores keys it does not know. Checks form only: API input is validated with
// config/loader.h's parse_maintenance_window.
Result<MaintenanceWindow> maintenance_from_stored(const nlohmann::json& object);
Result<MaintenanceWindow> maintenance_from_stored(const std::string& body);

// An RFC 3339 date-time with a UTC offset ("2026-12-01T02:00:00Z", "2026-12-01T03:00:00+01:00",
// fractions of a second allowed); nullopt for anything else, including a missing offset.
std::optional<WallTime> parse_rfc3339_time(std::string_view text);

}  // namespace slamon
