// The SPEC §10 report schedule endpoints of ApiHandlers: list the org's schedules (the config
// file's, read-only here, then the API's) with their last and next runs, and create, replace
// and delete the API's. Bodies are validated by config/loader.h's parse_report_schedule, as the
// file's schedules are, and name only policies the caller may read; the running scheduler
// (reports/report_scheduler.h, wired by the app) is told of every write through
// ApiContext::schedules_changed.
#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <utility>

#include "api/handlers.h"
#include "api/policy_input.h"
#include "api/request.h"
#include "common/log.h"
#include "common/uuid.h"
#include "model/report_schedule_json.h"
#include "sla/report_schedule.h"

namespace slamon::api {

namespace {

using nlohmann::json;

constexpr std::string_view kSchedulesPath = "/api/v1/sla/report-schedules/";
// What slamon sets on a schedule; a body may not give them.
constexpr std::array kAssignedKeys{"org",        "id",          "provisioned", "created_at",
                                   "created_by", "last_run_at", "next_run_at"};

ApiError schedule_not_found() {
  return not_found("report schedule not found");
}

ApiError name_taken() {
  return conflict("a report schedule with this name exists in the organization");
}

// The schedule's first cron occurrence after `now`; nullopt when it never fires again (or only
// a zone gone from the tz database stops it: schedules are validated when written).
std::optional<WallTime> next_run(const ReportSchedule& schedule, WallTime now) {
  auto next = sla::next_occurrence(schedule, now);
  return next ? *next : std::nullopt;
}

json time_or_null(const std::optional<WallTime>& time) {
  return time ? json(format_rfc3339(*time)) : json(nullptr);
}

// A schedule as the API answers it: its JSON with last_run_at and next_run_at.
json schedule_answer(const ReportSchedule& schedule, const std::map<std::string, WallTime>& runs,
                     WallTime now) {
  json answer = report_schedule_to_json(schedule);
  const auto last = runs.find(schedule.id);
  answer["last_run_at"] =
      time_or_null(last == runs.end() ? std::nullopt : std::optional(last->second));
  answer["next_run_at"] = time_or_null(next_run(schedule, now));
  return answer;
}

StoredReportSchedule stored_form(const ReportSchedule& schedule, WallTime created_at,
                                 WallTime updated_at) {
  return StoredReportSchedule{schedule.id,   schedule.org,
                              schedule.name, report_schedule_to_json(schedule).dump(),
                              created_at,    updated_at};
}

}  // namespace

ApiResult<std::vector<ReportSchedule>> ApiHandlers::org_report_schedules(const Caller& caller) {
  const std::string& org = caller.principal.org;
  std::vector<ReportSchedule> schedules;
  for (const ReportSchedule& schedule : caller.config->report_schedules) {
    if (schedule.org == org) schedules.push_back(schedule);
  }
  auto stored = context_.store->report_schedules(org);
  if (!stored) return std::unexpected(internal("reading report schedules", stored.error().message));
  std::move(stored->begin(), stored->end(), std::back_inserter(schedules));
  return schedules;
}

ApiResult<std::map<std::string, WallTime>> ApiHandlers::last_report_schedule_runs(
    const Caller& caller) {
  auto runs = context_.store->latest_report_schedule_runs();
  if (!runs) {
    return std::unexpected(internal("reading report schedule runs", runs.error().message));
  }
  std::map<std::string, WallTime> last;
  for (const ReportScheduleRun& run : *runs) {
    if (run.org == caller.principal.org) last[run.schedule_id] = run.recorded_at;
  }
  return last;
}

ApiResult<ReportSchedule> ApiHandlers::readable_report_schedule(const Caller& caller,
                                                                const http::HttpRequest& request) {
  // The id only selects among the org's schedules: anything else, however hostile, is a 404.
  const std::string id = to_lower_ascii(request.path_param("schedule_id"));
  auto schedules = org_report_schedules(caller);
  if (!schedules) return std::unexpected(schedules.error());
  const auto found =
      std::find_if(schedules->begin(), schedules->end(),
                   [&](const ReportSchedule& schedule) { return schedule.id == id; });
  if (found == schedules->end()) return std::unexpected(schedule_not_found());
  auto visible = policies_visible(caller, found->policy_ids);
  if (!visible) return std::unexpected(visible.error());
  if (!*visible) return std::unexpected(schedule_not_found());
  return std::move(*found);
}

ApiResult<ReportSchedule> ApiHandlers::read_report_schedule_body(const Caller& caller,
                                                                 const http::HttpRequest& request,
                                                                 const std::string& except_id) {
  auto body = parse_json_object(request, BodyMediaTypes::json);
  if (!body) return std::unexpected(body.error());
  std::vector<FieldError> problems;
  for (const char* key : kAssignedKeys) {
    if (body->contains(key)) {
      problems.push_back({key, "is set by slamon and cannot be given"});
      body->erase(key);
    }
  }
  auto validated = validate_report_schedule_json(*body, caller.principal.org, *caller.config);
  if (!validated) {
    for (FieldError& problem : validated.error()) problems.push_back(std::move(problem));
  }
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));
  if (auto readable = require_readable_policies(caller, validated->policy_ids); !readable) {
    return std::unexpected(readable.error());
  }
  // A name is unique in the org across the file's schedules and the API's (the store checks
  // the API's again as it writes).
  auto schedules = org_report_schedules(caller);
  if (!schedules) return std::unexpected(schedules.error());
  for (const ReportSchedule& other : *schedules) {
    if (other.name == validated->name && other.id != except_id) {
      return std::unexpected(name_taken());
    }
  }
  return std::move(*validated);
}

