// Config, Inventory and MeasurementConfig lookups (SPEC §4, §5) and the diagnostic format.
#include <gtest/gtest.h>

#include <algorithm>

#include "config_fixture.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::ConfigFixture;

std::vector<std::string> names(const std::vector<const Device*>& devices) {
  std::vector<std::string> out;
  for (const Device* device : devices) out.push_back(device->name);
  std::sort(out.begin(), out.end());
  return out;
}

class InventoryTest : public testing::LoadedConfigFixture {
 protected:
  const Inventory& inventory() const { return config_->inventory; }
  std::vector<std::string> devices_of(std::string_view org, Scope scope,
                                      std::string_view key) const {
    return names(inventory().devices_of(std::string(org), scope, std::string(key)));
  }

  const std::string org_a{testing::kOrgA};
  const std::string org_b{testing::kOrgB};
};

TEST_F(InventoryTest, DevicesOfEachScope) {
  using V = std::vector<std::string>;
  EXPECT_EQ(devices_of(org_a, Scope::organization, org_a),
            (V{"hq-ap-1", "hq-cam-1", "hq-core-1", "hq-nvr-1", "lab-ap-1"}));
  EXPECT_EQ(devices_of(org_b, Scope::organization, org_b), (V{"plant-cam"}));
  EXPECT_EQ(devices_of(org_a, Scope::site, testing::kSiteHq),
            (V{"hq-ap-1", "hq-cam-1", "hq-core-1", "hq-nvr-1"}));
  EXPECT_EQ(devices_of(org_a, Scope::site, testing::kSiteLab), (V{"lab-ap-1"}));
  EXPECT_EQ(devices_of(org_a, Scope::site_group, testing::kSiteGroupEmea),
            (V{"hq-ap-1", "hq-cam-1", "hq-core-1", "hq-nvr-1"}));
  EXPECT_EQ(devices_of(org_a, Scope::device_group, testing::kDeviceGroupAps),
            (V{"hq-ap-1", "lab-ap-1"}));
  EXPECT_EQ(devices_of(org_a, Scope::camera, testing::kCamera), (V{"hq-cam-1"}));
  EXPECT_EQ(devices_of(org_a, Scope::nvr, testing::kNvr), (V{"hq-nvr-1"}));
  EXPECT_EQ(devices_of(org_a, Scope::ssid, "Corp-WiFi"), (V{"hq-ap-1", "lab-ap-1"}));
  EXPECT_EQ(devices_of(org_a, Scope::ssid, "Guest"), (V{"hq-ap-1"}));
}

TEST_F(InventoryTest, DevicesOfRespectKindAndOwner) {
  EXPECT_TRUE(devices_of(org_a, Scope::camera, testing::kSwitch).empty());
  EXPECT_TRUE(devices_of(org_a, Scope::nvr, testing::kCamera).empty());
  EXPECT_TRUE(devices_of(org_a, Scope::camera, testing::kCameraB).empty());
  EXPECT_TRUE(devices_of(org_b, Scope::site, testing::kSiteHq).empty());
  EXPECT_TRUE(devices_of(org_b, Scope::ssid, "Corp-WiFi").empty());
  EXPECT_TRUE(devices_of("00000000-0000-4000-8000-000000000000", Scope::organization, "").empty());
}

