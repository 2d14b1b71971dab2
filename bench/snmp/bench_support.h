// Helpers shared by the SNMP benchmark drivers (bench/snmp/README.md): the simulated device
// fleet (one snmpd UDP port per device, the same synthetic 5-interface ifTable on each), the
// OIDs both pollers fetch, rounds paced like the daemon's, CPU and memory figures of this or
// another process from /proc, and small statistics. Plain functions; thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace slamon::bench::snmp {

// The columns every device answers, in the order of the OID set: ifOperStatus, ifInErrors,
// ifOutErrors (IF-MIB ifTable) and ifHCInUcastPkts (ifXTable, Counter64).
inline constexpr std::string_view kSysUpTime = "1.3.6.1.2.1.1.3.0";
inline constexpr std::string_view kIfOperStatus = "1.3.6.1.2.1.2.2.1.8";
inline constexpr std::string_view kIfInErrors = "1.3.6.1.2.1.2.2.1.14";
inline constexpr std::string_view kIfOutErrors = "1.3.6.1.2.1.2.2.1.20";
inline constexpr std::string_view kIfHCInUcastPkts = "1.3.6.1.2.1.31.1.1.1.7";
inline constexpr std::string_view kColumns[] = {kIfOperStatus, kIfInErrors, kIfOutErrors,
                                                kIfHCInUcastPkts};

// What one device is asked per poll. `get` mode: one GET of sysUpTime.0 and of each column's
// instance for interfaces 1..interfaces (1 + 4 × interfaces varbinds). `walk` mode: GET
// sysUpTime.0 and walk the 4 columns (the same varbinds, fetched with GETBULK).
struct OidSet {
  std::vector<std::string> get;
  std::vector<std::string> walk;
  std::size_t expected_varbinds = 0;
};
OidSet oid_set(bool walk, int interfaces);

// "23001-24000,25001,25003-25010" → the ports, in that order, or with `interleave` taken
// round-robin from the comma-separated parts (23001, 25001, 25003, 23002, 25004, ...): when each
// part is one snmpd process, consecutive devices then live in different agents, as consecutive
// devices of a real network are different agents. Errors name the bad part.
Result<std::vector<int>> parse_ports(std::string_view list, bool interleave = false);

// User + system CPU seconds of this process (all threads), from getrusage.
double self_cpu_seconds();
// User + system CPU seconds of process `pid` (all threads, not its children), from
// /proc/PID/stat; nullopt when it is gone.
std::optional<double> process_cpu_seconds(pid_t pid);
// A `kB` field of /proc/PID/status (VmHWM, VmRSS), in KiB; pid 0 is this process.
std::optional<long> proc_status_kib(pid_t pid, std::string_view field);

// Calls `round(1..rounds)`, each call starting on its slot `interval_seconds` after the
// previous one's, like the daemon's polling, or at once when the previous one overran; 0 runs
// them back to back. Returns how many started late (more than 100 ms past their slot).
std::size_t run_paced_rounds(int rounds, double interval_seconds,
                             const std::function<void(int round)>& round);

// The report lines both drivers print: wall_round_median_s and wall_round_max_s of `walls`;
// <prefix>vmhwm_kib and <prefix>vmrss_kib of process `pid` (0: this one).
void print_wall_figures(const std::vector<double>& walls);
void print_memory_figures(std::string_view prefix, pid_t pid);

double median(std::vector<double> values);
double max_of(const std::vector<double>& values);

}  // namespace slamon::bench::snmp
