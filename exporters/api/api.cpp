#include "api/api.h"

#include <memory>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/openapi_document.h"
#include "api/response_cache.h"

namespace slamon::api {

namespace {

using Method = ApiResult<http::HttpResponse> (ApiHandlers::*)(const ApiHandlers::Caller&,
                                                              const http::HttpRequest&);

struct ApiRoute {
  std::string_view method;
  std::string_view pattern;
  Permission permission;
  Method handle;
  // The answer depends on the time of the request (rolling windows, "active now"), so it is
  // never served from the response cache.
  bool reads_clock = false;
};

// Every endpoint of SPEC §11 this release serves. docs/api.md and exporters/api/openapi.json
// describe exactly these; a test keeps the three in step.
constexpr ApiRoute kRoutes[] = {
    {"GET", "/api/v1/sla/summary", Permission::config_read, &ApiHandlers::summary},
    {"GET", "/api/v1/sla/policies", Permission::config_read, &ApiHandlers::list_policies},
    {"POST", "/api/v1/sla/policies", Permission::config_write, &ApiHandlers::create_policy},
    {"GET", "/api/v1/sla/policies/{policy_id}", Permission::config_read, &ApiHandlers::get_policy},
    {"PATCH", "/api/v1/sla/policies/{policy_id}", Permission::config_write,
     &ApiHandlers::update_policy},
    {"DELETE", "/api/v1/sla/policies/{policy_id}", Permission::config_write,
     &ApiHandlers::delete_policy},
    {"GET", "/api/v1/sla/breaches", Permission::config_read, &ApiHandlers::list_breaches},
    {"POST", "/api/v1/sla/breaches/{breach_id}/acknowledge", Permission::config_write,
     &ApiHandlers::acknowledge},
    {"POST", "/api/v1/sla/evaluate", Permission::config_write, &ApiHandlers::evaluate},
    {"GET", "/api/v1/sla/notifications/dead-letters", Permission::config_read,
     &ApiHandlers::list_dead_letters},
    {"POST", "/api/v1/sla/notifications/dead-letters/{dead_letter_id}/retry",
     Permission::config_write, &ApiHandlers::retry_dead_letter},
    {"GET", "/api/v1/sla/policies/{policy_id}/compliance", Permission::config_read,
     &ApiHandlers::policy_compliance, true},
    {"GET", "/api/v1/sla/policies/{policy_id}/periods", Permission::config_read,
     &ApiHandlers::policy_periods, true},
    {"GET", "/api/v1/sla/maintenance", Permission::config_read, &ApiHandlers::list_maintenance,
     true},
    {"POST", "/api/v1/sla/maintenance", Permission::config_write, &ApiHandlers::create_maintenance},
    {"DELETE", "/api/v1/sla/maintenance/{maintenance_id}", Permission::config_write,
     &ApiHandlers::delete_maintenance},
    {"GET", "/api/v1/sla/maintenance/{maintenance_id}/suppressed", Permission::config_read,
     &ApiHandlers::list_suppressed},
    {"POST", "/api/v1/sla/reports/generate", Permission::config_read,
     &ApiHandlers::generate_report},
    {"GET", "/api/v1/sla/reports", Permission::config_read, &ApiHandlers::list_reports},
    // A pending report's data is built at the time of the request, and a file on disk may
    // change without a store write, so downloads are never cached.
    {"GET", "/api/v1/sla/reports/{report_id}/download", Permission::config_read,
     &ApiHandlers::download_report, true},
    // next_run_at is computed from the time of the request.
    {"GET", "/api/v1/sla/report-schedules", Permission::config_read,
     &ApiHandlers::list_report_schedules, true},
    {"POST", "/api/v1/sla/report-schedules", Permission::config_write,
     &ApiHandlers::create_report_schedule},
    {"PUT", "/api/v1/sla/report-schedules/{schedule_id}", Permission::config_write,
     &ApiHandlers::replace_report_schedule},
    {"DELETE", "/api/v1/sla/report-schedules/{schedule_id}", Permission::config_write,
     &ApiHandlers::delete_report_schedule},
};

}  // namespace

std::string_view openapi_document() {
  return kOpenApiDocument;
}

void install_routes(const http::RouteRegistrar& registrar, ApiContext context) {
  Store* store = context.store;
  auto handlers = std::make_shared<ApiHandlers>(std::move(context));
  auto cache = std::make_shared<ResponseCache>();
  for (const ApiRoute& route : kRoutes) {
    // Every other GET answer is a function of the configuration and the store alone (its
    // handler reads neither the clock nor the engine), so it can be reused until either
    // changes. The history shares the store's file, so its writes change the generation too.
    const bool cacheable = route.method == "GET" && !route.reads_clock;
    registrar(route.method, route.pattern,
              [handlers, cache, store, route, cacheable](const http::HttpRequest& request) {
                auto caller = handlers->authorize(request, route.permission);
                if (!caller) return caller.error().response();
                auto answer = [&]() -> ApiResult<http::HttpResponse> {
                  return ((*handlers).*route.handle)(*caller, request);
                };
                // Read before querying: an answer computed while a write lands is kept under
                // the older generation, so it is never served after that write. 0: the store
                // could not tell, so nothing is cached.
                const std::uint64_t generation = cacheable ? store->data_generation() : 0;
                if (generation == 0) {
                  auto response = answer();
                  return response ? std::move(*response) : response.error().response();
                }
                const std::string key = ResponseCache::key_of(caller->principal, request);
                if (auto hit = cache->find(key, caller->config.get(), generation)) return *hit;
                auto response = answer();
                if (!response) return response.error().response();
                if (response->status == 200) {
                  cache->remember(key, caller->config, generation, *response);
                }
                return std::move(*response);
              });
  }
  registrar("GET", "/api/v1/openapi.json", [](const http::HttpRequest&) {
    return http::HttpResponse::json(200, std::string(openapi_document()));
  });
}

void install_routes(http::HttpServer& server, ApiContext context) {
  install_routes(server.registrar(), std::move(context));
}

}  // namespace slamon::api
