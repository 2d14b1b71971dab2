// JSON form of a report schedule (SPEC §10, §11): the object the API returns for a schedule,
// which is also the body the store keeps for a schedule created through the API. Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "model/model.h"

namespace slamon {

// "previous_month" for PeriodKind::month, ...
std::string report_period_name(PeriodKind period);
// The reverse; nullopt for anything but previous_day|previous_week|previous_month|
// previous_quarter|previous_year.
std::optional<PeriodKind> parse_report_period(std::string_view name);

// {id, org, name, cron, timezone, period, policy_ids, format, title, notifiers, provisioned,
// created_at, created_by}; created_at and created_by are null for a schedule of the config
// file.
nlohmann::json report_schedule_to_json(const ReportSchedule& schedule);

// Reads back an object written by report_schedule_to_json (as the store keeps it). Checks
// form only: input is validated by config/loader.h's parse_report_schedule.
Result<ReportSchedule> report_schedule_from_stored(const std::string& body);

}  // namespace slamon
