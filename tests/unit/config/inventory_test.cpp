// Inventory files (SPEC §5): entities, ownership, references, and ids unique across files.
#include <gtest/gtest.h>

#include "config_fixture.h"

namespace slamon {
namespace {

using testing::ConfigFixture;
using testing::has_diagnostic;
using testing::has_only_diagnostic;

struct InventoryCase {
  std::string name;
  std::string inventory;
  int line;
  int column;
  std::string fragment;
};

void PrintTo(const InventoryCase& c, std::ostream* os) {
  *os << c.name;
}

class InventoryRule : public ConfigFixture, public ::testing::WithParamInterface<InventoryCase> {};

TEST_P(InventoryRule, ReportsExactPositionAndMessage) {
  write("slamon.yml", R"(inventory_files: [inventory.yml]
sources:
  - {name: switches, type: snmp, community: c}
  - {name: prom, type: prometheus, url: "http://127.0.0.1:9090"}
)");
  write("inventory.yml", GetParam().inventory);
  EXPECT_TRUE(has_only_diagnostic(load(), "inventory.yml", GetParam().line, GetParam().column,
                                  GetParam().fragment));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, InventoryRule,
    ::testing::Values(
        InventoryCase{"unknown_top_level_key", "organisations: []\n", 1, 1,
                      "unknown key `organisations`; allowed keys: organizations"},
        InventoryCase{"unknown_organization_key", R"(organizations:
  - id: $ORG_A
    name: ACME
    owner: x
)",
                      4, 5,
                      "unknown key `owner`; allowed keys: id, name, site_groups, sites, "
                      "device_groups, devices"},
        InventoryCase{"unknown_site_key", R"(organizations:
  - id: $ORG_A
    name: ACME
    sites:
      - id: $SITE_HQ
        name: HQ
        city: Berlin
)",
                      7, 9, "unknown key `city`; allowed keys: id, name, site_group, timezone"},
        InventoryCase{"unknown_group_key", R"(organizations:
  - id: $ORG_A
    name: ACME
    device_groups: [{id: $DEVICE_GROUP_APS, name: APs, color: red}]
)",
                      4, 75, "unknown key `color`; allowed keys: id, name"},
        InventoryCase{
            "unknown_device_key", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        type: switch
)",
            7, 9,
            "unknown key `type`; allowed keys: id, name, kind, site, device_groups, ssids, snmp"},
        InventoryCase{"unknown_device_snmp_key", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        snmp:
          source: switches
          address: 10.0.0.1
          community: public
)",
                      10, 11, "unknown key `community`; allowed keys: source, address, interfaces"},
        InventoryCase{"organization_id_not_uuid", R"(organizations:
  - id: acme
    name: ACME
)",
                      2, 9, "must be a UUID such as"},
        InventoryCase{"missing_name", R"(organizations:
  - id: $ORG_A
    sites: []
)",
                      2, 5, "missing required key `name`"},
        InventoryCase{
            "duplicate_id_in_file", R"(organizations:
  - id: $ORG_A
    name: ACME
    sites: [{id: $SITE_HQ, name: HQ}]
    devices:
      - {id: $SITE_HQ, name: core, kind: switch}
)",
            6, 14,
            "duplicate id `a1b2c3d4-0000-4000-8000-000000000001`: already used by site `HQ` at"},
        InventoryCase{"unknown_site_group", R"(organizations:
  - id: $ORG_A
    name: ACME
    sites:
      - {id: $SITE_HQ, name: HQ, site_group: $DEVICE_GROUP_APS}
)",
                      5, 74,
                      "unknown site group `a1b2c3d4-0000-4000-8000-000000000020`: organization "
                      "`ACME` has no"},
        InventoryCase{"site_group_of_another_org", R"(organizations:
  - id: $ORG_A
    name: ACME
    site_groups: [{id: $SITE_GROUP_EMEA, name: EMEA}]
  - id: $ORG_B
    name: Globex
    sites:
      - {id: $SITE_B, name: Plant, site_group: $SITE_GROUP_EMEA}
)",
                      8, 77, "organization `Globex` has no site group with this id"},
        InventoryCase{"bad_timezone", R"(organizations:
  - id: $ORG_A
    name: ACME
    sites:
      - {id: $SITE_HQ, name: HQ, timezone: Berlin time}
)",
                      5, 72, "must be an IANA time zone name"},
        InventoryCase{
            "device_at_unknown_site", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - {id: $SWITCH, name: core, kind: switch, site: $SITE_B}
)",
            5, 84,
            "unknown site `b1b2c3d4-0000-4000-8000-000000000001`: organization `ACME` has no site"},
        InventoryCase{"device_in_unknown_group", R"(organizations:
  - id: $ORG_A
    name: ACME
    device_groups: [{id: $DEVICE_GROUP_APS, name: APs}]
    devices:
      - id: $AP
        name: ap
        kind: ap
        device_groups: [$DEVICE_GROUP_APS, $SITE_HQ]
)",
                      9, 63, "unknown device group `a1b2c3d4-0000-4000-8000-000000000001`"},
        InventoryCase{"bad_kind", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - {id: $SWITCH, name: core, kind: firewall}
)",
                      5, 70,
                      "must be one of switch, router, ap, camera, nvr or other, got `firewall`"},
        InventoryCase{"ssids_on_a_switch", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        kind: switch
        ssids: [Corp]
)",
                      8, 9, "`ssids` applies only to devices of kind ap (this device is switch)"},
        InventoryCase{
            "snmp_through_prometheus_source", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        snmp: {source: prom, address: 10.0.0.1}
)",
            7, 24,
            "source `prom` is a prometheus source; devices are polled through an snmp source"},
        InventoryCase{"snmp_unknown_source", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        snmp: {source: routers, address: 10.0.0.1}
)",
                      7, 24, "unknown source `routers`"},
        InventoryCase{"snmp_missing_address", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        snmp: {source: switches}
)",
                      7, 15, "missing required key `address`"},
        InventoryCase{"snmp_bad_port", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        snmp: {source: switches, address: "10.0.0.1:99999"}
)",
                      7, 43, "must be host or host:port"},
        InventoryCase{"snmp_interface_zero", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        snmp: {source: switches, address: 10.0.0.1, interfaces: [1, 0]}
)",
                      7, 69, "an interface index (ifIndex) is between 1 and 2147483647"},
        InventoryCase{"snmp_interface_quoted", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - id: $SWITCH
        name: core
        snmp: {source: switches, address: 10.0.0.1, interfaces: ["1"]}
)",
                      7, 66, "expected a whole number, got the quoted string \"1\""}),
    testing::kCaseName);

