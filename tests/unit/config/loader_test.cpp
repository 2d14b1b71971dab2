// load_config: slamon.yml (SPEC §1 flags, §2, §4), file resolution, and whole-run reporting.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/uuid.h"
#include "config_fixture.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::ConfigFixture;
using testing::has_diagnostic;
using testing::has_only_diagnostic;

class LoaderTest : public ConfigFixture {};

TEST_F(LoaderTest, FullExampleLoadsEveryFieldAsWrittenWithDefaults) {
  write("secrets/prom.token", "tok-123\n");
  write("secrets/community", "c0mmunity\r\n");
  write("secrets/priv", "privpass9\n");
  write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  write("slamon.yml", R"(global:
  evaluation_interval: 2m
  external_url: http://slamon.example.net:9877
  listen_address: 127.0.0.1:9999
  web_config_file: web.yml
  storage_path: data/slamon.db
  reports_dir: /srv/reports
  log_level: debug
  log_format: json
rule_files: ["rules/*.yml", "extra/none-*.yml"]
inventory_files: ["inventory/*.yml"]
sources:
  - name: prom
    type: prometheus
    url: https://prom.example.net:9090
    timeout: 10s
    authorization: {credentials_file: secrets/prom.token}
    tls_config: {ca_file: ca.pem, insecure_skip_verify: true}
  - name: prom-basic
    type: prometheus
    url: http://127.0.0.1:9090
    basic_auth: {username: u, password: pw}
  - name: switches
    type: snmp
    version: 2c
    community_file: secrets/community
  - name: legacy
    type: snmp
    version: 1
    community: public
    interval: 30s
    timeout: 5s
    retries: 3
    max_repetitions: 10
  - name: secure
    type: snmp
    version: "3"
    username: monitor
    security_level: authPriv
    auth_protocol: SHA-256
    auth_password: authpass1
    priv_protocol: AES
    priv_password_file: secrets/priv
    context_name: ctx
measurements:
  - metric: uptime_percent
    scopes: [site, organization]
    source: prom
    query: '100 * avg by (site_id) (avg_over_time(probe_success[{{window}}]))'
    scope_label: site_id
    window: 5m
  - metric: latency_ms
    scopes: [device_group]
    source: prom
    query: 'rtt{group="{{scope_id}}"}'
  - metric: uptime_percent
    scopes: [camera, nvr]
    source: switches
    snmp: reachability
    aggregate: worst
  - metric: health_score
    scopes: [ssid, site_group]
    source: switches
    snmp: oid
    oid: .1.3.6.1.4.1.9.9.1
    scale: 0.01
)");
  write("inventory/acme.yml", testing::standard_inventory());
  write("inventory/initech.yml", R"(organizations:
  - id: C1B2C3D4-0000-4000-8000-00000000000C
    name: Initech
)");
  write("rules/a.yml", R"(policies:
  - id: core-network-uptime
    org: $ORG_A
    name: Core Network Uptime
    description: Site-level availability for HQ
    scope: site
    scope_id: $SITE_HQ
    status: active
    labels: {tier: gold, team: noc}
    thresholds:
      uptime_percent_min: 99.5
    no_data: breach
  - org: $ORG_A
    name: Camera availability
    scope: camera
    scope_id: $CAMERA
    thresholds: {uptime_percent_min: 99}
)");
  write("rules/b.yml", R"(policies:
  - id: 0F3A1B2C-0000-4000-8000-00000000AAAA
    org: $ORG_A
    name: AP latency
    scope: device_group
    scope_id: $DEVICE_GROUP_APS
    thresholds: {latency_ms_max: 50}
  - id: wifi-health
    org: $ORG_A
    name: WiFi health
    scope: ssid
    scope_name: Corp-WiFi
    thresholds: {health_score_min: 80}
  - id: draft-org
    org: $ORG_B
    name: Org error rate
    scope: organization
    status: draft
    thresholds: {error_rate_max: 0.01, packet_loss_percent_max: 2}
)");

  const LoadResult result = load();
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  const Config& config = *result.config;
  const std::filesystem::path base = dir_.path();

  EXPECT_EQ(config.file, path("slamon.yml"));
  EXPECT_EQ(config.global.evaluation_interval, 2min);
  EXPECT_EQ(config.global.external_url, "http://slamon.example.net:9877");
  EXPECT_EQ(config.global.listen_address, "127.0.0.1:9999");
  EXPECT_EQ(config.global.web_config_file, path("web.yml"));
  EXPECT_EQ(config.global.storage_path, path("data/slamon.db"));
  EXPECT_EQ(config.global.reports_dir, "/srv/reports");
  EXPECT_EQ(config.global.log_level, "debug");
  EXPECT_EQ(config.global.log_format, "json");
  EXPECT_EQ(config.rule_files,
            (std::vector<std::string>{path("rules/a.yml"), path("rules/b.yml")}));
  EXPECT_EQ(config.inventory_files,
            (std::vector<std::string>{path("inventory/acme.yml"), path("inventory/initech.yml")}));

  ASSERT_EQ(config.sources.size(), 5u);
  const SourceConfig& prom = *config.source("prom");
  EXPECT_EQ(prom.type, SourceType::prometheus);
  EXPECT_EQ(prom.url, "https://prom.example.net:9090");
  EXPECT_EQ(prom.timeout, 10s);
  EXPECT_EQ(prom.http.authorization_type, "Bearer");
  EXPECT_EQ(prom.http.authorization_credentials, "tok-123");
  ASSERT_TRUE(prom.http.tls.has_value());
  EXPECT_EQ(prom.http.tls->ca_file, path("ca.pem"));
  EXPECT_TRUE(prom.http.tls->insecure_skip_verify);
  const SourceConfig& basic = *config.source("prom-basic");
  EXPECT_EQ(basic.timeout, 30s);
  EXPECT_EQ(basic.http.basic_auth_username, "u");
  EXPECT_EQ(basic.http.basic_auth_password, "pw");
  EXPECT_TRUE(basic.http.authorization_type.empty());
  EXPECT_FALSE(basic.http.tls.has_value());
  const SourceConfig& switches = *config.source("switches");
  EXPECT_EQ(switches.type, SourceType::snmp);
  EXPECT_EQ(switches.snmp.version, "2c");
  EXPECT_EQ(switches.snmp.community, "c0mmunity");
  EXPECT_EQ(switches.snmp.interval, 60s);
  EXPECT_EQ(switches.timeout, 2s);
  EXPECT_EQ(switches.snmp.retries, 1);
  EXPECT_EQ(switches.snmp.max_repetitions, 25);
  const SourceConfig& legacy = *config.source("legacy");
  EXPECT_EQ(legacy.snmp.version, "1");
  EXPECT_EQ(legacy.snmp.community, "public");
  EXPECT_EQ(legacy.snmp.interval, 30s);
  EXPECT_EQ(legacy.timeout, 5s);
  EXPECT_EQ(legacy.snmp.retries, 3);
  EXPECT_EQ(legacy.snmp.max_repetitions, 10);
  const SourceConfig& secure = *config.source("secure");
  EXPECT_EQ(secure.snmp.version, "3");
  EXPECT_EQ(secure.snmp.username, "monitor");
  EXPECT_EQ(secure.snmp.security_level, "authPriv");
  EXPECT_EQ(secure.snmp.auth_protocol, "SHA-256");
  EXPECT_EQ(secure.snmp.auth_password, "authpass1");
  EXPECT_EQ(secure.snmp.priv_protocol, "AES");
  EXPECT_EQ(secure.snmp.priv_password, "privpass9");
  EXPECT_EQ(secure.snmp.context_name, "ctx");
  EXPECT_EQ(config.source("nope"), nullptr);

  ASSERT_EQ(config.measurements.size(), 4u);
  const MeasurementConfig& uptime = config.measurements[0];
  EXPECT_EQ(uptime.metric, Metric::uptime_percent);
  EXPECT_EQ(uptime.scopes, (std::vector<Scope>{Scope::site, Scope::organization}));
  EXPECT_EQ(uptime.source, "prom");
  EXPECT_EQ(uptime.scope_label, "site_id");
  EXPECT_EQ(uptime.window, 5min);
  EXPECT_EQ(config.window_of(uptime), 5min);
  EXPECT_FALSE(uptime.per_scope());
  const MeasurementConfig& latency = config.measurements[1];
  EXPECT_TRUE(latency.per_scope());
  EXPECT_TRUE(latency.scope_label.empty());
  EXPECT_EQ(latency.window, 0ms);
  EXPECT_EQ(config.window_of(latency), 2min);
  const MeasurementConfig& reachability = config.measurements[2];
  EXPECT_EQ(reachability.snmp, "reachability");
  EXPECT_EQ(reachability.aggregate, Aggregate::worst);
  EXPECT_EQ(reachability.scale, 1.0);
  const MeasurementConfig& oid = config.measurements[3];
  EXPECT_EQ(oid.snmp, "oid");
  EXPECT_EQ(oid.oid, "1.3.6.1.4.1.9.9.1");
  EXPECT_EQ(oid.scale, 0.01);
  EXPECT_EQ(oid.aggregate, Aggregate::avg);
  EXPECT_EQ(config.measurement_for(Metric::uptime_percent, Scope::nvr), &reachability);

  ASSERT_EQ(config.inventory.organizations.size(), 3u);
  EXPECT_EQ(config.inventory.organizations[2].id, "c1b2c3d4-0000-4000-8000-00000000000c");
  EXPECT_EQ(config.inventory.organizations[2].name, "Initech");
  const Organization& acme = *config.inventory.organization(std::string(testing::kOrgA));
  EXPECT_EQ(acme.name, "ACME");
  ASSERT_EQ(acme.sites.size(), 2u);
  EXPECT_EQ(acme.sites[0].name, "HQ");
  EXPECT_EQ(acme.sites[0].site_group, testing::kSiteGroupEmea);
  EXPECT_EQ(acme.sites[0].timezone, "Europe/Berlin");
  EXPECT_TRUE(acme.sites[1].site_group.empty());
  ASSERT_EQ(acme.devices.size(), 5u);
  EXPECT_EQ(acme.devices[0].kind, DeviceKind::switch_);
  ASSERT_TRUE(acme.devices[0].snmp.has_value());
  EXPECT_EQ(acme.devices[0].snmp->source, "switches");
  EXPECT_EQ(acme.devices[0].snmp->address, "10.0.0.1:161");
  EXPECT_EQ(acme.devices[3].ssids, (std::vector<std::string>{"Corp-WiFi", "Guest"}));
  EXPECT_EQ(acme.devices[3].device_groups,
            (std::vector<std::string>{std::string(testing::kDeviceGroupAps)}));

  ASSERT_EQ(config.policies.size(), 5u);
  const Policy& core = config.policies[0];
  EXPECT_EQ(core.id, "core-network-uptime");
  EXPECT_EQ(core.org, testing::kOrgA);
  EXPECT_EQ(core.name, "Core Network Uptime");
  EXPECT_EQ(core.description, "Site-level availability for HQ");
  EXPECT_EQ(core.scope, Scope::site);
  EXPECT_EQ(core.scope_id, std::string(testing::kSiteHq));
  EXPECT_FALSE(core.scope_name.has_value());
  EXPECT_EQ(core.status, PolicyStatus::active);
  EXPECT_EQ(core.labels, (std::map<std::string, std::string>{{"team", "noc"}, {"tier", "gold"}}));
  EXPECT_EQ(core.threshold(Metric::uptime_percent), 99.5);
  EXPECT_FALSE(core.threshold(Metric::latency_ms).has_value());
  EXPECT_EQ(core.no_data, NoDataMode::breach);
  EXPECT_TRUE(core.provisioned);
  const Policy& camera = config.policies[1];
  EXPECT_EQ(camera.id,
            uuid_v5(kPolicyIdNamespace, std::string(testing::kOrgA) + "/Camera availability"));
  EXPECT_EQ(camera.status, PolicyStatus::active);
  EXPECT_EQ(camera.no_data, NoDataMode::keep);
  EXPECT_TRUE(camera.labels.empty());
  EXPECT_EQ(config.policies[2].id, "0f3a1b2c-0000-4000-8000-00000000aaaa");
  EXPECT_EQ(config.policies[2].threshold(Metric::latency_ms), 50);
  const Policy& wifi = config.policies[3];
  EXPECT_EQ(wifi.scope, Scope::ssid);
  EXPECT_FALSE(wifi.scope_id.has_value());
  EXPECT_EQ(wifi.scope_name, "Corp-WiFi");
  EXPECT_EQ(wifi.scope_key(), "Corp-WiFi");
  const Policy& draft = config.policies[4];
  EXPECT_EQ(draft.status, PolicyStatus::draft);
  EXPECT_EQ(draft.threshold(Metric::error_rate), 0.01);
  EXPECT_EQ(draft.threshold(Metric::packet_loss_percent), 2);
}

