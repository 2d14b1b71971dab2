// The SPEC §7 endpoints of ApiHandlers: a policy's compliance over a rolling window, its
// results per SLA period, and the maintenance windows with the events they suppressed. The
// figures come from sla/accounting.h over what the store (status timelines, breaches,
// maintenance windows) and the history (measured values) hold; nothing here keeps state.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <optional>
#include <utility>

#include "api/handlers.h"
#include "api/policy_input.h"
#include "api/request.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/uuid.h"
#include "engine/maintenance.h"
#include "history/history.h"
#include "model/maintenance_json.h"
#include "sla/accounting.h"
#include "sla/calendar.h"
#include "sla/recurrence.h"

namespace slamon::api {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view kMaintenancePath = "/api/v1/sla/maintenance/";
// What slamon sets on a window created through the API; a body may not give them.
constexpr std::array kAssignedKeys{"id",         "provisioned", "created_at",
                                   "created_by", "active_now",  "suppressed_events"};
constexpr Duration kMaxPeriodRange = std::chrono::days(400);
constexpr std::size_t kMaxPeriods = 500;
constexpr int kDefaultPeriods = 3;  // the running period and the two before it

constexpr std::array kStatusKinds{sla::PolicyStatusKind::up, sla::PolicyStatusKind::degraded,
                                  sla::PolicyStatusKind::down, sla::PolicyStatusKind::unknown,
                                  sla::PolicyStatusKind::maintenance};

ApiError policy_not_found() {
  return not_found("policy not found");
}
ApiError maintenance_not_found() {
  return not_found("maintenance window not found");
}

// The site a scope is located at (site, camera, nvr), when it has one.
std::optional<std::string> site_of(const Config& config, Scope scope,
                                   const std::optional<std::string>& scope_id) {
  if (!scope_id) return std::nullopt;
  return config.inventory.site_of(scope, *scope_id);
}

// A site grant sees a window only when its scope is one of the granted sites or an entity
// located at one (SPEC §8, as for policies); organization-wide windows only without a grant.
bool visible(const ApiHandlers::Caller& caller, const MaintenanceWindow& window) {
  return caller.principal.covers_site(site_of(*caller.config, window.scope, window.scope_id));
}

// JSON has no infinity: +/-Inf are written as the strings "+Inf" / "-Inf", as everywhere in
// slamon's JSON (docs/decisions.md); NaN as null.
json number(double value) {
  if (std::isnan(value)) return nullptr;
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return value;
}
json number(const std::optional<double>& value) {
  return value ? number(*value) : json(nullptr);
}

double seconds_of(Duration d) {
  return static_cast<double>(d.count()) / 1000.0;
}

Duration part_of(const sla::StatusDistribution& distribution, sla::PolicyStatusKind kind) {
  switch (kind) {
    case sla::PolicyStatusKind::up:
      return distribution.up;
    case sla::PolicyStatusKind::degraded:
      return distribution.degraded;
    case sla::PolicyStatusKind::down:
      return distribution.down;
    case sla::PolicyStatusKind::maintenance:
      return distribution.maintenance;
    case sla::PolicyStatusKind::unknown:
      break;
  }
  return distribution.unknown;
}

// {"up": {"seconds", "share"}, "degraded": ..., "down": ..., "unknown": ..., "maintenance": ...}
json statuses_json(const sla::StatusDistribution& distribution) {
  json statuses = json::object();
  for (sla::PolicyStatusKind kind : kStatusKinds) {
    statuses[std::string(sla::to_string(kind))] = {
        {"seconds", seconds_of(part_of(distribution, kind))}, {"share", distribution.share(kind)}};
  }
  return statuses;
}

// Stored segments as a timeline; a status spelling slamon does not know counts as uncovered
// (unknown) rather than failing the whole answer.
std::vector<sla::StatusSegment> timeline_of(const std::vector<StoredStatusSegment>& stored) {
  std::vector<sla::StatusSegment> timeline;
  timeline.reserve(stored.size());
  for (const StoredStatusSegment& segment : stored) {
    const auto kind = sla::parse_policy_status_kind(segment.status);
    if (!kind || segment.end <= segment.start) continue;
    timeline.push_back({segment.start, segment.end, *kind});
  }
  std::sort(
      timeline.begin(), timeline.end(),
      [](const sla::StatusSegment& a, const sla::StatusSegment& b) { return a.start < b.start; });
  return timeline;
}

// The zone a policy's SLA periods and business hours are read in (SPEC §7.2): its sla_period's
// (the config has already put the site's zone there when none was written), else UTC.
ApiResult<sla::TimeZone> zone_of(const Policy& policy) {
  if (!policy.sla_period || policy.sla_period->timezone.empty()) return sla::TimeZone::utc();
  auto zone = sla::TimeZone::find(policy.sla_period->timezone);
  if (!zone) return std::unexpected(internal("the policy's time zone", zone.error().message));
  return *zone;
}

// Business hours within `range`, or nullopt when all time counts.
std::optional<sla::IntervalSet> counted_of(const Policy& policy, const sla::TimeZone& zone,
                                           sla::Interval range) {
  if (!policy.time_period) return std::nullopt;
  return sla::counted_time(&*policy.time_period, zone, range);
}

json window_stats_json(const history::WindowStats& stats) {
  return json{{"count", stats.count},     {"min", number(stats.min)}, {"mean", number(stats.mean)},
              {"max", number(stats.max)}, {"p50", number(stats.p50)}, {"p95", number(stats.p95)},
              {"p99", number(stats.p99)}};
}

json list_json(json items, long long total, const Page& page) {
  return json{{"items", std::move(items)},
              {"total", total},
              {"limit", page.limit},
              {"offset", page.offset}};
}

json period_json(const sla::PeriodResult& result, bool uptime_policy, bool has_credits) {
  json requirements = json::array();
  for (const sla::RequirementResult& requirement : result.requirements) {
    requirements.push_back({{"metric", to_string(requirement.requirement.metric)},
                            {"max_outages", requirement.requirement.max_outages},
                            {"min_duration", format_duration(requirement.requirement.min_duration)},
                            {"outages", requirement.outages},
                            {"broken", requirement.broken}});
  }
  json budget = nullptr;
  if (result.budget) {
    budget = {{"target_percent", number(result.budget->target_percent)},
              {"budget_seconds", seconds_of(result.budget->budget)},
              {"used_seconds", seconds_of(result.budget->used)},
              {"remaining_ratio", number(result.budget->remaining_ratio())}};
  }
  return json{
      {"start", format_rfc3339(result.period.start)},
      {"end", format_rfc3339(result.period.end)},
      {"complete", result.complete},
      {"state", sla::to_string(result.state)},
      {"achieved_percent", number(result.achieved_percent)},
      {"target_percent", number(result.target_percent)},
      {"compliance_ratio", number(result.compliance_ratio)},
      {"statuses", statuses_json(result.distribution)},
      {"budget", std::move(budget)},
      {"budget_used", number(result.budget_used)},
      {"requirements", std::move(requirements)},
      {"breach_minutes", static_cast<double>(result.breach_time.count()) / 60000.0},
      {"credit_percent", has_credits ? number(result.credit_percent.value_or(0.0)) : json(nullptr)},
      {"achieved_uptime_percent", uptime_policy ? number(result.achieved_percent) : json(nullptr)}};
}

// Is `window` in effect at `t`?
bool in_effect(const MaintenanceWindow& window, WallTime t) {
  if (!window.recurring())
    return window.start && window.end && *window.start <= t && t < *window.end;
  auto recurrence = sla::Recurrence::parse(window.recurrence);
  auto zone = sla::TimeZone::find(window.timezone);
  if (!recurrence || !zone) return false;  // validated on input; only a hand-edited database
  return !recurrence->occurrences(*zone, window.duration, sla::Interval{t, t + 1ms}).empty();
}

}  // namespace

