// The fleet the integration tests monitor: one organization with three sites whose
// measurements are constant around the current time (backfilled into a real Prometheus from
// now-1h to now+1h, so the verdicts do not depend on when the test runs), and the slamon
// configuration that watches them:
//   alpha-network    site Alpha   uptime 100 >= 99.5, latency 20 <= 50    compliant
//   bravo-uptime     site Bravo   uptime 90 < 99.5 (deviation ~9.55 %)    warning breach
//   charlie-latency  site Charlie latency 150 > 100 (deviation 50 %)      critical breach
// FleetTest is a gtest fixture holding that Prometheus for the test suite (started and stopped
// on the test's main thread) and a fresh TempDir per test. Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/prometheus_server.h"
#include "support/temp_dir.h"

namespace slamon::integration {

inline constexpr const char* kOrg = "5e1a0000-0000-4000-8000-000000000001";
inline constexpr const char* kSiteAlpha = "5e1a0000-0000-4000-8000-0000000000a1";
inline constexpr const char* kSiteBravo = "5e1a0000-0000-4000-8000-0000000000b2";
inline constexpr const char* kSiteCharlie = "5e1a0000-0000-4000-8000-0000000000c3";
inline constexpr const char* kAlphaPolicy = "alpha-network";
inline constexpr const char* kAlphaPolicyName = "Alpha site network";
inline constexpr const char* kBravoPolicy = "bravo-uptime";
inline constexpr const char* kCharliePolicy = "charlie-latency";
// The Prometheus bearer token slamon is configured with; it must never appear in any output.
inline constexpr const char* kSecretToken = "tok-INTEGRATION-s3cr3t-5f1d9c";

// OpenMetrics text: site_uptime_percent and site_latency_ms per site_id, every 30 s from
// now-1h to now+1h.
std::string fleet_history();

struct FleetOptions {
  std::string prometheus_url;
  std::string source_timeout = "5s";
  std::string evaluation_interval = "1s";
  std::string charlie_status = "active";  // the status of charlie-latency
};

// The configuration files written into a test's folder.
struct FleetFiles {
  std::filesystem::path config;         // slamon.yml
  std::filesystem::path storage;        // slamon.db (named in slamon.yml)
  std::filesystem::path charlie_rules;  // rules/charlie.yml
  std::filesystem::path token;          // prom.token
};

std::string fleet_main_config(const FleetOptions& options);
std::string charlie_rules(const std::string& status);
// Writes slamon.yml, prom.token, inventory/fleet.yml, rules/alpha-bravo.yml and
// rules/charlie.yml into `dir`.
FleetFiles write_fleet(const testing::TempDir& dir, const FleetOptions& options);

class FleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static std::string prometheus_url();
  FleetFiles write_fleet(FleetOptions options = {}) const;

  testing::TempDir dir_;

 private:
  static inline testing::PrometheusServer* prometheus_ = nullptr;
  static inline std::string prometheus_error_;
};

}  // namespace slamon::integration