ApiResult<http::HttpResponse> ApiHandlers::list_report_schedules(const Caller& caller,
                                                                 const http::HttpRequest& request) {
  auto page = parse_page(request);
  if (!page) return std::unexpected(page.error());
  auto schedules = org_report_schedules(caller);
  if (!schedules) return std::unexpected(schedules.error());
  std::vector<const ReportSchedule*> selected;
  for (const ReportSchedule& schedule : *schedules) {
    auto visible = policies_visible(caller, schedule.policy_ids);
    if (!visible) return std::unexpected(visible.error());
    if (*visible) selected.push_back(&schedule);
  }
  auto runs = last_report_schedule_runs(caller);
  if (!runs) return std::unexpected(runs.error());
  const WallTime now = context_.clock->now();
  const auto total = static_cast<long long>(selected.size());
  json items = json::array();
  for (long long i = page->offset; i < total && i < page->offset + page->limit; ++i) {
    items.push_back(schedule_answer(*selected[static_cast<std::size_t>(i)], *runs, now));
  }
  return json_response(200, json{{"items", std::move(items)},
                                 {"total", total},
                                 {"limit", page->limit},
                                 {"offset", page->offset}});
}

ApiResult<http::HttpResponse> ApiHandlers::create_report_schedule(
    const Caller& caller, const http::HttpRequest& request) {
  auto schedule = read_report_schedule_body(caller, request, "");
  if (!schedule) return std::unexpected(schedule.error());
  const WallTime now = context_.clock->now();
  schedule->id = uuid_v4();
  schedule->org = caller.principal.org;
  schedule->provisioned = false;
  schedule->created_at = now;
  schedule->created_by = caller.principal.name;
  // Occurrences before its creation never run.
  if (auto inserted = context_.store->insert_report_schedule(stored_form(*schedule, now, now), now);
      !inserted) {
    if (inserted.error().kind == WriteFailure::conflict) return std::unexpected(name_taken());
    return std::unexpected(internal("storing a report schedule", inserted.error().message));
  }
  log::info(
      "report schedule created through the API",
      {{"schedule", schedule->id}, {"org", schedule->org}, {"principal", schedule->created_by}});
  if (context_.schedules_changed) context_.schedules_changed();
  http::HttpResponse response = json_response(201, schedule_answer(*schedule, {}, now));
  response.headers.emplace("Location", std::string(kSchedulesPath) + schedule->id);
  return response;
}

ApiResult<http::HttpResponse> ApiHandlers::replace_report_schedule(
    const Caller& caller, const http::HttpRequest& request) {
  auto current = readable_report_schedule(caller, request);
  if (!current) return std::unexpected(current.error());
  if (current->provisioned) {
    return std::unexpected(
        conflict("this report schedule is defined in the configuration file; change it there"));
  }
  auto schedule = read_report_schedule_body(caller, request, current->id);
  if (!schedule) return std::unexpected(schedule.error());
  const WallTime now = context_.clock->now();
  schedule->id = current->id;
  schedule->org = current->org;
  schedule->provisioned = false;
  schedule->created_at = current->created_at;
  schedule->created_by = current->created_by;
  // New timing: counting starts again now, so no occurrence of the old timing (or one the new
  // timing would have had before) runs late.
  const bool timing_changed =
      schedule->cron != current->cron || schedule->timezone != current->timezone;
  if (auto updated = context_.store->update_report_schedule(
          stored_form(*schedule, current->created_at.value_or(now), now),
          timing_changed ? std::optional(now) : std::nullopt);
      !updated) {
    if (updated.error().kind == WriteFailure::not_found) {
      return std::unexpected(schedule_not_found());
    }
    if (updated.error().kind == WriteFailure::conflict) return std::unexpected(name_taken());
    return std::unexpected(internal("updating a report schedule", updated.error().message));
  }
  log::info(
      "report schedule replaced through the API",
      {{"schedule", schedule->id}, {"org", schedule->org}, {"principal", caller.principal.name}});
  if (context_.schedules_changed) context_.schedules_changed();
  auto runs = last_report_schedule_runs(caller);
  if (!runs) return std::unexpected(runs.error());
  return json_response(200, schedule_answer(*schedule, *runs, now));
}

ApiResult<http::HttpResponse> ApiHandlers::delete_report_schedule(
    const Caller& caller, const http::HttpRequest& request) {
  auto current = readable_report_schedule(caller, request);
  if (!current) return std::unexpected(current.error());
  if (current->provisioned) {
    return std::unexpected(
        conflict("this report schedule is defined in the configuration file; remove it there"));
  }
  if (auto deleted = context_.store->delete_report_schedule(current->org, current->id); !deleted) {
    if (deleted.error().kind == WriteFailure::not_found) {
      return std::unexpected(schedule_not_found());
    }
    return std::unexpected(internal("deleting a report schedule", deleted.error().message));
  }
  log::info(
      "report schedule deleted through the API",
      {{"schedule", current->id}, {"org", current->org}, {"principal", caller.principal.name}});
  if (context_.schedules_changed) context_.schedules_changed();
  http::HttpResponse response;
  response.status = 204;
  return response;
}

}  // namespace slamon::api