ApiResult<Policy> ApiHandlers::readable_policy(const Caller& caller,
                                               const http::HttpRequest& request) {
  auto found = find_policy(caller, to_lower_ascii(request.path_param("policy_id")));
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(policy_not_found());
  Policy& policy = (*found)->policy;
  if (!caller.principal.covers_site(site_of(*caller.config, policy.scope, policy.scope_id))) {
    return std::unexpected(policy_not_found());
  }
  return std::move(policy);
}

ApiResult<std::vector<MaintenanceWindow>> ApiHandlers::org_maintenance(const Caller& caller) {
  auto windows = load_maintenance_windows(*caller.config, context_.store);
  if (!windows) {
    return std::unexpected(internal("reading maintenance windows", windows.error().message));
  }
  std::erase_if(*windows, [&](const MaintenanceWindow& window) {
    return window.org != caller.principal.org;
  });
  return std::move(*windows);
}

ApiResult<http::HttpResponse> ApiHandlers::policy_compliance(const Caller& caller,
                                                             const http::HttpRequest& request) {
  auto text = optional_query(request, "window");
  if (!text) return std::unexpected(text.error());
  sla::ComplianceWindow window = sla::ComplianceWindow::d30;
  if (*text) {
    const auto parsed = sla::parse_compliance_window(**text);
    if (!parsed) {
      return std::unexpected(validation_failed("window", "must be one of 1d, 7d, 30d, 90d, all"));
    }
    window = *parsed;
  }
  auto policy = readable_policy(caller, request);
  if (!policy) return std::unexpected(policy.error());
  auto zone = zone_of(*policy);
  if (!zone) return std::unexpected(zone.error());

  const WallTime now = context_.clock->now();
  WallTime first_seen = now;
  if (window == sla::ComplianceWindow::all) {
    auto first = context_.store->first_status_time(policy->id);
    if (!first) return std::unexpected(internal("reading a timeline", first.error().message));
    first_seen = first->value_or(now);
  }
  const sla::Interval range = sla::window_interval(window, now, first_seen);

  sla::StatusDistribution distribution;
  if (!range.empty()) {
    auto stored = context_.store->status_segments(policy->id, range.start, range.end);
    if (!stored) return std::unexpected(internal("reading a timeline", stored.error().message));
    const auto timeline = timeline_of(*stored);
    const auto counted = counted_of(*policy, *zone, range);
    distribution = sla::distribution(timeline, range, counted ? &*counted : nullptr);
  }

  json metrics = json::object();
  for (Metric metric : kAllMetrics) {
    if (!policy->threshold(metric)) continue;
    json stats = nullptr;
    if (context_.history != nullptr && !range.empty()) {
      auto read = context_.history->stats(policy->id, metric, range.start, range.end);
      if (!read) return std::unexpected(internal("reading history", read.error().message));
      if (*read) stats = window_stats_json(**read);
    }
    metrics[std::string(to_string(metric))] = std::move(stats);
  }

  return json_response(200, json{{"policy_id", policy->id},
                                 {"window", sla::to_string(window)},
                                 {"from", format_rfc3339(range.start)},
                                 {"to", format_rfc3339(range.end)},
                                 {"compliance_ratio", number(distribution.compliance_ratio())},
                                 {"statuses", statuses_json(distribution)},
                                 {"metrics", std::move(metrics)}});
}

