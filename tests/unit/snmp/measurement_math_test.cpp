// The SNMP measurement math: counter deltas across wraps, resets and absurd rates; agent
// restarts from sysUpTime (including the 497-day TimeTicks wrap); the reduction of a poll into
// a DeviceSample; the window functions and their boundaries; the aggregation across devices.
#include "snmp/measurement_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "model/model.h"

namespace slamon::snmp {
namespace {

using std::chrono::seconds;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t k2to32 = std::uint64_t{1} << 32;

const WallTime kT0 = WallTime{std::chrono::milliseconds{1'790'000'000'000}};

// ---- counter_delta ----------------------------------------------------------------------

struct CounterCase {
  const char* name;
  std::uint64_t previous;
  std::uint64_t current;
  bool is_64bit;
  bool discontinuity;
  double elapsed_seconds;
  double max_per_second;
  std::optional<double> expected;
};

TEST(CounterDelta, Cases) {
  const CounterCase cases[] = {
      {"normal 32-bit", 100, 150, false, false, 60, 2e9, 50.0},
      {"unchanged", 100, 100, false, false, 60, 2e9, 0.0},
      {"normal 64-bit", std::uint64_t{1} << 40, (std::uint64_t{1} << 40) + 1000, true, false, 60,
       2e9, 1000.0},
      {"32-bit wrap", k2to32 - 10, 5, false, false, 60, 2e9, 15.0},
      {"32-bit wrap from the top value", k2to32 - 1, 0, false, false, 60, 2e9, 1.0},
      {"64-bit went down: reset", 5000, 10, true, false, 60, 2e9, std::nullopt},
      {"32-bit went down with discontinuity: reset", 5000, 10, false, true, 60, 2e9, std::nullopt},
      {"32-bit went up across a discontinuity: other origin", 10, 5000, false, true, 60, 2e9,
       std::nullopt},
      {"64-bit went up across a discontinuity", 10, 5000, true, true, 60, 2e9, std::nullopt},
      {"32-bit going down from a value beyond 32 bits", k2to32 + 5, 10, false, false, 60, 2e9,
       std::nullopt},
      {"absurd rate", 0, 1'000'000'000'000, true, false, 1, 2e9, std::nullopt},
      {"rate exactly at the limit", 0, 2'000'000'000, true, false, 1, 2e9, 2e9},
      {"a reset that looks like a wrap, too fast", 3'000'000'000, 1'000'000'000, false, false, 0.5,
       2e9, std::nullopt},
      {"zero elapsed", 100, 150, false, false, 0, 2e9, std::nullopt},
      {"negative elapsed", 100, 150, false, false, -60, 2e9, std::nullopt},
      {"NaN elapsed", 100, 150, false, false, kNaN, 2e9, std::nullopt},
      {"infinite elapsed", 100, 150, false, false, kInf, 2e9, std::nullopt},
      {"NaN limit refuses", 100, 150, false, false, 60, kNaN, std::nullopt},
      {"infinite limit accepts", 0, 1'000'000'000'000, true, false, 1, kInf, 1e12},
  };
  for (const CounterCase& c : cases) {
    SCOPED_TRACE(c.name);
    const auto delta = counter_delta(c.previous, c.current, c.is_64bit, c.discontinuity,
                                     c.elapsed_seconds, c.max_per_second);
    ASSERT_EQ(delta.has_value(), c.expected.has_value());
    if (delta) {
      EXPECT_DOUBLE_EQ(*delta, *c.expected);
      EXPECT_GE(*delta, 0);
    }
  }
}

// ---- agent_restarted --------------------------------------------------------------------

struct RestartCase {
  const char* name;
  std::uint64_t previous_ticks;
  std::uint64_t current_ticks;
  double elapsed_seconds;
  bool expected;
};

TEST(AgentRestarted, Cases) {
  const RestartCase cases[] = {
      {"advanced as expected", 100'000, 106'000, 60, false},
      {"advanced a little less (poll jitter)", 100'000, 104'000, 60, false},
      {"advanced more (agent clock fast, late poll)", 100'000, 200'000, 60, false},
      {"went backwards: rebooted", 100'000, 3'000, 60, true},
      {"went backwards by one tick", 100'000, 99'999, 60, true},
      {"497-day TimeTicks wrap", k2to32 - 3'000, 3'000, 60, false},
      {"wrap right at the top", k2to32 - 1, 5'999, 60, false},
      {"backwards near the top but too far for a wrap", k2to32 - 3'000, 500'000, 60, true},
      {"backwards near the top, too little for a wrap", k2to32 - 100, 0, 300, true},
      {"rebooted and already past the old value", 1'000, 2'000, 300, true},
      {"rebooted a minute after the previous poll", 1'000, 2'000, 60, true},
      {"long gap, advanced in step", 1'000, 1'000 + 360'000, 3'600, false},
      {"long gap, advanced far too little", 1'000, 1'000 + 100'000, 3'600, true},
      {"ticks beyond 32 bits read modulo 2^32", k2to32 + 100, 6'100, 60, false},
      {"zero elapsed, forward", 100, 200, 0, false},
      {"zero elapsed, backwards", 200, 100, 0, true},
      {"negative elapsed, forward", 100, 200, -5, false},
      {"NaN elapsed, backwards", 200, 100, kNaN, true},
  };
  for (const RestartCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(agent_restarted(c.previous_ticks, c.current_ticks, c.elapsed_seconds), c.expected);
  }
}

// ---- reduce -----------------------------------------------------------------------------

InterfaceReading interface(int ifindex, std::optional<bool> up, std::uint64_t errors,
                           std::uint64_t packets, bool hc = true) {
  InterfaceReading reading;
  reading.ifindex = ifindex;
  reading.oper_up = up;
  reading.in_errors = errors;
  reading.out_errors = errors;
  reading.in_packets = packets;
  reading.out_packets = packets;
  reading.packets_are_64bit = hc;
  return reading;
}

DeviceReading reading(WallTime at, std::optional<std::uint64_t> uptime,
                      std::vector<InterfaceReading> interfaces) {
  DeviceReading r;
  r.at = at;
  r.answered = true;
  r.round_trip_ms = 4.5;
  r.sys_uptime_ticks = uptime;
  r.interfaces = std::move(interfaces);
  return r;
}

TEST(Reduce, UnansweredKeepsOnlyTimeAndAnswered) {
  DeviceReading current = reading(kT0, 100, {interface(1, true, 1, 1)});
  current.answered = false;
  current.oid_values["1.3.6.1.4.1.9.1"] = 7;
  const DeviceReading previous = reading(kT0 - seconds(60), 94, {interface(1, true, 0, 0)});
  const DeviceSample sample = reduce(&previous, current);
  EXPECT_EQ(sample.at, kT0);
  EXPECT_FALSE(sample.answered);
  EXPECT_EQ(sample.round_trip_ms, 0);
  EXPECT_FALSE(sample.all_interfaces_up);
  EXPECT_FALSE(sample.error_delta);
  EXPECT_FALSE(sample.packet_delta);
  EXPECT_TRUE(sample.oid_values.empty());
}

TEST(Reduce, FirstAnsweredPollHasNoDeltas) {
  DeviceReading current = reading(kT0, 100, {interface(1, true, 5, 500)});
  current.oid_values["1.3.6.1.4.1.9.1"] = 7;
  const DeviceSample sample = reduce(nullptr, current);
  EXPECT_TRUE(sample.answered);
  EXPECT_DOUBLE_EQ(sample.round_trip_ms, 4.5);
  EXPECT_EQ(sample.all_interfaces_up, true);
  EXPECT_FALSE(sample.error_delta);
  EXPECT_FALSE(sample.packet_delta);
  EXPECT_EQ(sample.oid_values, current.oid_values);
}

TEST(Reduce, PreviousUnansweredGivesNoDeltas) {
  DeviceReading previous = reading(kT0 - seconds(60), 100, {interface(1, true, 0, 0)});
  previous.answered = false;
  const DeviceSample sample = reduce(&previous, reading(kT0, 6'100, {interface(1, true, 5, 50)}));
  EXPECT_FALSE(sample.error_delta);
  EXPECT_FALSE(sample.packet_delta);
}

TEST(Reduce, SumsDeltasOverInterfaces) {
  const DeviceReading previous = reading(kT0 - seconds(60), 100'000,
                                         {interface(1, true, 10, 1'000), interface(2, true, 0, 0)});
  const DeviceReading current =
      reading(kT0, 106'000, {interface(1, true, 12, 3'000), interface(2, true, 1, 50)});
  const DeviceSample sample = reduce(&previous, current);
  // in + out per interface: (2+2) + (1+1) errors, (2000+2000) + (50+50) packets.
  EXPECT_EQ(sample.error_delta, 6.0);
  EXPECT_EQ(sample.packet_delta, 4'100.0);
}

TEST(Reduce, InterfacesAppearingOrDisappearingAreLeftOut) {
  const DeviceReading previous = reading(kT0 - seconds(60), 100'000,
                                         {interface(1, true, 10, 1'000), interface(2, true, 0, 0)});
  const DeviceReading current =
      reading(kT0, 106'000, {interface(1, true, 11, 1'100), interface(3, true, 900, 900)});
  const DeviceSample sample = reduce(&previous, current);
  EXPECT_EQ(sample.error_delta, 2.0);
  EXPECT_EQ(sample.packet_delta, 200.0);

  const DeviceReading only_new = reading(kT0, 106'000, {interface(3, true, 900, 900)});
  const DeviceSample none_left = reduce(&previous, only_new);
  EXPECT_FALSE(none_left.error_delta);
  EXPECT_FALSE(none_left.packet_delta);
}

TEST(Reduce, RestartBetweenPollsDropsDeltas) {
  const DeviceReading previous =
      reading(kT0 - seconds(60), 100'000, {interface(1, true, 10, 1'000, false)});
  // Counters went up (the new boot counted more than the old one had) and down (32-bit values
  // that would otherwise read as a wrap): neither is trusted across a reboot.
  const DeviceReading went_up = reading(kT0, 2'000, {interface(1, true, 20, 5'000, false)});
  const DeviceReading went_down = reading(kT0, 2'000, {interface(1, true, 1, 10, false)});
  for (const DeviceReading* current : {&went_up, &went_down}) {
    const DeviceSample sample = reduce(&previous, *current);
    EXPECT_FALSE(sample.error_delta);
    EXPECT_FALSE(sample.packet_delta);
    EXPECT_TRUE(sample.answered);
  }
}

TEST(Reduce, WithoutUptimeA32BitDropReadsAsAWrap) {
  const DeviceReading previous = reading(kT0 - seconds(60), std::nullopt,
                                         {interface(1, true, k2to32 - 1, k2to32 - 10, false)});
  const DeviceReading current = reading(kT0, 2'000, {interface(1, true, 1, 10, false)});
  const DeviceSample sample = reduce(&previous, current);
  EXPECT_EQ(sample.error_delta, 4.0);    // (2^32-1 → 1) twice
  EXPECT_EQ(sample.packet_delta, 40.0);  // (2^32-10 → 10) twice
}

TEST(Reduce, MissingOrUntrustedCountersLeaveTheInterfaceOut) {
  InterfaceReading no_out_errors = interface(1, true, 10, 1'000);
  no_out_errors.out_errors.reset();
  const InterfaceReading reset_hc = interface(2, true, 0, 5'000);
  InterfaceReading was_32bit = interface(3, true, 0, 100, false);
  const DeviceReading previous = reading(
      kT0 - seconds(60), 100'000, {no_out_errors, reset_hc, was_32bit, interface(4, true, 0, 100)});
  const DeviceReading current =
      reading(kT0, 106'000,
              {interface(1, true, 20, 2'000), interface(2, true, 0, 10),  // HC went down
               interface(3, true, 0, 200, true),                          // width changed
               interface(4, true, 3, 400)});
  const DeviceSample sample = reduce(&previous, current);
  EXPECT_EQ(sample.error_delta, 6.0);  // interface 4 only
  EXPECT_EQ(sample.packet_delta, 600.0);

  InterfaceReading no_packets = interface(4, true, 3, 0);
  no_packets.in_packets.reset();
  const DeviceSample none = reduce(&previous, reading(kT0, 106'000, {no_packets}));
  EXPECT_FALSE(none.error_delta);
  EXPECT_FALSE(none.packet_delta);
}

TEST(Reduce, AbsurdRateLeavesTheInterfaceOut) {
  const DeviceReading previous =
      reading(kT0 - seconds(1), 100'000, {interface(1, true, 0, 0), interface(2, true, 0, 0)});
  const DeviceReading current =
      reading(kT0, 100'100, {interface(1, true, 0, 5'000'000'000'000), interface(2, true, 1, 10)});
  const DeviceSample sample = reduce(&previous, current);
  EXPECT_EQ(sample.error_delta, 2.0);
  EXPECT_EQ(sample.packet_delta, 20.0);
}

TEST(Reduce, AllInterfacesUp) {
  struct Case {
    const char* name;
    std::vector<std::optional<bool>> states;
    std::optional<bool> expected;
  };
  const Case cases[] = {
      {"all up", {true, true}, true},
      {"one down", {true, false}, false},
      {"all unknown", {std::nullopt, std::nullopt}, std::nullopt},
      {"no interfaces", {}, std::nullopt},
      {"up and unknown: judged on the known", {true, std::nullopt}, true},
      {"down and unknown", {std::nullopt, false}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<InterfaceReading> interfaces;
    for (std::size_t i = 0; i < c.states.size(); ++i) {
      interfaces.push_back(interface(static_cast<int>(i) + 1, c.states[i], 0, 0));
    }
    EXPECT_EQ(reduce(nullptr, reading(kT0, 100, interfaces)).all_interfaces_up, c.expected);
  }
}

// ---- window functions -------------------------------------------------------------------

DeviceSample sample_at(int minute, bool answered, double round_trip_ms = 0,
                       std::optional<bool> up = std::nullopt,
                       std::optional<double> errors = std::nullopt,
                       std::optional<double> packets = std::nullopt) {
  DeviceSample s;
  s.at = kT0 + std::chrono::minutes(minute);
  s.answered = answered;
  s.round_trip_ms = round_trip_ms;
  s.all_interfaces_up = up;
  s.error_delta = errors;
  s.packet_delta = packets;
  return s;
}

WallTime minute(int m) {
  return kT0 + std::chrono::minutes(m);
}

TEST(Windows, NoDataIsNullopt) {
  const std::vector<DeviceSample> none;
  EXPECT_FALSE(reachability_percent(none, minute(0), minute(5)));
  EXPECT_FALSE(mean_round_trip_ms(none, minute(0), minute(5)));
  EXPECT_FALSE(interfaces_up_percent(none, minute(0), minute(5)));
  EXPECT_FALSE(error_ratio(none, minute(0), minute(5)));
  EXPECT_FALSE(mean_oid_value(none, "1.2.3", minute(0), minute(5)));

  // Samples exist, but all outside the window.
  const std::vector<DeviceSample> outside = {sample_at(0, true, 1, true, 0, 10),
                                             sample_at(6, true, 1, true, 0, 10)};
  EXPECT_FALSE(reachability_percent(outside, minute(0), minute(5)));
  EXPECT_FALSE(mean_round_trip_ms(outside, minute(0), minute(5)));
  EXPECT_FALSE(interfaces_up_percent(outside, minute(0), minute(5)));
  EXPECT_FALSE(error_ratio(outside, minute(0), minute(5)));
}

TEST(Windows, FromIsExclusiveAndToInclusive) {
  // At minute 0 (== from: excluded) unanswered; minutes 1..5 answered (5 == to: included);
  // minute 6 (after to) unanswered.
  std::vector<DeviceSample> samples = {sample_at(0, false)};
  for (int m = 1; m <= 5; ++m) samples.push_back(sample_at(m, true, 10.0 * m));
  samples.push_back(sample_at(6, false));
  EXPECT_EQ(reachability_percent(samples, minute(0), minute(5)), 100.0);
  EXPECT_EQ(mean_round_trip_ms(samples, minute(0), minute(5)), 30.0);
  EXPECT_EQ(reachability_percent(samples, minute(-1), minute(5)), 100.0 * 5 / 6);
  EXPECT_EQ(reachability_percent(samples, minute(1), minute(6)), 100.0 * 4 / 5);
  EXPECT_EQ(mean_round_trip_ms(samples, minute(4), minute(5)), 50.0);
  EXPECT_FALSE(reachability_percent(samples, minute(5), minute(5)));
}

TEST(Windows, ReachabilityAndRoundTrip) {
  const std::vector<DeviceSample> samples = {sample_at(1, true, 10), sample_at(2, false, 999),
                                             sample_at(3, true, 20), sample_at(4, false)};
  EXPECT_EQ(reachability_percent(samples, minute(0), minute(4)), 50.0);
  EXPECT_EQ(mean_round_trip_ms(samples, minute(0), minute(4)), 15.0);  // unanswered not counted
  const std::vector<DeviceSample> unanswered = {sample_at(1, false), sample_at(2, false)};
  EXPECT_EQ(reachability_percent(unanswered, minute(0), minute(4)), 0.0);
  EXPECT_FALSE(mean_round_trip_ms(unanswered, minute(0), minute(4)));
}

TEST(Windows, UnsortedInputIsFine) {
  const std::vector<DeviceSample> samples = {sample_at(3, true, 20), sample_at(1, true, 10),
                                             sample_at(9, false), sample_at(2, false)};
  EXPECT_EQ(reachability_percent(samples, minute(0), minute(4)), 100.0 * 2 / 3);
}

TEST(Windows, InterfacesUpPercent) {
  const std::vector<DeviceSample> samples = {
      sample_at(1, true, 1, true), sample_at(2, true, 1, false),        sample_at(3, true, 1, true),
      sample_at(4, true, 1, true), sample_at(5, true, 1, std::nullopt), sample_at(6, false)};
  EXPECT_EQ(interfaces_up_percent(samples, minute(0), minute(6)), 75.0);
  EXPECT_FALSE(interfaces_up_percent(samples, minute(4), minute(6)));  // none known
}

TEST(Windows, ErrorRatio) {
  struct Case {
    const char* name;
    std::vector<DeviceSample> samples;
    std::optional<double> expected;
  };
  const Case cases[] = {
      {"normal",
       {sample_at(1, true, 1, true, 1, 1'000), sample_at(2, true, 1, true, 3, 3'000)},
       4.0 / 4'000},
      {"samples missing a delta are ignored",
       {sample_at(1, true, 1, true, 1, 100), sample_at(2, true, 1, true, 50, std::nullopt),
        sample_at(3, true, 1, true, std::nullopt, 900), sample_at(4, false)},
       0.01},
      {"no packets, no errors", {sample_at(1, true, 1, true, 0, 0)}, 0.0},
      {"no packets, some errors",
       {sample_at(1, true, 1, true, 0, 0), sample_at(2, true, 1, true, 2, 0)},
       1.0},
      {"more errors than packets clamps", {sample_at(1, true, 1, true, 30, 10)}, 1.0},
      {"no sample with both", {sample_at(1, true, 1, true, 5, std::nullopt)}, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto ratio = error_ratio(c.samples, minute(0), minute(5));
    ASSERT_EQ(ratio.has_value(), c.expected.has_value());
    if (ratio) {
      EXPECT_DOUBLE_EQ(*ratio, *c.expected);
    }
  }
}

TEST(Windows, MeanOidValue) {
  std::vector<DeviceSample> samples = {sample_at(1, true), sample_at(2, true), sample_at(3, true),
                                       sample_at(4, true)};
  samples[0].oid_values["1.2.3"] = 10;
  samples[1].oid_values["1.2.4"] = 1'000;  // another OID
  samples[2].oid_values["1.2.3"] = 20;
  samples[3].oid_values["1.2.3"] = kNaN;  // skipped
  EXPECT_EQ(mean_oid_value(samples, "1.2.3", minute(0), minute(4)), 15.0);
  EXPECT_EQ(mean_oid_value(samples, "1.2.4", minute(0), minute(4)), 1'000.0);
  EXPECT_FALSE(mean_oid_value(samples, "1.2.5", minute(0), minute(4)));
  EXPECT_EQ(mean_oid_value(samples, "1.2.3", minute(1), minute(4)), 20.0);
}

// ---- aggregate --------------------------------------------------------------------------

TEST(Aggregate, AvgMinMax) {
  const std::vector<double> values = {99.0, 97.0, kNaN, 100.0, 96.0};
  EXPECT_EQ(aggregate(values, Aggregate::avg, Metric::uptime_percent), 98.0);
  EXPECT_EQ(aggregate(values, Aggregate::min, Metric::uptime_percent), 96.0);
  EXPECT_EQ(aggregate(values, Aggregate::max, Metric::uptime_percent), 100.0);
}

TEST(Aggregate, WorstFollowsTheMetricDirection) {
  const std::vector<double> values = {3.0, 1.0, 2.0};
  const std::pair<Metric, double> cases[] = {
      {Metric::uptime_percent, 1.0},      {Metric::health_score, 1.0},
      {Metric::client_satisfaction, 1.0}, {Metric::latency_ms, 3.0},
      {Metric::packet_loss_percent, 3.0}, {Metric::error_rate, 3.0},
  };
  static_assert(std::size(cases) == kMetricCount);
  for (const auto& [metric, expected] : cases) {
    SCOPED_TRACE(std::string(to_string(metric)));
    EXPECT_EQ(aggregate(values, Aggregate::worst, metric), expected);
  }
}

TEST(Aggregate, EmptyOrAllNaNIsNoData) {
  const std::vector<double> none;
  const std::vector<double> nans = {kNaN, kNaN};
  for (Aggregate how : {Aggregate::avg, Aggregate::min, Aggregate::max, Aggregate::worst}) {
    EXPECT_FALSE(aggregate(none, how, Metric::latency_ms));
    EXPECT_FALSE(aggregate(nans, how, Metric::uptime_percent));
  }
  const std::vector<double> one = {kNaN, 42.0};
  EXPECT_EQ(aggregate(one, Aggregate::avg, Metric::latency_ms), 42.0);
}

}  // namespace
}  // namespace slamon::snmp
