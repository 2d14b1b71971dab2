// The maintenance window JSON of SPEC §7.3 / §11: every field written, one-off and recurring
// forms, reading back what the store wrote and refusing what it could not have written; and the
// RFC 3339 reader the loader shares.
#include "model/maintenance_json.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <tuple>
#include <vector>

namespace slamon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

WallTime at(const char* text) {
  auto parsed = parse_rfc3339_time(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(WallTime{});
}

MaintenanceWindow recurring_window() {
  MaintenanceWindow w;
  w.id = "0b8f6a4e-2c1d-4e5f-8a9b-0c1d2e3f4a5b";
  w.org = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
  w.scope = Scope::site;
  w.scope_id = "a1b2c3d4-0000-4000-8000-000000000001";
  w.recurrence = "0 2 * * sun";
  w.duration = 2h;
  w.timezone = "Europe/Berlin";
  w.reason = "patching — ünïcode";
  w.created_at = at("2026-11-30T10:00:00.5Z");
  w.created_by = "ops-token";
  return w;
}

MaintenanceWindow one_off_window() {
  MaintenanceWindow w;
  w.id = "config-1";
  w.org = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
  w.scope = Scope::ssid;
  w.scope_name = "Corp-WiFi";
  w.start = at("2026-12-01T02:00:00Z");
  w.end = at("2026-12-01T04:00:00Z");
  w.reason = "ISP work";
  w.provisioned = true;
  return w;
}

TEST(MaintenanceJson, WritesARecurringWindow) {
  EXPECT_EQ(maintenance_to_json(recurring_window()), json::parse(R"({
    "id": "0b8f6a4e-2c1d-4e5f-8a9b-0c1d2e3f4a5b",
    "org": "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e",
    "scope": "site",
    "scope_id": "a1b2c3d4-0000-4000-8000-000000000001",
    "scope_name": null,
    "start": null,
    "end": null,
    "recurrence": "0 2 * * sun",
    "duration": "2h",
    "timezone": "Europe/Berlin",
    "reason": "patching — ünïcode",
    "provisioned": false,
    "created_at": "2026-11-30T10:00:00.500Z",
    "created_by": "ops-token"
  })"));
}

TEST(MaintenanceJson, WritesAOneOffWindowFromTheConfig) {
  EXPECT_EQ(maintenance_to_json(one_off_window()), json::parse(R"({
    "id": "config-1",
    "org": "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e",
    "scope": "ssid",
    "scope_id": null,
    "scope_name": "Corp-WiFi",
    "start": "2026-12-01T02:00:00Z",
    "end": "2026-12-01T04:00:00Z",
    "recurrence": null,
    "duration": null,
    "timezone": null,
    "reason": "ISP work",
    "provisioned": true,
    "created_at": null,
    "created_by": null
  })"));
}

TEST(MaintenanceJson, ARecurringWindowWithoutZoneIsWrittenInUtc) {
  MaintenanceWindow w = recurring_window();
  w.timezone = "";
  EXPECT_EQ(maintenance_to_json(w)["timezone"], "UTC");
}

// Every field of a window, so that one assertion compares two windows field by field.
auto fields(const MaintenanceWindow& w) {
  return std::tie(w.id, w.org, w.scope, w.scope_id, w.scope_name, w.start, w.end, w.recurrence,
                  w.duration, w.timezone, w.reason, w.provisioned, w.created_at, w.created_by);
}

TEST(MaintenanceJson, RoundTripsBothForms) {
  for (const MaintenanceWindow& original : {recurring_window(), one_off_window()}) {
    auto read = maintenance_from_stored(maintenance_to_json(original).dump());
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(fields(*read), fields(original));
  }
}

TEST(MaintenanceJson, UnknownKeysAreIgnored) {
  json stored = maintenance_to_json(one_off_window());
  stored["active_now"] = true;
  auto read = maintenance_from_stored(stored);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->reason, "ISP work");
}

TEST(MaintenanceJson, RefusesWhatTheStoreCouldNotHaveWritten) {
  struct Case {
    std::string what;
    std::function<void(json&)> damage;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"missing reason", [](json& j) { j.erase("reason"); }, "is missing `reason`"},
      {"missing created_by", [](json& j) { j.erase("created_by"); }, "is missing `created_by`"},
      {"numeric org", [](json& j) { j["org"] = 1; }, "`org` of type number"},
      {"unknown scope", [](json& j) { j["scope"] = "planet"; }, "unknown scope 'planet'"},
      {"bad duration", [](json& j) { j["duration"] = "2 hours"; }, "`duration` that is not"},
      {"bad created_at", [](json& j) { j["created_at"] = "today"; }, "`created_at` that is not"},
      {"start and recurrence", [](json& j) { j["start"] = "2026-12-01T02:00:00Z"; },
       "neither start and end nor recurrence and duration"},
      {"no duration", [](json& j) { j["duration"] = nullptr; },
       "neither start and end nor recurrence and duration"},
      {"provisioned text", [](json& j) { j["provisioned"] = "no"; }, "`provisioned` of type"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    json stored = maintenance_to_json(recurring_window());
    c.damage(stored);
    auto read = maintenance_from_stored(stored);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message.find(c.expected), std::string::npos) << read.error().message;
    EXPECT_NE(read.error().message.find("'0b8f6a4e-2c1d-4e5f-8a9b-0c1d2e3f4a5b'"),
              std::string::npos);
  }
  EXPECT_FALSE(maintenance_from_stored(std::string("{not json")));
  EXPECT_FALSE(maintenance_from_stored(json::array()));
}

TEST(MaintenanceJson, ReadsRfc3339TimesWithOffsetsOnly) {
  EXPECT_EQ(at("2026-12-01T03:00:00+01:00"), at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(at("2026-12-01T01:30:00-00:30"), at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(at("2026-12-01t02:00:00.123456z"), at("2026-12-01T02:00:00.123Z"));
  EXPECT_EQ(at("2024-02-29T00:00:00Z") - at("2024-02-28T00:00:00Z"), std::chrono::hours(24));
  for (const char* bad :
       {"2026-12-01T02:00:00", "2026-12-01", "2026-12-01 02:00:00Z", "2026-13-01T02:00:00Z",
        "2026-02-30T02:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T02:00:00.Z",
        "2026-12-01T02:00:00+0100", "2026-12-01T02:00:00Zjunk", ""}) {
    EXPECT_FALSE(parse_rfc3339_time(bad)) << bad;
  }
}

}  // namespace
}  // namespace slamon
