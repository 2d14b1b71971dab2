// The SPEC §7 policy keys (sla_period, time_period, requirements, levels, sliding_window,
// credits): what is accepted with which defaults, every refusal with its exact position, and the
// same rules through parse_policy (the API's validator) with the JSON the API writes.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "config_fixture.h"
#include "model/policy_json.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::ConfigFixture;
using testing::has_only_diagnostic;
using testing::kCaseName;

// A site policy at HQ (Europe/Berlin) with an uptime and a latency threshold; `extra` follows
// it, starting on line 8 of the rule file at indentation 4.
std::string policy_with(const std::string& extra,
                        const std::string& thresholds =
                            "{uptime_percent_min: 99.5, latency_ms_max: "
                            "100}",
                        const std::string& scope = "scope: site\n    scope_id: $SITE_HQ") {
  return "policies:\n  - id: p1\n    org: $ORG_A\n    name: Core\n    " + scope +
         "\n    thresholds: " + thresholds + "\n" + extra;
}
constexpr int kFirstExtraLine = 8;

class SlaPolicyConfig : public ConfigFixture {
 protected:
  const Policy& accepted(const std::string& rules) {
    result_ = load_rules(rules);
    EXPECT_TRUE(result_.ok()) << testing::dump(result_.diagnostics);
    static const Policy kNone;
    if (!result_.ok() || result_.config->policies.empty()) return kNone;
    return result_.config->policies.front();
  }
  LoadResult result_;
};