TEST_F(InventoryTest, OwnsChecksKindAndOrganization) {
  EXPECT_TRUE(inventory().owns(org_a, Scope::organization, org_a));
  EXPECT_FALSE(inventory().owns(org_a, Scope::organization, org_b));
  EXPECT_TRUE(inventory().owns(org_a, Scope::site, std::string(testing::kSiteHq)));
  EXPECT_FALSE(inventory().owns(org_b, Scope::site, std::string(testing::kSiteHq)));
  EXPECT_FALSE(inventory().owns(org_a, Scope::site_group, std::string(testing::kSiteHq)));
  EXPECT_TRUE(inventory().owns(org_a, Scope::site_group, std::string(testing::kSiteGroupEmea)));
  EXPECT_TRUE(inventory().owns(org_a, Scope::device_group, std::string(testing::kDeviceGroupAps)));
  EXPECT_TRUE(inventory().owns(org_a, Scope::camera, std::string(testing::kCamera)));
  EXPECT_FALSE(inventory().owns(org_a, Scope::camera, std::string(testing::kSwitch)));
  EXPECT_FALSE(inventory().owns(org_a, Scope::camera, std::string(testing::kCameraB)));
  EXPECT_TRUE(inventory().owns(org_a, Scope::nvr, std::string(testing::kNvr)));
  EXPECT_TRUE(inventory().owns(org_a, Scope::ssid, "Guest"));
  EXPECT_FALSE(inventory().owns(org_a, Scope::ssid, "Nope"));
}

TEST_F(InventoryTest, EntityAndDeviceLookups) {
  const EntityRef* site = inventory().entity(std::string(testing::kSiteHq));
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->org, org_a);
  EXPECT_EQ(site->kind, Scope::site);
  EXPECT_EQ(site->site, testing::kSiteHq);
  EXPECT_EQ(site->name, "HQ");
  const EntityRef* camera = inventory().entity(std::string(testing::kCamera));
  ASSERT_NE(camera, nullptr);
  EXPECT_TRUE(camera->is_device);
  EXPECT_EQ(camera->kind, Scope::camera);
  EXPECT_EQ(camera->site, testing::kSiteHq);
  const EntityRef* org = inventory().entity(org_b);
  ASSERT_NE(org, nullptr);
  EXPECT_EQ(org->kind, Scope::organization);
  // A switch is a device but not a scope entity.
  EXPECT_EQ(inventory().entity(std::string(testing::kSwitch)), nullptr);
  ASSERT_NE(inventory().device(std::string(testing::kSwitch)), nullptr);
  EXPECT_EQ(inventory().device(std::string(testing::kSwitch))->kind, DeviceKind::switch_);
  EXPECT_EQ(inventory().device_owner(std::string(testing::kCameraB))->name, "Globex");
  EXPECT_EQ(inventory().organization(org_a)->name, "ACME");
  EXPECT_EQ(inventory().organization("nope"), nullptr);
}

TEST_F(InventoryTest, SiteOfAScope) {
  const std::string hq(testing::kSiteHq);
  EXPECT_EQ(inventory().site_of(Scope::site, hq), hq);
  EXPECT_EQ(inventory().site_of(Scope::camera, std::string(testing::kCamera)), hq);
  EXPECT_EQ(inventory().site_of(Scope::nvr, std::string(testing::kNvr)), hq);
  EXPECT_EQ(inventory().site_of(Scope::site, std::string(testing::kSiteGroupEmea)), std::nullopt);
  EXPECT_EQ(inventory().site_of(Scope::site_group, std::string(testing::kSiteGroupEmea)),
            std::nullopt);
  EXPECT_EQ(inventory().site_of(Scope::device_group, std::string(testing::kDeviceGroupAps)),
            std::nullopt);
  EXPECT_EQ(inventory().site_of(Scope::organization, org_a), std::nullopt);
  EXPECT_EQ(inventory().site_of(Scope::ssid, "Guest"), std::nullopt);
}

TEST_F(InventoryTest, ACopiedConfigAnswersFromItsOwnInventory) {
  auto copy = std::make_unique<Config>(*config_);
  config_.reset();
  const auto devices =
      copy->inventory.devices_of(org_a, Scope::camera, std::string(testing::kCamera));
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0], &copy->inventory.organizations[0].devices[1]);
  EXPECT_EQ(copy->inventory.device(std::string(testing::kCamera)),
            &copy->inventory.organizations[0].devices[1]);
}

