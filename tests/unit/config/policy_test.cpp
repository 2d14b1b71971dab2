// Policies (SPEC §3): every validation rule, through rule files and through parse_policy.
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "config_fixture.h"

namespace slamon {
namespace {

using testing::ConfigFixture;
using testing::has_diagnostic;
using testing::has_only_diagnostic;

struct PolicyCase {
  std::string name;
  std::string rules;
  int line;
  int column;
  std::string fragment;
};

void PrintTo(const PolicyCase& c, std::ostream* os) {
  *os << c.name;
}

// The standard slamon.yml measures uptime_percent for every scope and latency_ms for site and
// camera; rule files hold the policy under test.
class PolicyRule : public ConfigFixture, public ::testing::WithParamInterface<PolicyCase> {};

TEST_P(PolicyRule, ReportsExactPositionAndMessage) {
  const LoadResult result = load_rules(GetParam().rules);
  EXPECT_TRUE(has_only_diagnostic(result, "rules/policies.yml", GetParam().line, GetParam().column,
                                  GetParam().fragment));
}

// Builders for the rule file of a case: the lines every case of a kind shares, then the lines
// that make the case. Line numbers are those of the rule file.

// Policy p1 of ACME named Core (lines 1-4), then `body` from line 5.
std::string policy_core(const std::string& body) {
  return "policies:\n  - id: p1\n    org: $ORG_A\n    name: Core\n" + body;
}
// The scope keys of a site policy at HQ: two lines.
const std::string kAtHq = "    scope: site\n    scope_id: $SITE_HQ\n";
const std::string kUptimeThreshold = "    thresholds: {uptime_percent_min: 99.5}\n";
// Policy p1 at HQ (lines 1-6), then `rest` from line 7.
std::string hq_policy(const std::string& rest) {
  return policy_core(kAtHq + rest);
}
// Policy p1 at HQ with `thresholds:` on line 7, then `thresholds` from line 8.
std::string hq_thresholds(const std::string& thresholds) {
  return hq_policy("    thresholds:\n" + thresholds);
}
// Policy p1 of `scope` with `scope_id` (lines 1-6), then `rest` from line 7.
std::string scoped_policy(const std::string& scope, const std::string& scope_id,
                          const std::string& rest = kUptimeThreshold) {
  return policy_core("    scope: " + scope + "\n    scope_id: " + scope_id + "\n" + rest);
}

INSTANTIATE_TEST_SUITE_P(
    KeysAndTypes, PolicyRule,
    ::testing::Values(
        PolicyCase{"unknown_key", policy_core("    owner: me\n" + kAtHq + kUptimeThreshold), 5, 5,
                   "unknown key `owner`; allowed keys: id, org, name, description, "
                   "scope, scope_id, scope_name, status, labels, thresholds, "
                   "no_data, sla_period, time_period, requirements, levels, "
                   "sliding_window, credits"},
        PolicyCase{"unknown_threshold_key",
                   hq_thresholds("      uptime_percent_min: 99.5\n      jitter_ms_max: 5\n"), 9, 7,
                   "unknown key `jitter_ms_max`; allowed keys: uptime_percent_min, "
                   "latency_ms_max, packet_loss_percent_max, health_score_min, "
                   "client_satisfaction_min, error_rate_max"},
        PolicyCase{"unknown_top_level_key", R"(policy:
  - id: p1
)",
                   1, 1, "unknown key `policy`; allowed keys: policies"},
        PolicyCase{"duplicate_key",
                   policy_core("    scope: site\n    name: Core again\n    scope_id: $SITE_HQ\n" +
                               kUptimeThreshold),
                   6, 5, "duplicate key `name` (first given on line 4)"},
        PolicyCase{"duplicate_threshold",
                   hq_thresholds("      uptime_percent_min: 99.5\n      uptime_percent_min: 99\n"),
                   9, 7, "duplicate key `uptime_percent_min`"},
        PolicyCase{"policies_not_a_list", R"(policies:
  id: p1
)",
                   2, 3, "expected a list, got a map"},
        PolicyCase{"policy_not_a_map", R"(policies:
  - core-uptime
)",
                   2, 5, "expected a map, got `core-uptime`"},
        PolicyCase{"labels_not_a_map", hq_policy("    labels: [gold]\n" + kUptimeThreshold), 7, 13,
                   "expected a map, got a list"},
        PolicyCase{
            "name_is_a_list",
            "policies:\n  - id: p1\n    org: $ORG_A\n    name: [Core]\n" + kAtHq + kUptimeThreshold,
            4, 11, "expected a string, got a list"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    IdOrgNameStatus, PolicyRule,
    ::testing::Values(
        PolicyCase{"id_with_capitals",
                   "policies:\n  - id: Core_Uptime\n    org: $ORG_A\n    name: Core\n" + kAtHq +
                       kUptimeThreshold,
                   2, 9, "must be a slug of 1 to 64 characters"},
        PolicyCase{"id_too_long",
                   "policies:\n  - id: "
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    org: "
                   "$ORG_A\n    name: Core\n" +
                       kAtHq + kUptimeThreshold,
                   2, 9, "must be a slug of 1 to 64 characters"},
        PolicyCase{"missing_org",
                   "policies:\n  - id: p1\n    name: Core\n" + kAtHq + kUptimeThreshold, 2, 5,
                   "missing required key `org`"},
        PolicyCase{
            "org_not_a_uuid",
            "policies:\n  - id: p1\n    org: acme\n    name: Core\n" + kAtHq + kUptimeThreshold, 3,
            10, "must be the UUID of an organization, got \"acme\""},
        PolicyCase{"unknown_org",
                   "policies:\n  - id: p1\n    org: 00000000-0000-4000-8000-000000000000\n    "
                   "name: Core\n" +
                       kAtHq + kUptimeThreshold,
                   3, 10,
                   "unknown organization `00000000-0000-4000-8000-000000000000`: it "
                   "is not defined in any inventory file"},
        PolicyCase{"missing_name",
                   "policies:\n  - id: p1\n    org: $ORG_A\n" + kAtHq + kUptimeThreshold, 2, 5,
                   "missing required key `name`"},
        PolicyCase{
            "empty_name",
            "policies:\n  - id: p1\n    org: $ORG_A\n    name: \"\"\n" + kAtHq + kUptimeThreshold,
            4, 11, "must not be empty"},
        PolicyCase{"bad_status", hq_policy("    status: paused\n" + kUptimeThreshold), 7, 13,
                   "must be one of active, disabled or draft, got `paused`"},
        PolicyCase{"bad_no_data", hq_policy(kUptimeThreshold + "    no_data: ignore\n"), 8, 14,
                   "must be one of keep, breach or resolve, got `ignore`"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Scopes, PolicyRule,
    ::testing::Values(
        PolicyCase{"missing_scope", policy_core(kUptimeThreshold), 2, 5,
                   "missing required key `scope`"},
        PolicyCase{"unknown_scope", policy_core("    scope: building\n" + kUptimeThreshold), 5, 12,
                   "must be one of organization, site, site_group, device_group, "
                   "ssid, camera or nvr, got `building`"},
        PolicyCase{"organization_with_scope_id", scoped_policy("organization", "$ORG_A"), 6, 5,
                   "must be absent for scope organization"},
        PolicyCase{"site_without_scope_id", policy_core("    scope: site\n" + kUptimeThreshold), 2,
                   5,
                   "missing required key `scope_id`: scope site needs the id of a "
                   "site"},
        PolicyCase{"camera_without_scope_id", policy_core("    scope: camera\n" + kUptimeThreshold),
                   2, 5, "scope camera needs the id of a camera"},
        PolicyCase{"ssid_without_id_or_name", policy_core("    scope: ssid\n" + kUptimeThreshold),
                   2, 5,
                   "scope ssid needs `scope_name` (the SSID name) when `scope_id` "
                   "is not given"},
        PolicyCase{"scope_name_on_site", hq_policy("    scope_name: HQ\n" + kUptimeThreshold), 7, 5,
                   "`scope_name` applies only to scope ssid"},
        PolicyCase{"unknown_site", scoped_policy("site", "00000000-0000-4000-8000-000000000000"), 6,
                   15,
                   "`00000000-0000-4000-8000-000000000000` is not a site of "
                   "organization `ACME`"},
        PolicyCase{"site_of_another_org", scoped_policy("site", "$SITE_B"), 6, 15,
                   "`b1b2c3d4-0000-4000-8000-000000000001` is not a site of "
                   "organization `ACME`"},
        PolicyCase{"site_group_pointing_at_site", scoped_policy("site_group", "$SITE_HQ"), 6, 15,
                   "is not a site group of organization `ACME` (it is a site)"},
        PolicyCase{"device_group_pointing_at_site_group",
                   scoped_policy("device_group", "$SITE_GROUP_EMEA"), 6, 15,
                   "is not a device group of organization `ACME` (it is a site "
                   "group)"},
        PolicyCase{"camera_pointing_at_switch", scoped_policy("camera", "$SWITCH"), 6, 15,
                   "is not a camera of organization `ACME` (it is a device of kind "
                   "switch)"},
        PolicyCase{"nvr_pointing_at_camera", scoped_policy("nvr", "$CAMERA"), 6, 15,
                   "is not a nvr of organization `ACME` (it is a camera)"},
        PolicyCase{"camera_of_another_org", scoped_policy("camera", "$CAMERA_B"), 6, 15,
                   "`b1b2c3d4-0000-4000-8000-000000000102` is not a camera of "
                   "organization `ACME`"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Labels, PolicyRule,
    ::testing::Values(
        PolicyCase{"bad_label_name",
                   hq_policy("    labels:\n      tier-1: gold\n" + kUptimeThreshold), 8, 7,
                   "invalid label name `tier-1`"},
        PolicyCase{"label_starting_with_digit",
                   hq_policy("    labels: {1tier: gold}\n" + kUptimeThreshold), 7, 14,
                   "invalid label name `1tier`"},
        PolicyCase{
            "reserved_label",
            hq_policy("    labels:\n      tier: gold\n      policy_id: x\n" + kUptimeThreshold), 9,
            7, "label `policy_id` collides with a label slamon sets itself"},
        PolicyCase{"double_underscore_label",
                   hq_policy("    labels: {__name__: x}\n" + kUptimeThreshold), 7, 14,
                   "label names starting with __ are reserved"},
        PolicyCase{"label_value_list", hq_policy("    labels: {tier: [gold]}\n" + kUptimeThreshold),
                   7, 20, "expected a string, got a list"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Thresholds, PolicyRule,
    ::testing::Values(
        PolicyCase{"missing_thresholds", hq_policy(""), 2, 5, "missing required key `thresholds`"},
        PolicyCase{"empty_thresholds", hq_policy("    thresholds: {}\n"), 7, 17,
                   "needs at least one threshold"},
        PolicyCase{"percent_above_100", hq_thresholds("      uptime_percent_min: 100.5\n"), 8, 27,
                   "out of range: uptime_percent is percent, so the threshold must "
                   "be between 0 and 100, got 100.5"},
        PolicyCase{"negative_latency", hq_thresholds("      latency_ms_max: -1\n"), 8, 23,
                   "the threshold must be at least 0, got -1"},
        PolicyCase{"error_rate_above_1",
                   policy_core("    scope: organization\n    status: draft\n    thresholds:\n"
                               "      error_rate_max: 1.5\n"),
                   8, 23, "must be between 0 and 1, got 1.5"},
        PolicyCase{"infinite", hq_thresholds("      latency_ms_max: .inf\n"), 8, 23,
                   "must be a finite number, got `.inf`"},
        PolicyCase{"not_a_number", hq_thresholds("      uptime_percent_min: .nan\n"), 8, 27,
                   "must be a finite number, got `.nan`"},
        PolicyCase{"overflowing", hq_thresholds("      latency_ms_max: 1e999\n"), 8, 23,
                   "must be a finite number, got `1e999` (out of range)"},
        PolicyCase{"quoted", hq_thresholds("      uptime_percent_min: \"99.5\"\n"), 8, 27,
                   "expected a number, got the quoted string \"99.5\"; write "
                   "numbers without quotes"},
        PolicyCase{"words", hq_thresholds("      uptime_percent_min: high\n"), 8, 27,
                   "expected a number, got `high`"},
        PolicyCase{"trailing_garbage", hq_thresholds("      uptime_percent_min: 99.5%\n"), 8, 27,
                   "expected a number, got `99.5%`"},
        PolicyCase{"list", hq_thresholds("      uptime_percent_min: [99]\n"), 8, 27,
                   "expected a number, got a list"},
        PolicyCase{"empty", hq_thresholds("      uptime_percent_min:\n"), 8, 7,
                   "expected a number, got nothing"},
        PolicyCase{"no_measurement_for_metric_and_scope",
                   scoped_policy("site_group", "$SITE_GROUP_EMEA",
                                 "    thresholds:\n      uptime_percent_min: 99.5\n"
                                 "      latency_ms_max: 100\n"),
                   9, 7,
                   "no measurement provides latency_ms for scope site_group: add one "
                   "to `measurements:` in slamon.yml"}),
    testing::kCaseName);

TEST_F(ConfigFixture, ThresholdWithoutMeasurementIsFineForDraftAndDisabledPolicies) {
  const LoadResult result = load_rules(R"(policies:
  - id: p1
    org: $ORG_A
    name: Draft
    scope: site_group
    scope_id: $SITE_GROUP_EMEA
    status: draft
    thresholds: {latency_ms_max: 100}
  - id: p2
    org: $ORG_A
    name: Disabled
    scope: nvr
    scope_id: $NVR
    status: disabled
    thresholds: {client_satisfaction_min: 4}
)");
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.config->policies.size(), 2u);
}

TEST_F(ConfigFixture, EveryScopeAcceptsItsOwnEntity) {
  const LoadResult result = load_rules(R"(policies:
  - {id: o, org: $ORG_A, name: o, scope: organization, thresholds: {uptime_percent_min: 99}}
  - {id: s, org: $ORG_A, name: s, scope: site, scope_id: $SITE_HQ, thresholds: {uptime_percent_min: 99}}
  - {id: g, org: $ORG_A, name: g, scope: site_group, scope_id: $SITE_GROUP_EMEA, thresholds: {uptime_percent_min: 99}}
  - {id: d, org: $ORG_A, name: d, scope: device_group, scope_id: $DEVICE_GROUP_APS, thresholds: {uptime_percent_min: 99}}
  - {id: w, org: $ORG_A, name: w, scope: ssid, scope_name: Guest, thresholds: {uptime_percent_min: 99}}
  - {id: x, org: $ORG_A, name: x, scope: ssid, scope_id: wlan-7, thresholds: {uptime_percent_min: 99}}
  - {id: y, org: $ORG_A, name: y, scope: ssid, scope_id: wlan-8, scope_name: Corp-WiFi, thresholds: {uptime_percent_min: 99}}
  - {id: c, org: $ORG_A, name: c, scope: camera, scope_id: $CAMERA, thresholds: {uptime_percent_min: 99}}
  - {id: n, org: $ORG_A, name: n, scope: nvr, scope_id: $NVR, thresholds: {uptime_percent_min: 99}}
  - {id: b, org: $ORG_B, name: c, scope: camera, scope_id: $CAMERA_B, thresholds: {uptime_percent_min: 99}}
)");
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  ASSERT_EQ(result.config->policies.size(), 10u);
  EXPECT_EQ(result.config->policies[5].scope_id, "wlan-7");
  EXPECT_FALSE(result.config->policies[5].scope_name.has_value());
  EXPECT_EQ(result.config->policies[6].scope_name, "Corp-WiFi");
}

TEST_F(ConfigFixture, PolicyIdsAreUniqueAcrossRuleFiles) {
  write("slamon.yml", testing::standard_main());
  write("inventory.yml", testing::standard_inventory());
  write("rules/a.yml", R"(policies:
  - {id: core, org: $ORG_A, name: A, scope: organization, thresholds: {uptime_percent_min: 99}}
)");
  write("rules/b.yml", R"(policies:
  - org: $ORG_B
    name: B
    scope: organization
    id: core
    thresholds: {uptime_percent_min: 99}
)");
  const LoadResult result = load();
  EXPECT_TRUE(has_only_diagnostic(
      result, "rules/b.yml", 5, 9,
      "duplicate policy id `core` (already used at " + path("rules/a.yml") + ":2)"));
}

TEST_F(ConfigFixture, PolicyNamesAreUniqueWithinAnOrganization) {
  const LoadResult result = load_rules(R"(policies:
  - {id: a, org: $ORG_A, name: Uptime, scope: organization, thresholds: {uptime_percent_min: 99}}
  - {id: b, org: $ORG_B, name: Uptime, scope: organization, thresholds: {uptime_percent_min: 99}}
  - id: c
    org: $ORG_A
    name: Uptime
    scope: organization
    thresholds: {uptime_percent_min: 98}
)");
  EXPECT_TRUE(has_only_diagnostic(result, "rules/policies.yml", 6, 11,
                                  "duplicate policy name \"Uptime\" in organization `" +
                                      std::string(testing::kOrgA) + "` (already used at " +
                                      path("rules/policies.yml") + ":2)"));
}

TEST_F(ConfigFixture, PolicyWithoutIdGetsTheNameBasedUuid) {
  const LoadResult result = load_rules(R"(policies:
  - {org: $ORG_A, name: Uptime, scope: organization, thresholds: {uptime_percent_min: 99}}
)");
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.config->policies[0].id,
            uuid_v5(kPolicyIdNamespace, std::string(testing::kOrgA) + "/Uptime"));
}

TEST_F(ConfigFixture, SeveralProblemsInOnePolicyAreAllReported) {
  const LoadResult result = load_rules(R"(policies:
  - id: Bad Id
    org: $ORG_A
    name: Core
    scope: camera
    scope_id: $SITE_HQ
    labels: {scope: x}
    thresholds: {uptime_percent_min: 120, latency_ms_max: "5"}
    no_data: maybe
)");
  EXPECT_EQ(result.diagnostics.size(), 6u) << testing::dump(result.diagnostics);
  EXPECT_TRUE(has_diagnostic(result, "rules/policies.yml", 2, 9, "must be a slug"));
  EXPECT_TRUE(has_diagnostic(result, "rules/policies.yml", 6, 15,
                             "is not a camera of organization `ACME` (it is a site)"));
  EXPECT_TRUE(has_diagnostic(result, "rules/policies.yml", 7, 14, "collides"));
  EXPECT_TRUE(has_diagnostic(result, "rules/policies.yml", 8, 38, "out of range"));
  EXPECT_TRUE(has_diagnostic(result, "rules/policies.yml", 8, 59, "expected a number"));
  EXPECT_TRUE(has_diagnostic(result, "rules/policies.yml", 9, 14,
                             "must be one of keep, breach or resolve"));
}

// parse_policy is also the API's validator: a JSON body parsed as YAML, no file, no prefix.
class ParsePolicyTest : public testing::LoadedConfigFixture {
 protected:
  PolicyParseResult parse(const std::string& json) const {
    return parse_policy(YAML::Load(testing::fill(json)), *config_, "request", "");
  }
};

TEST_F(ParsePolicyTest, AcceptsAJsonBodyAndAppliesDefaults) {
  const PolicyParseResult result = parse(
      R"({"org": "$ORG_A", "name": "Lab uptime", "scope": "site", "scope_id": "$SITE_LAB",)"
      R"( "labels": {"tier": "silver"}, "thresholds": {"uptime_percent_min": 99.9, "latency_ms_max": 20}})");
  ASSERT_TRUE(result.diagnostics.empty()) << testing::dump(result.diagnostics);
  const Policy& policy = result.policy;
  EXPECT_EQ(policy.id, uuid_v5(kPolicyIdNamespace, std::string(testing::kOrgA) + "/Lab uptime"));
  EXPECT_EQ(policy.scope, Scope::site);
  EXPECT_EQ(policy.scope_id, std::string(testing::kSiteLab));
  EXPECT_EQ(policy.status, PolicyStatus::active);
  EXPECT_EQ(policy.no_data, NoDataMode::keep);
  EXPECT_EQ(policy.threshold(Metric::uptime_percent), 99.9);
  EXPECT_EQ(policy.threshold(Metric::latency_ms), 20);
  EXPECT_EQ(policy.labels.at("tier"), "silver");
  EXPECT_FALSE(policy.provisioned);
}

TEST_F(ParsePolicyTest, JsonStringForANumberIsReportedWithItsFieldPath) {
  const PolicyParseResult result = parse(
      R"({"org": "$ORG_A", "name": "X", "scope": "organization", "thresholds": {"uptime_percent_min": "99"}})");
  ASSERT_EQ(result.diagnostics.size(), 1u) << testing::dump(result.diagnostics);
  const Diagnostic& d = result.diagnostics[0];
  EXPECT_EQ(d.file, "request");
  EXPECT_EQ(d.path, "thresholds.uptime_percent_min");
  EXPECT_EQ(d.line, 1);
  EXPECT_EQ(d.column, 124);
  EXPECT_EQ(d.message,
            "expected a number, got the quoted string \"99\"; write numbers without quotes");
}

TEST_F(ParsePolicyTest, PathsCarryThePrefix) {
  const PolicyParseResult result = parse_policy(
      YAML::Load(
          testing::fill("{org: $ORG_A, name: X, scope: site, thresholds: {latency_ms_max: -5}}")),
      *config_, "rules.yml", "policies[3]");
  ASSERT_EQ(result.diagnostics.size(), 2u) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].path, "policies[3].scope_id");
  EXPECT_EQ(result.diagnostics[1].path, "policies[3].thresholds.latency_ms_max");
}

TEST_F(ParsePolicyTest, ANonMapBodyIsRejected) {
  const PolicyParseResult result = parse("[1, 2]");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].message, "expected a map, got a list");
}

TEST_F(ParsePolicyTest, OtherTenantsEntitiesLookExactlyLikeUnknownOnes) {
  const auto message_for = [&](std::string_view scope_id) {
    const PolicyParseResult result =
        parse(R"({"org": "$ORG_A", "name": "X", "scope": "camera", "scope_id": ")" +
              std::string(scope_id) + R"(", "thresholds": {"uptime_percent_min": 99}})");
    EXPECT_EQ(result.diagnostics.size(), 1u);
    std::string message = result.diagnostics.empty() ? "" : result.diagnostics[0].message;
    const std::size_t id = message.find(scope_id);
    if (id != std::string::npos) message.replace(id, scope_id.size(), "ID");
    return message;
  };
  EXPECT_EQ(message_for(testing::kCameraB), message_for("00000000-0000-4000-8000-000000000000"));
  EXPECT_EQ(message_for(testing::kCameraB).find("Globex"), std::string::npos);
}

}  // namespace
}  // namespace slamon