ApiResult<http::HttpResponse> ApiHandlers::policy_periods(const Caller& caller,
                                                          const http::HttpRequest& request) {
  std::vector<FieldError> problems;
  auto from_query = optional_time_query(request, "from");
  if (!from_query) problems.push_back(from_query.error().details.front());
  auto to_query = optional_time_query(request, "to");
  if (!to_query) problems.push_back(to_query.error().details.front());
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));

  auto policy = readable_policy(caller, request);
  if (!policy) return std::unexpected(policy.error());
  auto zone = zone_of(*policy);
  if (!zone) return std::unexpected(zone.error());
  const PeriodKind kind = policy->sla_period ? policy->sla_period->kind : PeriodKind::month;
  const WallTime now = context_.clock->now();

  // Defaults: up to now, from the start of the period two before the one holding `to`.
  const WallTime to = to_query->value_or(now);
  WallTime from{};
  if (*from_query) {
    from = **from_query;
  } else {
    from = sla::period_containing(kind, *zone, to - 1ms).start;
    for (int i = 1; i < kDefaultPeriods; ++i) {
      from = sla::period_containing(kind, *zone, from - 1ms).start;
    }
  }
  if (from >= to) return std::unexpected(validation_failed("from", "must be before `to`"));
  if (to - from > kMaxPeriodRange) {
    return std::unexpected(validation_failed("to", "the range may span at most 400 days"));
  }
  std::vector<sla::Interval> periods = sla::periods_overlapping(kind, *zone, {from, to});
  if (periods.size() > kMaxPeriods) {
    return std::unexpected(validation_failed("to", "the range may hold at most 500 periods"));
  }
  // A period that has not begun has nothing to judge.
  std::erase_if(periods, [&](const sla::Interval& period) { return period.start >= now; });

  json items = json::array();
  if (!periods.empty()) {
    const sla::Interval span{periods.front().start, std::min(periods.back().end, now)};
    auto stored = context_.store->status_segments(policy->id, span.start, span.end);
    if (!stored) return std::unexpected(internal("reading a timeline", stored.error().message));
    const auto timeline = timeline_of(*stored);

    // Each point stands for the cycles it holds: one evaluation interval per count.
    std::vector<sla::UptimeSample> uptime;
    const bool uptime_policy = policy->threshold(Metric::uptime_percent).has_value();
    if (uptime_policy && context_.history != nullptr) {
      const Duration interval =
          std::chrono::duration_cast<Duration>(caller.config->global.evaluation_interval);
      // An hourly aggregate starts up to an hour before the first instant it covers.
      auto points =
          context_.history->points(policy->id, Metric::uptime_percent, span.start - 1h, span.end);
      if (!points) return std::unexpected(internal("reading history", points.error().message));
      uptime.reserve(points->size());
      for (const history::Point& point : *points) {
        // A cycle's value describes the interval that ends at the cycle (docs/sla.md), as the
        // engine counts it; an hourly aggregate stands for its hour from the hour's start.
        const WallTime start = point.count <= 1 ? point.at - interval : point.at;
        uptime.push_back({start, interval * std::max(point.count, 1), point.mean});
      }
    }

    BreachQuery query;
    query.org = caller.principal.org;
    query.policy_id = policy->id;
    auto breaches = all_breaches(query);
    if (!breaches) return std::unexpected(breaches.error());
    std::vector<sla::OutageInterval> outages;
    for (const Breach& breach : *breaches) {
      if (breach.opened_at < span.start || breach.opened_at >= span.end) continue;
      outages.push_back({breach.metric, breach.opened_at, breach.resolved_at});
    }

    auto windows = load_maintenance_windows(*caller.config, context_.store);
    if (!windows) {
      return std::unexpected(internal("reading maintenance windows", windows.error().message));
    }
    const MaintenanceCalendar calendar(std::move(*windows), caller.config->inventory);

    for (const sla::Interval& period : periods) {
      const auto counted = counted_of(*policy, *zone, period);
      const sla::IntervalSet maintenance = calendar.intervals(*policy, period);
      sla::PeriodInputs inputs;
      inputs.policy = &*policy;
      inputs.period = period;
      inputs.now = now;
      inputs.counted = counted ? &*counted : nullptr;
      inputs.maintenance = &maintenance;
      inputs.timeline = timeline;
      inputs.uptime = uptime;
      inputs.outages = outages;
      items.push_back(
          period_json(sla::evaluate_period(inputs), uptime_policy, !policy->credits.empty()));
    }
  }

  return json_response(200,
                       json{{"policy_id", policy->id},
                            {"from", format_rfc3339(from)},
                            {"to", format_rfc3339(to)},
                            {"sla_period", {{"kind", to_string(kind)}, {"timezone", zone->name()}}},
                            {"items", std::move(items)}});
}

