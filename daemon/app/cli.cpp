#include "app/cli.h"

#include <civetweb.h>
#include <curl/curl.h>
#include <signal.h>
#include <spdlog/version.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <thread>

#include "app/daemon.h"
#include "app/eval_output.h"
#include "app/logging.h"
#include "app/report_command.h"
#include "app/service_notifier.h"
#include "app/source_factory.h"
#include "backtest/command.h"
#include "common/log.h"
#include "config/loader.h"
#include "config/web_config_reader.h"
#include "slamon/build_info.h"
#include "store/store.h"

namespace slamon {
namespace {

constexpr const char* kDefaultConfigFile = "/etc/slamon/slamon.yml";

void print_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) std::cerr << d.to_string() << '\n';
}

int check_config(const std::string& file) {
  const LoadResult loaded = load_config(file);
  if (!loaded.ok()) {
    print_diagnostics(loaded.diagnostics);
    std::cerr << file << ": " << loaded.diagnostics.size() << " problem"
              << (loaded.diagnostics.size() == 1 ? "" : "s") << " found\n";
    return 1;
  }
  const Config& config = *loaded.config;
  if (!config.global.web_config_file.empty()) {
    if (auto web = load_web_config(config.global.web_config_file); !web) {
      std::cerr << web.error().message << '\n';
      return 1;
    }
  }
  std::cout << file << ": OK (" << config.sources.size() << " sources, "
            << config.measurements.size() << " measurements, "
            << config.inventory.organizations.size() << " organizations, " << config.policies.size()
            << " policies from " << config.rule_files.size() << " rule files)\n";
  return 0;
}

// The SNMP poller keeps one socket per device in flight (up to 1,000 by default) beside the
// HTTP connections and SQLite files; a soft limit of 1,024 would narrow its window. Raised to
// the hard limit, as Prometheus does.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log::warn("cannot raise the open-file limit", {{"soft", static_cast<long long>(before)}});
  }
}

bool has_snmp_devices(const Config& config) {
  for (const Organization& org : config.inventory.organizations) {
    for (const Device& device : org.devices) {
      if (device.snmp) return true;
    }
  }
  return false;
}

int eval_once(const std::string& config_file, const FlagOverrides& flags, bool dry_run,
              const std::string& output) {
  const LoadResult loaded = load_config(config_file, flags);
  if (!loaded.ok()) {
    print_diagnostics(loaded.diagnostics);
    return 1;
  }
  configure_logging(loaded.config->global);
  std::unique_ptr<Store> store;
  const std::string& storage = loaded.config->global.storage_path;
  // A dry run reads the existing breaches when there is a store, but never creates one.
  if (!dry_run || std::filesystem::exists(storage)) {
    auto opened = Store::open(storage);
    if (!opened) {
      std::cerr << "slamon: cannot open the store: " << opened.error().message << '\n';
      return 1;
    }
    store = std::move(*opened);
  }
  RealClock clock;
  // SNMP measurements read the sample history: add one poll of every device to it first.
  std::unique_ptr<snmp::SnmpService> snmp_service;
  if (has_snmp_devices(*loaded.config)) {
    raise_open_file_limit();
    // A dry run stores nothing: its poll goes to a history in memory.
    auto opened =
        snmp::SnmpService::open(store && !dry_run ? storage : ":memory:", clock, loaded.config);
    if (!opened) {
      std::cerr << "slamon: cannot open the SNMP sample history: " << opened.error().message
                << '\n';
      return 1;
    }
    snmp_service = std::move(*opened);
    snmp_service->poll_once();
  }
  Engine engine(clock, store.get(), production_source_factory(snmp_service.get()));
  CycleOptions options;
  options.dry_run = dry_run;
  const auto report = engine.run_cycle(loaded.config, options);
  if (!report) {
    std::cerr << "slamon: evaluation failed: " << report.error().message << '\n';
    return 1;
  }
  std::cout << (output == "json" ? render_eval_json(*report) : render_eval_table(*report, dry_run));
  return 0;
}

std::string library_versions() {
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  std::string out;
  out += "  sqlite: " + std::string(sqlite3_libversion()) + "\n";
  out += "  libcurl: " + std::string(curl->version) + "\n";
  out += "  civetweb: " + std::string(mg_version()) + "\n";
  out += "  yaml-cpp: " SLAMON_YAML_CPP_VERSION "\n";
  out += "  prometheus-cpp: " SLAMON_PROMETHEUS_CPP_VERSION "\n";
  out += "  spdlog: " + std::to_string(SPDLOG_VER_MAJOR) + "." + std::to_string(SPDLOG_VER_MINOR) +
         "." + std::to_string(SPDLOG_VER_PATCH) + "\n";
  out += "  nlohmann_json: " + std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
         std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
         std::to_string(NLOHMANN_JSON_VERSION_PATCH) + "\n";
  return out;
}

