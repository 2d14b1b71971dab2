#include "app/daemon.h"

#include <algorithm>
#include <sstream>
#include <thread>

#include "api/api.h"
#include "app/housekeeping.h"
#include "app/landing_page.h"
#include "app/logging.h"
#include "app/notifications.h"
#include "app/scheduler.h"
#include "app/service_notifier.h"
#include "app/source_factory.h"
#include "common/log.h"
#include "config/web_config_reader.h"
#include "http/server.h"
#include "reports/report_jobs.h"
#include "reports/report_scheduler.h"
#include "slamon/build_info.h"
#include "status/routes.h"
#include "store/store.h"

namespace slamon {
namespace {

std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::ostringstream out;
  for (std::size_t i = 0; i < diagnostics.size(); ++i) {
    if (i > 0) out << "\n";
    out << diagnostics[i].to_string();
  }
  return out.str();
}

// Settings the running process cannot change in place; a reload that changes them is
// applied except for them, with a warning, rather than refused.
void warn_about_restart_only_changes(const GlobalConfig& running, const GlobalConfig& loaded) {
  auto check = [](std::string_view key, const std::string& before, const std::string& after) {
    if (before != after) {
      log::warn("setting changed on reload but needs a restart to take effect",
                {{"setting", key}, {"running", before}, {"configured", after}});
    }
  };
  check("listen_address", running.listen_address, loaded.listen_address);
  check("storage_path", running.storage_path, loaded.storage_path);
}

// How long an evaluation cycle may run before the watchdog takes it for wedged: a cycle that
// overruns its interval is normal (the due times it misses are counted as skipped), one that
// runs for three intervals, and at least ten minutes, is stuck on something.
Duration cycle_watchdog_lease(Duration evaluation_interval) {
  return std::max<Duration>(3 * evaluation_interval, std::chrono::minutes(10));
}

std::string count_of(std::size_t n, std::string_view what) {
  if (n == 1) return "1 " + std::string(what);
  // "policy" is the only word counted that does not take a plain "s".
  return std::to_string(n) + " " +
         (what == "policy" ? std::string("policies") : std::string(what) + "s");
}

std::size_t line_count(const std::string& text) {
  if (text.empty()) return 0;
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// What --web.config.file (or global.web_config_file) asks for: TLS and basic auth; plain HTTP
// without basic auth when no file is named. Read again on every reload, so a rotated
// certificate under the same file name is picked up.
Result<http::WebConfig> load_web_settings(const GlobalConfig& global) {
  if (global.web_config_file.empty()) return http::WebConfig{};
  return load_web_config(global.web_config_file);
}

}  // namespace

Daemon::Daemon(std::string config_path, FlagOverrides flags, Clock& clock,
               ServiceNotifier* notifier)
    : config_path_(std::move(config_path)),
      flags_(std::move(flags)),
      clock_(clock),
      notifier_(notifier) {}

Daemon::~Daemon() {
  http_.reset();  // stop serving before the engine, outbox and store it reads go away
  if (alert_refresh_.valid()) alert_refresh_.wait();
  if (delivery_) delivery_->stop();
  delivery_.reset();
  if (report_scheduler_) report_scheduler_->stop();
  report_scheduler_.reset();
  if (report_jobs_) report_jobs_->stop();
  report_jobs_.reset();
  engine_.reset();
  if (history_upkeep_.valid()) history_upkeep_.wait();
  history_.reset();
  if (snmp_) snmp_->stop();
  snmp_.reset();
  store_.reset();
}

Status Daemon::start() {
  if (notifier_) notifier_->status("Starting: loading " + config_path_);
  LoadResult loaded = load_config(config_path_, flags_);
  if (!loaded.ok()) {
    return fail("the configuration is invalid:\n" + join_diagnostics(loaded.diagnostics));
  }
  auto web = load_web_settings(loaded.config->global);
  if (!web) return fail("the web configuration is invalid:\n" + web.error().message);
  configure_logging(loaded.config->global);
  {
    std::lock_guard lock(config_mutex_);
    config_ = loaded.config;
    reload_ = metrics::ReloadStatus{true, clock_.now()};
  }
  const GlobalConfig& global = loaded.config->global;

  auto store = Store::open(global.storage_path);
  if (!store)
    return fail("cannot open the store " + global.storage_path + ": " + store.error().message);
  store_ = std::move(*store);
  auto snmp = snmp::SnmpService::open(global.storage_path, clock_, loaded.config);
  if (!snmp) {
    return fail("cannot open the SNMP sample history in " + global.storage_path + ": " +
                snmp.error().message);
  }
  snmp_ = std::move(*snmp);
  snmp_->start();
  auto history = history::History::open(global.storage_path, clock_);
  if (!history) {
    return fail("cannot open the measurement history in " + global.storage_path + ": " +
                history.error().message);
  }
  history_ = std::move(*history);
  engine_ = std::make_unique<Engine>(clock_, store_.get(), production_source_factory(snmp_.get()));
  engine_->set_history(history_.get());

  auto notifications = build_notification_setup(loaded.config);
  if (!notifications) return fail(notifications.error().message);
  notification_router_ = notifications->router;
  alertmanagers_ = notifications->alertmanagers;
  auto delivery = delivery::DeliveryService::open(global.storage_path, clock_,
                                                  std::move(notifications->delivery));
  if (!delivery) {
    return fail("cannot open the notification outbox in " + global.storage_path + ": " +
                delivery.error().message);
  }
  delivery_ = std::move(*delivery);
  delivery_->start();
  // Renders reports left pending by a previous run first, then those the API queues.
  report_jobs_ =
      std::make_unique<reports::ReportJobs>([this] { return config(); }, *store_, history_.get(),
                                            clock_, reports::ReportJobsOptions{global.reports_dir});
  report_jobs_->start();
  // Runs a schedule occurrence missed while slamon was down first, then each one as it comes.
  report_scheduler_ = std::make_unique<reports::ReportScheduler>(
      [this] { return config(); }, *store_, clock_, [this] { report_jobs_->wake(); });
  report_scheduler_->start();

  http::HttpServerOptions options;
  options.listen_address = global.listen_address;
  options.num_threads =
      flags_.web_max_connections > 0 ? flags_.web_max_connections : kDefaultWebMaxConnections;
  http_ = std::make_unique<http::HttpServer>(options);
  install_routes(*http_);
  if (auto applied = http_->apply_web_config(*web); !applied) return fail(applied.error().message);
  if (auto started = http_->start(); !started) return fail(started.error().message);

  auto open_breaches = store_->open_breaches();
  log::info("slamon started", {{"version", build::kVersion},
                               {"revision", build::kRevision},
                               {"listen_address", global.listen_address},
                               {"port", http_port()},
                               {"storage", global.storage_path},
                               {"policies", loaded.config->policies.size()},
                               {"open_breaches", open_breaches ? open_breaches->size() : 0}});
  ready_ = true;
  // Only now: the configuration and the store are loaded and the listener accepts connections.
  if (notifier_) notifier_->ready(ready_status());
  return {};
}

std::string Daemon::ready_status() const {
  const ConfigPtr config = this->config();
  std::string listen = config->global.listen_address;
  // Port 0 asks the kernel for one: show the one it gave.
  if (listen.ends_with(":0"))
    listen = listen.substr(0, listen.size() - 1) + std::to_string(http_port());
  return "Ready: " + count_of(config->policies.size(), "policy") + ", listening on " + listen;
}

void Daemon::heartbeat(Duration lease) {
  if (notifier_) notifier_->heartbeat(lease);
}

int Daemon::run() {
  WallTime due = clock_.now();  // the first cycle runs at once
  // Under a systemd watchdog the loop wakes at least this often to show it is alive.
  // (Zero: no watchdog.)
  const Duration beat_every =
      notifier_ ? notifier_->heartbeat_interval().value_or(Duration::zero()) : Duration::zero();
  const bool watched = beat_every > Duration::zero();
  while (!stop_requested_) {
    if (watched) heartbeat(2 * beat_every);
    if (reload_requested_.exchange(false)) (void)reload_now();
    if (clock_.now() >= due) {
      heartbeat(cycle_watchdog_lease(config()->global.evaluation_interval));
      const std::string cycle_status = run_scheduled_cycle();
      if (notifier_) notifier_->status(cycle_status);
      const auto interval = config()->global.evaluation_interval;
      const NextCycle next = next_cycle(due, interval, clock_.now());
      for (long long i = 0; i < next.skipped; ++i) engine_->count_skipped();
      if (next.skipped > 0) {
        log::warn("evaluation cycle overran its interval; skipped due cycles",
                  {{"skipped", next.skipped},
                   {"interval", static_cast<long long>(interval.count() / 1000)}});
      }
      due = next.due;
      continue;
    }
    clock_.sleep_until(watched ? std::min(due, clock_.now() + beat_every) : due);
  }
  log::info("slamon stopped");
  ready_ = false;
  return 0;
}

void Daemon::start_history_upkeep() {
  if (history_upkeep_.valid() &&
      history_upkeep_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    return;
  }
  // Cycles only ever write the status timeline after (their time - one interval), so the days
  // before that are final and can be summed.
  const WallTime timeline_final_before =
      clock_.now() - std::max<Duration>(std::chrono::days(1), config()->global.evaluation_interval);
  history_upkeep_ = std::async(std::launch::async, [this, history = history_.get(),
                                                    store = store_.get(), timeline_final_before] {
    run_housekeeping(*history, *store, timeline_final_before, degraded_);
  });
}

// The delivery worker starts no attempt while a cycle runs, so the cycle has the CPU and the
// database's write lock to itself (DeliveryService::CycleYield).
Result<CycleReport> Daemon::run_cycle_yielding_delivery(const ConfigPtr& config,
                                                        const CycleOptions& options) {
  const auto yield = delivery_->yield_to_cycle();
  return engine_->run_cycle(config, options);
}

std::string Daemon::run_scheduled_cycle() {
  const ConfigPtr config = this->config();
  Result<CycleReport> report = run_cycle_yielding_delivery(config, {});
  // The write-ahead log's pages go back to the database now that the cycle is published, not
  // inside its commit (see Store::checkpoint).
  if (auto checkpointed = store_->checkpoint(); !checkpointed) {
    ++degraded_.checkpoint_failures;
    log::warn("cannot checkpoint the state database", {{"err", checkpointed.error().message}});
  }
  if (!report) {
    log::error("evaluation cycle failed", {{"err", report.error().message}});
    return "Running: the last evaluation cycle failed (see the log)";
  }
  delivery_->wake();
  refresh_alertmanagers(report->snapshot);
  start_history_upkeep();
  log::info("evaluation cycle finished",
            {{"policies", report->policies_evaluated},
             {"opened", report->breaches_opened},
             {"escalated", report->breaches_escalated},
             {"resolved", report->breaches_resolved},
             {"no_data", report->no_data},
             {"queries", report->queries},
             {"fetch_seconds", report->fetch_seconds},
             {"duration_seconds", report->snapshot->duration_seconds}});
  std::ostringstream status;
  status.setf(std::ios::fixed);
  status.precision(1);
  status << "Running: last cycle at " << format_rfc3339(report->snapshot->evaluated_at) << ", "
         << count_of(report->policies_evaluated, "policy") << " evaluated, "
         << report->breaches_opened << " opened, " << report->breaches_resolved << " resolved, "
         << report->no_data << " without data, " << report->snapshot->duration_seconds << " s";
  return status.str();
}

void Daemon::refresh_alertmanagers(const SnapshotPtr& snapshot) {
  if (!snapshot) return;
  std::shared_ptr<const routing::EventRouter> router;
  std::vector<std::shared_ptr<notify::AlertmanagerNotifier>> alertmanagers;
  {
    std::lock_guard lock(config_mutex_);
    router = notification_router_;
    alertmanagers = alertmanagers_;
  }
  if (alertmanagers.empty() || !router) return;
  // A refresh still running (a slow Alertmanager) is not queued behind: the next cycle's
  // refresh carries the same alerts.
  if (alert_refresh_.valid() &&
      alert_refresh_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    ++degraded_.alertmanager_refresh_skipped;
    log::warn("Alertmanager refresh still running; skipping this cycle's");
    return;
  }
  const WallTime now = clock_.now();
  alert_refresh_ = std::async(std::launch::async, [this, router, alertmanagers, snapshot, now] {
    resend_open_breach_alerts(*router, alertmanagers, *snapshot, now, degraded_);
  });
}

void Daemon::request_reload() {
  reload_requested_ = true;
  clock_.wake();
}

void Daemon::request_stop() {
  if (notifier_ && !stop_requested_.load()) {
    notifier_->stopping("Stopping: finishing the running cycle and flushing state");
  }
  stop_requested_ = true;
  clock_.wake();
}

Status Daemon::reload_now() {
  std::lock_guard one_at_a_time(reload_mutex_);
  if (notifier_) notifier_->reloading("Reloading the configuration from " + config_path_);
  Status reloaded = reload_locked();
  // READY=1 ends the reload for systemd whatever its outcome: a rejected one keeps serving.
  if (notifier_) {
    notifier_->ready(reloaded ? ready_status() + " (configuration reloaded)"
                              : ready_status() + " (reload rejected: " +
                                    count_of(line_count(reloaded.error().message), "problem") +
                                    ", see the log; running the previous configuration)");
  }
  return reloaded;
}

Status Daemon::reload_locked() {
  LoadResult loaded = load_config(config_path_, flags_);
  Result<http::WebConfig> web = http::WebConfig{};
  if (loaded.ok()) web = load_web_settings(loaded.config->global);
  std::lock_guard lock(config_mutex_);
  if (!loaded.ok()) {
    reload_.last_successful = false;
    for (const auto& d : loaded.diagnostics)
      log::error("reload rejected", {{"problem", d.to_string()}});
    log::error("configuration reload failed; keeping the running configuration",
               {{"problems", loaded.diagnostics.size()}});
    return fail(join_diagnostics(loaded.diagnostics));
  }
  // A bad web config rejects the whole reload, exactly as a bad slamon.yml does. Applying it
  // does not wait for the listener (see HttpServer::apply_web_config), so this is safe on the
  // thread POST /-/reload waits for.
  Status applied = web ? (http_ ? http_->apply_web_config(*web) : Status{})
                       : Status(std::unexpected(web.error()));
  if (!applied) {
    reload_.last_successful = false;
    std::istringstream problems(applied.error().message);
    std::size_t count = 0;
    for (std::string line; std::getline(problems, line); ++count)
      log::error("reload rejected", {{"problem", line}});
    log::error("configuration reload failed; keeping the running configuration",
               {{"problems", count}});
    return fail(applied.error().message);
  }
  auto notifications = build_notification_setup(loaded.config);
  if (!notifications) {
    reload_.last_successful = false;
    log::error("reload rejected", {{"problem", notifications.error().message}});
    log::error("configuration reload failed; keeping the running configuration", {{"problems", 1}});
    return fail(notifications.error().message);
  }
  if (delivery_) delivery_->reconfigure(std::move(notifications->delivery));
  if (snmp_) snmp_->reconfigure(loaded.config);
  notification_router_ = notifications->router;
  alertmanagers_ = notifications->alertmanagers;
  warn_about_restart_only_changes(config_->global, loaded.config->global);
  configure_logging(loaded.config->global);
  config_ = loaded.config;
  reload_ = metrics::ReloadStatus{true, clock_.now()};
  log::info("configuration reloaded", {{"policies", config_->policies.size()}});
  clock_.wake();  // a changed evaluation interval applies from the next due time
  if (report_scheduler_) report_scheduler_->wake();  // schedules may have changed
  return {};
}

std::optional<metrics::OutboxStatus> Daemon::outbox_status() const {
  metrics::OutboxStatus status;
  const WallTime now = clock_.now();
  for (const delivery::NotifierCounts& counts : delivery_->counts()) {
    const auto paused_until = delivery_->paused_until(counts.notifier, now);
    status.notifiers.push_back(
        {counts.notifier, counts.delivered, counts.retried, counts.dead,
         paused_until ? std::chrono::duration<double>(paused_until->time_since_epoch()).count()
                      : 0.0});
  }
  auto pending = delivery_->pending_count();
  auto oldest = delivery_->oldest_pending_age(now);
  if (!pending || !oldest) {
    ++degraded_.outbox_read_failures;
    log::warn("cannot read the notification outbox for /metrics",
              {{"err", !pending ? pending.error().message : oldest.error().message}});
    return std::nullopt;
  }
  status.pending = *pending;
  status.oldest_pending_age_seconds = static_cast<double>(oldest->count()) / 1000.0;
  return status;
}

ConfigPtr Daemon::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

metrics::ReloadStatus Daemon::reload_status() const {
  std::lock_guard lock(config_mutex_);
  return reload_;
}

int Daemon::http_port() const {
  return http_ ? http_->port() : 0;
}

metrics::ReportStatus Daemon::report_status() const {
  const reports::ReportJobStats stats = report_jobs_->stats();
  metrics::ReportStatus status;
  for (const auto& [key, count] : stats.renders) {
    status.renders.push_back({key.first, key.second, count});
  }
  status.duration_seconds_sum = stats.duration_seconds_sum;
  status.durations = stats.durations;
  for (const reports::ScheduleStatus& schedule : report_scheduler_->status()) {
    metrics::ReportScheduleMetrics& out = status.schedules.emplace_back();
    out.schedule = schedule.schedule_id;
    if (schedule.last_run) {
      out.last_run_seconds =
          std::chrono::duration<double>(schedule.last_run->time_since_epoch()).count();
    }
    const auto render_failures = stats.schedule_failures.find(schedule.schedule_id);
    out.failures = schedule.failures +
                   (render_failures == stats.schedule_failures.end() ? 0 : render_failures->second);
  }
  return status;
}

void Daemon::install_routes(http::HttpServer& router) {
  router.handle("GET", "/metrics", [this](const http::HttpRequest&) {
    metrics::ExpositionInput input{engine_->snapshot(), engine_->counters(), reload_status(),
                                   build::kVersion,     build::kRevision,    outbox_status(),
                                   snmp_->status(),     degraded_.read(),    report_status()};
    input.degraded.history_corrupt_chunks = history_->health().corrupt_chunks;
    return http::HttpResponse::text(200, metrics::render_metrics(input),
                                    metrics::kExpositionContentType);
  });
  router.handle("GET", "/-/healthy", [](const http::HttpRequest&) {
    return http::HttpResponse::text(200, "slamon is Healthy.\n");
  });
  router.handle("GET", "/-/ready", [this](const http::HttpRequest&) {
    return ready() ? http::HttpResponse::text(200, "slamon is Ready.\n")
                   : http::HttpResponse::text(503, "slamon is not ready.\n");
  });
  router.handle("POST", "/-/reload", [this](const http::HttpRequest&) {
    // Parsing runs on a thread of its own: civetweb's worker stacks are small, and deep YAML
    // documents recurse.
    Status reloaded;
    std::thread([&] { reloaded = reload_now(); }).join();
    if (!reloaded) {
      return http::HttpResponse::text(
          500, "failed to reload config: " + reloaded.error().message + "\n");
    }
    return http::HttpResponse::text(200, "");
  });
  api::ApiContext api;
  api.config = [this] { return config(); };
  api.store = store_.get();
  api.history = history_.get();
  api.run_cycle = [this](const ConfigPtr& config, const CycleOptions& options) {
    return run_cycle_yielding_delivery(config, options);
  };
  api.clock = &clock_;
  api.dead_letters = delivery_.get();
  api.events_committed = [this] { delivery_->wake(); };
  api.report_queued = [this] { report_jobs_->wake(); };
  api.schedules_changed = [this] { report_scheduler_->wake(); };
  api.report_data = [this](const Config& config, const StoredReport& report) {
    return reports::report_json(config, *store_, history_.get(), report, clock_.now());
  };
  api::install_routes(router, std::move(api));
  // SPEC §14 pages: HTML for people, computed per request (never from the API's cache).
  status::install_status_routes(
      router, {[this] { return config(); }, store_.get(), history_.get(), &clock_});
  router.handle("GET", "/", [this](const http::HttpRequest&) {
    return http::HttpResponse::text(200, render_landing_page(config()->global.external_url),
                                    "text/html; charset=utf-8");
  });
}

}  // namespace slamon
