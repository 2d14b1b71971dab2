// Turning an API policy, maintenance window or report schedule body into a validated Policy /
// MaintenanceWindow / ReportSchedule with the config file's validators (config/loader.h
// parse_policy, parse_maintenance_window, parse_report_schedule), so the API and the files
// enforce one rule set (SPEC §3, §7.3, §10, §11). The JSON is handed to the
// YAML reader as text (JSON is YAML), which keeps the difference between a number and a quoted
// string that the strict reader checks. Stateless; thread-safe.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "config/config.h"
#include "model/model.h"

namespace slamon::api {

// SPEC §8: a `scope_id` in `body` that `org` does not own answers 404 "scope not found", the
// same status, code and message whether it names nothing at all or another org's entity. The
// handlers ask before validating the body, so no other field changes the answer to a probe. Left to
// the validators (a 422): a missing or non-text scope or scope_id, scope organization or ssid (an
// SSID is a name, owned by no inventory entry), and an entity of `org` itself of another kind
// (their message names its kind, which tells the caller only about its own org). The config files
// keep their 422-style diagnostics for all of these.
std::optional<ApiError> unowned_scope(const nlohmann::json& body, const std::string& org,
                                      const Inventory& inventory);

// Validates `object` (which must already carry the caller's `org`) against `config`. Every
// problem becomes a FieldError (diagnostic path and message), after `earlier` problems the
// caller found itself; any problem at all is a 422.
ApiResult<Policy> validate_policy(const nlohmann::json& object, const Config& config,
                                  std::vector<FieldError> earlier = {});

// Validates a POST /maintenance body: the window object of `maintenance:` without `org`, which
// is `org` here (the caller's). The body must not carry `org` or the output-only keys (the
// caller refuses those first). Every problem is a FieldError (path relative to the body); the
// window comes back with an empty id (the caller assigns one) and provisioned false.
std::expected<MaintenanceWindow, std::vector<FieldError>> validate_maintenance_json(
    const nlohmann::json& body, const std::string& org, const Config& config);

// Validates a POST or PUT /report-schedules body the same way: the schedule object of
// `report_schedules:` without `org` (here `org`, the caller's) and without `id` (the caller
// refuses both and the output-only keys first). The schedule comes back with the id the file
// would derive (the caller assigns its own) and provisioned false.
std::expected<ReportSchedule, std::vector<FieldError>> validate_report_schedule_json(
    const nlohmann::json& body, const std::string& org, const Config& config);

}  // namespace slamon::api
