// The policy JSON of SPEC §3 / §11: every field written, only the thresholds that are set, and
// reading back what the store wrote, refusing what it could not have written.
#include "model/policy_json.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <tuple>
#include <vector>

namespace slamon {
namespace {

using nlohmann::json;

Policy every_field_set() {
  Policy p;
  p.id = "core-network-uptime";
  p.org = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
  p.name = "Core Network Uptime — ünïcode";
  p.description = "Site-level availability for HQ";
  p.scope = Scope::ssid;
  p.scope_id = "a1b2c3d4-0000-4000-8000-000000000001";
  p.scope_name = "Corp-WiFi";
  p.status = PolicyStatus::draft;
  p.labels = {{"tier", "gold"}, {"team", "netops"}};
  double value = 10;
  for (const Metric metric : kAllMetrics) {
    p.thresholds[static_cast<std::size_t>(metric)] = metric == Metric::error_rate ? 0.05 : value;
    value += 10.25;
  }
  p.no_data = NoDataMode::breach;
  p.provisioned = true;
  using namespace std::chrono_literals;
  p.sla_period = SlaPeriod{PeriodKind::quarter, "Europe/Berlin"};
  p.time_period = TimePeriod{};
  p.time_period->by_weekday[0] = {{540, 1080}};
  p.time_period->by_weekday[4] = {{0, 720}, {1320, 360}};
  p.time_period->by_weekday[6] = {{0, 1440}};
  p.requirements = {{5, 2min, Metric::uptime_percent}, {0, 90min, Metric::latency_ms}};
  p.levels = BudgetLevels{0.25, 0.75};
  p.sliding_window = SlidingWindow{Metric::latency_ms, 1000, 100.5, 10min, 0ms};
  p.credits = {{99.9, 10}, {99.0, 25.5}};
  return p;
}

// Every field of a policy, so that one assertion compares two policies field by field.
auto fields(const Policy& p) {
  return std::tie(p.id, p.org, p.name, p.description, p.scope, p.scope_id, p.scope_name, p.status,
                  p.labels, p.thresholds, p.no_data, p.provisioned, p.sla_period, p.time_period,
                  p.requirements, p.levels, p.sliding_window, p.credits);
}

TEST(PolicyJson, WritesEveryField) {
  const json written = to_json(every_field_set());
  EXPECT_EQ(written, json::parse(R"({
    "id": "core-network-uptime",
    "org": "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e",
    "name": "Core Network Uptime — ünïcode",
    "description": "Site-level availability for HQ",
    "scope": "ssid",
    "scope_id": "a1b2c3d4-0000-4000-8000-000000000001",
    "scope_name": "Corp-WiFi",
    "status": "draft",
    "labels": {"tier": "gold", "team": "netops"},
    "thresholds": {
      "uptime_percent_min": 10,
      "latency_ms_max": 20.25,
      "packet_loss_percent_max": 30.5,
      "health_score_min": 40.75,
      "client_satisfaction_min": 51,
      "error_rate_max": 0.05
    },
    "no_data": "breach",
    "provisioned": true,
    "sla_period": {"kind": "quarter", "timezone": "Europe/Berlin"},
    "time_period": {"mon": "09:00-18:00", "fri": "00:00-12:00,22:00-06:00", "sun": "00:00-24:00"},
    "requirements": [
      {"max_outages": 5, "min_duration": "2m", "metric": "uptime_percent"},
      {"max_outages": 0, "min_duration": "1h30m", "metric": "latency_ms"}
    ],
    "levels": {"warn_at_budget_used": 0.25, "crit_at_budget_used": 0.75},
    "sliding_window": {"metric": "latency_ms", "upper": 1000, "lower": 100.5, "interval": "10m",
                       "cooldown": "0s"},
    "credits": [{"below": 99.9, "percent": 10}, {"below": 99.0, "percent": 25.5}]
  })"));
}

TEST(PolicyJson, WritesOnlyTheThresholdsThatAreSetAndNullForAbsentScopeFields) {
  Policy p;
  p.id = "p";
  p.org = "org";
  p.name = "n";
  p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 0;
  const json written = to_json(p);
  EXPECT_EQ(written.at("thresholds"), json({{"latency_ms_max", 0.0}}));
  EXPECT_TRUE(written.at("scope_id").is_null());
  EXPECT_TRUE(written.at("scope_name").is_null());
  EXPECT_EQ(written.at("scope"), "organization");
  EXPECT_EQ(written.at("status"), "active");
  EXPECT_EQ(written.at("no_data"), "keep");
  EXPECT_EQ(written.at("labels"), json::object());
  EXPECT_EQ(written.at("description"), "");
  EXPECT_EQ(written.at("provisioned"), false);
  EXPECT_TRUE(written.at("sla_period").is_null());
  EXPECT_TRUE(written.at("time_period").is_null());
  EXPECT_EQ(written.at("requirements"), json::array());
  EXPECT_TRUE(written.at("levels").is_null());
  EXPECT_TRUE(written.at("sliding_window").is_null());
  EXPECT_EQ(written.at("credits"), json::array());
  EXPECT_EQ(written.size(), 18u);
}

TEST(PolicyJson, RoundTripsEveryField) {
  const Policy original = every_field_set();
  auto read = policy_from_stored_json(json::parse(to_json(original).dump()));
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(fields(*read), fields(original));
}

TEST(PolicyJson, RoundTripsEachThresholdAloneAndEveryEnumValue) {
  for (const Metric metric : kAllMetrics) {
    Policy p;
    p.id = "p";
    p.org = "o";
    p.name = "n";
    p.thresholds[static_cast<std::size_t>(metric)] = 0.5;
    auto read = policy_from_stored_json(to_json(p));
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(fields(*read), fields(p));
  }
  for (const Scope scope : kAllScopes) {
    for (const PolicyStatus status :
         {PolicyStatus::active, PolicyStatus::disabled, PolicyStatus::draft}) {
      for (const NoDataMode mode : {NoDataMode::keep, NoDataMode::breach, NoDataMode::resolve}) {
        Policy p;
        p.id = "p";
        p.org = "o";
        p.name = "n";
        p.scope = scope;
        if (scope != Scope::organization) p.scope_id = "x";
        p.status = status;
        p.no_data = mode;
        auto read = policy_from_stored_json(to_json(p));
        ASSERT_TRUE(read) << read.error().message;
        EXPECT_EQ(fields(*read), fields(p));
      }
    }
  }
}

TEST(PolicyJson, IntegerThresholdsAndUnknownKeysAreAccepted) {
  json stored = to_json(every_field_set());
  stored["thresholds"]["latency_ms_max"] = 100;  // an integer, as a client might write it
  stored["status_page"] = "main";                // a key of a later version
  auto read = policy_from_stored_json(stored);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->threshold(Metric::latency_ms), 100.0);
}

TEST(PolicyJson, PoliciesStoredBeforeTheSlaKeysReadAsUnset) {
  json stored = to_json(every_field_set());
  for (const char* key :
       {"sla_period", "time_period", "requirements", "levels", "sliding_window", "credits"}) {
    stored.erase(key);
  }
  auto read = policy_from_stored_json(stored);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_FALSE(read->sla_period);
  EXPECT_FALSE(read->time_period);
  EXPECT_TRUE(read->requirements.empty());
  EXPECT_FALSE(read->levels);
  EXPECT_FALSE(read->sliding_window);
  EXPECT_TRUE(read->credits.empty());
  EXPECT_EQ(read->threshold(Metric::uptime_percent), 10.0);
}

TEST(PolicyJson, RefusesWhatTheStoreCouldNotHaveWritten) {
  struct Case {
    std::string what;
    std::function<void(json&)> damage;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"not an object", [](json& j) { j = json::array(); }, "not a JSON object"},
      {"missing name", [](json& j) { j.erase("name"); }, "is missing `name`"},
      {"missing scope_id", [](json& j) { j.erase("scope_id"); }, "is missing `scope_id`"},
      {"missing provisioned", [](json& j) { j.erase("provisioned"); }, "`provisioned`"},
      {"numeric org", [](json& j) { j["org"] = 7; }, "`org` of type number"},
      {"numeric scope_name", [](json& j) { j["scope_name"] = 1; }, "`scope_name` of type"},
      {"unknown scope", [](json& j) { j["scope"] = "planet"; }, "unknown scope 'planet'"},
      {"unknown status", [](json& j) { j["status"] = "on"; }, "unknown status 'on'"},
      {"unknown no_data", [](json& j) { j["no_data"] = "x"; }, "unknown no_data 'x'"},
      {"labels array", [](json& j) { j["labels"] = json::array(); }, "`labels` of type array"},
      {"label number", [](json& j) { j["labels"]["tier"] = 3; }, "label 'tier'"},
      {"unknown threshold", [](json& j) { j["thresholds"]["mos_min"] = 3; },
       "unknown threshold 'mos_min'"},
      {"null threshold", [](json& j) { j["thresholds"]["latency_ms_max"] = nullptr; },
       "'latency_ms_max' that is not a finite number"},
      {"text threshold", [](json& j) { j["thresholds"]["latency_ms_max"] = "100"; },
       "not a finite number"},
      {"provisioned text", [](json& j) { j["provisioned"] = "no"; }, "`provisioned` of type"},
      {"sla_period text", [](json& j) { j["sla_period"] = "month"; }, "unreadable sla_period"},
      {"sla_period kind", [](json& j) { j["sla_period"]["kind"] = "decade"; },
       "unreadable sla_period"},
      {"time_period range",
       [](json& j) {
         j["time_period"] = {{"mon-fri", "09:00-18:00"}};
       },
       "unreadable time_period"},
      {"time_period hours", [](json& j) { j["time_period"]["mon"] = "9-18"; },
       "unreadable time_period"},
      {"requirement duration", [](json& j) { j["requirements"][0]["min_duration"] = 120; },
       "unreadable requirement"},
      {"requirements object", [](json& j) { j["requirements"] = json::object(); },
       "requirements that are not a list"},
      {"levels missing crit", [](json& j) { j["levels"].erase("crit_at_budget_used"); },
       "unreadable levels"},
      {"window metric", [](json& j) { j["sliding_window"]["metric"] = "jitter"; },
       "unreadable sliding_window"},
      {"window cooldown", [](json& j) { j["sliding_window"].erase("cooldown"); },
       "unreadable sliding_window"},
      {"credit text", [](json& j) { j["credits"][0]["percent"] = "10"; }, "unreadable credit tier"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    json stored = to_json(every_field_set());
    c.damage(stored);
    auto read = policy_from_stored_json(stored);
    ASSERT_FALSE(read);
    EXPECT_NE(read.error().message.find(c.expected), std::string::npos) << read.error().message;
    if (stored.is_object()) {
      EXPECT_NE(read.error().message.find("'core-network-uptime'"), std::string::npos)
          << "names the policy: " << read.error().message;
    }
  }
}

}  // namespace
}  // namespace slamon
