// SnmpService's round schedule on an injected clock: the first round runs at start, the next
// one when the (fake) monotonic clock has moved one interval, an advance past several interval
// starts runs one round and counts the others missed, and the round's own timing is read from
// the same clock. The source thread waits on the FakeClock, so nothing here waits for real
// time but the dead device's short timeout. The only device is a closed loopback port, so no
// snmpd is needed.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "common/log.h"
#include "snmp/snmp_service.h"

namespace slamon::snmp {
namespace {

using namespace std::chrono_literals;

const WallTime kStart = from_unix_seconds(1'800'000'000);

ConfigPtr one_dead_device() {
  auto config = std::make_shared<Config>();
  config->global.evaluation_interval = 5min;
  SourceConfig source;
  source.name = "switches";
  source.type = SourceType::snmp;
  source.timeout = 5ms;
  source.snmp.community = "public";
  source.snmp.retries = 0;
  source.snmp.interval = 60s;
  config->sources.push_back(source);
  MeasurementConfig reachability;
  reachability.metric = Metric::uptime_percent;
  reachability.scopes = {Scope::site};
  reachability.source = "switches";
  reachability.snmp = "reachability";
  config->measurements.push_back(reachability);
  Organization org;
  org.id = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
  org.name = "ACME";
  org.sites = {Site{"hq", "HQ", "", "UTC"}};
  Device device;
  device.id = "dead";
  device.name = "dead";
  device.kind = DeviceKind::switch_;
  device.site = "hq";
  device.snmp = DeviceSnmp{"switches", "127.0.0.1:9", {}};  // nothing answers there
  org.devices = {device};
  config->inventory.organizations.push_back(org);
  config->inventory.index();
  return config;
}

// The poller thread's progress, waited for (not slept for): the bound only turns a hung
// service into a failed test.
bool wait_for(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::uint64_t rounds(const SnmpService& service) {
  const SnmpStatus status = service.status();
  return status.sources.empty() ? 0 : status.sources[0].rounds;
}

struct StartedService {
  FakeClock clock{kStart};
  std::unique_ptr<SnmpService> service;
};

// A started service whose first round has finished.
void start_service(StartedService& started) {
  log::configure(log::Level::error, log::Format::logfmt);
  auto opened = SnmpService::open(":memory:", started.clock, one_dead_device());
  ASSERT_TRUE(opened) << opened.error().message;
  started.service = std::move(*opened);
  started.service->start();
  ASSERT_TRUE(wait_for([&] { return rounds(*started.service) == 1; }));
}

SourcePollState source_state(const SnmpService& service) {
  const SnmpStatus status = service.status();
  return status.sources.size() == 1 ? status.sources[0] : SourcePollState{};
}

TEST(SnmpServiceSchedule, OneRoundPerIntervalOfTheInjectedClock) {
  StartedService started;
  ASSERT_NO_FATAL_FAILURE(start_service(started));
  SnmpService& service = *started.service;

  for (std::uint64_t round = 2; round <= 3; ++round) {
    started.clock.advance(60s);
    ASSERT_TRUE(wait_for([&] { return rounds(service) == round; })) << "round " << round;
    const SourcePollState state = source_state(service);
    EXPECT_EQ(state.missed_rounds, 0u);
    EXPECT_EQ(state.last_round_at, started.clock.now());
    // The dead device took its timeout in real time; the round is timed on the injected
    // clock, which did not move.
    EXPECT_EQ(state.last_round_seconds, 0.0);
  }
  service.stop();
  EXPECT_EQ(rounds(service), 3u);
}

TEST(SnmpServiceSchedule, AnAdvanceOverSeveralIntervalsRunsOneRoundAndCountsTheRestMissed) {
  StartedService started;
  ASSERT_NO_FATAL_FAILURE(start_service(started));
  SnmpService& service = *started.service;

  // Starts were due at +60 s and +120 s; the round at +150 s stands for the later one.
  started.clock.advance(150s);
  ASSERT_TRUE(wait_for([&] { return rounds(service) == 2; }));
  EXPECT_EQ(source_state(service).missed_rounds, 1u);
  EXPECT_EQ(source_state(service).last_round_at, kStart + 150s);

  // The schedule keeps its phase: the next start is due at +180 s, not +210 s.
  started.clock.advance(30s);
  ASSERT_TRUE(wait_for([&] { return rounds(service) == 3; }));
  EXPECT_EQ(source_state(service).missed_rounds, 1u);
  EXPECT_EQ(source_state(service).last_round_at, kStart + 180s);
  service.stop();
  EXPECT_EQ(rounds(service), 3u);
}

TEST(SnmpServiceSchedule, StopEndsTheWaitForTheNextRoundAtOnce) {
  StartedService started;
  ASSERT_NO_FATAL_FAILURE(start_service(started));
  // The thread now waits for +60 s of a clock that never moves: only the stop can end it.
  started.service->stop();
  EXPECT_EQ(rounds(*started.service), 1u);
}

TEST(SnmpServiceSchedule, AReloadStartsItsFirstRoundWithoutWaitingForTheClock) {
  StartedService started;
  ASSERT_NO_FATAL_FAILURE(start_service(started));
  // The retired runner is woken out of its wait; the new one polls at once.
  started.service->reconfigure(one_dead_device());
  ASSERT_TRUE(wait_for([&] { return rounds(*started.service) == 2; }));
  EXPECT_EQ(source_state(*started.service).missed_rounds, 0u);
  started.service->stop();
}

}  // namespace
}  // namespace slamon::snmp