ApiResult<http::HttpResponse> ApiHandlers::list_maintenance(const Caller& caller,
                                                            const http::HttpRequest& request) {
  auto page = parse_page(request);
  if (!page) return std::unexpected(page.error());
  auto windows = org_maintenance(caller);
  if (!windows) return std::unexpected(windows.error());
  std::vector<const MaintenanceWindow*> selected;
  for (const MaintenanceWindow& window : *windows) {
    if (visible(caller, window)) selected.push_back(&window);
  }
  const WallTime now = context_.clock->now();
  const auto total = static_cast<long long>(selected.size());
  json items = json::array();
  for (long long i = page->offset; i < total && i < page->offset + page->limit; ++i) {
    const MaintenanceWindow& window = *selected[static_cast<std::size_t>(i)];
    auto suppressed = context_.store->count_suppressed_events(caller.principal.org, window.id);
    if (!suppressed) {
      return std::unexpected(internal("counting suppressed events", suppressed.error().message));
    }
    json item = maintenance_to_json(window);
    item["provisioned"] = window.provisioned;
    item["active_now"] = in_effect(window, now);
    item["suppressed_events"] = *suppressed;
    items.push_back(std::move(item));
  }
  return json_response(200, list_json(std::move(items), total, *page));
}

ApiResult<http::HttpResponse> ApiHandlers::create_maintenance(const Caller& caller,
                                                              const http::HttpRequest& request) {
  auto body = parse_json_object(request, BodyMediaTypes::json);
  if (!body) return std::unexpected(body.error());
  std::vector<FieldError> problems;
  if (body->contains("org")) problems.push_back({"org", "comes from the credential"});
  for (const char* read_only : kAssignedKeys) {
    if (body->contains(read_only)) {
      problems.push_back({read_only, "is set by slamon and cannot be given"});
    }
  }
  for (const char* key : kAssignedKeys) body->erase(key);
  body->erase("org");
  auto validated = validate_maintenance_json(*body, caller.principal.org, *caller.config);
  if (!validated) {
    for (FieldError& problem : validated.error()) problems.push_back(std::move(problem));
  }
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));
  MaintenanceWindow window = std::move(*validated);
  if (!visible(caller, window)) {
    return std::unexpected(
        forbidden("the window's scope is outside the sites this credential may write"));
  }
  const WallTime now = context_.clock->now();
  window.id = uuid_v4();
  window.org = caller.principal.org;
  window.provisioned = false;
  window.created_at = now;
  window.created_by = caller.principal.name;

  StoredMaintenance stored;
  stored.id = window.id;
  stored.org = window.org;
  stored.body = maintenance_to_json(window).dump();
  stored.created_at = now;
  stored.created_by = window.created_by;
  if (auto inserted = context_.store->insert_maintenance(stored); !inserted) {
    if (inserted.error().kind == WriteFailure::conflict) {
      return std::unexpected(conflict("a maintenance window with this id already exists"));
    }
    return std::unexpected(internal("storing a maintenance window", inserted.error().message));
  }
  log::info("maintenance window created through the API",
            {{"maintenance", window.id}, {"org", window.org}, {"principal", window.created_by}});
  json answer = maintenance_to_json(window);
  answer["provisioned"] = false;
  answer["active_now"] = in_effect(window, now);
  answer["suppressed_events"] = 0;
  http::HttpResponse response = json_response(201, answer);
  response.headers.emplace("Location", std::string(kMaintenancePath) + window.id);
  return response;
}

