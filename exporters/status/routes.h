// The HTTP route of the status pages (SPEC §14): GET /status/{slug} renders the page named by
// `slug` in the running configuration. A public page needs no credentials; a private one a
// bearer token (or JWT) of the page's organization with config:read. A slug that does not
// exist, a private page without credentials, with invalid ones or with another org's all
// answer the same 404, so the answer never reveals that a private page exists. Pages are
// computed per request (never from the API's response cache). Handlers run concurrently on
// HTTP worker threads; everything they share is thread-safe.
#pragma once

#include <functional>

#include "common/clock.h"
#include "config/config.h"
#include "http/message.h"
#include "http/server.h"
#include "store/store.h"

namespace slamon::history {
class History;
}

namespace slamon::status {

struct StatusContext {
  std::function<ConfigPtr()> config;  // the running configuration (changes on reload)
  Store* store = nullptr;
  history::History* history = nullptr;  // null: pages show no measured values
  Clock* clock = nullptr;
};

// Registers GET /status/{slug}.
void install_status_routes(const http::RouteRegistrar& registrar, StatusContext context);
void install_status_routes(http::HttpServer& server, StatusContext context);

}  // namespace slamon::status
