#include "api/api.h"

#include <memory>

#include "api/errors.h"
#include "api/handlers.h"
#include "api/openapi_document.h"

namespace slamon::api {

namespace {

using Method = ApiResult<http::HttpResponse> (ApiHandlers::*)(const ApiHandlers::Caller&,
                                                              const http::HttpRequest&);

struct ApiRoute {
  std::string_view method;
  std::string_view pattern;
  Permission permission;
  Method handle;
};

// Every endpoint of SPEC §11 this release serves. docs/api.md and daemon/api/openapi.json
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
};

}  // namespace

std::string_view openapi_document() {
  return kOpenApiDocument;
}

void install_routes(const RouteRegistrar& registrar, ApiContext context) {
  auto handlers = std::make_shared<ApiHandlers>(std::move(context));
  for (const ApiRoute& route : kRoutes) {
    registrar(route.method, route.pattern, [handlers, route](const http::HttpRequest& request) {
      auto caller = handlers->authorize(request, route.permission);
      if (!caller) return caller.error().response();
      auto response = ((*handlers).*route.handle)(*caller, request);
      return response ? std::move(*response) : response.error().response();
    });
  }
  registrar("GET", "/api/v1/openapi.json", [](const http::HttpRequest&) {
    return http::HttpResponse::json(200, std::string(openapi_document()));
  });
}

void install_routes(http::HttpServer& server, ApiContext context) {
  install_routes(
      [&server](std::string_view method, std::string_view pattern, http::Handler handler) {
        server.handle(method, pattern, std::move(handler));
      },
      std::move(context));
}

}  // namespace slamon::api
