// SnmpService against a real snmpd (tests/support/snmpd_server.h) whose interface table,
// sysUpTime and a vendor OID are served from files the test rewrites between polls: the §4
// built-ins over a window (reachability, response time, interfaces up, error ratio with a
// 32-bit wrap and an agent restart, oid × scale), a dead device, the per-device state for
// /metrics, and the history surviving a restart of slamon. Sample times come from a FakeClock;
// each poll_once() is one round, so nothing waits for the clock.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "snmp/snmp_service.h"
#include "store/store.h"
#include "support/snmpd_server.h"
#include "support/temp_dir.h"

namespace slamon::snmp {
namespace {

using namespace std::chrono_literals;
using testing::SnmpdPassValue;

const WallTime kStart = from_unix_seconds(1'800'000'000);
const std::string kOrg = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
constexpr const char* kVendorOid = "1.3.6.1.4.1.99999.1.0";

bool snmpd_installed() {
  return std::filesystem::exists("/usr/sbin/snmpd");
}

// What the agent's interfaces report, written into the pass tables before each poll.
struct AgentState {
  long long uptime_ticks = 100'000;
  bool if2_up = true;
  unsigned long long in_errors = 4'294'967'290ULL;  // 6 below the 32-bit wrap
  unsigned long long packets = 1'000;               // in and out each
  int vendor_value = 50;
};

std::vector<SnmpdPassValue> interface_rows(const AgentState& s) {
  std::vector<SnmpdPassValue> rows;
  for (int ifindex : {1, 2}) {
    const std::string i = std::to_string(ifindex);
    const bool up = ifindex == 1 || s.if2_up;
    rows.push_back({"1.3.6.1.2.1.2.2.1.8." + i, "integer", up ? "1" : "2"});
    rows.push_back({"1.3.6.1.2.1.2.2.1.11." + i, "counter", std::to_string(s.packets)});
    rows.push_back(
        {"1.3.6.1.2.1.2.2.1.14." + i, "counter", std::to_string(ifindex == 1 ? s.in_errors : 0)});
    rows.push_back({"1.3.6.1.2.1.2.2.1.17." + i, "counter", std::to_string(s.packets)});
    rows.push_back({"1.3.6.1.2.1.2.2.1.20." + i, "counter", "0"});
  }
  // pass answers GETNEXT in the order given: keep the rows in OID order.
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    auto arcs = [](const std::string& oid) {
      std::vector<long> out;
      std::size_t start = 0;
      while (start < oid.size()) {
        const auto dot = oid.find('.', start);
        out.push_back(std::stol(oid.substr(start, dot - start)));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      return out;
    };
    return arcs(a.oid) < arcs(b.oid);
  });
  return rows;
}

SourceConfig switches_source() {
  SourceConfig source;
  source.name = "switches";
  source.type = SourceType::snmp;
  source.timeout = 400ms;
  source.snmp.version = "2c";
  source.snmp.community = "public";
  source.snmp.retries = 0;
  source.snmp.interval = 60s;
  return source;
}

MeasurementConfig measurement(Metric metric, const std::string& builtin) {
  MeasurementConfig m;
  m.metric = metric;
  m.scopes = {Scope::site};
  m.source = "switches";
  m.snmp = builtin;
  m.window = 5min;
  if (builtin == "oid") {
    m.oid = kVendorOid;
    m.scale = 0.5;
  }
  return m;
}

Device device(const std::string& id, const std::string& address, std::vector<int> interfaces) {
  Device d;
  d.id = id;
  d.name = "name-" + id;
  d.kind = DeviceKind::switch_;
  d.site = "hq";
  d.snmp = DeviceSnmp{"switches", address, std::move(interfaces)};
  return d;
}

class SnmpServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!snmpd_installed()) GTEST_SKIP() << "snmpd is not installed";
    log::configure(log::Level::error, log::Format::logfmt);
    testing::SnmpdOptions options;
    options.port_count = 2;
    options.config_lines = {"rocommunity public 127.0.0.1"};
    // The agent's own interface and system tables give way to the files this test writes.
    options.extra_args = {"-I", "-interfaces,ifTable,ifXTable,system_mib"};
    options.pass_tables = {
        {"iftable", "1.3.6.1.2.1.2.2.1", interface_rows(state_), 0ms},
        {"uptime", "1.3.6.1.2.1.1.3", {{"1.3.6.1.2.1.1.3.0", "timeticks", "100000"}}, 0ms},
        {"vendor", "1.3.6.1.4.1.99999", {{kVendorOid, "integer", "50"}}, 0ms},
    };
    auto agent = testing::SnmpdServer::start(options);
    ASSERT_TRUE(agent) << agent.error().message;
    agent_ = std::move(*agent);

