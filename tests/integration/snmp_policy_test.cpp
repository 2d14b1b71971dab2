// SNMP-based policies end to end (issue 5): the real `slamon run` polls a real snmpd whose
// interface table the test rewrites, and a site's uptime policy (share of polls with every
// listed interface up) opens a breach when an interface goes down and resolves it when it
// comes back; a camera that never answers breaches its reachability policy. /metrics carries
// each device's SNMP state. The test waits on /metrics with deadlines, never on the clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "integration/slamon_daemon.h"
#include "integration/state_db.h"
#include "support/snmpd_server.h"
#include "support/temp_dir.h"

namespace slamon::integration {
namespace {

using namespace std::chrono_literals;
using testing::SnmpdPassValue;

constexpr const char* kSnmpOrg = "5e1a0000-0000-4000-8000-00000000aa01";
constexpr const char* kHq = "5e1a0000-0000-4000-8000-00000000aa02";
constexpr const char* kSwitch = "5e1a0000-0000-4000-8000-00000000aa03";
constexpr const char* kCamera = "5e1a0000-0000-4000-8000-00000000aa04";

std::vector<SnmpdPassValue> interfaces(bool second_up) {
  return {{"1.3.6.1.2.1.2.2.1.8.1", "integer", "1"},
          {"1.3.6.1.2.1.2.2.1.8.2", "integer", second_up ? "1" : "2"}};
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string ids(std::string text) {
  for (const auto& [key, value] : {std::pair{"@ORG@", kSnmpOrg}, std::pair{"@HQ@", kHq},
                                   std::pair{"@SWITCH@", kSwitch}, std::pair{"@CAMERA@", kCamera}})
    text = replace_all(std::move(text), key, value);
  return text;
}

TEST(SnmpPolicy, InterfaceDownOpensABreachAndItsRecoveryResolvesIt) {
  if (!std::filesystem::exists("/usr/sbin/snmpd")) GTEST_SKIP() << "snmpd is not installed";
  testing::TempDir dir;
  testing::SnmpdOptions agent_options;
  agent_options.config_lines = {"rocommunity public 127.0.0.1"};
  agent_options.extra_args = {"-I", "-interfaces,ifTable,ifXTable"};
  agent_options.pass_tables = {{"iftable", "1.3.6.1.2.1.2.2.1", interfaces(true), 0ms}};
  auto agent = testing::SnmpdServer::start(agent_options);
  ASSERT_TRUE(agent) << agent.error().message;

  write_file(dir.path() / "slamon.yml", R"(global:
  evaluation_interval: 1s
  storage_path: slamon.db
rule_files: ["rules/*.yml"]
inventory_files: ["inventory/*.yml"]
sources:
  - name: switches
    type: snmp
    version: 2c
    community_file: community
    interval: 1s
    timeout: 500ms
    retries: 0
measurements:
  - metric: uptime_percent
    scopes: [site]
    source: switches
    snmp: if_oper_up
    window: 2s
  - metric: uptime_percent
    scopes: [camera]
    source: switches
    snmp: reachability
    window: 2s
)");
  write_file(dir.path() / "community", "public\n");
  write_file(dir.path() / "inventory" / "acme.yml", ids(R"(organizations:
  - id: @ORG@
    name: ACME
    sites: [{id: @HQ@, name: HQ}]
    devices:
      - id: @SWITCH@
        name: hq-core-1
        kind: switch
        site: @HQ@
        snmp: {source: switches, address: ")" + (*agent)->address() +
                                                        R"(", interfaces: [1, 2]}
      - id: @CAMERA@
        name: lobby-cam
        kind: camera
        site: @HQ@
        snmp: {source: switches, address: "127.0.0.1:9"}
)"));
  write_file(dir.path() / "rules" / "snmp.yml", ids(R"(policies:
  - id: hq-links
    org: @ORG@
    name: HQ core links
    scope: site
    scope_id: @HQ@
    thresholds: {uptime_percent_min: 99}
  - id: lobby-camera
    org: @ORG@
    name: Lobby camera reachable
    scope: camera
    scope_id: @CAMERA@
    thresholds: {uptime_percent_min: 99}
)"));

  auto daemon = SlamonDaemon::start(dir.path() / "slamon.yml", dir.path(), "slamon");
  ASSERT_TRUE(daemon) << daemon.error().message;
  SlamonDaemon& slamon = **daemon;

  const LabelSet links{{"policy_id", "hq-links"}};
  const LabelSet camera{{"policy_id", "lobby-camera"}};
  const LabelSet core{{"device", "hq-core-1"}, {"device_id", kSwitch}, {"source", "switches"}};
  const LabelSet cam{{"device", "lobby-cam"}, {"device_id", kCamera}, {"source", "switches"}};
  // Compliant on measured data, not merely before the first poll round (no data).
  auto links_compliant = slamon.wait_for_metrics("the links policy compliant", [&](const auto& m) {
    return m.value("slamon_policy_metric_up", links) == 1.0 &&
           m.value("slamon_policy_compliant", links) == 1.0;
  });
  ASSERT_TRUE(links_compliant) << links_compliant.error().message;
  EXPECT_EQ(links_compliant->value("slamon_snmp_target_up", core), 1.0);
  EXPECT_GT(links_compliant->value("slamon_snmp_response_seconds", core).value_or(0), 0.0);

  auto camera_breached = slamon.wait_for_metrics("the dead camera in breach", [&](const auto& m) {
    return !m.find("slamon_breach_active", camera).empty();
  });
  ASSERT_TRUE(camera_breached) << camera_breached.error().message;
  EXPECT_EQ(camera_breached->value("slamon_snmp_target_up", cam), 0.0);
  LabelSet timeout = cam;
  timeout["reason"] = "timeout";
  EXPECT_EQ(camera_breached->value("slamon_snmp_target_failure", timeout), 1.0);
  EXPECT_EQ(camera_breached->value("slamon_policy_metric_value", camera), 0.0);

  ASSERT_TRUE((*agent)->set_pass_values("iftable", interfaces(false)));
  auto link_down = slamon.wait_for_metrics("a breach for the down interface", [&](const auto& m) {
    return !m.find("slamon_breach_active", links).empty();
  });
  ASSERT_TRUE(link_down) << link_down.error().message;
  LabelSet second = core;
  second["ifindex"] = "2";
  EXPECT_EQ(link_down->value("slamon_snmp_interface_oper_up", second), 0.0);

  ASSERT_TRUE((*agent)->set_pass_values("iftable", interfaces(true)));
  auto recovered = slamon.wait_for_metrics("the links breach resolved", [&](const auto& m) {
    return m.find("slamon_breach_active", links).empty() &&
           m.value("slamon_policy_compliant", links) == 1.0;
  });
  ASSERT_TRUE(recovered) << recovered.error().message;
  EXPECT_GE(recovered->value("slamon_snmp_polls_total", {{"source", "switches"}}).value_or(0), 3.0);
  EXPECT_GT(recovered->value("slamon_snmp_timeouts_total", {{"source", "switches"}}).value_or(0),
            0.0);

  ASSERT_TRUE(slamon.stop());
  auto breaches = read_breaches(dir.path() / "slamon.db");
  ASSERT_TRUE(breaches) << breaches.error().message;
  int resolved_links = 0;
  for (const auto& breach : *breaches) {
    if (breach.policy_id == "hq-links" && breach.status == "resolved") ++resolved_links;
  }
  EXPECT_EQ(resolved_links, 1);
  EXPECT_EQ(slamon.log().find("public"), std::string::npos) << "the community never appears";
}

}  // namespace
}  // namespace slamon::integration