// Signals are taken by one thread with sigwait, so nothing else runs in a signal handler.
int run_daemon(const std::string& config_file, const FlagOverrides& flags) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  raise_open_file_limit();

  RealClock clock;
  // Declared before the daemon so it outlives it: STOPPING=1 and the watchdog pings cover the
  // whole shutdown.
  ServiceNotifier notifier(clock);
  Daemon daemon(config_file, flags, clock, &notifier);
  if (auto started = daemon.start(); !started) {
    std::cerr << "slamon: " << started.error().message << '\n';
    notifier.status("Failed to start: " + started.error().message);
    return 1;
  }
  std::atomic<bool> finished{false};
  std::jthread signal_thread([&] {
    while (!finished) {
      timespec wait{0, 200'000'000};
      const int sig = sigtimedwait(&signals, nullptr, &wait);
      if (sig == SIGHUP) {
        log::info("SIGHUP received: reloading the configuration");
        daemon.request_reload();
      } else if (sig == SIGTERM || sig == SIGINT) {
        log::info("shutdown requested", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
        daemon.request_stop();
        return;
      }
    }
  });
  const int code = daemon.run();
  finished = true;
  return code;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"slamon: SLA monitoring for network and device fleets, beside Prometheus"};
  app.fallthrough();
  app.require_subcommand(0, 1);
  // A mistyped command line gets the usage with the error, not only "Run with --help".
  app.failure_message(CLI::FailureMessage::help);

  std::string config_file = kDefaultConfigFile;
  FlagOverrides flags;
  app.add_option("--config.file", config_file, "slamon configuration file")->capture_default_str();
  app.add_option("--web.listen-address", flags.listen_address,
                 "address to serve /metrics, the API and /-/ endpoints on (default 0.0.0.0:9877)");
  app.add_option("--web.config.file", flags.web_config_file,
                 "TLS and basic auth configuration (exporter-toolkit format)");
  app.add_option("--web.max-connections", flags.web_max_connections,
                 "HTTP connections served at once; each kept-alive client holds one (default " +
                     std::to_string(kDefaultWebMaxConnections) + ")")
      ->check(CLI::Range(1, 4096));
  app.add_option("--storage.path", flags.storage_path,
                 "SQLite database file (default /var/lib/slamon/slamon.db)");
  app.add_option("--reports.dir", flags.reports_dir,
                 "folder for rendered reports (default /var/lib/slamon/reports)");
  app.add_option("--log.level", flags.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log.format", flags.log_format, "logfmt or json")
      ->check(CLI::IsMember({"logfmt", "json"}));

  auto* run = app.add_subcommand("run", "run the daemon (the default)");
  auto* check = app.add_subcommand("check", "check files");
  check->require_subcommand(1);
  auto* check_config_cmd =
      check->add_subcommand("config", "validate a configuration and every file it names");
  std::string check_file;
  check_config_cmd->add_option("file", check_file, "configuration file")->required();

  auto* eval =
      app.add_subcommand("eval", "evaluate every active policy once and print the verdicts");
  bool once = false;
  bool dry_run = false;
  std::string output = "table";
  eval->add_flag("--once", once, "run one evaluation cycle (required)")->required();
  eval->add_flag("--dry-run", dry_run, "store nothing and send nothing");
  eval->add_option("--output", output, "table or json")->check(CLI::IsMember({"table", "json"}));

  auto* backtest = app.add_subcommand(
      "backtest",
      "replay the policies over a past interval and print the breaches that would have opened "
      "and closed (stores and sends nothing)");
  backtest::CommandOptions backtest_options;
  backtest->add_option("--from", backtest_options.from, "start: RFC 3339 or Unix seconds")
      ->required();
  backtest->add_option("--to", backtest_options.to, "end: RFC 3339 or Unix seconds")->required();
  backtest->add_option("--step", backtest_options.step, "time between evaluations")
      ->capture_default_str();
  backtest->add_option("--output", backtest_options.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  backtest
      ->add_option("--source", backtest_options.source,
                   "prometheus (range queries) or history (slamon's own)")
      ->check(CLI::IsMember({"prometheus", "history"}))
      ->capture_default_str();

  auto* report = app.add_subcommand(
      "report", "render an SLA report (PDF or CSV) from the database, offline and read-only");
  ReportCommandOptions report_options;
  report->add_option("--from", report_options.from, "period start: RFC 3339 or Unix seconds")
      ->required();
  report->add_option("--to", report_options.to, "period end: RFC 3339 or Unix seconds")->required();
  report->add_option("--policy", report_options.policy_ids, "a policy id (repeatable)");
  report->add_option("--org", report_options.org, "every active policy of this organization");
  report->add_option("--format", report_options.format, "pdf or csv")
      ->check(CLI::IsMember({"pdf", "csv"}))
      ->capture_default_str();
  report->add_option("--part", report_options.part, "csv only: breaches or periods")
      ->check(CLI::IsMember({"breaches", "periods"}));
  report->add_option("--title", report_options.title, "the report's title");
  report->add_option("--output", report_options.output, "file to write")->required();

  auto* version = app.add_subcommand("version", "print version and build information");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (version->parsed()) {
    std::cout << "slamon, version " << build::kVersion << " (revision: " << build::kRevision
              << ")\n"
              << "  build date: " << build::kDate << "\n"
              << library_versions();
    return 0;
  }
  if (check_config_cmd->parsed()) return check_config(check_file);

  configure_logging(flags.log_level, flags.log_format);

  if (eval->parsed()) return eval_once(config_file, flags, dry_run, output);
  if (backtest->parsed()) {
    backtest_options.config_file = config_file;
    backtest_options.flags = flags;
    return backtest::run_command(backtest_options, std::cout, std::cerr);
  }
  if (report->parsed()) {
    report_options.config_file = config_file;
    report_options.flags = flags;
    return run_report_command(report_options, std::cout, std::cerr);
  }
  (void)run;
  return run_daemon(config_file, flags);
}

}  // namespace slamon
