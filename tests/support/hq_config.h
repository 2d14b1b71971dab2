// The one-site configuration on disk that the tests of slamon's offline commands (`backtest
// --source=history`, `report`) run on: slamon.yml with one Prometheus uptime measurement, one
// organization with its site HQ, one uptime policy `hq-uptime`, and the database at slamon.db
// next to them; seed_hq_database writes that database through the store's and the history's
// own API, and file_bytes lets a test check that a command left it byte-identical.
// Header-only, stateless; thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "history/history.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace slamon::testing {

inline constexpr char kHqOrg[] = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
inline constexpr char kHqSite[] = "a1b2c3d4-0000-4000-8000-000000000001";
inline constexpr char kHqPolicy[] = "hq-uptime";

// `org_name` and `policy_name` are written into the YAML as given (quote them if they need it).
inline void write_hq_config(const TempDir& dir, const std::string& org_name,
                            const std::string& policy_name) {
  dir.write("slamon.yml", R"(global:
  storage_path: slamon.db
rule_files: ["rules/*.yml"]
inventory_files: ["inventory/*.yml"]
sources:
  - {name: prom, type: prometheus, url: "http://127.0.0.1:9"}
measurements:
  - metric: uptime_percent
    scopes: [site]
    source: prom
    query: 'avg by (site_id) (site_uptime_percent)'
    scope_label: site_id
)");
  dir.write("inventory/fleet.yml", std::string("organizations:\n  - id: ") + kHqOrg +
                                       "\n    name: " + org_name +
                                       "\n    sites:\n      - {id: " + kHqSite + ", name: HQ}\n");
  dir.write("rules/hq.yml", std::string("policies:\n  - {id: ") + kHqPolicy + ", org: " + kHqOrg +
                                ", name: " + policy_name + ", scope: site, scope_id: " + kHqSite +
                                ", thresholds: {uptime_percent_min: 99.5}}\n");
}

inline std::filesystem::path hq_database(const TempDir& dir) {
  return dir.path() / "slamon.db";
}

// hq-uptime's status `segments` (start, end, status) through the store, then its measured
// `uptime` (time, value) through a History whose clock stands at `now`.
inline void seed_hq_database(
    const TempDir& dir, WallTime now,
    const std::vector<std::tuple<WallTime, WallTime, std::string>>& segments,
    const std::vector<std::pair<WallTime, double>>& uptime) {
  const std::string db = hq_database(dir).string();
  auto store = Store::open(db);
  ASSERT_TRUE(store) << store.error().message;
  if (!segments.empty()) {
    CycleWrite write;
    for (const auto& [start, end, status] : segments) {
      write.segments.push_back({kHqPolicy, kHqOrg, start, end, status});
    }
    ASSERT_TRUE((*store)->commit(write));
  }
  FakeClock clock(now);
  auto history = history::History::open(db, clock);
  ASSERT_TRUE(history) << history.error().message;
  for (const auto& [at, value] : uptime) {
    const history::Observation observation{kHqPolicy, Metric::uptime_percent, value};
    ASSERT_TRUE((*history)->append(at, {&observation, 1}));
  }
}

inline std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace slamon::testing
