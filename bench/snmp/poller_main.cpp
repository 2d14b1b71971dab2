// slamon_bench_snmp_poller: polls simulated devices (one snmpd UDP port each, started by
// scripts/bench-snmp.sh) with slamon's SnmpPoller in rounds, as the daemon's SNMP service does
// once per source interval, and reports what it cost: varbinds received, CPU seconds of this
// process (getrusage: the poller is all this process does during a round), wall time per
// round, peak resident set (VmHWM) and failed targets. Every answer is checked (count and
// types of the varbinds); a round with failures is reported, not hidden.
//
// stderr: one line per round. stdout: `key=value` lines for the script (see print_summary).

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "snmp/poller.h"

namespace slamon::bench::snmp {
namespace {

using SteadyClock = std::chrono::steady_clock;
using slamon::snmp::Failure;
using slamon::snmp::PollResult;
using slamon::snmp::ValueType;

struct Options {
  std::string ports;
  bool interleave = false;
  std::string host = "127.0.0.1";
  std::string community = "bench";
  bool walk = false;
  int interfaces = 5;
  int rounds = 5;
  int warmup_rounds = 1;
  double interval_seconds = 0;  // 0: rounds back to back
  int timeout_ms = 2000;
  int retries = 1;
  int max_repetitions = 25;
  std::size_t max_in_flight = slamon::snmp::PollerOptions{}.max_in_flight;
};

// The type each varbind must have, in answer order (sysUpTime, then the columns; in get mode
// column by column for each interface, in walk mode each column's rows).
std::vector<ValueType> expected_types(int interfaces) {
  std::vector<ValueType> types{ValueType::timeticks};
  const ValueType column_types[] = {ValueType::integer, ValueType::counter32, ValueType::counter32,
                                    ValueType::counter64};
  for (auto type : column_types) types.insert(types.end(), interfaces, type);
  return types;
}

// Why a result is not the complete answer, or empty when it is.
std::string check(const PollResult& result, const std::vector<ValueType>& types) {
  if (result.failure != Failure::none) return std::string(slamon::snmp::to_string(result.failure));
  if (result.varbinds.size() != types.size()) return "varbind_count";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (result.varbinds[i].type != types[i]) return "varbind_type";
  }
  return {};
}

struct RoundFigures {
  double wall_seconds = 0, cpu_seconds = 0;
  std::size_t varbinds = 0, failed = 0;
  std::map<std::string, std::size_t> failures;  // reason → targets
};

RoundFigures run_round(slamon::snmp::SnmpPoller& poller,
                       const std::vector<slamon::snmp::Target>& targets,
                       const std::vector<ValueType>& types) {
  RoundFigures figures;
  const double cpu_before = self_cpu_seconds();
  const auto start = SteadyClock::now();
  const auto results = poller.poll(targets);
  figures.wall_seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  figures.cpu_seconds = self_cpu_seconds() - cpu_before;
  for (const auto& result : results) {
    figures.varbinds += result.varbinds.size();
    if (auto reason = check(result, types); !reason.empty()) {
      ++figures.failed;
      ++figures.failures[reason];
    }
  }
  return figures;
}

int run(const Options& options) {
  auto ports = parse_ports(options.ports, options.interleave);
  if (!ports) {
    std::cerr << "slamon_bench_snmp_poller: " << ports.error().message << "\n";
    return 2;
  }
  slamon::SnmpSourceConfig credentials;
  credentials.version = "2c";
  credentials.community = options.community;
  credentials.retries = options.retries;
  credentials.max_repetitions = options.max_repetitions;

  const auto oids = oid_set(options.walk, options.interfaces);
  const auto types = expected_types(options.interfaces);
  std::vector<slamon::snmp::Target> targets;
  targets.reserve(ports->size());
  for (int port : *ports) {
    slamon::snmp::Target target;
    target.address = options.host + ":" + std::to_string(port);
    target.credentials = &credentials;
    target.timeout = std::chrono::milliseconds(options.timeout_ms);
    target.get = oids.get;
    target.walk = oids.walk;
    targets.push_back(std::move(target));
  }

  const long rss_before_kib = proc_status_kib(0, "VmRSS").value_or(0);
  slamon::snmp::SnmpPoller poller(
      slamon::snmp::PollerOptions{.max_in_flight = options.max_in_flight});
  const auto counters_start = poller.counters();

  for (int round = 1; round <= options.warmup_rounds; ++round) {
    const auto figures = run_round(poller, targets, types);
    std::cerr << "warm-up round " << round << ": " << figures.varbinds << " varbinds, "
              << figures.failed << " failed, wall " << figures.wall_seconds << " s\n";
  }

  const auto counters_before = poller.counters();
  std::vector<double> walls, cpus;
  std::size_t varbinds = 0, failed = 0, late_rounds = 0;
  std::map<std::string, std::size_t> failures;
  late_rounds = run_paced_rounds(options.rounds, options.interval_seconds, [&](int round) {
    const auto figures = run_round(poller, targets, types);
    walls.push_back(figures.wall_seconds);
    cpus.push_back(figures.cpu_seconds);
    varbinds += figures.varbinds;
    failed += figures.failed;
    for (const auto& [reason, count] : figures.failures) failures[reason] += count;
    std::fprintf(stderr,
                 "round %d: %zu devices, %zu varbinds, %zu failed, wall %.3f s, CPU %.3f s\n",
                 round, targets.size(), figures.varbinds, figures.failed, figures.wall_seconds,
                 figures.cpu_seconds);
  });
  const auto counters = poller.counters();

  std::string failure_list;
  for (const auto& [reason, count] : failures) {
    failure_list += (failure_list.empty() ? "" : ",") + reason + ":" + std::to_string(count);
  }
  double cpu_total = 0;
  for (double cpu : cpus) cpu_total += cpu;
  std::printf("mode=%s\n", options.walk ? "walk" : "get");
  std::printf("devices=%zu\n", targets.size());
  std::printf("varbinds_per_device=%zu\n", oids.expected_varbinds);
  std::printf("rounds=%d\n", options.rounds);
  std::printf("interval_s=%g\n", options.interval_seconds);
  std::printf("varbinds=%zu\n", varbinds);
  std::printf("expected_varbinds=%zu\n",
              oids.expected_varbinds * targets.size() * static_cast<std::size_t>(options.rounds));
  std::printf("failed_polls=%zu\n", failed);
  std::printf("failures=%s\n", failure_list.empty() ? "none" : failure_list.c_str());
  std::printf("late_rounds=%zu\n", late_rounds);
  std::printf("requests=%llu\n",
              static_cast<unsigned long long>(counters.requests - counters_before.requests));
  std::printf("retries=%llu\n",
              static_cast<unsigned long long>(counters.retries - counters_before.retries));
  std::printf("timeouts=%llu\n",
              static_cast<unsigned long long>(counters.timeouts - counters_before.timeouts));
  std::printf("warmup_requests=%llu\n",
              static_cast<unsigned long long>(counters_before.requests - counters_start.requests));
  std::printf("cpu_s=%.4f\n", cpu_total);
  std::printf("cpu_round_median_s=%.4f\n", median(cpus));
  std::printf("cpu_round_max_s=%.4f\n", max_of(cpus));
  print_wall_figures(walls);
  std::printf("rss_before_poller_kib=%ld\n", rss_before_kib);
  print_memory_figures("", 0);
  return failed == 0 ? 0 : 3;
}

}  // namespace
}  // namespace slamon::bench::snmp