    auto config = std::make_shared<Config>();
    config->global.evaluation_interval = 5min;
    config->sources.push_back(switches_source());
    config->measurements = {measurement(Metric::uptime_percent, "reachability"),
                            measurement(Metric::latency_ms, "response_time"),
                            measurement(Metric::error_rate, "if_error_ratio"),
                            measurement(Metric::health_score, "oid")};
    Organization org;
    org.id = kOrg;
    org.name = "ACME";
    org.sites = {Site{"hq", "HQ", "", "UTC"}};
    // A closed loopback UDP port: nothing answers there.
    org.devices = {device("listed", agent_->address(0), {1, 2}),
                   device("walked", agent_->address(1), {}), device("dead", "127.0.0.1:9", {})};
    config->inventory.organizations.push_back(org);
    config->inventory.index();
    config_ = config;
    open_service();
  }

  void open_service() {
    service_.reset();
    if (!store_) {  // the daemon opens (and migrates) the state database before the service
      auto store = Store::open((dir_.path() / "slamon.db").string());
      ASSERT_TRUE(store) << store.error().message;
      store_ = std::move(*store);
    }
    auto service = SnmpService::open((dir_.path() / "slamon.db").string(), clock_, config_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  void serve(const AgentState& s) {
    for (const auto& [name, values] :
         std::vector<std::pair<std::string, std::vector<SnmpdPassValue>>>{
             {"iftable", interface_rows(s)},
             {"uptime", {{"1.3.6.1.2.1.1.3.0", "timeticks", std::to_string(s.uptime_ticks)}}},
             {"vendor", {{kVendorOid, "integer", std::to_string(s.vendor_value)}}}}) {
      auto served = agent_->set_pass_values(name, values);
      ASSERT_TRUE(served) << served.error().message;
    }
  }

  // One poll round at the fake clock's time, then a minute passes (the agent's uptime too).
  void poll() {
    serve(state_);
    service_->poll_once();
    clock_.advance(60s);
    state_.uptime_ticks += 6'000;
  }

  std::optional<double> measure(const std::string& builtin, const std::string& device) {
    SnmpQuery query;
    query.builtin = builtin;
    query.oid = builtin == "oid" ? kVendorOid : "";
    query.scale = builtin == "oid" ? 0.5 : 1.0;
    query.window = 5min;
    return service_->measure(query, device, clock_.now());
  }

  const DeviceState* state_of(const SnmpStatus& status, const std::string& device) {
    for (const auto& d : status.devices) {
      if (d.device_id == device) return &d;
    }
    return nullptr;
  }

  testing::TempDir dir_;
  FakeClock clock_{kStart};
  AgentState state_;
  std::unique_ptr<testing::SnmpdServer> agent_;
  ConfigPtr config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SnmpService> service_;
};

TEST_F(SnmpServiceTest, MeasuresEveryBuiltinOverTheWindow) {
  poll();  // warm-up: the agent has no 64-bit counters; the service falls back to 32-bit ones
  poll();  // baseline for the deltas
  state_.if2_up = false;
  state_.in_errors = 4;  // wrapped: +10
  state_.packets += 1'000;
  state_.vendor_value = 70;
  poll();
  state_.if2_up = true;
  state_.packets += 1'000;
  poll();

  EXPECT_DOUBLE_EQ(*measure("reachability", "listed"), 100.0);
  EXPECT_DOUBLE_EQ(*measure("reachability", "walked"), 100.0);
  EXPECT_DOUBLE_EQ(*measure("reachability", "dead"), 0.0);
  EXPECT_GT(*measure("response_time", "listed"), 0.0);
  EXPECT_FALSE(measure("response_time", "dead")) << "a device that never answered has no RTT";
  // 4 polls, one with interface 2 down.
  EXPECT_DOUBLE_EQ(*measure("if_oper_up", "listed"), 75.0);
  EXPECT_DOUBLE_EQ(*measure("if_oper_up", "walked"), 75.0);
  // 10 errors over 2 intervals × 2 interfaces × (in + out) × 1,000 packets.
  EXPECT_DOUBLE_EQ(*measure("if_error_ratio", "listed"), 10.0 / 8'000.0);
  EXPECT_DOUBLE_EQ(*measure("if_error_ratio", "walked"), 10.0 / 8'000.0);
  // Mean of 50, 50, 70, 70 × 0.5.
  EXPECT_DOUBLE_EQ(*measure("oid", "listed"), 30.0);
}

TEST_F(SnmpServiceTest, AnAgentRestartIsNeverANegativeOrHugeRate) {
  poll();
  poll();
  state_.uptime_ticks = 500;  // rebooted: counters start again from small values
  state_.in_errors = 3;
  state_.packets = 20;
  poll();
  state_.packets += 1'000;
  poll();
  const auto ratio = measure("if_error_ratio", "listed");
  ASSERT_TRUE(ratio);
  // Only the interval after the restart counts: 0 new errors over 4,000 packets. The
  // restart's own interval (3 - 4,294,967,290 errors) is left out, not read as a wrap.
  EXPECT_DOUBLE_EQ(*ratio, 0.0);
}

TEST_F(SnmpServiceTest, DeviceStateForMetricsAndAFailureReason) {
  poll();
  const SnmpStatus status = service_->status();
  const DeviceState* listed = state_of(status, "listed");
  const DeviceState* dead = state_of(status, "dead");
  ASSERT_NE(listed, nullptr);
  ASSERT_NE(dead, nullptr);
  EXPECT_TRUE(listed->up);
  EXPECT_EQ(listed->device_name, "name-listed");
  EXPECT_TRUE(listed->failure.empty());
  ASSERT_EQ(listed->interfaces.size(), 2u);
  EXPECT_EQ(listed->interfaces[0].ifindex, 1);
  EXPECT_EQ(listed->interfaces[0].oper_up, true);
  EXPECT_EQ(listed->interfaces[0].in_errors, 4'294'967'290ULL);
  EXPECT_FALSE(dead->up);
  EXPECT_EQ(dead->failure, "timeout");
  ASSERT_EQ(status.sources.size(), 1u);
  EXPECT_EQ(status.sources[0].targets, 3u);
  EXPECT_EQ(status.sources[0].rounds, 1u);
  EXPECT_GE(status.sources[0].counters.timeouts, 1u);
  EXPECT_GT(status.sources[0].counters.varbinds, 0u);
}

TEST_F(SnmpServiceTest, TheEngineSeesOneSeriesPerScopeOnceARoundFinished) {
  const MetricSourcePtr source = service_->source_factory()(switches_source());
  ASSERT_NE(source, nullptr);
  SnmpQuery query;
  query.builtin = "reachability";
  query.window = 5min;
  query.scopes = {{"listed", {"listed"}},
                  {"walked", {"walked"}},
                  {"dead", {"dead"}},
                  {"hq", {"listed", "walked", "dead"}},
                  {"unknown", {"not-in-the-inventory"}}};
  auto before = source->query(query, clock_.now());
  ASSERT_FALSE(before) << "no data is not the same as 0 % before the first round";
  poll();
  auto after = source->query(query, clock_.now());
  ASSERT_TRUE(after) << after.error().message;
  std::map<std::string, double> by_scope;
  for (const auto& sample : after->samples)
    by_scope[sample.labels.at(kSnmpScopeLabel)] = sample.value;
  EXPECT_EQ(by_scope, (std::map<std::string, double>{
                          {"dead", 0}, {"hq", 200.0 / 3}, {"listed", 100}, {"walked", 100}}));
  EXPECT_FALSE(source->query(PromQlQuery{"up"}, clock_.now()));
}

TEST_F(SnmpServiceTest, HistorySurvivesARestartOfSlamon) {
  poll();
  state_.if2_up = false;
  poll();
  open_service();  // slamon restarts on the same state database
  EXPECT_DOUBLE_EQ(*measure("if_oper_up", "listed"), 50.0);
  EXPECT_DOUBLE_EQ(*measure("reachability", "dead"), 0.0);
}

TEST_F(SnmpServiceTest, ReloadDropsRemovedDevicesAndTheirHistory) {
  poll();
  auto smaller = std::make_shared<Config>(*config_);
  auto& devices = smaller->inventory.organizations[0].devices;
  devices.erase(devices.begin() + 2);  // "dead" leaves the inventory
  smaller->inventory.index();
  service_->reconfigure(smaller);
  EXPECT_EQ(state_of(service_->status(), "dead"), nullptr);
  poll();  // the history is pruned after the next round, on the polling thread
  EXPECT_FALSE(measure("reachability", "dead"));
  EXPECT_TRUE(measure("reachability", "listed"));
  EXPECT_EQ(service_->status().sources.at(0).targets, 2u);
}

}  // namespace
}  // namespace slamon::snmp