TEST_F(LoaderTest, EmptyConfigurationGetsEveryDefault) {
  write("slamon.yml", "");
  const LoadResult result = load();
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  const GlobalConfig& global = result.config->global;
  EXPECT_EQ(global.evaluation_interval, 5min);
  EXPECT_EQ(global.listen_address, "0.0.0.0:9877");
  EXPECT_EQ(global.storage_path, "/var/lib/slamon/slamon.db");
  EXPECT_EQ(global.reports_dir, "/var/lib/slamon/reports");
  EXPECT_EQ(global.log_level, "info");
  EXPECT_EQ(global.log_format, "logfmt");
  EXPECT_TRUE(result.config->policies.empty());
}

TEST_F(LoaderTest, FlagOverridesWinOverGlobal) {
  write("slamon.yml", R"(global:
  listen_address: 127.0.0.1:1000
  web_config_file: /etc/slamon/web.yml
  storage_path: /data/a.db
  reports_dir: /data/reports
  log_level: warn
  log_format: json
)");
  FlagOverrides flags;
  flags.listen_address = ":2000";
  flags.storage_path = "/flags/b.db";
  flags.log_level = "debug";
  const LoadResult result = load(flags);
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  const GlobalConfig& global = result.config->global;
  EXPECT_EQ(global.listen_address, ":2000");
  EXPECT_EQ(global.storage_path, "/flags/b.db");
  EXPECT_EQ(global.log_level, "debug");
  // Not given as flags: global: stays.
  EXPECT_EQ(global.web_config_file, "/etc/slamon/web.yml");
  EXPECT_EQ(global.reports_dir, "/data/reports");
  EXPECT_EQ(global.log_format, "json");
}