int main(int argc, char** argv) {
  slamon::bench::snmp::Options options;
  CLI::App app{"Polls simulated SNMP devices with slamon's SnmpPoller and reports its cost"};
  app.add_option("--ports", options.ports, "UDP ports of the devices: 23001-24000,25001-26000")
      ->required();
  app.add_flag("--interleave", options.interleave,
               "take the devices round-robin from the comma-separated port ranges");
  app.add_option("--host", options.host, "the agents' address");
  app.add_option("--community", options.community, "v2c community");
  app.add_flag("--walk", options.walk, "walk the 4 columns (GETBULK) instead of GET of instances");
  app.add_option("--interfaces", options.interfaces, "interfaces per device (ifIndex 1..N)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--rounds", options.rounds, "measured rounds")->check(CLI::Range(1, 100000));
  app.add_option("--warmup-rounds", options.warmup_rounds, "rounds before measuring")
      ->check(CLI::Range(0, 100));
  app.add_option("--interval", options.interval_seconds,
                 "seconds between round starts (0: back to back)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--timeout-ms", options.timeout_ms, "per request attempt")
      ->check(CLI::Range(1, 60000));
  app.add_option("--retries", options.retries)->check(CLI::Range(0, 100));
  app.add_option("--max-repetitions", options.max_repetitions)->check(CLI::Range(1, 65535));
  app.add_option("--max-in-flight", options.max_in_flight, "targets polled concurrently")
      ->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);
  return slamon::bench::snmp::run(options);
}
