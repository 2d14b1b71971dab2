#include "status/routes.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "auth/auth.h"
#include "auth/authenticator_cache.h"
#include "common/log.h"
#include "status/render.h"
#include "status/status_page.h"

namespace slamon::status {

namespace {

// Headers every answer of the route carries, whatever its status.
void add_common_headers(http::HttpResponse& response) {
  response.headers.emplace("X-Content-Type-Options", "nosniff");
  response.headers.emplace("Referrer-Policy", "no-referrer");
  response.headers.emplace("X-Frame-Options", "DENY");
}

// One answer for "no such page", "private and no (valid) credentials" and "another org's
// credentials": nothing tells them apart.
http::HttpResponse not_found() {
  auto response = http::HttpResponse::text(404, "404 page not found\n");
  add_common_headers(response);
  response.headers.emplace("Cache-Control", "no-store");
  response.headers.emplace("Content-Security-Policy",
                           "default-src 'none'; base-uri 'none'; form-action 'none'; "
                           "frame-ancestors 'none'");
  return response;
}

http::HttpResponse internal_error() {
  auto response = http::HttpResponse::text(500,
                                           "the status page could not be built; see the "
                                           "slamon log\n");
  add_common_headers(response);
  response.headers.emplace("Cache-Control", "no-store");
  return response;
}

class StatusRoute {
 public:
  explicit StatusRoute(StatusContext context) : context_(std::move(context)) {}

  http::HttpResponse serve(const http::HttpRequest& request) {
    const ConfigPtr config = context_.config();
    if (!config) return not_found();
    const std::string_view slug = request.path_param("slug");
    const auto page = std::find_if(config->status_pages.begin(), config->status_pages.end(),
                                   [&](const StatusPage& p) { return p.slug == slug; });
    if (page == config->status_pages.end()) return not_found();

    const WallTime now = context_.clock->now();
    std::optional<Principal> viewer;
    if (!page->public_page) {
      auto principal =
          authenticators_.get(config)->authenticate(request.header("Authorization"), now);
      if (!principal || principal->org != page->org || !principal->has(Permission::config_read)) {
        return not_found();
      }
      viewer = std::move(*principal);
    }

    auto view = build_page_view(*page, *config, *context_.store, context_.history, now,
                                viewer ? &*viewer : nullptr);
    if (!view) {
      log::error("status page failed", {{"slug", page->slug}, {"error", view.error().message}});
      return internal_error();
    }
    RenderedPage rendered = render_status_page(*view);
    auto response =
        http::HttpResponse::text(200, std::move(rendered.html), "text/html; charset=utf-8");
    add_common_headers(response);
    response.headers.emplace("Content-Security-Policy",
                             content_security_policy(rendered.style_source));
    // A public page may be kept a minute by the browser; a private one, shown for a token,
    // nowhere.
    response.headers.emplace("Cache-Control",
                             page->public_page ? "public, max-age=60" : "private, no-store");
    if (!page->public_page) response.headers.emplace("Vary", "Authorization");
    return response;
  }

 private:
  StatusContext context_;
  AuthenticatorCache authenticators_;
};

}  // namespace

void install_status_routes(const http::RouteRegistrar& registrar, StatusContext context) {
  auto route = std::make_shared<StatusRoute>(std::move(context));
  registrar("GET", "/status/{slug}",
            [route](const http::HttpRequest& request) { return route->serve(request); });
}

void install_status_routes(http::HttpServer& server, StatusContext context) {
  install_status_routes(server.registrar(), std::move(context));
}

}  // namespace slamon::status
