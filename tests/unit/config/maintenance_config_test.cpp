// `maintenance:` of slamon.yml (SPEC §7.3): accepted windows with their defaults and ids, every
// refusal with its exact position, and parse_maintenance_window as the API uses it.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "config_fixture.h"
#include "model/maintenance_json.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::ConfigFixture;
using testing::kCaseName;

WallTime at(const char* rfc3339) {
  return *parse_rfc3339_time(rfc3339);
}

class MaintenanceConfig : public ConfigFixture {
 protected:
  // The standard configuration with `maintenance` (starting with "maintenance:") appended.
  const std::vector<MaintenanceWindow>& accepted(const std::string& maintenance) {
    result_ = load_main_with(maintenance);
    EXPECT_TRUE(result_.ok()) << testing::dump(result_.diagnostics);
    static const std::vector<MaintenanceWindow> kNone;
    return result_.ok() ? result_.config->maintenance : kNone;
  }
  LoadResult result_;
};

TEST_F(MaintenanceConfig, AcceptsTheSpecExamplesAndGivesIdsByPosition) {
  const auto& windows = accepted(R"(maintenance:
  - {org: $ORG_A, scope: site, scope_id: $SITE_HQ, start: 2026-12-01T02:00:00Z, end: 2026-12-01T04:00:00Z, reason: ISP work}
  - {org: $ORG_A, scope: site, scope_id: $SITE_HQ, recurrence: "0 2 * * sun", duration: 2h, timezone: America/New_York, reason: patching}
  - {id: lab-nightly, org: $ORG_A, scope: site, scope_id: $SITE_LAB, recurrence: "FREQ=DAILY;BYHOUR=1;BYMINUTE=0", duration: 30m, reason: backups}
)");
  ASSERT_EQ(windows.size(), 3u);
  const MaintenanceWindow& one_off = windows[0];
  EXPECT_EQ(one_off.id, "config-1");
  EXPECT_EQ(one_off.org, testing::kOrgA);
  EXPECT_EQ(one_off.scope, Scope::site);
  EXPECT_EQ(one_off.scope_id, std::string(testing::kSiteHq));
  EXPECT_EQ(one_off.start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(one_off.end, at("2026-12-01T04:00:00Z"));
  EXPECT_FALSE(one_off.recurring());
  EXPECT_EQ(one_off.timezone, "");
  EXPECT_EQ(one_off.reason, "ISP work");
  EXPECT_TRUE(one_off.provisioned);

  const MaintenanceWindow& weekly = windows[1];
  EXPECT_EQ(weekly.id, "config-2");
  EXPECT_TRUE(weekly.recurring());
  EXPECT_EQ(weekly.recurrence, "0 2 * * sun");
  EXPECT_EQ(weekly.duration, 2h);
  EXPECT_EQ(weekly.timezone, "America/New_York");
  EXPECT_FALSE(weekly.start);

  EXPECT_EQ(windows[2].id, "lab-nightly");
  EXPECT_EQ(windows[2].timezone, "UTC");  // Lab has no time zone
}

TEST_F(MaintenanceConfig, RecurringZoneDefaultsToTheScopesSiteElseUtc) {
  const auto& windows = accepted(R"(maintenance:
  - {org: $ORG_A, scope: site, scope_id: $SITE_HQ, recurrence: "0 2 * * *", duration: 1h, reason: a}
  - {org: $ORG_A, scope: camera, scope_id: $CAMERA, recurrence: "0 2 * * *", duration: 1h, reason: b}
  - {org: $ORG_A, scope: organization, recurrence: "0 2 * * *", duration: 1h, reason: c}
  - {org: $ORG_A, scope: ssid, scope_name: Corp-WiFi, recurrence: "0 2 * * *", duration: 1h, reason: d}
  - {org: $ORG_A, scope: device_group, scope_id: $DEVICE_GROUP_APS, start: "2026-12-01T03:00:00+01:00", end: "2026-12-01T03:30:00.250+01:00", reason: e}
)");
  ASSERT_EQ(windows.size(), 5u);
  EXPECT_EQ(windows[0].timezone, "Europe/Berlin");
  EXPECT_EQ(windows[1].timezone, "Europe/Berlin");
  EXPECT_EQ(windows[2].timezone, "UTC");
  EXPECT_FALSE(windows[2].scope_id);
  EXPECT_EQ(windows[3].scope_name, "Corp-WiFi");
  EXPECT_EQ(windows[3].timezone, "UTC");
  EXPECT_EQ(windows[4].start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(windows[4].end, at("2026-12-01T02:30:00.250Z"));
}

TEST_F(MaintenanceConfig, EmptyOrAbsentSectionMeansNoWindows) {
  EXPECT_TRUE(accepted("maintenance: []\n").empty());
  EXPECT_TRUE(accepted("").empty());
}

TEST_F(MaintenanceConfig, WindowsRoundTripThroughTheirJson) {
  const auto& windows = accepted(R"(maintenance:
  - {org: $ORG_A, scope: site, scope_id: $SITE_HQ, start: 2026-12-01T02:00:00Z, end: 2026-12-01T04:00:00Z, reason: ISP work}
  - {id: weekly, org: $ORG_A, scope: ssid, scope_name: Guest, recurrence: "0 2 * * sun", duration: 90m, reason: patching}
)");
  ASSERT_EQ(windows.size(), 2u);
  for (const MaintenanceWindow& window : windows) {
    auto read = maintenance_from_stored(maintenance_to_json(window).dump());
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->id, window.id);
    EXPECT_EQ(read->scope, window.scope);
    EXPECT_EQ(read->scope_id, window.scope_id);
    EXPECT_EQ(read->scope_name, window.scope_name);
    EXPECT_EQ(read->start, window.start);
    EXPECT_EQ(read->end, window.end);
    EXPECT_EQ(read->recurrence, window.recurrence);
    EXPECT_EQ(read->duration, window.duration);
    EXPECT_EQ(read->timezone, window.timezone);
    EXPECT_EQ(read->reason, window.reason);
    EXPECT_TRUE(read->provisioned);
  }
}

using WindowCase = testing::AppendedSectionCase;  // section: starts with "maintenance:"

class MaintenanceRule : public MaintenanceConfig,
                        public ::testing::WithParamInterface<WindowCase> {};

TEST_P(MaintenanceRule, ReportsExactPositionAndMessage) {
  EXPECT_TRUE(rejects(GetParam()));
}

const std::string kHq = "org: $ORG_A, scope: site, scope_id: $SITE_HQ";
const std::string kOneOff = "start: 2026-12-01T02:00:00Z, end: 2026-12-01T04:00:00Z";
const std::string kWeekly = "recurrence: \"0 2 * * sun\", duration: 2h";

std::string item(const std::string& fields) {
  return "maintenance:\n  - {" + fields + "}\n";
}

INSTANTIATE_TEST_SUITE_P(
    KeysScopeAndTimes, MaintenanceRule,
    ::testing::Values(
        WindowCase{"not_a_list", "maintenance: {org: x}\n", 1, "{", "expected a list, got a map"},
        WindowCase{"empty_item",
                   "maintenance:\n  -\n  - {" + kHq + ", " + kOneOff + ", reason: x}\n", 2, "-",
                   "expected a maintenance window (a map), got nothing"},
        WindowCase{"unknown_key", item(kHq + ", " + kOneOff + ", reason: x, ticket: 42"), 2,
                   "ticket",
                   "unknown key `ticket`; allowed keys: id, org, scope, scope_id, scope_name, "
                   "start, end, recurrence, duration, timezone, reason"},
        WindowCase{"org_missing", item("scope: organization, " + kOneOff + ", reason: x"), 2, "{",
                   "missing required key `org`"},
        WindowCase{"org_unknown",
                   item("org: 00000000-0000-4000-8000-000000000000, scope: organization, " +
                        kOneOff + ", reason: x"),
                   2, "00000000", "unknown organization"},
        WindowCase{"site_of_another_org",
                   item("org: $ORG_A, scope: site, scope_id: $SITE_B, " + kOneOff + ", reason: x"),
                   2, "$SITE_B", "is not a site of organization `ACME`"},
        WindowCase{"scope_id_missing",
                   item("org: $ORG_A, scope: camera, " + kOneOff + ", reason: x"), 2, "{",
                   "missing required key `scope_id`: scope camera needs the id of a camera"},
        WindowCase{
            "scope_id_on_organization",
            item("org: $ORG_A, scope: organization, scope_id: $ORG_A, " + kOneOff + ", reason: x"),
            2, "scope_id", "the window's organization is its scope"},
        WindowCase{"both_kinds", item(kHq + ", " + kOneOff + ", " + kWeekly + ", reason: x"), 2,
                   "recurrence", "either one-off (start and end) or recurring"},
        WindowCase{"neither_kind", item(kHq + ", reason: x"), 2, "{",
                   "give `start` and `end` (a one-off window) or `recurrence` and `duration`"},
        WindowCase{"start_without_end", item(kHq + ", start: 2026-12-01T02:00:00Z, reason: x"), 2,
                   "{", "missing required key `end`"},
        WindowCase{"duration_without_recurrence", item(kHq + ", duration: 2h, reason: x"), 2, "{",
                   "missing required key `recurrence`"},
        WindowCase{
            "end_before_start",
            item(kHq + ", start: 2026-12-01T04:00:00Z, end: 2026-12-01T04:00:00Z, reason: x"), 2,
            "2026-12-01T04:00:00Z, reason", "must be after start (2026-12-01T04:00:00Z)"},
        WindowCase{
            "longer_than_366_days",
            item(kHq + ", start: 2026-01-01T00:00:00Z, end: 2027-01-02T00:00:01Z, reason: x"), 2,
            "2027", "a one-off window lasts at most 366 days"},
        WindowCase{"time_without_offset",
                   item(kHq + ", start: 2026-12-01T02:00:00, end: 2026-12-01T04:00:00Z, reason: x"),
                   2, "2026-12-01T02:00:00,", "expected an RFC 3339 time with a UTC offset"},
        WindowCase{"time_is_a_date",
                   item(kHq + ", start: 2026-12-01, end: 2026-12-02T00:00:00Z, reason: x"), 2,
                   "2026-12-01,", "expected an RFC 3339 time"},
        WindowCase{"timezone_on_one_off", item(kHq + ", " + kOneOff + ", timezone: UTC, reason: x"),
                   2, "timezone", "applies only to recurring windows"}),
    kCaseName);

INSTANTIATE_TEST_SUITE_P(
    RecurrenceReasonAndIds, MaintenanceRule,
    ::testing::Values(
        WindowCase{"bad_cron", item(kHq + ", recurrence: \"61 2 * * *\", duration: 2h, reason: x"),
                   2, "\"61", "invalid recurrence: "},
        WindowCase{"bad_rrule",
                   item(kHq + ", recurrence: \"FREQ=HOURLY\", duration: 2h, reason: x"), 2,
                   "\"FREQ", "invalid recurrence: "},
        WindowCase{"zero_duration",
                   item(kHq + ", recurrence: \"0 2 * * *\", duration: 0s, reason: x"), 2, "0s",
                   "must be greater than 0"},
        WindowCase{"duration_above_31_days",
                   item(kHq + ", recurrence: \"0 2 1 * *\", duration: 32d, reason: x"), 2, "32d",
                   "an occurrence lasts at most 31d, got 4w4d"},
        WindowCase{"unknown_timezone",
                   item(kHq + ", " + kWeekly + ", timezone: Europe/Atlantis, reason: x"), 2,
                   "Europe/Atlantis", "unknown time zone \"Europe/Atlantis\""},
        WindowCase{"reason_missing", item(kHq + ", " + kOneOff), 2, "{",
                   "missing required key `reason`"},
        WindowCase{"reason_empty", item(kHq + ", " + kOneOff + ", reason: \"\""), 2, "\"\"",
                   "must not be empty"},
        WindowCase{"reason_too_long",
                   item(kHq + ", " + kOneOff + ", reason: " + std::string(501, 'x')), 2, "xxx",
                   "must be at most 500 characters, got 501"},
        WindowCase{"bad_id", item("id: Big Window, " + kHq + ", " + kOneOff + ", reason: x"), 2,
                   "Big", "must be a slug of 1 to 64 characters"},
        WindowCase{"reserved_id", item("id: config-2, " + kHq + ", " + kOneOff + ", reason: x"), 2,
                   "config-2", "ids starting with `config-` are given by slamon"},
        WindowCase{"duplicate_id",
                   "maintenance:\n  - {id: w, " + kHq + ", " + kOneOff +
                       ", reason: x}\n  - {id: w, " + kHq + ", " + kWeekly + ", reason: y}\n",
                   3, "w,", "duplicate maintenance window id `w` (already used on line 24)"}),
    kCaseName);

TEST_F(MaintenanceConfig, ReasonLengthCountsCharactersNotBytes) {
  std::string reason;
  for (int i = 0; i < 500; ++i) reason += "é";
  const auto& windows = accepted(testing::fill(item(kHq + ", " + kOneOff + ", reason: " + reason)));
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].reason, reason);
}

