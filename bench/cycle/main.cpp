// slamon_bench_cycle: evaluation cycles at fleet scale against a real Prometheus (see
// bench/README.md). Generates a fleet (default 5,000 sites, 10,000 policies × 3 thresholds),
// backfills its history into a Prometheus started on loopback, then runs the engine with a
// real SQLite store: a warm-up cycle that opens the breaches, steady-state batched cycles,
// optionally the real `slamon` daemon for its peak memory, and per-scope cycles. Prints
// markdown tables: where each cycle's wall time went, and peak memory.

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "engine/engine.h"
#include "fleet.h"
#include "httpclient/http_client.h"
#include "process.h"
#include "prometheus/prometheus_source.h"
#include "store/store.h"
#include "support/child_process.h"
#include "support/prometheus_server.h"
#include "support/temp_dir.h"

#ifndef SLAMON_DAEMON_BINARY
#define SLAMON_DAEMON_BINARY ""
#endif

namespace slamon::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using testing::ChildOptions;
using testing::ChildProcess;
using testing::environment_with;

double seconds(SteadyClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double seconds_since(SteadyClock::time_point start) {
  return seconds(SteadyClock::now() - start);
}

// One source query as the engine made it: when it started, how long the HTTP exchange with
// Prometheus took (PrometheusSource's own measure) and when the call returned, response parsed.
struct QueryCall {
  SteadyClock::time_point start;
  SteadyClock::duration http{};
  SteadyClock::time_point end;
  bool ok = false;
};

class FetchLog {
 public:
  void record(const QueryCall& call) {
    std::lock_guard lock(mutex_);
    calls_.push_back(call);
  }
  std::vector<QueryCall> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(calls_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<QueryCall> calls_;
};

// The real PrometheusSource, timed: the engine only reports its fetch phase as a whole, which
// also holds slamon's JSON parsing. Thread-safe as the source it wraps.
class TimedSource final : public MetricSource {
 public:
  TimedSource(MetricSourcePtr inner, FetchLog& log) : inner_(std::move(inner)), log_(log) {}
  const std::string& name() const override { return inner_->name(); }
  Result<QueryResult> query(const MetricQuery& query, WallTime at) override {
    QueryCall call;
    call.start = SteadyClock::now();
    auto result = inner_->query(query, at);
    call.end = SteadyClock::now();
    call.ok = result.has_value();
    call.http = result ? result->elapsed : call.end - call.start;
    log_.record(call);
    return result;
  }

 private:
  MetricSourcePtr inner_;
  FetchLog& log_;
};

// Wall time during which at least one query was waiting on Prometheus (the union of the HTTP
// intervals: queries run in parallel).
double waiting_on_prometheus(std::vector<QueryCall> calls) {
  std::sort(calls.begin(), calls.end(),
            [](const QueryCall& a, const QueryCall& b) { return a.start < b.start; });
  SteadyClock::duration total{};
  std::optional<std::pair<SteadyClock::time_point, SteadyClock::time_point>> current;
  for (const auto& call : calls) {
    const auto begin = call.start;
    const auto end = call.start + call.http;
    if (current && begin <= current->second) {
      current->second = std::max(current->second, end);
      continue;
    }
    if (current) total += current->second - current->first;
    current = std::pair{begin, end};
  }
  if (current) total += current->second - current->first;
  return seconds(total);
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto to_seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return to_seconds(usage.ru_utime) + to_seconds(usage.ru_stime);
}

struct CycleRun {
  double wall = 0;
  double fetch = 0;      // the engine's fetch phase (parallel queries, responses parsed)
  double waiting = 0;    // of the fetch phase: at least one query waiting on Prometheus
  double parse_cpu = 0;  // summed over queries: the call after the HTTP exchange (JSON parsing)
  double evaluate = 0;
  double commit = 0;
  double cpu = 0;  // user + system time of this process (every thread) during the cycle
  int queries = 0;
  int failed_queries = 0;
  int opened = 0, escalated = 0, resolved = 0, no_data = 0;
  std::size_t open_breaches = 0;

  double own() const { return wall - waiting; }
  double rest() const { return wall - fetch - evaluate - commit; }  // load breaches, plan, snapshot
};

Result<CycleRun> run_cycle(Engine& engine, const ConfigPtr& config, FetchLog& fetch_log) {
  fetch_log.take();
  const double cpu_before = process_cpu_seconds();
  const auto started = SteadyClock::now();
  auto report = engine.run_cycle(config);
  const double wall = seconds_since(started);
  const double cpu = process_cpu_seconds() - cpu_before;
  if (!report) return std::unexpected(report.error());
  const auto calls = fetch_log.take();
  CycleRun run;
  run.wall = wall;
  run.cpu = cpu;
  run.fetch = report->fetch_seconds;
  run.waiting = waiting_on_prometheus(calls);
  for (const auto& call : calls) {
    run.parse_cpu += seconds(call.end - call.start - call.http);
    if (!call.ok) ++run.failed_queries;
  }
  run.evaluate = report->evaluate_seconds;
  run.commit = report->commit_seconds;
  run.queries = report->queries;
  run.opened = report->breaches_opened;
  run.escalated = report->breaches_escalated;
  run.resolved = report->breaches_resolved;
  run.no_data = report->no_data;
  run.open_breaches = report->snapshot->open_breaches.size();
  return run;
}

struct Phase {
  std::string name;
  std::vector<CycleRun> runs;
  std::optional<long> peak_rss_kib;  // this process, over the phase only

  // The cycle with the median wall time (the lower one for an even count).
  const CycleRun& median() const {
    std::vector<const CycleRun*> sorted;
    for (const auto& run : runs) sorted.push_back(&run);
    std::sort(sorted.begin(), sorted.end(),
              [](const CycleRun* a, const CycleRun* b) { return a->wall < b->wall; });
    return *sorted[(sorted.size() - 1) / 2];
  }
  double min_wall() const {
    return std::min_element(runs.begin(), runs.end(),
                            [](auto& a, auto& b) { return a.wall < b.wall; })
        ->wall;
  }
  double max_wall() const {
    return std::max_element(runs.begin(), runs.end(),
                            [](auto& a, auto& b) { return a.wall < b.wall; })
        ->wall;
  }
};

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

std::string duration_text(double s) {
  return s < 1 ? fixed(s * 1000, s < 0.01 ? 2 : 1) + " ms" : fixed(s, 2) + " s";
}

std::string percent(double part, double whole) {
  return whole > 0 ? fixed(100 * part / whole, 1) + " %" : "-";
}

std::string mib(std::optional<long> kib) {
  return kib ? fixed(static_cast<double>(*kib) / 1024, 1) + " MiB" : "n/a";
}

// The value of the first `prefix: value` line of a /proc file such as /proc/cpuinfo.
std::string proc_value(const std::string& path, std::string_view prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(prefix)) continue;
    const auto value = line.find_first_not_of(" \t", line.find(':') + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "unknown";
}

// `key=value` from a logfmt line (value unquoted when quoted).
std::optional<std::string> logfmt_field(std::string_view line, std::string_view key) {
  const std::string needle = " " + std::string(key) + "=";
  const auto at = line.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + needle.size());
  if (rest.starts_with('"')) {
    rest.remove_prefix(1);
    return std::string(rest.substr(0, rest.find('"')));
  }
  return std::string(rest.substr(0, rest.find(' ')));
}

struct DaemonFigures {
  std::vector<double> cycle_seconds;
  std::vector<double> fetch_seconds;
  int opened_first = 0;
  int no_data_first = 0;
  std::size_t metrics_bytes = 0;  // size of one /metrics scrape
  std::optional<long> peak_rss_kib;
  std::optional<long> rss_kib;
  double startup_seconds = 0;  // process start to "slamon started" (config load, store, listener)
  // Where the peak comes from: `slamon check config` alone (loading and validating the files),
  // and the daemon's peak before and after the /metrics scrapes that follow each cycle.
  std::optional<long> check_config_peak_kib;              // one rule file per organization
  std::optional<long> check_config_single_file_peak_kib;  // every policy in one rule file
  std::vector<std::optional<long>> peak_before_scrape;
  std::vector<std::optional<long>> peak_after_scrape;
};

// Runs the real daemon against `prometheus_url` until it has finished `cycles` cycles, each
// followed by `scrapes_per_cycle` scrapes of /metrics (Prometheus scrapes more often than slamon
// evaluates), then reads its peak memory and stops it. Also measures `slamon check config` on the
// same files, laid out one rule file per organization and as a single rule file.
Result<DaemonFigures> run_daemon(const std::string& binary, const Fleet& fleet,
                                 const std::string& prometheus_url, int cycles,
                                 std::chrono::seconds interval, int scrapes_per_cycle,
                                 const std::vector<std::string>& environment,
                                 const std::filesystem::path& dir) {
  const DaemonFiles files =
      write_daemon_files(fleet, prometheus_url, interval, RuleLayout::per_organization, dir);
  const DaemonFiles single_file = write_daemon_files(fleet, prometheus_url, interval,
                                                     RuleLayout::single_file, dir / "single-file");
  DaemonFigures figures;
  auto check_config = [&binary](const DaemonFiles& checked) -> Result<std::optional<long>> {
    const auto log = checked.config_file.parent_path() / "check.log";
    auto check = ChildProcess::spawn({binary, "check", "config", checked.config_file.string()},
                                     ChildOptions{.stdout_file = log, .stderr_file = log});
    if (!check) return std::unexpected(check.error());
    if (const auto ended = (*check)->wait(); !ended.succeeded()) {
      return fail("slamon check config " + ended.describe() + ":\n" + (*check)->stdout_text());
    }
    return (*check)->peak_rss_kib();
  };
  auto per_org_peak = check_config(files);
  if (!per_org_peak) return std::unexpected(per_org_peak.error());
  figures.check_config_peak_kib = *per_org_peak;
  auto single_file_peak = check_config(single_file);
  if (!single_file_peak) return std::unexpected(single_file_peak.error());
  figures.check_config_single_file_peak_kib = *single_file_peak;

  const auto started = SteadyClock::now();
  const auto log_file = dir / "slamon.log";
  auto child = ChildProcess::spawn({binary, "--config.file=" + files.config_file.string(), "run"},
                                   ChildOptions{.stdout_file = log_file,
                                                .stderr_file = log_file,
                                                .environment = environment_with(environment)});
  if (!child) return std::unexpected(child.error());
  ChildProcess& daemon = **child;

  std::optional<int> port;
  std::size_t cycles_seen = 0;
  const auto deadline = started + std::chrono::seconds(120) + 3 * cycles * interval;
  while (cycles_seen < static_cast<std::size_t>(cycles)) {
    if (daemon.poll_exit()) return fail("slamon ended early:\n" + daemon.stdout_text());
    if (SteadyClock::now() > deadline) {
      daemon.stop(std::chrono::seconds(5));
      return fail("slamon did not finish " + std::to_string(cycles) + " cycles in time:\n" +
                  daemon.stdout_text());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::istringstream log(daemon.stdout_text());
    std::string line;
    std::vector<std::string> finished;
    while (std::getline(log, line)) {
      if (!port && line.find("msg=\"slamon started\"") != std::string::npos) {
        figures.startup_seconds = seconds_since(started);
        if (auto text = logfmt_field(line, "port")) port = std::stoi(*text);
      }
      if (line.find("msg=\"evaluation cycle finished\"") != std::string::npos) {
        finished.push_back(line);
      }
      if (line.find("level=error") != std::string::npos) {
        daemon.stop(std::chrono::seconds(5));
        return fail("slamon logged an error: " + line);
      }
    }
    for (std::size_t i = cycles_seen; i < finished.size(); ++i) {
      figures.cycle_seconds.push_back(
          std::stod(logfmt_field(finished[i], "duration_seconds").value_or("0")));
      figures.fetch_seconds.push_back(
          std::stod(logfmt_field(finished[i], "fetch_seconds").value_or("0")));
      if (i == 0) {
        figures.opened_first = std::stoi(logfmt_field(finished[i], "opened").value_or("0"));
        figures.no_data_first = std::stoi(logfmt_field(finished[i], "no_data").value_or("0"));
      }
      if (port) {
        figures.peak_before_scrape.push_back(proc_status_kib(daemon.pid(), "VmHWM"));
        for (int scrape = 0; scrape < scrapes_per_cycle; ++scrape) {
          HttpRequest request;
          request.url = "http://127.0.0.1:" + std::to_string(*port) + "/metrics";
          request.context = "scrape of slamon";
          auto response = http_send(request);
          if (!response || !response->ok()) {
            daemon.stop(std::chrono::seconds(5));
            return fail("scraping slamon's /metrics failed");
          }
          figures.metrics_bytes = response->body.size();
        }
        figures.peak_after_scrape.push_back(proc_status_kib(daemon.pid(), "VmHWM"));
      }
    }
    cycles_seen = finished.size();
  }
  figures.peak_rss_kib = proc_status_kib(daemon.pid(), "VmHWM");
  figures.rss_kib = proc_status_kib(daemon.pid(), "VmRSS");
  const auto ended = daemon.stop(std::chrono::seconds(30));
  if (!ended.succeeded()) {
    return fail("slamon " + ended.describe() + " on SIGTERM:\n" + daemon.stdout_text());
  }
  return figures;
}

struct Options {
  FleetOptions fleet;
  int step_seconds = 30;
  int history_before_minutes = 20;
  int history_after_minutes = 10;
  int batched_cycles = 10;
  int per_scope_cycles = 2;
  std::string daemon_binary = SLAMON_DAEMON_BINARY;
  bool skip_daemon = false;
  int daemon_cycles = 3;
  int daemon_interval_seconds = 15;
  int daemon_scrapes = 4;
  std::vector<std::string> daemon_environment;
};

int fail_with(const std::string& message) {
  std::cerr << "slamon_bench_cycle: " << message << '\n';
  return 1;
}

// The checks that make the figures mean something: every query answered, every policy had
// data, and the breaches are the ones the generated history implies.
std::optional<std::string> implausible(const CycleRun& run, int expected_open,
                                       std::optional<int> expected_opened) {
  if (run.failed_queries > 0) return std::to_string(run.failed_queries) + " queries failed";
  if (run.no_data > 0) return std::to_string(run.no_data) + " policy × metric had no data";
  if (run.open_breaches != static_cast<std::size_t>(expected_open)) {
    return std::to_string(run.open_breaches) + " open breaches, expected " +
           std::to_string(expected_open);
  }
  if (expected_opened && run.opened != *expected_opened) {
    return std::to_string(run.opened) + " breaches opened, expected " +
           std::to_string(*expected_opened);
  }
  return std::nullopt;
}

void print_cycle(const std::string& phase, int index, const CycleRun& run) {
  std::cerr << "  " << phase << " cycle " << index << ": " << duration_text(run.wall)
            << " (Prometheus " << duration_text(run.waiting) << ", fetch phase "
            << duration_text(run.fetch) << ", evaluate " << duration_text(run.evaluate)
            << ", commit " << duration_text(run.commit) << "; CPU " << duration_text(run.cpu)
            << "), " << run.queries << " queries, " << run.opened << " opened, "
            << run.open_breaches << " open\n";
}

// The 1-, 5- and 15-minute load averages: other work on the machine shows in every wall time.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

int run(const Options& options) {
  log::configure(log::Level::warn, log::Format::logfmt);  // the engine logs every event at info
  const auto cpu = proc_value("/proc/cpuinfo", "model name");
  std::cout << "# slamon evaluation-cycle benchmark\n\n"
            << "machine: " << std::thread::hardware_concurrency() << " CPUs (" << cpu << "), "
            << proc_value("/proc/meminfo", "MemTotal") << " memory; load average at start "
            << load_average() << "\n";

  // --- fleet and history ---------------------------------------------------------------------
  auto phase_started = SteadyClock::now();
  const Fleet fleet = make_fleet(options.fleet);
  const WallTime at = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
  const auto step = std::chrono::seconds(options.step_seconds);
  const WallTime from = at - std::chrono::minutes(options.history_before_minutes);
  const WallTime to = at + std::chrono::minutes(options.history_after_minutes);
  std::string history = openmetrics_history(fleet, from, to, step);
  const double generate_seconds = seconds_since(phase_started);
  const long long series = static_cast<long long>(fleet.sites.size() * kFleetMetrics.size());
  const long long samples = series * ((to - from) / step + 1);
  std::cout << "fleet: " << fleet.inventory.organizations.size() << " organizations, "
            << fleet.sites.size() << " sites, " << fleet.policies.size()
            << " active policies × 3 thresholds; " << fleet.expected_breaches
            << " policy × threshold pairs in breach\n"
            << "history: " << series << " series × " << (to - from) / step + 1 << " samples ("
            << options.step_seconds << " s step, " << format_rfc3339(from) << " to "
            << format_rfc3339(to) << "), " << fixed(static_cast<double>(history.size()) / 1e6, 1)
            << " MB of OpenMetrics, generated in " << duration_text(generate_seconds) << "\n";

  phase_started = SteadyClock::now();
  testing::PrometheusServerOptions prometheus_options;
  prometheus_options.ready_deadline = std::chrono::seconds(300);
  auto prometheus = testing::PrometheusServer::start(history, prometheus_options);
  if (!prometheus) return fail_with("cannot start Prometheus: " + prometheus.error().message);
  std::cout << "prometheus: " << samples << " samples backfilled with promtool and served in "
            << duration_text(seconds_since(phase_started)) << " at " << (*prometheus)->url()
            << "\n";
  history.clear();
  history.shrink_to_fit();
  malloc_trim(0);
  const auto prometheus_pid = child_named("prometheus");

  // --- engine with a real store ---------------------------------------------------------------
  testing::TempDir work;
  auto store = Store::open((work.path() / "slamon.db").string());
  if (!store) return fail_with("cannot open the store: " + store.error().message);
  FakeClock clock(at);
  FetchLog fetch_log;
  Engine engine(clock, store->get(), [&fetch_log](const SourceConfig& source) -> MetricSourcePtr {
    return std::make_shared<TimedSource>(std::make_shared<PrometheusSource>(source), fetch_log);
  });
  const ConfigPtr batched = make_config(fleet, (*prometheus)->url(), QueryMode::batched);
  const ConfigPtr per_scope = make_config(fleet, (*prometheus)->url(), QueryMode::per_scope);
  const auto baseline_rss = proc_status_kib(0, "VmRSS");
  std::cout << "cycles at " << format_rfc3339(at) << " (FakeClock), store " << work.path().string()
            << "/slamon.db; baseline RSS with both configs loaded: " << mib(baseline_rss) << "\n\n";

  std::vector<Phase> phases;
  auto run_phase = [&](const std::string& name, const ConfigPtr& config, int cycles,
                       std::optional<int> expected_opened) -> std::optional<std::string> {
    Phase phase{name, {}, std::nullopt};
    const bool reset = reset_peak_rss();
    for (int i = 1; i <= cycles; ++i) {
      auto cycle = run_cycle(engine, config, fetch_log);
      if (!cycle) return name + " cycle failed: " + cycle.error().message;
      print_cycle(name, i, *cycle);
      if (auto problem = implausible(*cycle, fleet.expected_breaches, expected_opened)) {
        return name + " cycle " + std::to_string(i) + ": " + *problem;
      }
      phase.runs.push_back(*cycle);
    }
    if (reset) phase.peak_rss_kib = proc_status_kib(0, "VmHWM");
    phases.push_back(std::move(phase));
    return std::nullopt;
  };

  if (auto problem = run_phase("warm-up (opens breaches)", batched, 1, fleet.expected_breaches)) {
    return fail_with(*problem);
  }
  if (auto problem = run_phase("batched", batched, options.batched_cycles, 0)) {
    return fail_with(*problem);
  }
  std::optional<long> prometheus_peak_batched;
  if (prometheus_pid) prometheus_peak_batched = proc_status_kib(*prometheus_pid, "VmHWM");

  std::optional<DaemonFigures> daemon;
  std::string daemon_note;
  if (options.skip_daemon) {
    daemon_note = "skipped (--no-daemon)";
  } else if (options.daemon_binary.empty() || !std::filesystem::exists(options.daemon_binary)) {
    daemon_note = "skipped: no slamon binary at '" + options.daemon_binary + "' (--daemon=PATH)";
  } else {
    std::cerr << "  running " << options.daemon_binary << " for " << options.daemon_cycles
              << " cycles, every " << options.daemon_interval_seconds << " s\n";
    auto figures =
        run_daemon(options.daemon_binary, fleet, (*prometheus)->url(), options.daemon_cycles,
                   std::chrono::seconds(options.daemon_interval_seconds), options.daemon_scrapes,
                   options.daemon_environment, work.path() / "daemon");
    if (!figures) return fail_with("daemon run failed: " + figures.error().message);
    if (figures->no_data_first > 0 || figures->opened_first != fleet.expected_breaches) {
      return fail_with("the daemon's first cycle opened " + std::to_string(figures->opened_first) +
                       " breaches with " + std::to_string(figures->no_data_first) +
                       " no-data verdicts; expected " + std::to_string(fleet.expected_breaches) +
                       " and 0 (did the run outlast the backfilled history?)");
    }
    daemon = std::move(*figures);
  }

  if (options.per_scope_cycles > 0) {
    if (auto problem = run_phase("per-scope", per_scope, options.per_scope_cycles, 0)) {
      return fail_with(*problem);
    }
  }
  std::optional<long> prometheus_peak;
  std::optional<long> prometheus_rss;
  if (prometheus_pid) {
    prometheus_peak = proc_status_kib(*prometheus_pid, "VmHWM");
    prometheus_rss = proc_status_kib(*prometheus_pid, "VmRSS");
  }

  // --- tables ---------------------------------------------------------------------------------
  std::cout << "load average at the end " << load_average() << "\n";
  std::cout << "\n## Cycle wall time (steady clock around Engine::run_cycle)\n\n"
            << "| phase | cycles | queries/cycle | wall median | min | max | waiting on "
               "Prometheus | share | slamon's own | share |\n"
            << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& phase : phases) {
    const CycleRun& m = phase.median();
    std::cout << "| " << phase.name << " | " << phase.runs.size() << " | " << m.queries << " | "
              << duration_text(m.wall) << " | " << duration_text(phase.min_wall()) << " | "
              << duration_text(phase.max_wall()) << " | " << duration_text(m.waiting) << " | "
              << percent(m.waiting, m.wall) << " | " << duration_text(m.own()) << " | "
              << percent(m.own(), m.wall) << " |\n";
  }
  std::cout << "\n## slamon's own time in the median cycle\n\n"
            << "| phase | fetch phase, not waiting | evaluate | commit | rest | = own | JSON "
               "parsing (CPU, all queries) | slamon CPU time (all threads) |\n"
            << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& phase : phases) {
    const CycleRun& m = phase.median();
    std::cout << "| " << phase.name << " | " << duration_text(m.fetch - m.waiting) << " | "
              << duration_text(m.evaluate) << " | " << duration_text(m.commit) << " | "
              << duration_text(m.rest()) << " | " << duration_text(m.own()) << " | "
              << duration_text(m.parse_cpu) << " | " << duration_text(m.cpu) << " |\n";
  }

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cout << "\n## Memory\n\n| process | figure | value |\n|---|---|---:|\n";
  for (const auto& phase : phases) {
    std::cout << "| benchmark (engine + store, in process) | peak RSS during " << phase.name
              << " | " << mib(phase.peak_rss_kib) << " |\n";
  }
  std::cout << "| benchmark | RSS before the cycles (fleet, 2 configs) | " << mib(baseline_rss)
            << " |\n"
            << "| benchmark | ru_maxrss, whole run (includes generating the history) | "
            << mib(usage.ru_maxrss) << " |\n";
  if (daemon) {
    std::cout << "| slamon daemon, " << daemon->cycle_seconds.size() << " batched cycles × "
              << options.daemon_scrapes << " /metrics scrapes | peak RSS (VmHWM) | "
              << mib(daemon->peak_rss_kib) << " |\n"
              << "| slamon daemon | RSS at the end (VmRSS) | " << mib(daemon->rss_kib) << " |\n";
  }
  std::cout << "| prometheus (child process) | peak RSS after the batched cycles | "
            << mib(prometheus_peak_batched) << " |\n"
            << "| prometheus | peak RSS at the end | " << mib(prometheus_peak) << " |\n"
            << "| prometheus | RSS at the end | " << mib(prometheus_rss) << " |\n";

  std::cout << "\n## slamon daemon\n\n";
  if (daemon) {
    std::cout << "`" << options.daemon_binary << " run`, evaluation_interval "
              << options.daemon_interval_seconds << "s, " << options.daemon_scrapes
              << " scrapes of /metrics after each cycle";
    for (const auto& variable : options.daemon_environment) std::cout << ", " << variable;
    std::cout << "\n\n";
    std::cout << "startup (load config with " << fleet.policies.size()
              << " policies, open store, listen): " << duration_text(daemon->startup_seconds)
              << "; cycles (its own log):";
    for (std::size_t i = 0; i < daemon->cycle_seconds.size(); ++i) {
      std::cout << (i == 0 ? " " : ", ") << duration_text(daemon->cycle_seconds[i]) << " (fetch "
                << duration_text(daemon->fetch_seconds[i]) << ")";
    }
    std::cout << "; first cycle opened " << daemon->opened_first << " breaches; /metrics is "
              << fixed(static_cast<double>(daemon->metrics_bytes) / 1e6, 1) << " MB\n\n"
              << "rule files: one per organization (" << fleet.inventory.organizations.size()
              << " files). Peak RSS of `slamon check config` alone (loads and validates them): "
              << mib(daemon->check_config_peak_kib) << "; with all " << fleet.policies.size()
              << " policies in a single rule file: "
              << mib(daemon->check_config_single_file_peak_kib)
              << ".\n\nthe daemon's peak RSS before / after the " << options.daemon_scrapes
              << " /metrics scrapes that follow each cycle:";
    for (std::size_t i = 0; i < daemon->peak_before_scrape.size(); ++i) {
      std::cout << (i == 0 ? " " : ", ") << mib(daemon->peak_before_scrape[i]) << " / "
                << mib(daemon->peak_after_scrape[i]);
    }
    std::cout << "\n";
  } else {
    std::cout << daemon_note << "\n";
  }

  // --- goals ---------------------------------------------------------------------------------
  const Phase* steady = nullptr;
  const Phase* scoped = nullptr;
  for (const auto& phase : phases) {
    if (phase.name == "batched") steady = &phase;
    if (phase.name == "per-scope") scoped = &phase;
  }
  std::cout << "\n## Goals\n\n";
  auto goal = [](bool met, const std::string& text) {
    std::cout << "- " << (met ? "met" : "MISSED") << ": " << text << "\n";
  };
  if (steady) {
    const CycleRun& m = steady->median();
    goal(m.wall < 2.0, "batched cycle under 2 s: median " + duration_text(m.wall));
    goal(m.own() < 0.1 * m.wall, "slamon's own share under 10 %: " + percent(m.own(), m.wall) +
                                     " (" + duration_text(m.own()) + ")");
  }
  // Per-scope mode is the slow alternative, not the default: its peak is reported, not judged.
  const auto rss_goal_kib = 150L * 1024;
  for (const auto& phase : phases) {
    if (phase.peak_rss_kib && &phase != scoped) {
      goal(*phase.peak_rss_kib < rss_goal_kib,
           "peak RSS under 150 MiB during " + phase.name + ": " + mib(phase.peak_rss_kib));
    }
  }
  if (daemon && daemon->peak_rss_kib) {
    goal(*daemon->peak_rss_kib < rss_goal_kib,
         "slamon daemon peak RSS under 150 MiB: " + mib(daemon->peak_rss_kib));
  }
  if (steady && scoped) {
    const double ratio = scoped->median().wall / steady->median().wall;
    goal(ratio >= 20, "per-scope mode at least 20× slower: " + fixed(ratio, 0) + "×");
  }
  return 0;
}

}  // namespace
}  // namespace slamon::bench

