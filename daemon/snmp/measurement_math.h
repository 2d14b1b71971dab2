// The arithmetic that turns SNMP polls into SLA measurements (SPEC §4): counter deltas that
// survive 32-bit wraps, counter resets and agent reboots (sysUpTime going backwards); the
// per-poll reduction of a device's answer into a DeviceSample; the window functions
// (reachability, response time, interface availability, error ratio, OID value); and the
// aggregation across a scope's devices that answers an SnmpQuery. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "sources/metric_source.h"

namespace slamon::snmp {

// One interface as read in one poll. Counters are the raw agent values.
struct InterfaceReading {
  int ifindex = 0;
  std::optional<bool> oper_up;                           // ifOperStatus == up(1)
  std::optional<std::uint64_t> in_errors, out_errors;    // Counter32
  std::optional<std::uint64_t> in_packets, out_packets;  // ifHC*UcastPkts or ifIn/OutUcastPkts
  bool packets_are_64bit = false;                        // Counter64 (HC) rather than Counter32
};

// What one poll of one device returned, before reduction.
struct DeviceReading {
  WallTime at;
  bool answered = false;
  double round_trip_ms = 0;                       // meaningful when answered
  std::optional<std::uint64_t> sys_uptime_ticks;  // TimeTicks (1/100 s)
  std::vector<InterfaceReading> interfaces;       // the monitored interfaces, by ifindex
  std::map<std::string, double> oid_values;       // numeric OID values (unscaled)
};

// What the history keeps per poll: reduced, so windows are sums and counts.
struct DeviceSample {
  WallTime at;
  bool answered = false;
  double round_trip_ms = 0;                  // meaningful when answered
  std::optional<bool> all_interfaces_up;     // every monitored interface up; nullopt if unread
  std::optional<double> error_delta;         // Δ(ifInErrors+ifOutErrors) since the previous poll
  std::optional<double> packet_delta;        // Δ(packets) since the previous poll
  std::map<std::string, double> oid_values;  // unscaled
};

// Δ of a counter between two readings; nullopt when it cannot be trusted:
// - `elapsed_seconds` not > 0 (or not finite);
// - `discontinuity` set (the agent restarted): counters restarted from 0, so even a counter
//   that went up since the previous reading counts from a different origin;
// - the value went down on a 64-bit counter (a reset: Counter64 does not wrap in practice);
// - a rate above `max_per_second` (a reset that looked like a wrap, or a lying agent).
// A 32-bit counter that went down wrapped once: 2^32 - previous + current (previous and
// current must fit in 32 bits). Never negative, never NaN.
std::optional<double> counter_delta(std::uint64_t previous, std::uint64_t current, bool is_64bit,
                                    bool discontinuity, double elapsed_seconds,
                                    double max_per_second);

// The rate guards reduce() applies: far above any physical interface (100GbE is ~1.5e8
// packets/s) so that only nonsense is refused. At a 60 s interval a Counter32 reset that
// looks like a wrap is at most 2^32/60 ≈ 7e7/s and passes; agent_restarted() catches those
// that come with a reboot (SNMP counters are not meant to be reset otherwise, RFC 2863).
inline constexpr double kMaxPacketsPerSecond = 2e9;
inline constexpr double kMaxErrorsPerSecond = 2e9;

// Did the agent restart between two readings? sysUpTime (TimeTicks, 1/100 s, 32 bits, read
// modulo 2^32) is compared with the wall time between the polls. The agent's clock advanced
// `advanced` = (current - previous) mod 2^32 ticks, a backwards step being read as one wrap
// (after 497 days). With slack = 30 s + 25 % of elapsed (poll jitter within a round, retries):
// - advanced < elapsed - slack → restarted (rebooted in between, even if the value went up);
// - the value went backwards and advanced > elapsed + slack (not a plausible wrap) → restarted.
// An agent clock that ran ahead while going up is not a restart. elapsed_seconds <= 0 (or not
// finite): restarted when the value went backwards.
inline constexpr double kUptimeSlackSeconds = 30;
inline constexpr double kUptimeSlackFraction = 0.25;
bool agent_restarted(std::uint64_t previous_ticks, std::uint64_t current_ticks,
                     double elapsed_seconds);

// Reduces `current` against the device's previous answered reading (nullptr, or an unanswered
// one: no deltas). An unanswered `current` gives a sample with answered=false and nothing else.
// Answered:
// - round_trip_ms and oid_values copied;
// - all_interfaces_up: false when any interface reads down, nullopt when none has a known
//   ifOperStatus (or there are no interfaces), else true (unknown interfaces do not count);
// - error_delta / packet_delta: sums over the interfaces (by ifindex) present in both readings
//   whose four counters (in/out errors, in/out packets) are all present in both and trusted
//   (counter_delta with the rate guards above; the discontinuity is agent_restarted() when both
//   readings carry sysUpTime, else none). An interface with any missing or untrusted counter,
//   or whose packet counters changed width, is left out of both sums; none left → nullopt.
DeviceSample reduce(const DeviceReading* previous, const DeviceReading& current);

// Window functions over one device's samples (only those with `from < at <= to` count, in any
// order); nullopt = no data.
// - reachability_percent: 100 × answered / samples.
// - mean_round_trip_ms: over the answered samples (a non-finite round trip skipped).
// - interfaces_up_percent: 100 × samples with all_interfaces_up == true / samples where it is
//   known (unanswered polls do not count either way: reachability measures those).
// - error_ratio: Σerror_delta / Σpacket_delta over the samples having both (finite), clamped
//   to [0, 1]; Σpackets == 0 gives 0 when Σerrors == 0, else 1.
// - mean_oid_value: the mean (unscaled) over the samples that have the OID; NaN values skipped.
std::optional<double> reachability_percent(std::span<const DeviceSample> samples, WallTime from,
                                           WallTime to);
std::optional<double> mean_round_trip_ms(std::span<const DeviceSample> samples, WallTime from,
                                         WallTime to);
std::optional<double> interfaces_up_percent(std::span<const DeviceSample> samples, WallTime from,
                                            WallTime to);
std::optional<double> error_ratio(std::span<const DeviceSample> samples, WallTime from,
                                  WallTime to);
std::optional<double> mean_oid_value(std::span<const DeviceSample> samples, const std::string& oid,
                                     WallTime from, WallTime to);

// Combines per-device values across a scope (SPEC §4 `aggregate`). `worst` is the minimum for
// a metric where lower is worse (a `_min` threshold: uptime, scores; threshold_spec(metric).bound)
// and the maximum otherwise. NaN values are ignored; empty or all NaN → nullopt.
std::optional<double> aggregate(std::span<const double> values, Aggregate how, Metric metric);

// Answers an SnmpQuery from its devices' values (device id → value; a device without one is
// absent): one sample per scope, labelled kSnmpScopeLabel = the scope's key, aggregating the
// values of its devices in the order it lists them (query.aggregate, `worst` by query.metric).
// A scope none of whose devices has a value has no sample (no data).
std::vector<Sample> aggregate_scopes(const SnmpQuery& query,
                                     const std::map<std::string, double>& device_values);

}  // namespace slamon::snmp