TEST_F(SlaPolicyConfig, AcceptsEveryKeyAndAppliesDefaults) {
  const Policy& p = accepted(policy_with(R"(    sla_period: {kind: quarter}
    time_period:
      mon-fri: "09:00-18:00"
      sat: 10:00-12:00,13:00-14:00
    requirements:
      - {max_outages: 5, min_duration: 2m}
      - {max_outages: 0, min_duration: 1h, metric: latency_ms}
    levels: {warn_at_budget_used: 0.6}
    sliding_window: {metric: latency_ms, upper: 1000, lower: 100, interval: 10m}
    credits: [{below: 99.9, percent: 10}, {below: 99.0, percent: 25}]
)"));
  ASSERT_TRUE(p.sla_period);
  EXPECT_EQ(p.sla_period->kind, PeriodKind::quarter);
  EXPECT_EQ(p.sla_period->timezone, "Europe/Berlin");  // HQ's time zone
  ASSERT_TRUE(p.time_period);
  for (int day = 0; day < 5; ++day) {
    EXPECT_EQ(p.time_period->by_weekday[day], (std::vector<DailyWindow>{{540, 1080}}));
  }
  EXPECT_EQ(p.time_period->by_weekday[5], (std::vector<DailyWindow>{{600, 720}, {780, 840}}));
  EXPECT_TRUE(p.time_period->by_weekday[6].empty());
  EXPECT_EQ(p.requirements, (std::vector<OutageRequirement>{{5, 2min, Metric::uptime_percent},
                                                            {0, 1h, Metric::latency_ms}}));
  ASSERT_TRUE(p.levels);
  EXPECT_EQ(*p.levels, (BudgetLevels{0.6, 0.9}));
  ASSERT_TRUE(p.sliding_window);
  EXPECT_EQ(*p.sliding_window, (SlidingWindow{Metric::latency_ms, 1000, 100, 10min, 10min}));
  EXPECT_EQ(p.credits, (std::vector<CreditTier>{{99.9, 10}, {99.0, 25}}));
}

TEST_F(SlaPolicyConfig, AbsentKeysStayUnset) {
  const Policy& p = accepted(policy_with(""));
  EXPECT_FALSE(p.sla_period);
  EXPECT_FALSE(p.time_period);
  EXPECT_TRUE(p.requirements.empty());
  EXPECT_FALSE(p.levels);
  EXPECT_FALSE(p.sliding_window);
  EXPECT_TRUE(p.credits.empty());
}

TEST_F(SlaPolicyConfig, PeriodTimeZoneIsTheSitesElseUtcUnlessGiven) {
  EXPECT_EQ(accepted(policy_with("    sla_period: {kind: month}\n", "{uptime_percent_min: 99}",
                                 "scope: site\n    scope_id: $SITE_LAB"))
                .sla_period->timezone,
            "UTC");  // Lab has no time zone
  EXPECT_EQ(accepted(policy_with("    sla_period: {kind: week}\n", "{uptime_percent_min: 99}",
                                 "scope: organization"))
                .sla_period->timezone,
            "UTC");
  EXPECT_EQ(accepted(policy_with("    sla_period: {kind: day}\n", "{uptime_percent_min: 99}",
                                 "scope: camera\n    scope_id: $CAMERA"))
                .sla_period->timezone,
            "Europe/Berlin");  // the camera is at HQ
  const Policy& given =
      accepted(policy_with("    sla_period: {kind: year, timezone: Asia/Tokyo}\n"));
  EXPECT_EQ(given.sla_period->kind, PeriodKind::year);
  EXPECT_EQ(given.sla_period->timezone, "Asia/Tokyo");
}

TEST_F(SlaPolicyConfig, TimePeriodWorksWithoutSlaPeriodAndWindowsMayTouchOrSpanMidnight) {
  const Policy& p = accepted(policy_with(R"(    time_period:
      fri: "22:00-06:00"
      sat: "06:00-10:00"
      sun: "00:00-24:00"
      monday: "08:00-12:00,12:00-17:00"
)"));
  EXPECT_FALSE(p.sla_period);
  ASSERT_TRUE(p.time_period);
  EXPECT_EQ(p.time_period->by_weekday[4], (std::vector<DailyWindow>{{1320, 360}}));
  EXPECT_EQ(p.time_period->by_weekday[6], (std::vector<DailyWindow>{{0, 1440}}));
  EXPECT_EQ(p.time_period->by_weekday[0], (std::vector<DailyWindow>{{480, 720}, {720, 1020}}));
}

TEST_F(SlaPolicyConfig, LevelsMayBeEmptyAndNeedOnlyABudget) {
  EXPECT_EQ(*accepted(policy_with("    levels: {}\n")).levels, (BudgetLevels{0.5, 0.9}));
  // A budget of outages is enough.
  const Policy& p = accepted(
      policy_with("    requirements: [{max_outages: 3, min_duration: 5m, metric: latency_ms}]\n"
                  "    levels: {crit_at_budget_used: 1}\n",
                  "{latency_ms_max: 100}"));
  EXPECT_EQ(*p.levels, (BudgetLevels{0.5, 1.0}));
}

TEST_F(SlaPolicyConfig, SlidingWindowOfADraftNeedsNoMeasurementAndCooldownMayBeZero) {
  const Policy& p = accepted(policy_with(
      "    status: draft\n"
      "    sliding_window: {metric: packet_loss_percent, upper: 5, lower: 1, interval: 1h, "
      "cooldown: 0s}\n"));
  ASSERT_TRUE(p.sliding_window);
  EXPECT_EQ(p.sliding_window->cooldown, 0ms);
  EXPECT_EQ(p.sliding_window->interval, 1h);
}

struct SlaCase {
  std::string name;
  std::string extra;  // after the policy head, from line 8
  int line;           // 1-based within `extra`
  std::string at;     // the text the diagnostic points at, first occurrence on that line
  std::string fragment;
  std::string thresholds = "{uptime_percent_min: 99.5, latency_ms_max: 100}";
};

void PrintTo(const SlaCase& c, std::ostream* os) {
  *os << c.name;
}

class SlaPolicyRule : public ConfigFixture, public ::testing::WithParamInterface<SlaCase> {};

TEST_P(SlaPolicyRule, ReportsExactPositionAndMessage) {
  const SlaCase& c = GetParam();
  const int column = testing::column_of(c.extra, c.line, c.at);
  ASSERT_NE(column, 0) << c.at;
  const LoadResult result = load_rules(policy_with(c.extra, c.thresholds));
  EXPECT_TRUE(has_only_diagnostic(result, "rules/policies.yml", kFirstExtraLine + c.line - 1,
                                  column, c.fragment));
}

INSTANTIATE_TEST_SUITE_P(
    SlaPeriodAndTimePeriod, SlaPolicyRule,
    ::testing::Values(
        SlaCase{"period_without_kind", "    sla_period: {timezone: UTC}\n", 1, "{",
                "missing required key `kind`"},
        SlaCase{"period_kind_unknown", "    sla_period: {kind: fortnight}\n", 1, "fortnight",
                "must be one of day, week, month, quarter or year, got `fortnight`"},
        SlaCase{"period_unknown_key", "    sla_period: {kind: month, tz: UTC}\n", 1, "tz",
                "unknown key `tz`; allowed keys: kind, timezone"},
        SlaCase{"period_unknown_zone", "    sla_period: {kind: month, timezone: Mars/Olympus}\n", 1,
                "Mars", "unknown time zone \"Mars/Olympus\""},
        SlaCase{"period_not_a_map", "    sla_period: month\n", 1, "month",
                "expected a map, got `month`"},
        SlaCase{"time_period_bad_day", "    time_period:\n      mun-fri: \"09:00-18:00\"\n", 2,
                "mun", "invalid days: unknown weekday"},
        SlaCase{"time_period_bad_hours", "    time_period:\n      mon-fri: \"9h-18h\"\n", 2, "\"9h",
                "invalid hours: bad time"},
        SlaCase{"time_period_empty_window", "    time_period:\n      mon: \"09:00-09:00\"\n", 2,
                "\"09", "invalid hours: empty window"},
        SlaCase{"time_period_hours_list", "    time_period:\n      mon: [\"09:00-18:00\"]\n", 2,
                "[", "expected a string, got a list"},
        SlaCase{"time_period_empty", "    time_period: {}\n", 1, "{", "needs at least one entry"},
        SlaCase{"time_period_overlap_between_entries",
                "    time_period:\n      mon-fri: \"09:00-18:00\"\n      mon: \"08:00-10:00\"\n", 3,
                "\"08", "the window 08:00-10:00 of Monday overlaps the window of `mon-fri`"},
        SlaCase{"time_period_overlap_within_entry",
                "    time_period:\n      tue: \"08:00-12:00,11:00-13:00\"\n", 2, "\"08",
                "overlaps another window of this entry"},
        SlaCase{"time_period_overlap_past_midnight_and_week_end",
                "    time_period:\n      sun: \"22:00-06:00\"\n      mon: \"05:00-07:00\"\n", 3,
                "\"05",
                "05:00-07:00 of Monday overlaps the window of `sun`, 22:00-06:00 of Sunday"}),
    kCaseName);

INSTANTIATE_TEST_SUITE_P(
    RequirementsAndLevels, SlaPolicyRule,
    ::testing::Values(
        SlaCase{"requirements_not_a_list", "    requirements: {max_outages: 1}\n", 1, "{",
                "expected a list, got a map"},
        SlaCase{"negative_outages", "    requirements: [{max_outages: -1, min_duration: 2m}]\n", 1,
                "-1", "must be a whole number from 0 to 2147483647, got -1"},
        SlaCase{"fractional_outages", "    requirements: [{max_outages: 1.5, min_duration: 2m}]\n",
                1, "1.5", "expected a whole number, got `1.5`"},
        SlaCase{"zero_min_duration", "    requirements: [{max_outages: 1, min_duration: 0s}]\n", 1,
                "0s", "must be greater than 0"},
        SlaCase{"bad_min_duration",
                "    requirements: [{max_outages: 1, min_duration: 2 minutes}]\n", 1, "2 minutes",
                "invalid duration \"2 minutes\""},
        SlaCase{"missing_min_duration", "    requirements: [{max_outages: 1}]\n", 1, "{",
                "missing required key `min_duration`"},
        SlaCase{"requirement_unknown_key",
                "    requirements: [{max_outages: 1, min_duration: 2m, window: 1h}]\n", 1, "window",
                "unknown key `window`; allowed keys: max_outages, min_duration, metric"},
        SlaCase{"requirement_metric_without_threshold",
                "    requirements: [{max_outages: 1, min_duration: 2m, metric: error_rate}]\n", 1,
                "error_rate", "`error_rate`, but the policy has no error_rate_max threshold"},
        SlaCase{"requirement_default_metric_without_threshold",
                "    requirements: [{max_outages: 1, min_duration: 2m}]\n", 1, "{",
                "metric defaults to `uptime_percent`, but the policy has no uptime_percent_min "
                "threshold",
                "{latency_ms_max: 100}"},
        SlaCase{"requirement_unknown_metric",
                "    requirements: [{max_outages: 1, min_duration: 2m, metric: jitter}]\n", 1,
                "jitter", "must be one of uptime_percent, latency_ms"},
        SlaCase{"duplicate_requirement",
                "    requirements:\n      - {max_outages: 1, min_duration: 2m}\n      - "
                "{max_outages: 3, min_duration: 120s, metric: uptime_percent}\n",
                3, "{", "duplicate requirement: uptime_percent with min_duration 2m"},
        SlaCase{"level_zero", "    levels: {warn_at_budget_used: 0}\n", 1, "0}",
                "must be greater than 0 and at most 1"},
        SlaCase{"level_above_one", "    levels: {crit_at_budget_used: 1.5}\n", 1, "1.5",
                "must be greater than 0 and at most 1"},
        SlaCase{"warn_above_default_crit", "    levels: {warn_at_budget_used: 0.95}\n", 1, "0.95",
                "warn_at_budget_used (0.95) must be below crit_at_budget_used (0.9, the default)"},
        SlaCase{"warn_equals_crit",
                "    levels: {warn_at_budget_used: 0.7, crit_at_budget_used: 0.7}\n", 1, "0.7}",
                "warn_at_budget_used (0.7) must be below crit_at_budget_used (0.7)"},
        SlaCase{"levels_without_budget", "    levels: {}\n", 1, "levels",
                "levels need an error budget", "{latency_ms_max: 100}"},
        SlaCase{"levels_with_empty_requirements", "    requirements: []\n    levels: {}\n", 2,
                "levels", "levels need an error budget", "{latency_ms_max: 100}"},
        SlaCase{"levels_quoted", "    levels: {warn_at_budget_used: \"0.5\"}\n", 1, "\"0.5",
                "write numbers without quotes"}),
    kCaseName);

INSTANTIATE_TEST_SUITE_P(
    SlidingWindowAndCredits, SlaPolicyRule,
    ::testing::Values(
        SlaCase{"window_unknown_metric",
                "    sliding_window: {metric: jitter, upper: 2, lower: 1, interval: 5m}\n", 1,
                "jitter", "must be one of uptime_percent"},
        SlaCase{"window_upper_not_above_lower",
                "    sliding_window: {metric: latency_ms, upper: 100, lower: 100, interval: 5m}\n",
                1, "100, interval", "must be below upper (100), got 100"},
        SlaCase{"window_negative_latency",
                "    sliding_window: {metric: latency_ms, upper: 100, lower: -1, interval: 5m}\n",
                1, "-1", "out of range: latency_ms is milliseconds, from 0 up, got -1"},
        SlaCase{"window_uptime_above_100",
                "    sliding_window: {metric: uptime_percent, upper: 101, lower: 90, interval: "
                "5m}\n",
                1, "101", "out of range: uptime_percent is percent, from 0 to 100, got 101"},
        SlaCase{"window_zero_interval",
                "    sliding_window: {metric: latency_ms, upper: 2, lower: 1, interval: 0s}\n", 1,
                "0s", "must be greater than 0"},
        SlaCase{"window_missing_interval",
                "    sliding_window: {metric: latency_ms, upper: 2, lower: 1}\n", 1, "{",
                "missing required key `interval`"},
        SlaCase{"window_missing_lower",
                "    sliding_window: {metric: latency_ms, upper: 2, interval: 1m}\n", 1, "{",
                "missing required key `lower`"},
        SlaCase{"window_bad_cooldown",
                "    sliding_window: {metric: latency_ms, upper: 2, lower: 1, interval: 1m, "
                "cooldown: -1m}\n",
                1, "-1m", "invalid duration \"-1m\""},
        SlaCase{"window_without_measurement",
                "    sliding_window: {metric: packet_loss_percent, upper: 5, lower: 1, interval: "
                "5m}\n",
                1, "packet_loss_percent",
                "no measurement provides packet_loss_percent for scope site"},
        SlaCase{"credit_below_out_of_range", "    credits: [{below: 101, percent: 10}]\n", 1, "101",
                "must be a percentage from 0 to 100, got 101"},
        SlaCase{"credit_percent_negative", "    credits: [{below: 99, percent: -5}]\n", 1, "-5",
                "must be a percentage from 0 to 100, got -5"},
        SlaCase{"credit_missing_percent", "    credits: [{below: 99}]\n", 1, "{",
                "missing required key `percent`"},
        SlaCase{"credit_duplicate_below",
                "    credits:\n      - {below: 99.9, percent: 10}\n      - {below: 99.9, percent: "
                "20}\n",
                3, "99.9", "duplicate tier: below 99.9 is already given (line 9)"},
        SlaCase{"credits_without_uptime", "    credits: [{below: 99, percent: 10}]\n", 1, "credits",
                "the policy needs an uptime_percent_min threshold", "{latency_ms_max: 100}"}),
    kCaseName);

// parse_policy is the API's validator: the same keys in JSON, durations as strings; and the
// JSON the API writes for a policy is valid input again (PATCH merges into it).
class SlaPolicyJson : public testing::LoadedConfigFixture {
 protected:
  PolicyParseResult parse(const std::string& json) const {
    return parse_policy(YAML::Load(testing::fill(json)), *config_, "request", "");
  }
};

TEST_F(SlaPolicyJson, AcceptsTheKeysAsJsonAndRoundTripsThroughToJson) {
  const PolicyParseResult first = parse(R"({"org": "$ORG_A", "name": "HQ", "scope": "site",
    "scope_id": "$SITE_HQ", "thresholds": {"uptime_percent_min": 99.5, "latency_ms_max": 100},
    "sla_period": {"kind": "month"},
    "time_period": {"mon-fri": "09:00-18:00", "sun": "22:00-02:00"},
    "requirements": [{"max_outages": 5, "min_duration": "2m", "metric": "uptime_percent"}],
    "levels": {"warn_at_budget_used": 0.5, "crit_at_budget_used": 0.8},
    "sliding_window": {"metric": "latency_ms", "upper": 1000, "lower": 100.5,
                       "interval": "10m", "cooldown": "1h30m"},
    "credits": [{"below": 99.9, "percent": 10}]})");
  ASSERT_TRUE(first.diagnostics.empty()) << testing::dump(first.diagnostics);
  EXPECT_EQ(first.policy.sla_period->timezone, "Europe/Berlin");
  EXPECT_EQ(first.policy.sliding_window->cooldown, 90min);

  nlohmann::json written = to_json(first.policy);
  EXPECT_EQ(written["time_period"], nlohmann::json::parse(R"({"mon": "09:00-18:00",
    "tue": "09:00-18:00", "wed": "09:00-18:00", "thu": "09:00-18:00", "fri": "09:00-18:00",
    "sun": "22:00-02:00"})"));
  EXPECT_EQ(written["sliding_window"]["interval"], "10m");
  // What PATCH does: drop nulls and `provisioned`, validate again.
  written.erase("provisioned");
  for (auto it = written.begin(); it != written.end();) {
    it = it->is_null() ? written.erase(it) : std::next(it);
  }
  const PolicyParseResult second = parse(written.dump());
  ASSERT_TRUE(second.diagnostics.empty()) << testing::dump(second.diagnostics);
  EXPECT_EQ(second.policy.sla_period, first.policy.sla_period);
  EXPECT_EQ(second.policy.time_period, first.policy.time_period);
  EXPECT_EQ(second.policy.requirements, first.policy.requirements);
  EXPECT_EQ(second.policy.levels, first.policy.levels);
  EXPECT_EQ(second.policy.sliding_window, first.policy.sliding_window);
  EXPECT_EQ(second.policy.credits, first.policy.credits);
}

TEST_F(SlaPolicyJson, ErrorsAreReportedAsFieldPaths) {
  const PolicyParseResult result = parse(R"({"org": "$ORG_A", "name": "HQ", "scope": "site",
    "scope_id": "$SITE_HQ", "thresholds": {"uptime_percent_min": 99.5},
    "requirements": [{"max_outages": 5, "min_duration": 120}],
    "sliding_window": {"metric": "uptime_percent", "upper": "99", "lower": 90, "interval": "1m"},
    "credits": [{"below": 99.9, "percent": 10}, {"below": 99.9, "percent": 20}]})");
  ASSERT_EQ(result.diagnostics.size(), 3u) << testing::dump(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].path, "requirements[0].min_duration");
  EXPECT_NE(result.diagnostics[0].message.find("invalid duration \"120\""), std::string::npos);
  EXPECT_EQ(result.diagnostics[1].path, "sliding_window.upper");
  EXPECT_NE(result.diagnostics[1].message.find("write numbers without quotes"), std::string::npos);
  EXPECT_EQ(result.diagnostics[2].path, "credits[1].below");
}

}  // namespace
}  // namespace slamon