ApiResult<http::HttpResponse> ApiHandlers::delete_maintenance(const Caller& caller,
                                                              const http::HttpRequest& request) {
  const std::string id(request.path_param("maintenance_id"));
  auto windows = org_maintenance(caller);
  if (!windows) return std::unexpected(windows.error());
  const auto found = std::find_if(windows->begin(), windows->end(),
                                  [&](const MaintenanceWindow& window) { return window.id == id; });
  if (found == windows->end()) return std::unexpected(maintenance_not_found());
  if (!visible(caller, *found)) {
    return std::unexpected(
        forbidden("the window's scope is outside the sites this credential may write"));
  }
  if (found->provisioned) {
    return std::unexpected(
        conflict("this maintenance window is provisioned from the configuration; remove it there"));
  }
  if (auto deleted = context_.store->delete_maintenance(caller.principal.org, id); !deleted) {
    if (deleted.error().kind == WriteFailure::not_found) {
      return std::unexpected(maintenance_not_found());
    }
    return std::unexpected(internal("deleting a maintenance window", deleted.error().message));
  }
  log::info(
      "maintenance window deleted through the API",
      {{"maintenance", id}, {"org", caller.principal.org}, {"principal", caller.principal.name}});
  http::HttpResponse response;
  response.status = 204;
  return response;
}

ApiResult<http::HttpResponse> ApiHandlers::list_suppressed(const Caller& caller,
                                                           const http::HttpRequest& request) {
  auto page = parse_page(request);
  if (!page) return std::unexpected(page.error());
  const std::string id(request.path_param("maintenance_id"));
  auto windows = org_maintenance(caller);
  if (!windows) return std::unexpected(windows.error());
  const auto found = std::find_if(windows->begin(), windows->end(),
                                  [&](const MaintenanceWindow& window) { return window.id == id; });
  if (found == windows->end() || !visible(caller, *found)) {
    return std::unexpected(maintenance_not_found());
  }
  const std::string& org = caller.principal.org;
  auto total = context_.store->count_suppressed_events(org, id);
  if (!total) return std::unexpected(internal("counting suppressed events", total.error().message));
  json items = json::array();
  if (page->offset < *total) {
    // The store pages from the newest only: read up to the page's end, keep the page.
    auto events = context_.store->suppressed_events(org, id, page->offset + page->limit);
    if (!events) {
      return std::unexpected(internal("reading suppressed events", events.error().message));
    }
    for (std::size_t i = static_cast<std::size_t>(page->offset); i < events->size(); ++i) {
      const StoredSuppressedEvent& event = (*events)[i];
      json item = json::parse(event.payload, nullptr, false);
      if (!item.is_object()) {
        // Written by slamon, so only a damaged database gets here; show what is known.
        item = json{{"id", event.id},
                    {"type", event.type},
                    {"occurred_at", format_rfc3339(event.occurred_at)},
                    {"org_id", event.org_id}};
      }
      item["maintenance_id"] = event.maintenance_id;
      items.push_back(std::move(item));
    }
  }
  return json_response(200, list_json(std::move(items), *total, *page));
}

}  // namespace slamon::api