// The API validates a body with parse_maintenance_window: JSON parsed as YAML, org added.
class ParseMaintenanceTest : public testing::LoadedConfigFixture {
 protected:
  MaintenanceParseResult parse(const std::string& json) const {
    return parse_maintenance_window(YAML::Load(testing::fill(json)), *config_, "request", "");
  }
};

TEST_F(ParseMaintenanceTest, AcceptsAJsonBodyWithoutAnId) {
  const MaintenanceParseResult result =
      parse(R"({"org": "$ORG_A", "scope": "nvr", "scope_id": "$NVR", "recurrence": "0 3 * * 1-5",)"
            R"( "duration": "45m", "reason": "firmware"})");
  ASSERT_TRUE(result.diagnostics.empty()) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.window.id, "");
  EXPECT_EQ(result.window.duration, 45min);
  EXPECT_EQ(result.window.timezone, "Europe/Berlin");
  EXPECT_FALSE(result.window.provisioned);
}

TEST_F(ParseMaintenanceTest, ProblemsCarryFieldPaths) {
  const MaintenanceParseResult result =
      parse(R"({"org": "$ORG_A", "scope": "camera", "scope_id": "$CAMERA_B",)"
            R"( "start": "2026-12-01T02:00:00Z", "end": "yesterday", "reason": ""})");
  ASSERT_EQ(result.diagnostics.size(), 3u) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].path, "scope_id");
  // Another tenant's camera reads exactly like an unknown id.
  EXPECT_EQ(result.diagnostics[0].message,
            "`" + std::string(testing::kCameraB) + "` is not a camera of organization `ACME`");
  EXPECT_EQ(result.diagnostics[1].path, "end");
  EXPECT_EQ(result.diagnostics[2].path, "reason");
}

TEST_F(ParseMaintenanceTest, ANonMapBodyIsRejected) {
  const MaintenanceParseResult result = parse("[1]");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].message, "expected a map, got a list");
}

}  // namespace
}  // namespace slamon
