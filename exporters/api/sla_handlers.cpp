// The SPEC §7 endpoints of ApiHandlers: a policy's compliance over a rolling window, its
// results per SLA period, and the maintenance windows with the events they suppressed. The
// figures come from the SLA read model (slaview/sla_view.h), which status pages and reports
// read too; these handlers validate the request and render its answer as JSON.
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
#include "history/history.h"
#include "maintenance/maintenance.h"
#include "model/maintenance_json.h"
#include "sla/accounting.h"
#include "sla/calendar.h"
#include "sla/recurrence.h"
#include "slaview/sla_json.h"
#include "slaview/sla_view.h"

namespace slamon::api {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using slaview::number_json;
using slaview::period_json;
using slaview::statuses_json;
using slaview::window_stats_json;

constexpr std::string_view kMaintenancePath = "/api/v1/sla/maintenance/";
// What slamon sets on a window created through the API; a body may not give them.
constexpr std::array kAssignedKeys{"id",         "provisioned", "created_at",
                                   "created_by", "active_now",  "suppressed_events"};
constexpr Duration kMaxPeriodRange = std::chrono::days(400);
constexpr std::size_t kMaxPeriods = 500;
constexpr int kDefaultPeriods = 3;  // the running period and the two before it

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

json list_json(json items, long long total, const Page& page) {
  return json{{"items", std::move(items)},
              {"total", total},
              {"limit", page.limit},
              {"offset", page.offset}};
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
  const slaview::SlaView view(*caller.config, *context_.store, context_.history);
  auto figures = view.compliance(*policy, window, context_.clock->now());
  if (!figures) return std::unexpected(internal("SLA compliance", figures.error().message));

  json metrics = json::object();
  for (const slaview::MetricFigures& metric : figures->metrics) {
    metrics[std::string(to_string(metric.metric))] = window_stats_json(metric.stats);
  }
  return json_response(200, json{{"policy_id", policy->id},
                                 {"window", sla::to_string(window)},
                                 {"from", format_rfc3339(figures->range.start)},
                                 {"to", format_rfc3339(figures->range.end)},
                                 {"compliance_ratio", number_json(figures->compliant_time_ratio)},
                                 {"statuses", statuses_json(figures->statuses)},
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
  auto calendar = slaview::calendar_of(*policy, caller.config->inventory);
  if (!calendar) return std::unexpected(internal("SLA periods", calendar.error().message));
  const WallTime now = context_.clock->now();

  // Defaults: up to now, from the start of the period two before the one holding `to`.
  const WallTime to = to_query->value_or(now);
  const WallTime from =
      *from_query ? **from_query : calendar->start_of_last_periods(to, kDefaultPeriods);
  if (from >= to) return std::unexpected(validation_failed("from", "must be before `to`"));
  if (to - from > kMaxPeriodRange) {
    return std::unexpected(validation_failed("to", "the range may span at most 400 days"));
  }
  if (calendar->periods_overlapping({from, to}).size() > kMaxPeriods) {
    return std::unexpected(validation_failed("to", "the range may hold at most 500 periods"));
  }
  const slaview::SlaView view(*caller.config, *context_.store, context_.history);
  auto periods = view.periods(*policy, {from, to}, now);
  if (!periods) return std::unexpected(internal("SLA periods", periods.error().message));

  json items = json::array();
  for (const sla::PeriodResult& result : periods->items) {
    items.push_back(period_json(result, periods->measures_uptime, periods->has_credits));
  }
  return json_response(
      200, json{{"policy_id", policy->id},
                {"from", format_rfc3339(from)},
                {"to", format_rfc3339(to)},
                {"sla_period",
                 {{"kind", to_string(calendar->kind)}, {"timezone", calendar->zone.name()}}},
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
  if (auto unowned = unowned_scope(*body, caller.principal.org, caller.config->inventory)) {
    return std::unexpected(*unowned);
  }
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