TEST_F(LoaderTest, InvalidFlagValuesAreReported) {
  write("slamon.yml", "");
  FlagOverrides flags;
  flags.log_level = "verbose";
  flags.log_format = "xml";
  const LoadResult result = load(flags);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 2u) << testing::dump(result.diagnostics);
  EXPECT_EQ(
      result.diagnostics[0].to_string(),
      "command line: --log.level: must be one of debug, info, warn or error, got \"verbose\"");
  EXPECT_EQ(result.diagnostics[1].path, "--log.format");
}

TEST_F(LoaderTest, DiagnosticFormatIsFileLineColumnPathMessage) {
  write("slamon.yml", "global:\n  log_level: loud\n");
  const LoadResult result = load();
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].to_string(),
            path("slamon.yml") +
                ":2:14: global.log_level: must be one of debug, info, warn or error, got `loud`");
  EXPECT_EQ(result.config, nullptr);
}

TEST_F(LoaderTest, MissingConfigurationFileIsADiagnostic) {
  const LoadResult result = load();
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].file, path("slamon.yml"));
  EXPECT_EQ(result.diagnostics[0].line, 0);
  EXPECT_NE(result.diagnostics[0].message.find("No such file or directory"), std::string::npos);
  EXPECT_EQ(result.diagnostics[0].to_string(),
            path("slamon.yml") + ": cannot read file: No such file or directory");
}

