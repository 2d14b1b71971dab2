// SnmpService's round schedule on an injected clock: the first round runs at start, the next
// one when the (fake) monotonic clock has moved one interval, and the round's own timing is read
// from the same clock. The only device is a closed loopback port, so no snmpd is needed.
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
  source.timeout = 100ms;
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

TEST(SnmpServiceSchedule, OneRoundPerIntervalOfTheInjectedClock) {
  log::configure(log::Level::error, log::Format::logfmt);
  FakeClock clock(kStart);
  auto opened = SnmpService::open(":memory:", clock, one_dead_device());
  ASSERT_TRUE(opened) << opened.error().message;
  SnmpService& service = **opened;
  service.start();
  ASSERT_TRUE(wait_for([&] { return rounds(service) == 1; }));

  for (std::uint64_t round = 2; round <= 3; ++round) {
    clock.advance(60s);
    ASSERT_TRUE(wait_for([&] { return rounds(service) == round; })) << "round " << round;
    const SnmpStatus status = service.status();
    ASSERT_EQ(status.sources.size(), 1u);
    EXPECT_EQ(status.sources[0].missed_rounds, 0u);
    EXPECT_EQ(status.sources[0].last_round_at, clock.now());
    // The dead device took its 100 ms timeout in real time; the round is timed on the
    // injected clock, which did not move.
    EXPECT_EQ(status.sources[0].last_round_seconds, 0.0);
  }
  service.stop();
  EXPECT_EQ(rounds(service), 3u);
}

}  // namespace
}  // namespace slamon::snmp
