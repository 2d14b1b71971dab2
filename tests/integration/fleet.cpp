#include "integration/fleet.h"

#include <chrono>
#include <utility>
#include <vector>

namespace slamon::integration {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr seconds kStep{30};
constexpr int kSamples = 2 * 3600 / 30 + 1;  // now-1h .. now+1h inclusive

// Replaces every @NAME@ of `text` with its value (the queries keep slamon's own {{...}}).
std::string substitute(std::string text,
                       const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values) {
    const std::string placeholder = "@" + name + "@";
    for (auto at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

std::string fleet_ids(std::string text) {
  return substitute(std::move(text), {{"ORG", kOrg},
                                      {"ALPHA", kSiteAlpha},
                                      {"BRAVO", kSiteBravo},
                                      {"CHARLIE", kSiteCharlie},
                                      {"ALPHA_POLICY", kAlphaPolicy},
                                      {"ALPHA_NAME", kAlphaPolicyName},
                                      {"BRAVO_POLICY", kBravoPolicy},
                                      {"CHARLIE_POLICY", kCharliePolicy}});
}

std::string inventory() {
  return fleet_ids(R"(organizations:
  - id: @ORG@
    name: Integration Org
    sites:
      - {id: @ALPHA@, name: Alpha}
      - {id: @BRAVO@, name: Bravo}
      - {id: @CHARLIE@, name: Charlie}
)");
}

std::string alpha_bravo_rules() {
  return fleet_ids(R"(policies:
  - id: @ALPHA_POLICY@
    org: @ORG@
    name: @ALPHA_NAME@
    scope: site
    scope_id: @ALPHA@
    labels: {tier: gold}
    thresholds:
      uptime_percent_min: 99.5
      latency_ms_max: 50
  - id: @BRAVO_POLICY@
    org: @ORG@
    name: Bravo site uptime
    scope: site
    scope_id: @BRAVO@
    thresholds: {uptime_percent_min: 99.5}
)");
}

}  // namespace

std::string fleet_history() {
  const auto now = std::chrono::floor<seconds>(std::chrono::system_clock::now());
  const auto start = now - hours(1);
  const auto constant = [](double value) { return std::vector<double>(kSamples, value); };
  testing::OpenMetricsBuilder builder;
  builder.gauge_series("site_uptime_percent", {{"site_id", kSiteAlpha}}, start, kStep,
                       constant(100));
  builder.gauge_series("site_uptime_percent", {{"site_id", kSiteBravo}}, start, kStep,
                       constant(90));
  builder.gauge_series("site_uptime_percent", {{"site_id", kSiteCharlie}}, start, kStep,
                       constant(100));
  builder.gauge_series("site_latency_ms", {{"site_id", kSiteAlpha}}, start, kStep, constant(20));
  builder.gauge_series("site_latency_ms", {{"site_id", kSiteCharlie}}, start, kStep, constant(150));
  return builder.str();
}

std::string fleet_main_config(const FleetOptions& options) {
  return substitute(R"(global:
  evaluation_interval: @INTERVAL@
  storage_path: slamon.db
  reports_dir: reports
rule_files: ["rules/*.yml"]
inventory_files: ["inventory/*.yml"]
sources:
  - name: prom
    type: prometheus
    url: @URL@
    timeout: @TIMEOUT@
    authorization: {type: Bearer, credentials_file: prom.token}
measurements:
  - metric: uptime_percent
    scopes: [site]
    source: prom
    query: 'avg by (site_id) (avg_over_time(site_uptime_percent[{{window}}]))'
    scope_label: site_id
    window: 5m
  - metric: latency_ms
    scopes: [site]
    source: prom
    query: 'avg by (site_id) (avg_over_time(site_latency_ms[{{window}}]))'
    scope_label: site_id
    window: 5m
)",
                    {{"INTERVAL", options.evaluation_interval},
                     {"URL", options.prometheus_url},
                     {"TIMEOUT", options.source_timeout}});
}

std::string charlie_rules(const std::string& status) {
  return substitute(fleet_ids(R"(policies:
  - id: @CHARLIE_POLICY@
    org: @ORG@
    name: Charlie site latency
    scope: site
    scope_id: @CHARLIE@
    status: @STATUS@
    thresholds: {latency_ms_max: 100}
)"),
                    {{"STATUS", status}});
}

FleetFiles write_fleet(const testing::TempDir& dir, const FleetOptions& options) {
  FleetFiles files;
  files.config = dir.write("slamon.yml", fleet_main_config(options));
  files.token = dir.write("prom.token", std::string(kSecretToken) + "\n");
  dir.write("inventory/fleet.yml", inventory());
  dir.write("rules/alpha-bravo.yml", alpha_bravo_rules());
  files.charlie_rules = dir.write("rules/charlie.yml", charlie_rules(options.charlie_status));
  files.storage = dir.path() / "slamon.db";
  return files;
}

void FleetTest::SetUpTestSuite() {
  auto started = testing::PrometheusServer::start(fleet_history());
  if (!started) {
    prometheus_error_ = started.error().message;
    return;
  }
  prometheus_ = started->release();
}

void FleetTest::TearDownTestSuite() {
  delete prometheus_;
  prometheus_ = nullptr;
}

void FleetTest::SetUp() {
  ASSERT_NE(prometheus_, nullptr) << "Prometheus did not start: " << prometheus_error_;
}

std::string FleetTest::prometheus_url() {
  return prometheus_ ? prometheus_->url() : "";
}

FleetFiles FleetTest::write_fleet(FleetOptions options) const {
  if (options.prometheus_url.empty()) options.prometheus_url = prometheus_url();
  return integration::write_fleet(dir_, options);
}

}  // namespace slamon::integration
