#include "snmp/measurement_math.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "model/model.h"

namespace slamon::snmp {
namespace {

constexpr std::uint64_t kTwoTo32 = std::uint64_t{1} << 32;

bool in_window(const DeviceSample& sample, WallTime from, WallTime to) {
  return from < sample.at && sample.at <= to;
}

double seconds_between(WallTime earlier, WallTime later) {
  return std::chrono::duration<double>(later - earlier).count();
}

const InterfaceReading* find_interface(const DeviceReading& reading, int ifindex) {
  for (const InterfaceReading& interface : reading.interfaces) {
    if (interface.ifindex == ifindex) return &interface;
  }
  return nullptr;
}

// Δ of one counter that may be missing from either reading.
std::optional<double> optional_delta(const std::optional<std::uint64_t>& previous,
                                     const std::optional<std::uint64_t>& current, bool is_64bit,
                                     bool discontinuity, double elapsed_seconds,
                                     double max_per_second) {
  if (!previous || !current) return std::nullopt;
  return counter_delta(*previous, *current, is_64bit, discontinuity, elapsed_seconds,
                       max_per_second);
}

struct InterfaceDeltas {
  double errors = 0;
  double packets = 0;
};

// An interface's Δerrors and Δpackets, or nullopt when any of its four counters is missing
// from either reading or cannot be trusted: a ratio from half an interface would be wrong.
std::optional<InterfaceDeltas> interface_deltas(const InterfaceReading& previous,
                                                const InterfaceReading& current, bool discontinuity,
                                                double elapsed_seconds) {
  // A switch between Counter32 and Counter64 columns (an agent upgrade, a config change)
  // makes the two readings incomparable.
  if (previous.packets_are_64bit != current.packets_are_64bit) return std::nullopt;
  const auto in_errors = optional_delta(previous.in_errors, current.in_errors, false, discontinuity,
                                        elapsed_seconds, kMaxErrorsPerSecond);
  const auto out_errors = optional_delta(previous.out_errors, current.out_errors, false,
                                         discontinuity, elapsed_seconds, kMaxErrorsPerSecond);
  const auto in_packets =
      optional_delta(previous.in_packets, current.in_packets, current.packets_are_64bit,
                     discontinuity, elapsed_seconds, kMaxPacketsPerSecond);
  const auto out_packets =
      optional_delta(previous.out_packets, current.out_packets, current.packets_are_64bit,
                     discontinuity, elapsed_seconds, kMaxPacketsPerSecond);
  if (!in_errors || !out_errors || !in_packets || !out_packets) return std::nullopt;
  return InterfaceDeltas{*in_errors + *out_errors, *in_packets + *out_packets};
}

std::optional<bool> all_up(const std::vector<InterfaceReading>& interfaces) {
  bool any_known = false;
  for (const InterfaceReading& interface : interfaces) {
    if (!interface.oper_up) continue;
    if (!*interface.oper_up) return false;
    any_known = true;
  }
  if (!any_known) return std::nullopt;
  return true;
}

}  // namespace

std::optional<double> counter_delta(std::uint64_t previous, std::uint64_t current, bool is_64bit,
                                    bool discontinuity, double elapsed_seconds,
                                    double max_per_second) {
  if (!(elapsed_seconds > 0) || !std::isfinite(elapsed_seconds)) return std::nullopt;
  if (discontinuity) return std::nullopt;
  double delta = 0;
  if (current >= previous) {
    delta = static_cast<double>(current - previous);
  } else if (is_64bit || previous >= kTwoTo32 || current >= kTwoTo32) {
    return std::nullopt;  // a 64-bit counter does not wrap in practice: it was reset
  } else {
    delta = static_cast<double>(kTwoTo32 - previous + current);
  }
  // `!(<=)` so a NaN limit refuses rather than accepts.
  if (!(delta / elapsed_seconds <= max_per_second)) return std::nullopt;
  return delta;
}

bool agent_restarted(std::uint64_t previous_ticks, std::uint64_t current_ticks,
                     double elapsed_seconds) {
  // TimeTicks is 32 bits wide; anything above is an agent bug, read modulo 2^32 like the wire.
  const std::uint64_t previous = previous_ticks % kTwoTo32;
  const std::uint64_t current = current_ticks % kTwoTo32;
  const bool went_backwards = current < previous;
  if (!(elapsed_seconds > 0) || !std::isfinite(elapsed_seconds)) return went_backwards;

  // How far the agent's clock advanced, reading a backwards step as one 2^32 wrap.
  const double advanced_seconds =
      static_cast<double>((current + kTwoTo32 - previous) % kTwoTo32) / 100.0;
  const double slack = kUptimeSlackSeconds + kUptimeSlackFraction * elapsed_seconds;
  if (advanced_seconds < elapsed_seconds - slack) return true;  // rebooted in between
  // Backwards, and the wrap reading would need the agent's clock to outrun ours.
  return went_backwards && advanced_seconds > elapsed_seconds + slack;
}

DeviceSample reduce(const DeviceReading* previous, const DeviceReading& current) {
  DeviceSample sample;
  sample.at = current.at;
  sample.answered = current.answered;
  if (!current.answered) return sample;

  sample.round_trip_ms = current.round_trip_ms;
  sample.all_interfaces_up = all_up(current.interfaces);
  sample.oid_values = current.oid_values;
  if (previous == nullptr || !previous->answered) return sample;

  const double elapsed_seconds = seconds_between(previous->at, current.at);
  const bool discontinuity =
      previous->sys_uptime_ticks && current.sys_uptime_ticks &&
      agent_restarted(*previous->sys_uptime_ticks, *current.sys_uptime_ticks, elapsed_seconds);
  bool any_trusted = false;
  double errors = 0;
  double packets = 0;
  for (const InterfaceReading& interface : current.interfaces) {
    const InterfaceReading* before = find_interface(*previous, interface.ifindex);
    if (before == nullptr) continue;
    const auto deltas = interface_deltas(*before, interface, discontinuity, elapsed_seconds);
    if (!deltas) continue;
    any_trusted = true;
    errors += deltas->errors;
    packets += deltas->packets;
  }
  if (any_trusted) {
    sample.error_delta = errors;
    sample.packet_delta = packets;
  }
  return sample;
}

std::optional<double> reachability_percent(std::span<const DeviceSample> samples, WallTime from,
                                           WallTime to) {
  std::size_t polls = 0;
  std::size_t answered = 0;
  for (const DeviceSample& sample : samples) {
    if (!in_window(sample, from, to)) continue;
    ++polls;
    if (sample.answered) ++answered;
  }
  if (polls == 0) return std::nullopt;
  return 100.0 * static_cast<double>(answered) / static_cast<double>(polls);
}

std::optional<double> mean_round_trip_ms(std::span<const DeviceSample> samples, WallTime from,
                                         WallTime to) {
  std::size_t count = 0;
  double sum = 0;
  for (const DeviceSample& sample : samples) {
    if (!in_window(sample, from, to) || !sample.answered) continue;
    if (!std::isfinite(sample.round_trip_ms)) continue;
    ++count;
    sum += sample.round_trip_ms;
  }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

std::optional<double> interfaces_up_percent(std::span<const DeviceSample> samples, WallTime from,
                                            WallTime to) {
  std::size_t known = 0;
  std::size_t up = 0;
  for (const DeviceSample& sample : samples) {
    if (!in_window(sample, from, to) || !sample.all_interfaces_up) continue;
    ++known;
    if (*sample.all_interfaces_up) ++up;
  }
  if (known == 0) return std::nullopt;
  return 100.0 * static_cast<double>(up) / static_cast<double>(known);
}

std::optional<double> error_ratio(std::span<const DeviceSample> samples, WallTime from,
                                  WallTime to) {
  bool any = false;
  double errors = 0;
  double packets = 0;
  for (const DeviceSample& sample : samples) {
    if (!in_window(sample, from, to) || !sample.error_delta || !sample.packet_delta) continue;
    if (!std::isfinite(*sample.error_delta) || !std::isfinite(*sample.packet_delta)) continue;
    any = true;
    errors += *sample.error_delta;
    packets += *sample.packet_delta;
  }
  if (!any) return std::nullopt;
  if (packets <= 0) return errors > 0 ? 1.0 : 0.0;
  return std::clamp(errors / packets, 0.0, 1.0);
}

std::optional<double> mean_oid_value(std::span<const DeviceSample> samples, const std::string& oid,
                                     WallTime from, WallTime to) {
  std::size_t count = 0;
  double sum = 0;
  for (const DeviceSample& sample : samples) {
    if (!in_window(sample, from, to)) continue;
    auto value = sample.oid_values.find(oid);
    if (value == sample.oid_values.end() || std::isnan(value->second)) continue;
    ++count;
    sum += value->second;
  }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

std::optional<double> aggregate(std::span<const double> values, Aggregate how, Metric metric) {
  if (how == Aggregate::worst) {
    how = threshold_spec(metric).bound == Bound::min ? Aggregate::min : Aggregate::max;
  }
  std::size_t count = 0;
  double sum = 0;
  double lowest = std::numeric_limits<double>::infinity();
  double highest = -std::numeric_limits<double>::infinity();
  for (double value : values) {
    if (std::isnan(value)) continue;
    ++count;
    sum += value;
    lowest = std::min(lowest, value);
    highest = std::max(highest, value);
  }
  if (count == 0) return std::nullopt;
  switch (how) {
    case Aggregate::min:
      return lowest;
    case Aggregate::max:
      return highest;
    case Aggregate::avg:
    case Aggregate::worst:
      break;
  }
  return sum / static_cast<double>(count);
}

std::vector<Sample> aggregate_scopes(const SnmpQuery& query,
                                     const std::map<std::string, double>& device_values) {
  std::vector<Sample> samples;
  std::vector<double> scope_values;
  for (const SnmpScope& scope : query.scopes) {
    scope_values.clear();
    for (const std::string& device : scope.device_ids) {
      if (auto it = device_values.find(device); it != device_values.end()) {
        scope_values.push_back(it->second);
      }
    }
    if (auto value = aggregate(scope_values, query.aggregate, query.metric)) {
      samples.push_back(Sample{{{kSnmpScopeLabel, scope.key}}, *value});
    }
  }
  return samples;
}

}  // namespace slamon::snmp
