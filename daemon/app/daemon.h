// Daemon: the long-running `slamon run` process. Owns the configuration snapshot, the store,
// the engine, the notification delivery worker and the HTTP server; runs evaluation cycles on
// schedule (SPEC §6.1); reloads atomically on request, keeping the running configuration when the
// new one is invalid (SPEC §1); stops cleanly. Thread-safe: request_reload / request_stop /
// reload_now may be called from any thread (signal thread, HTTP workers) while run() loops on its
// own.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "app/degraded_counters.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/loader.h"
#include "delivery/delivery_service.h"
#include "engine/engine.h"
#include "history/history.h"
#include "metrics/exposition.h"
#include "notify/alertmanager.h"
#include "routing/routing.h"
#include "snmp/snmp_service.h"

namespace slamon::reports {
class ReportJobs;
class ReportScheduler;
}  // namespace slamon::reports

namespace slamon {

// HTTP worker threads when --web.max-connections is not given. Each open connection holds
// one, a half-open one (slowloris) for up to the request timeout, so this is how many a
// client can hold open before /metrics and /-/healthy wait: above the 1,000 of issue 16,
// with room for the scrapers and dashboards. A parked worker costs ~18 KiB of RSS.
inline constexpr int kDefaultWebMaxConnections = 2048;

class Store;
class ServiceNotifier;
namespace http {
class HttpServer;
}  // namespace http

class Daemon {
 public:
  // `notifier` (may be null) hears READY / RELOADING / STOPPING and the main loop's heartbeat
  // when slamon runs under systemd; it must outlive the daemon.
  Daemon(std::string config_path, FlagOverrides flags, Clock& clock,
         ServiceNotifier* notifier = nullptr);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Loads and validates the configuration, opens the store, starts the HTTP listener.
  // On failure nothing keeps running and the error says what to fix.
  Status start();
  // Runs cycles on schedule until request_stop(); returns the process exit code.
  int run();

  void request_reload();  // performed by run() on its own thread, as soon as it can
  void request_stop();
  // Reloads now on the caller's thread; returns the problems when the new config is rejected.
  Status reload_now();

  ConfigPtr config() const;
  metrics::ReloadStatus reload_status() const;
  int http_port() const;
  bool ready() const { return ready_.load(); }
  Engine& engine() { return *engine_; }

 private:
  // Returns the STATUS= line that sums up the cycle for `systemctl status`.
  std::string run_scheduled_cycle();
  Result<CycleReport> run_cycle_yielding_delivery(const ConfigPtr& config,
                                                  const CycleOptions& options);
  // Tells the service notifier the main loop is alive and will beat again within `lease`.
  void heartbeat(Duration lease);
  // The reload itself; the caller holds reload_mutex_.
  Status reload_locked();
  // The STATUS= line while the daemon waits for its next cycle.
  std::string ready_status() const;
  // Re-posts the open breaches' alerts to each Alertmanager notifier, off the cycle's thread.
  void refresh_alertmanagers(const SnapshotPtr& snapshot);
  // Starts a history retention and downsampling pass off the cycle's thread, unless the last
  // one still runs.
  void start_history_upkeep();
  std::optional<metrics::OutboxStatus> outbox_status() const;
  metrics::ReportStatus report_status() const;
  void install_routes(http::HttpServer& server);

  std::string config_path_;
  FlagOverrides flags_;
  Clock& clock_;
  ServiceNotifier* notifier_;

  mutable std::mutex config_mutex_;  // guards config_ and reload_
  ConfigPtr config_;
  metrics::ReloadStatus reload_;
  std::mutex reload_mutex_;  // one reload at a time

  // Failures worked around (housekeeping, Alertmanager refresh, outbox reads) for /metrics;
  // declared before the tasks that count into it, so it outlives them.
  mutable DegradedCounters degraded_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<snmp::SnmpService> snmp_;    // outlives engine_, whose sources read it
  std::unique_ptr<history::History> history_;  // outlives engine_, which appends to it
  std::future<void> history_upkeep_;           // the last retention pass (cycle thread only)
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<delivery::DeliveryService> delivery_;
  std::unique_ptr<reports::ReportJobs> report_jobs_;            // renders the API's report jobs
  std::unique_ptr<reports::ReportScheduler> report_scheduler_;  // queues scheduled reports
  // Of the running configuration; guarded by config_mutex_.
  std::shared_ptr<const routing::EventRouter> notification_router_;
  std::vector<std::shared_ptr<notify::AlertmanagerNotifier>> alertmanagers_;
  std::future<void> alert_refresh_;  // the last Alertmanager refresh (cycle thread only)
  std::unique_ptr<http::HttpServer> http_;

  std::atomic<bool> ready_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> reload_requested_{false};
};

}  // namespace slamon