int main(int argc, char** argv) {
  slamon::bench::Options options;
  CLI::App app{"slamon evaluation-cycle benchmark against a real Prometheus (bench/README.md)"};
  app.add_option("--sites", options.fleet.sites, "sites (2 policies each)")->capture_default_str();
  app.add_option("--orgs", options.fleet.organizations, "organizations")->capture_default_str();
  app.add_option("--degraded-share", options.fleet.degraded_share,
                 "share of site × metric pairs in breach")
      ->capture_default_str();
  app.add_option("--step", options.step_seconds, "history sample step, seconds")
      ->capture_default_str();
  app.add_option("--history-before", options.history_before_minutes,
                 "minutes of history before the cycle instant")
      ->capture_default_str();
  app.add_option("--history-after", options.history_after_minutes,
                 "minutes of history after it (the daemon queries at the wall-clock time)")
      ->capture_default_str();
  app.add_option("--cycles", options.batched_cycles, "steady-state batched cycles")
      ->capture_default_str();
  app.add_option("--per-scope-cycles", options.per_scope_cycles, "per-scope cycles (0: none)")
      ->capture_default_str();
  app.add_option("--daemon", options.daemon_binary, "the slamon binary for the daemon run")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("--no-daemon", options.skip_daemon, "skip the daemon run");
  app.add_option("--daemon-cycles", options.daemon_cycles, "cycles the daemon runs")
      ->capture_default_str();
  app.add_option("--daemon-interval", options.daemon_interval_seconds,
                 "the daemon's evaluation_interval, seconds")
      ->capture_default_str();
  app.add_option("--daemon-scrapes", options.daemon_scrapes,
                 "/metrics scrapes after each daemon cycle (Prometheus scrapes more often than "
                 "slamon evaluates)")
      ->capture_default_str();
  app.add_option("--daemon-env", options.daemon_environment,
                 "NAME=VALUE added to the daemon's environment (repeatable), e.g. "
                 "MALLOC_MMAP_THRESHOLD_=1048576");
  CLI11_PARSE(app, argc, argv);
  if (options.batched_cycles < 1 || options.step_seconds < 1 || options.daemon_cycles < 1 ||
      options.daemon_interval_seconds < 1 || options.history_before_minutes < 6) {
    std::cerr << "slamon_bench_cycle: --cycles, --step, --daemon-cycles and --daemon-interval "
                 "must be positive, --history-before at least 6 (the window is 5m)\n";
    return 2;
  }
  try {
    return slamon::bench::run(options);
  } catch (const std::exception& e) {
    std::cerr << "slamon_bench_cycle: " << e.what() << '\n';
    return 1;
  }
}
