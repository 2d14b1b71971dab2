// The REST API under /api/v1/sla (SPEC §11) and /api/v1/openapi.json: handlers that
// authenticate the caller (SPEC §8), scope every read and write to the caller's org and site
// grant, validate bodies with the same code as rule files, and answer in the SPEC §11 shapes.
// Handlers run concurrently on HTTP worker threads; everything they share is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "config/config.h"
#include "engine/engine.h"
#include "http/server.h"
#include "store/dead_letters.h"
#include "store/store.h"

namespace slamon::history {
class History;
}

namespace slamon::api {

struct ApiOptions {
  int evaluations_per_minute = 2;  // per org, SPEC §11 /evaluate
};

struct ApiContext {
  std::function<ConfigPtr()> config;  // the running configuration (changes on reload)
  Store* store = nullptr;
  // Runs an evaluation cycle now (POST /evaluate); the app pauses delivery around it as it
  // does for its scheduled cycles.
  std::function<Result<CycleReport>(const ConfigPtr&, const CycleOptions&)> run_cycle;
  Clock* clock = nullptr;
  // The outbox's dead letters (the delivery worker); null: none runs, the lists are empty and
  // a retry answers 404.
  DeadLetterQueue* dead_letters = nullptr;
  // The measured-value history (SPEC §7.1). Null: /compliance reports every metric's statistics
  // as null and /periods judges uptime policies without measured samples (achieved uptime,
  // budget used and credits then read as nothing measured).
  history::History* history = nullptr;
  // Called after a write that added events to the outbox (an acknowledgement, an evaluation,
  // a dead letter's retry), so they are delivered now rather than at the worker's next poll.
  // May be empty.
  std::function<void()> events_committed;
  // SPEC §10 reports: called after a report was queued, so the report worker renders it now.
  // May be empty.
  std::function<void()> report_queued;
  // SPEC §10 report schedules: called after the API created, changed or removed one, so the
  // scheduler looks at its next occurrence now. May be empty.
  std::function<void()> schedules_changed;
  // The data of a report not rendered yet, as JSON, built now from the read model (the daemon
  // passes reports::report_json). Empty: downloading a pending report answers 409.
  std::function<Result<nlohmann::json>(const Config&, const StoredReport&)> report_data;
  ApiOptions options;
};

// Registers every /api/v1 route on `server` (before it starts), or on any registrar (tests
// pass a recorder to list exactly the routes that are registered).
void install_routes(http::HttpServer& server, ApiContext context);
void install_routes(const http::RouteRegistrar& registrar, ApiContext context);

// The OpenAPI 3.0 document served at GET /api/v1/openapi.json (exporters/api/openapi.json,
// embedded at build time).
std::string_view openapi_document();

}  // namespace slamon::api
