// Shared fixture for the configuration loader tests: a temporary folder holding a slamon.yml,
// a standard inventory with two organizations, helpers to assert the exact diagnostics and to
// find the position a table-driven case points at. Not thread-safe (one test owns it).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/loader.h"
#include "support/temp_dir.h"

namespace slamon::testing {

inline constexpr std::string_view kOrgA = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
inline constexpr std::string_view kOrgB = "9a8b7c6d-1111-4222-8333-444455556666";
inline constexpr std::string_view kSiteGroupEmea = "a1b2c3d4-0000-4000-8000-000000000010";
inline constexpr std::string_view kSiteHq = "a1b2c3d4-0000-4000-8000-000000000001";
inline constexpr std::string_view kSiteLab = "a1b2c3d4-0000-4000-8000-000000000002";
inline constexpr std::string_view kDeviceGroupAps = "a1b2c3d4-0000-4000-8000-000000000020";
inline constexpr std::string_view kSwitch = "a1b2c3d4-0000-4000-8000-000000000101";
inline constexpr std::string_view kCamera = "a1b2c3d4-0000-4000-8000-000000000102";
inline constexpr std::string_view kNvr = "a1b2c3d4-0000-4000-8000-000000000103";
inline constexpr std::string_view kAp = "a1b2c3d4-0000-4000-8000-000000000104";
inline constexpr std::string_view kApLab = "a1b2c3d4-0000-4000-8000-000000000105";
inline constexpr std::string_view kSiteB = "b1b2c3d4-0000-4000-8000-000000000001";
inline constexpr std::string_view kCameraB = "b1b2c3d4-0000-4000-8000-000000000102";

// Replaces $ORG_A, $SITE_HQ, ... with the ids above, so fixtures stay readable.
std::string fill(std::string text);

// The standard inventory (inventory.yml), with the ids above.
std::string standard_inventory();
// A slamon.yml naming inventory.yml and rules/*.yml, with sources `prom` (prometheus) and
// `switches` (snmp), and measurements: uptime_percent for every scope, latency_ms for site
// and camera (both prom).
std::string standard_main();

// Every diagnostic, one per line, for failure messages.
std::string dump(const std::vector<Diagnostic>& diagnostics);

// A table row refusing a section appended to the standard slamon.yml (load_main_with): where
// the only diagnostic points, named by its text instead of a counted column.
struct AppendedSectionCase {
  std::string name;
  std::string section;  // appended to the standard slamon.yml, starting with its key
  int line;             // 1-based within `section`
  std::string at;       // what the diagnostic points at: its first occurrence on that line
  std::string fragment;
};
void PrintTo(const AppendedSectionCase& c, std::ostream* os);

class ConfigFixture : public ::testing::Test {
 protected:
  // Writes `content` (after fill()) to `relative` in the temporary folder.
  std::string write(const std::string& relative, const std::string& content) const {
    return dir_.write(relative, fill(content));
  }
  std::string path(const std::string& relative) const { return (dir_.path() / relative).string(); }
  LoadResult load(const FlagOverrides& flags = {}) const {
    return load_config(path("slamon.yml"), flags);
  }
  // The standard slamon.yml and inventory plus one rule file, loaded.
  LoadResult load_rules(const std::string& rules) const {
    write("rules/policies.yml", rules);
    return load_main_with("");
  }
  // The standard slamon.yml with `appended` (a top-level section) after it, and the standard
  // inventory, loaded. The appended text starts on line lines_of(standard_main()) + 1.
  LoadResult load_main_with(const std::string& appended) const {
    write("slamon.yml", standard_main() + appended);
    write("inventory.yml", standard_inventory());
    return load();
  }

  // Loads the standard configuration with `c.section` appended and asserts the case's only
  // diagnostic.
  ::testing::AssertionResult rejects(const AppendedSectionCase& c) const;

  TempDir dir_;
};

// The standard configuration, loaded once before each test, for the tests of the validators
// the API shares with the loader (parse_policy, parse_maintenance_window).
class LoadedConfigFixture : public ConfigFixture {
 protected:
  void SetUp() override {
    const LoadResult loaded = load_main_with("");
    ASSERT_TRUE(loaded.ok()) << dump(loaded.diagnostics);
    config_ = loaded.config;
  }

  ConfigPtr config_;
};

// How many lines `text` has (its newlines).
int lines_of(const std::string& text);

// The 1-based column of the first `at` on 1-based `line` of `text` (both after fill()), or 0
// when that line does not hold it. Lets a table row name what a diagnostic points at instead of
// counting columns.
int column_of(const std::string& text, int line, const std::string& at);

// The name of a TEST_P case: the `name` member of its parameter.
inline constexpr auto kCaseName = [](const auto& info) { return info.param.name; };

// Asserts one diagnostic at file (a suffix of its path), line and column whose message
// contains `fragment`.
::testing::AssertionResult has_diagnostic(const LoadResult& result, std::string_view file, int line,
                                          int column, std::string_view fragment);
// Same, and asserts it is the only diagnostic.
::testing::AssertionResult has_only_diagnostic(const LoadResult& result, std::string_view file,
                                               int line, int column, std::string_view fragment);

}  // namespace slamon::testing