TEST_F(LoaderTest, YamlSyntaxErrorsHaveTheirPosition) {
  write("slamon.yml", "global:\n  log_level: [info\nsources: []\n");
  EXPECT_TRUE(has_only_diagnostic(load(), "slamon.yml", 3, 8,
                                  "YAML syntax error: end of sequence flow not found"));
}

TEST_F(LoaderTest, YamlSyntaxErrorInARuleFileIsReportedWithTheOthers) {
  write("slamon.yml", testing::standard_main());
  write("inventory.yml", testing::standard_inventory());
  write("rules/a.yml", "policies:\n  - id: x\n   org: y\n");
  EXPECT_TRUE(has_only_diagnostic(load(), "rules/a.yml", 3, 4,
                                  "YAML syntax error: end of sequence not found"));
}

TEST_F(LoaderTest, SeveralDocumentsInOneFileAreAnError) {
  write("slamon.yml", "global: {}\n---\nglobal: {}\n");
  EXPECT_TRUE(has_only_diagnostic(load(), "slamon.yml", 3, 1, "one YAML document"));
}

struct PositionCase {
  std::string name;
  std::string yaml;
  int line;
  int column;
  std::string fragment;
};

void PrintTo(const PositionCase& c, std::ostream* os) {
  *os << c.name;
}

// Builders for the slamon.yml of a case: the lines every case of a kind shares, then the lines
// that make the case. Their line numbers are those of the whole file, noted at each builder.

// A prometheus source `name` (lines 1-4), then `rest` from line 5.
std::string prometheus_source(const std::string& name, const std::string& rest) {
  return "sources:\n  - name: " + name + "\n    type: prometheus\n    url: http://x:9090\n" + rest;
}
// An snmp source `name` (lines 1-3), then `rest` from line 4.
std::string snmp_source(const std::string& name, const std::string& rest) {
  return "sources:\n  - name: " + name + "\n    type: snmp\n" + rest;
}
// An snmp version 3 source `a` with user `u` (lines 1-5), then `rest` from line 6.
std::string snmp_v3_source(const std::string& rest) {
  return snmp_source("a", "    version: 3\n    username: u\n" + rest);
}
// A prometheus source `prom` (lines 1-2) and `measurements:` (line 3), then `measurement` from
// line 4.
std::string prom_measurement(const std::string& measurement) {
  return "sources:\n  - {name: prom, type: prometheus, url: \"http://x:9090\"}\nmeasurements:\n" +
         measurement;
}
// A latency_ms measurement of sites from `prom` (lines 1-6), then `rest` from line 7.
std::string latency_of_sites(const std::string& rest) {
  return prom_measurement("  - metric: latency_ms\n    scopes: [site]\n    source: prom\n" + rest);
}
// The query of a valid batched measurement: two lines.
const std::string kBatchedQuery = "    query: q\n    scope_label: s\n";
// An snmp source `sw` (lines 1-2) and a `metric` measurement of sites from it (lines 3-6), then
// `rest` from line 7.
std::string snmp_measurement(const std::string& metric, const std::string& rest) {
  return "sources:\n  - {name: sw, type: snmp, community: c}\nmeasurements:\n  - metric: " +
         metric + "\n    scopes: [site]\n    source: sw\n" + rest;
}

class MainFileRule : public ConfigFixture, public ::testing::WithParamInterface<PositionCase> {};

TEST_P(MainFileRule, ReportsExactPositionAndMessage) {
  write("slamon.yml", GetParam().yaml);
  EXPECT_TRUE(has_only_diagnostic(load(), "slamon.yml", GetParam().line, GetParam().column,
                                  GetParam().fragment));
}