TEST(MeasurementConfigTest, ServesItsMetricForItsScopes) {
  MeasurementConfig m;
  m.metric = Metric::latency_ms;
  m.scopes = {Scope::site, Scope::camera};
  EXPECT_TRUE(m.serves(Metric::latency_ms, Scope::site));
  EXPECT_TRUE(m.serves(Metric::latency_ms, Scope::camera));
  EXPECT_FALSE(m.serves(Metric::latency_ms, Scope::nvr));
  EXPECT_FALSE(m.serves(Metric::uptime_percent, Scope::site));
}

TEST(MeasurementConfigTest, PerScopeWhenTheQueryNamesTheScope) {
  MeasurementConfig m;
  m.query = "avg by (site_id) (up[{{window}}])";
  EXPECT_FALSE(m.per_scope());
  m.query = R"(up{site="{{scope_id}}"})";
  EXPECT_TRUE(m.per_scope());
  m.query = R"(clients{ssid="{{scope_name}}"})";
  EXPECT_TRUE(m.per_scope());
}

TEST(MeasurementConfigTest, RenderQueryFillsEveryPlaceholder) {
  MeasurementConfig m;
  m.query = R"(avg_over_time(x{id="{{scope_id}}",ssid="{{scope_name}}"}[{{window}}]) / {{window}})";
  EXPECT_EQ(m.render_query(90s, "abc", "Corp"),
            R"(avg_over_time(x{id="abc",ssid="Corp"}[1m30s]) / 1m30s)");
}

TEST(MeasurementConfigTest, RenderQueryEscapesScopeValuesForPromQLStrings) {
  MeasurementConfig m;
  m.query = R"(x{ssid="{{scope_name}}"})";
  EXPECT_EQ(m.render_query(1min, "", R"(Guest "5G" a\b)"), R"(x{ssid="Guest \"5G\" a\\b"})");
  EXPECT_EQ(m.render_query(1min, "", "two\nlines"), R"(x{ssid="two\nlines"})");
}

TEST(ConfigTest, MeasurementForIsTheFirstInFileOrderAndWindowFallsBackToTheInterval) {
  Config config;
  config.global.evaluation_interval = 3min;
  MeasurementConfig first;
  first.metric = Metric::uptime_percent;
  first.scopes = {Scope::site};
  first.source = "a";
  MeasurementConfig second = first;
  second.source = "b";
  second.scopes = {Scope::site, Scope::nvr};
  second.window = 10min;
  config.measurements = {first, second};
  EXPECT_EQ(config.measurement_for(Metric::uptime_percent, Scope::site)->source, "a");
  EXPECT_EQ(config.measurement_for(Metric::uptime_percent, Scope::nvr)->source, "b");
  EXPECT_EQ(config.measurement_for(Metric::latency_ms, Scope::site), nullptr);
  EXPECT_EQ(config.window_of(config.measurements[0]), 3min);
  EXPECT_EQ(config.window_of(config.measurements[1]), 10min);
}

TEST(DiagnosticTest, ToStringOmitsWhatIsUnknown) {
  EXPECT_EQ((Diagnostic{"a.yml", 3, 7, "policies[0].name", "must not be empty"}.to_string()),
            "a.yml:3:7: policies[0].name: must not be empty");
  EXPECT_EQ((Diagnostic{"a.yml", 1, 1, "", "YAML syntax error: x"}.to_string()),
            "a.yml:1:1: YAML syntax error: x");
  EXPECT_EQ((Diagnostic{"a.yml", 0, 0, "", "cannot read file: Permission denied"}.to_string()),
            "a.yml: cannot read file: Permission denied");
}

TEST(EnumSpellingTest, DeviceKindsSourceTypesAggregates) {
  EXPECT_EQ(to_string(DeviceKind::switch_), "switch");
  EXPECT_EQ(parse_device_kind("nvr"), DeviceKind::nvr);
  EXPECT_EQ(parse_device_kind("switch_"), std::nullopt);
  EXPECT_EQ(to_string(SourceType::snmp), "snmp");
  EXPECT_EQ(to_string(Aggregate::worst), "worst");
}

}  // namespace
}  // namespace slamon