TEST_F(ConfigFixture, AnOrganizationWrittenInTwoFilesIsAnError) {
  write("slamon.yml", "inventory_files: [a.yml, b.yml]\n");
  write("a.yml", "organizations:\n  - {id: $ORG_A, name: ACME}\n");
  write("b.yml",
        "organizations:\n  - {id: $ORG_B, name: Globex}\n  - {id: $ORG_A, name: ACME again}\n");
  EXPECT_TRUE(has_only_diagnostic(load(), "b.yml", 3, 10,
                                  "organization `" + std::string(testing::kOrgA) +
                                      "` is already defined at " + path("a.yml") + ":2"));
}

TEST_F(ConfigFixture, EntityIdsAreUniqueAcrossInventoryFiles) {
  write("slamon.yml", "inventory_files: [a.yml, b.yml]\n");
  write("a.yml",
        "organizations:\n  - {id: $ORG_A, name: ACME, sites: [{id: $SITE_HQ, name: HQ}]}\n");
  write("b.yml",
        "organizations:\n  - id: $ORG_B\n    name: Globex\n    device_groups: [{id: $SITE_HQ, "
        "name: G}]\n");
  EXPECT_TRUE(has_only_diagnostic(load(), "b.yml", 4, 26,
                                  "already used by site `HQ` at " + path("a.yml") + ":2"));
}

TEST_F(ConfigFixture, OrganizationsSpreadOverSeveralFilesFormOneInventory) {
  write("slamon.yml", "inventory_files: [\"inventory/*.yml\"]\n");
  write("inventory/a.yml",
        "organizations:\n  - {id: $ORG_A, name: ACME, sites: [{id: $SITE_HQ, name: HQ}]}\n");
  write("inventory/b.yml",
        "organizations:\n  - {id: $ORG_B, name: Globex, sites: [{id: $SITE_B, name: Plant}]}\n");
  const LoadResult result = load();
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  const Inventory& inventory = result.config->inventory;
  ASSERT_EQ(inventory.organizations.size(), 2u);
  EXPECT_TRUE(
      inventory.owns(std::string(testing::kOrgA), Scope::site, std::string(testing::kSiteHq)));
  EXPECT_TRUE(
      inventory.owns(std::string(testing::kOrgB), Scope::site, std::string(testing::kSiteB)));
}

TEST_F(ConfigFixture, SnmpAddressesAreNormalizedToHostAndPort) {
  write("slamon.yml", R"(inventory_files: [inventory.yml]
sources: [{name: sw, type: snmp, community: c}]
)");
  write("inventory.yml", R"(organizations:
  - id: $ORG_A
    name: ACME
    devices:
      - {id: a1b2c3d4-0000-4000-8000-000000000201, name: a, snmp: {source: sw, address: 10.0.0.1}}
      - {id: a1b2c3d4-0000-4000-8000-000000000202, name: b, snmp: {source: sw, address: "sw1.example.net:1161"}}
      - {id: a1b2c3d4-0000-4000-8000-000000000203, name: c, snmp: {source: sw, address: "[2001:db8::1]:162"}}
      - {id: a1b2c3d4-0000-4000-8000-000000000204, name: d, snmp: {source: sw, address: "2001:db8::2", interfaces: [3, 4]}}
)");
  const LoadResult result = load();
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  const auto& devices = result.config->inventory.organizations[0].devices;
  EXPECT_EQ(devices[0].snmp->address, "10.0.0.1:161");
  EXPECT_EQ(devices[0].kind, DeviceKind::other);
  EXPECT_EQ(devices[1].snmp->address, "sw1.example.net:1161");
  EXPECT_EQ(devices[2].snmp->address, "[2001:db8::1]:162");
  EXPECT_EQ(devices[3].snmp->address, "[2001:db8::2]:161");
  EXPECT_EQ(devices[3].snmp->interfaces, (std::vector<int>{3, 4}));
}

}  // namespace
}  // namespace slamon