INSTANTIATE_TEST_SUITE_P(
    UnknownKeys, MainFileRule,
    ::testing::Values(
        PositionCase{
            "top_level", "global: {}\nrule_file: [a.yml]\n", 2, 1,
            "unknown key `rule_file`; allowed keys: global, rule_files, inventory_files, sources, "
            "measurements"},
        PositionCase{
            "global", "global:\n  evaluation_intervall: 1m\n", 2, 3,
            "unknown key `evaluation_intervall`; allowed keys: evaluation_interval, external_url, "
            "listen_address, web_config_file, storage_path, reports_dir, log_level, log_format"},
        PositionCase{"source", prometheus_source("prom", "    timeout_s: 5\n"), 5, 5,
                     "unknown key `timeout_s`"},
        PositionCase{
            "authorization",
            prometheus_source("prom",
                              "    authorization:\n      credentials: abc\n      kind: Bearer\n"),
            7, 7, "unknown key `kind`; allowed keys: type, credentials, credentials_file"},
        PositionCase{
            "basic_auth",
            prometheus_source("prom", "    basic_auth:\n      user: u\n      username: u\n"), 6, 7,
            "unknown key `user`"},
        PositionCase{"tls_config",
                     prometheus_source("prom", "    tls_config:\n      verify: false\n"), 6, 7,
                     "unknown key `verify`; allowed keys: ca_file, cert_file, key_file, "
                     "insecure_skip_verify"},
        PositionCase{"measurement", latency_of_sites(kBatchedQuery + "    interval: 5m\n"), 9, 5,
                     "unknown key `interval`"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    DuplicatesTypesDurations, MainFileRule,
    ::testing::Values(
        PositionCase{"duplicate_key", "global:\n  log_level: info\n  log_level: debug\n", 3, 3,
                     "duplicate key `log_level` (first given on line 2)"},
        PositionCase{"duplicate_top_level_key", "sources: []\nglobal: {}\nsources: []\n", 3, 1,
                     "duplicate key `sources`"},
        PositionCase{"list_for_map", "global: [a]\n", 1, 9, "expected a map, got a list"},
        PositionCase{"map_for_list", "sources: {name: x}\n", 1, 10, "expected a list, got a map"},
        PositionCase{"scalar_for_list", "rule_files: rules.yml\n", 1, 13,
                     "expected a list, got `rules.yml`"},
        PositionCase{"list_for_duration", "global:\n  evaluation_interval: [1m]\n", 2, 24,
                     "expected a duration"},
        PositionCase{
            "quoted_integer", snmp_source("s", "    community: public\n    retries: \"3\"\n"), 5,
            14,
            "expected a whole number, got the quoted string \"3\"; write numbers without quotes"},
        PositionCase{"fraction_for_integer",
                     snmp_source("s", "    community: public\n    max_repetitions: 2.5\n"), 5, 22,
                     "expected a whole number, got `2.5`"},
        PositionCase{
            "string_for_bool",
            prometheus_source("p", "    tls_config:\n      insecure_skip_verify: \"yes\"\n"), 6, 29,
            "expected true or false"},
        PositionCase{"empty_value_for_duration", "global:\n  evaluation_interval:\n", 2, 3,
                     "expected a duration such as 30s, 5m or 1h30m, got nothing"},
        PositionCase{"bad_duration", "global:\n  evaluation_interval: 5 minutes\n", 2, 24,
                     "invalid duration \"5 minutes\"; use Prometheus syntax"},
        PositionCase{"fractional_duration", R"(sources:
  - {name: p, type: prometheus, url: "http://x:9090", timeout: 1.5s}
)",
                     2, 64, "invalid duration \"1.5s\""},
        PositionCase{"zero_interval", "global:\n  evaluation_interval: 0\n", 2, 24,
                     "must be greater than 0"},
        PositionCase{"bad_log_format", "global:\n  log_format: text\n", 2, 15,
                     "must be one of logfmt or json, got `text`"},
        PositionCase{"bad_listen_address", "global:\n  listen_address: localhost\n", 2, 19,
                     "must be host:port"},
        PositionCase{"bad_external_url", "global:\n  external_url: slamon.example.net\n", 2, 17,
                     "must be an http:// or https:// URL"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Sources, MainFileRule,
    ::testing::Values(
        PositionCase{"missing_name", "sources:\n  - type: snmp\n    community: c\n", 2, 5,
                     "missing required key `name`"},
        PositionCase{"duplicate_name", R"(sources:
  - {name: a, type: snmp, community: c}
  - {name: a, type: snmp, community: c}
)",
                     3, 12, "duplicate source name `a` (already defined at"},
        PositionCase{"bad_type", "sources:\n  - {name: a, type: influx}\n", 2, 21,
                     "must be one of prometheus or snmp, got `influx`"},
        PositionCase{"missing_url", "sources:\n  - {name: a, type: prometheus}\n", 2, 5,
                     "missing required key `url`"},
        PositionCase{"ftp_url", "sources:\n  - {name: a, type: prometheus, url: \"ftp://x\"}\n", 2,
                     38, "must be an http:// or https:// URL"},
        PositionCase{"snmp_key_on_prometheus", prometheus_source("a", "    community: public\n"), 5,
                     5, "`community` applies only to snmp sources (this source is prometheus)"},
        PositionCase{"prometheus_key_on_snmp",
                     snmp_source("a", "    community: public\n    url: http://x\n"), 5, 5,
                     "`url` applies only to prometheus sources (this source is snmp)"},
        PositionCase{"bad_snmp_version",
                     "sources:\n  - {name: a, type: snmp, version: 2, community: c}\n", 2, 36,
                     "must be one of 1, 2c or 3, got `2`"},
        PositionCase{"missing_community", "sources:\n  - {name: a, type: snmp}\n", 2, 5,
                     "snmp version 2c needs `community` or `community_file`"},
        PositionCase{"v3_key_on_v2c", snmp_source("a", "    community: c\n    username: u\n"), 5, 5,
                     "`username` applies only to snmp version 3 (this source uses version 2c)"},
        PositionCase{"community_on_v3",
                     snmp_v3_source("    security_level: noAuthNoPriv\n    community: c\n"), 7, 5,
                     "`community` applies only to snmp version 1 and 2c"},
        PositionCase{"v3_missing_security_level", snmp_v3_source(""), 2, 5,
                     "missing required key `security_level`"},
        PositionCase{"v3_auth_without_password",
                     snmp_v3_source("    security_level: authNoPriv\n    auth_protocol: SHA\n"), 2,
                     5, "security_level authNoPriv needs `auth_password` or `auth_password_file`"},
        PositionCase{"v3_priv_on_auth_no_priv",
                     snmp_v3_source("    security_level: authNoPriv\n    auth_protocol: SHA\n"
                                    "    auth_password: longenough\n    priv_protocol: AES\n"),
                     9, 5,
                     "`priv_protocol` needs security_level authPriv (this source uses authNoPriv)"},
        PositionCase{"v3_bad_auth_protocol",
                     snmp_v3_source("    security_level: authNoPriv\n    auth_protocol: SHA1\n"
                                    "    auth_password: longenough\n"),
                     7, 20, "must be one of MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512"},
        PositionCase{"v3_short_password",
                     snmp_v3_source("    security_level: authNoPriv\n    auth_protocol: SHA\n"
                                    "    auth_password: short\n"),
                     8, 20, "an SNMPv3 password must be at least 8 characters long"},
        PositionCase{"negative_retries",
                     "sources:\n  - {name: a, type: snmp, community: c, retries: -1}\n", 2, 50,
                     "must be between 0 and 100"},
        PositionCase{"zero_max_repetitions",
                     "sources:\n  - {name: a, type: snmp, community: c, max_repetitions: 0}\n", 2,
                     58, "must be between 1 and 65535"},
        PositionCase{"authorization_and_basic_auth",
                     prometheus_source("a",
                                       "    authorization: {credentials: t}\n"
                                       "    basic_auth: {username: u, password: p}\n"),
                     6, 5, "`authorization` and `basic_auth` are mutually exclusive"},
        PositionCase{"cert_without_key",
                     prometheus_source("a", "    tls_config:\n      cert_file: /etc/hostname\n"), 6,
                     7, "`cert_file` and `key_file` go together"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Measurements, MainFileRule,
    ::testing::Values(
        PositionCase{
            "unknown_source",
            prom_measurement("  - metric: latency_ms\n    scopes: [site]\n    source: nope\n" +
                             kBatchedQuery),
            6, 13, "unknown source `nope`; configured sources: prom"},
        PositionCase{
            "unknown_metric",
            prom_measurement("  - metric: jitter_ms\n    scopes: [site]\n    source: prom\n" +
                             kBatchedQuery),
            4, 13,
            "must be one of uptime_percent, latency_ms, packet_loss_percent, health_score, "
            "client_satisfaction or error_rate, got `jitter_ms`"},
        PositionCase{"empty_scopes",
                     prom_measurement("  - metric: latency_ms\n    scopes: []\n    source: prom\n" +
                                      kBatchedQuery),
                     5, 13, "must list at least one scope"},
        PositionCase{
            "unknown_scope",
            prom_measurement(
                "  - metric: latency_ms\n    scopes: [site, building]\n    source: prom\n" +
                kBatchedQuery),
            5, 20, "got `building`"},
        PositionCase{"missing_query", latency_of_sites("    scope_label: s\n"), 4, 5,
                     "missing required key `query`"},
        PositionCase{"missing_scope_label", latency_of_sites("    query: avg by (site_id) (rtt)\n"),
                     4, 5, "missing required key `scope_label`: a batched query"},
        PositionCase{
            "unknown_placeholder",
            latency_of_sites("    query: 'rtt{site=\"{{site_id}}\"}'\n    scope_label: site\n"), 7,
            12, "unknown placeholder `{{site_id}}`"},
        PositionCase{"snmp_key_on_prometheus_measurement",
                     latency_of_sites(kBatchedQuery + "    aggregate: max\n"), 9, 5,
                     "`aggregate` applies only to measurements from an snmp source (source `prom` "
                     "is prometheus)"},
        PositionCase{"query_on_snmp_measurement",
                     snmp_measurement("latency_ms", "    snmp: response_time\n    query: q\n"), 8,
                     5, "`query` applies only to measurements from a prometheus source"},
        PositionCase{"missing_snmp_builtin", snmp_measurement("latency_ms", ""), 4, 5,
                     "missing required key `snmp`"},
        PositionCase{"oid_without_snmp_oid",
                     snmp_measurement("latency_ms", "    snmp: response_time\n    oid: 1.3.6.1\n"),
                     8, 5, "`oid` applies only to `snmp: oid`"},
        PositionCase{"snmp_oid_without_oid", snmp_measurement("health_score", "    snmp: oid\n"), 4,
                     5, "missing required key `oid`"},
        PositionCase{"symbolic_oid",
                     snmp_measurement("health_score", "    snmp: oid\n    oid: sysUpTime.0\n"), 8,
                     10, "must be a numeric OID"},
        PositionCase{
            "bad_aggregate",
            snmp_measurement("uptime_percent", "    snmp: reachability\n    aggregate: median\n"),
            8, 16, "must be one of avg, min, max or worst, got `median`"},
        PositionCase{
            "quoted_scale",
            snmp_measurement("health_score",
                             "    snmp: oid\n    oid: 1.3.6.1.4.1.1\n    scale: \"0.01\"\n"),
            9, 12, "expected a number, got the quoted string \"0.01\""},
        PositionCase{"bad_window", latency_of_sites(kBatchedQuery + "    window: 5 m\n"), 9, 13,
                     "invalid duration \"5 m\""}),
    testing::kCaseName);

TEST_F(LoaderTest, SecretAndSecretFileTogetherAreAnError) {
  write("token", "t");
  write("slamon.yml", R"(sources:
  - name: prom
    type: prometheus
    url: http://x:9090
    authorization:
      credentials: abc
      credentials_file: token
  - name: sw
    type: snmp
    community: c
    community_file: token
)");
  const LoadResult result = load();
  EXPECT_TRUE(
      has_diagnostic(result, "slamon.yml", 7, 7,
                     "`credentials` and `credentials_file` are mutually exclusive; give only one"));
  EXPECT_TRUE(has_diagnostic(result, "slamon.yml", 11, 5,
                             "`community` and `community_file` are mutually exclusive"));
  EXPECT_EQ(result.diagnostics.size(), 2u) << testing::dump(result.diagnostics);
}

TEST_F(LoaderTest, MissingSecretFileIsAnErrorNamingTheFile) {
  write("slamon.yml", R"(sources:
  - name: prom
    type: prometheus
    url: http://x:9090
    authorization: {credentials_file: missing.token}
)");
  EXPECT_TRUE(has_only_diagnostic(
      load(), "slamon.yml", 5, 39,
      "cannot read credentials_file \"" + path("missing.token") + "\": No such file or directory"));
}

TEST_F(LoaderTest, UnreadableSecretFileNeverShowsTheSecret) {
  const std::string secret = "TOP-SECRET-COMMUNITY";
  std::string huge;
  while (huge.size() <= 64 * 1024) huge += secret + "\n";
  write("huge.secret", huge);
  std::filesystem::create_directories(dir_.path() / "folder.secret");
  write("slamon.yml", R"(sources:
  - name: sw
    type: snmp
    community_file: huge.secret
  - name: sw2
    type: snmp
    community_file: folder.secret
)");
  const LoadResult result = load();
  EXPECT_TRUE(has_diagnostic(result, "slamon.yml", 4, 21,
                             "cannot read community_file \"" + path("huge.secret") + "\""));
  EXPECT_TRUE(has_diagnostic(result, "slamon.yml", 7, 21, "Is a directory"));
  ASSERT_EQ(result.diagnostics.size(), 2u) << testing::dump(result.diagnostics);
  for (const Diagnostic& d : result.diagnostics)
    EXPECT_EQ(d.to_string().find(secret), std::string::npos);
}

TEST_F(LoaderTest, TooShortSnmpPasswordFromFileIsReportedWithoutItsContent) {
  write("auth.secret", "abc1234\n");
  write("slamon.yml", R"(sources:
  - name: a
    type: snmp
    version: 3
    username: u
    security_level: authNoPriv
    auth_protocol: MD5
    auth_password_file: auth.secret
)");
  const LoadResult result = load();
  EXPECT_TRUE(has_only_diagnostic(result, "slamon.yml", 8, 25, "at least 8 characters"));
  EXPECT_EQ(result.diagnostics[0].to_string().find("abc1234"), std::string::npos);
}

TEST_F(LoaderTest, AWrongSnmpVersionDoesNotHideAnUnreadableSecretFile) {
  write("slamon.yml", R"(sources:
  - name: sw
    type: snmp
    version: 2
    community_file: missing
)");
  const LoadResult result = load();
  EXPECT_EQ(result.diagnostics.size(), 2u) << testing::dump(result.diagnostics);
  EXPECT_TRUE(has_diagnostic(result, "slamon.yml", 4, 14, "must be one of 1, 2c or 3"));
  EXPECT_TRUE(has_diagnostic(result, "slamon.yml", 5, 21, "cannot read community_file"));
}

TEST_F(LoaderTest, AMatchedFileThatCannotBeReadIsAnError) {
  write("slamon.yml", "rule_files: [\"rules/*\"]\n");
  std::filesystem::create_directories(dir_.path() / "rules" / "archive");
  const LoadResult result = load();
  ASSERT_EQ(result.diagnostics.size(), 1u) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].to_string(),
            path("rules/archive") + ": cannot read file: Is a directory");
}

TEST_F(LoaderTest, GlobMatchingNothingIsFineButAMissingLiteralPathIsAnError) {
  write("slamon.yml", R"(rule_files: ["rules/*.yml", "more/*.yaml"]
inventory_files:
  - inventory/*.yml
  - inventory/missing.yml
)");
  const LoadResult result = load();
  EXPECT_TRUE(has_only_diagnostic(result, "slamon.yml", 4, 5,
                                  "file not found: \"" + path("inventory/missing.yml") + "\""));
}

TEST_F(LoaderTest, FilesMatchedTwiceAreReadOnce) {
  write(
      "slamon.yml",
      R"(inventory_files: [inventory/acme.yml, "inventory/*.yml", ./inventory/../inventory/acme.yml]
sources:
  - {name: switches, type: snmp, community: c}
)");
  write("inventory/acme.yml", testing::standard_inventory());
  const LoadResult result = load();
  ASSERT_TRUE(result.ok()) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.config->inventory_files, std::vector<std::string>{path("inventory/acme.yml")});
  EXPECT_EQ(result.config->inventory.organizations.size(), 2u);
}

TEST_F(LoaderTest, RelativeConfigPathKeepsItsSpellingInDiagnostics) {
  write("slamon.yml", "global: {log_level: loud}\n");
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  const LoadResult result = load_config("slamon.yml");
  std::filesystem::current_path(previous);
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(
      result.diagnostics[0].to_string(),
      "slamon.yml:1:21: global.log_level: must be one of debug, info, warn or error, got `loud`");
}

TEST_F(LoaderTest, EveryProblemInEveryFileIsReportedInOneRun) {
  write("slamon.yml", R"(global:
  evaluation_interval: soon
rule_files: ["rules/*.yml"]
inventory_files: [inventory.yml, extra.yml]
sources:
  - {name: prom, type: prometheus, url: "http://x:9090"}
  - {name: switches, type: snmp, community: c}
measurements:
  - {metric: uptime_percent, scopes: [site], source: prom, query: up, scope_label: site_id}
)");
  write("inventory.yml", testing::standard_inventory());
  write("extra.yml", R"(organizations:
  - id: not-a-uuid
    name: Broken
)");
  write("rules/a.yml", R"(policies:
  - id: a
    org: $ORG_A
    name: A
    scope: site
    scope_id: $SITE_HQ
    thresholds: {uptime_percent_min: 101}
)");
  write("rules/b.yml", R"(policies:
  - id: b
    org: $ORG_A
    name: B
    scope: site
    scope_id: $SITE_HQ
    thresholds: {latency_ms_max: 10}
)");
  const LoadResult result = load();
  ASSERT_EQ(result.diagnostics.size(), 4u) << testing::dump(result.diagnostics);
  EXPECT_TRUE(has_diagnostic(result, "slamon.yml", 2, 24, "invalid duration \"soon\""));
  EXPECT_TRUE(has_diagnostic(result, "extra.yml", 2, 9, "must be a UUID"));
  EXPECT_TRUE(has_diagnostic(result, "rules/a.yml", 7, 38, "out of range"));
  EXPECT_TRUE(has_diagnostic(result, "rules/b.yml", 7, 18,
                             "no measurement provides latency_ms for scope site"));
  // In file order: slamon.yml, inventories, rule files.
  EXPECT_TRUE(result.diagnostics[0].file.ends_with("slamon.yml"));
  EXPECT_TRUE(result.diagnostics[1].file.ends_with("extra.yml"));
  EXPECT_TRUE(result.diagnostics[2].file.ends_with("rules/a.yml"));
  EXPECT_TRUE(result.diagnostics[3].file.ends_with("rules/b.yml"));
}

}  // namespace
}  // namespace slamon
