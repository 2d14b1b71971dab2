// `report_schedules:` and `reports:` of slamon.yml (SPEC §10): accepted schedules with their
// defaults and ids, every refusal with its exact position, and parse_report_schedule as the API
// uses it.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "common/uuid.h"
#include "config_fixture.h"
#include "model/report_schedule_json.h"

namespace slamon {
namespace {

using namespace std::chrono_literals;
using testing::ConfigFixture;
using testing::kCaseName;

const std::string kNotifiers = R"(notifiers:
  - {name: mail, type: smtp, smarthost: "127.0.0.1:25", from: sla@example.com, to: [noc@example.com]}
  - {name: hook, type: webhook, url: http://127.0.0.1:1/hook}
  - {name: am, type: alertmanager, url: http://127.0.0.1:9093}
)";

class ReportScheduleConfig : public ConfigFixture {
 protected:
  const Config* accepted(const std::string& sections) {
    result_ = load_main_with(kNotifiers + sections);
    EXPECT_TRUE(result_.ok()) << testing::dump(result_.diagnostics);
    return result_.ok() ? result_.config.get() : nullptr;
  }
  LoadResult result_;
};

TEST_F(ReportScheduleConfig, AcceptsTheSpecExampleWithDefaults) {
  const Config* config = accepted(R"(report_schedules:
  - {name: Monthly ACME, org: $ORG_A, cron: "0 6 1 * *", timezone: Europe/Berlin, period: previous_month, policy_ids: [Core-Uptime, wifi], format: pdf, title: ACME monthly SLA, notifiers: [mail, hook]}
  - {id: weekly-csv, name: Weekly, org: $ORG_A, cron: "0 7 * * mon", period: previous_week, policy_ids: [core-uptime], format: csv}
reports: {retention: 30d, max_bytes: 512MiB}
)");
  ASSERT_NE(config, nullptr);
  ASSERT_EQ(config->report_schedules.size(), 2u);
  const ReportSchedule& monthly = config->report_schedules[0];
  EXPECT_EQ(monthly.id,
            uuid_v5(kReportScheduleIdNamespace, std::string(testing::kOrgA) + "/Monthly ACME"));
  EXPECT_EQ(monthly.org, testing::kOrgA);
  EXPECT_EQ(monthly.cron, "0 6 1 * *");
  EXPECT_EQ(monthly.timezone, "Europe/Berlin");
  EXPECT_EQ(monthly.period, PeriodKind::month);
  EXPECT_EQ(monthly.policy_ids, (std::vector<std::string>{"core-uptime", "wifi"}));
  EXPECT_EQ(monthly.title, "ACME monthly SLA");
  EXPECT_EQ(monthly.notifiers, (std::vector<std::string>{"mail", "hook"}));
  EXPECT_TRUE(monthly.provisioned);

  const ReportSchedule& weekly = config->report_schedules[1];
  EXPECT_EQ(weekly.id, "weekly-csv");
  EXPECT_EQ(weekly.timezone, "UTC");
  EXPECT_EQ(weekly.period, PeriodKind::week);
  EXPECT_EQ(weekly.format, "csv");
  EXPECT_EQ(weekly.title, "Weekly");  // the name when no title is given
  EXPECT_TRUE(weekly.notifiers.empty());

  EXPECT_EQ(config->reports.retention, std::chrono::milliseconds(30 * 24h));
  EXPECT_EQ(config->reports.max_bytes, 512ULL * 1024 * 1024);
}

TEST_F(ReportScheduleConfig, ReportsDefaultsAndSizeSpellings) {
  const Config* defaults = accepted("");
  ASSERT_NE(defaults, nullptr);
  EXPECT_TRUE(defaults->report_schedules.empty());
  EXPECT_EQ(defaults->reports.retention, std::chrono::milliseconds(90 * 24h));
  EXPECT_EQ(defaults->reports.max_bytes, 10ULL * 1024 * 1024 * 1024);
  for (const auto& [text, bytes] : std::vector<std::pair<std::string, std::uint64_t>>{
           {"0", 0}, {"1000", 1000}, {"2KB", 2048}, {"1.5GiB", 1610612736}, {"1TB", 1ULL << 40}}) {
    const Config* config = accepted("reports: {max_bytes: \"" + text + "\"}\n");
    ASSERT_NE(config, nullptr) << text;
    EXPECT_EQ(config->reports.max_bytes, bytes) << text;
  }
}

TEST_F(ReportScheduleConfig, SchedulesRoundTripThroughTheirJson) {
  const Config* config = accepted(R"(report_schedules:
  - {name: Quarterly, org: $ORG_A, cron: "30 5 1 1,4,7,10 *", timezone: America/New_York, period: previous_quarter, policy_ids: [a, b], notifiers: [hook]}
)");
  ASSERT_NE(config, nullptr);
  const ReportSchedule& schedule = config->report_schedules.at(0);
  auto read = report_schedule_from_stored(report_schedule_to_json(schedule).dump());
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(report_schedule_to_json(*read).dump(), [&] {
    ReportSchedule api = schedule;
    api.provisioned = false;  // the store keeps the API's schedules only
    return report_schedule_to_json(api).dump();
  }());
}

using ScheduleCase = testing::AppendedSectionCase;

class ReportScheduleRule : public ReportScheduleConfig,
                           public ::testing::WithParamInterface<ScheduleCase> {};

TEST_P(ReportScheduleRule, ReportsExactPositionAndMessage) {
  ScheduleCase c = GetParam();
  c.section = kNotifiers + c.section;
  c.line += 4;  // the notifiers come first
  EXPECT_TRUE(rejects(c));
}

const std::string kOk =
    "name: M, org: $ORG_A, cron: \"0 6 1 * *\", period: previous_month, policy_ids: [p]";

std::string item(const std::string& fields) {
  return "report_schedules:\n  - {" + fields + "}\n";
}

INSTANTIATE_TEST_SUITE_P(
    Fields, ReportScheduleRule,
    ::testing::Values(
        ScheduleCase{"unknown_key", item(kOk + ", when: monthly"), 2, "when",
                     "unknown key `when`; allowed keys: id, org, name, cron, timezone, period, "
                     "policy_ids, format, title, notifiers"},
        ScheduleCase{"no_name",
                     item("org: $ORG_A, cron: \"0 6 1 * *\", period: previous_month, "
                          "policy_ids: [p]"),
                     2, "{", "missing required key `name`"},
        ScheduleCase{
            "unknown_org",
            item("name: M, org: 00000000-0000-4000-8000-00000000dead, cron: \"0 6 1 * *\", "
                 "period: previous_month, policy_ids: [p]"),
            2, "00000000", "unknown organization"},
        ScheduleCase{"bad_cron",
                     item("name: M, org: $ORG_A, cron: \"0 25 1 * *\", period: previous_month, "
                          "policy_ids: [p]"),
                     2, "\"0 25", "invalid cron expression: cron: hour '25' out of range 0-23"},
        ScheduleCase{"rrule_is_not_cron",
                     item("name: M, org: $ORG_A, cron: \"FREQ=DAILY;BYHOUR=6\", period: "
                          "previous_day, policy_ids: [p]"),
                     2, "\"FREQ", "an RRULE is not a cron expression"},
        ScheduleCase{"unknown_zone", item(kOk + ", timezone: Mars/Olympus"), 2, "Mars",
                     "unknown time zone"},
        ScheduleCase{"bad_period",
                     item("name: M, org: $ORG_A, cron: \"0 6 1 * *\", period: last_month, "
                          "policy_ids: [p]"),
                     2, "last_month", "previous_day, previous_week, previous_month"},
        ScheduleCase{"no_policies",
                     item("name: M, org: $ORG_A, cron: \"0 6 1 * *\", period: previous_month, "
                          "policy_ids: []"),
                     2, "[]", "must list 1 to 1000 policy ids"},
        ScheduleCase{"policy_twice",
                     item("name: M, org: $ORG_A, cron: \"0 6 1 * *\", period: previous_month, "
                          "policy_ids: [p, P]"),
                     2, "P]", "policy `P` is listed twice"},
        ScheduleCase{"bad_format", item(kOk + ", format: xlsx"), 2, "xlsx", "one of pdf or csv"},
        ScheduleCase{"unknown_notifier", item(kOk + ", notifiers: [pager]"), 2, "pager",
                     "unknown notifier `pager`"},
        ScheduleCase{"alertmanager_notifier", item(kOk + ", notifiers: [am]"), 2, "am]",
                     "a report is not an alert"},
        ScheduleCase{"bad_id", item(kOk + ", id: \"Monthly Report\""), 2, "\"Monthly Report",
                     "must be a slug"},
        ScheduleCase{"duplicate_name",
                     "report_schedules:\n  - {" + kOk + "}\n  - {" + kOk + ", id: other}\n", 3, "{",
                     "duplicate report schedule name `M`"},
        ScheduleCase{"retention_zero", "reports: {retention: 0s}\n", 1, "0s",
                     "must be greater than 0"},
        ScheduleCase{"max_bytes_words", "reports: {max_bytes: lots}\n", 1, "lots",
                     "expected a size such as 10GiB"}),
    kCaseName);

class ParseReportSchedule : public testing::LoadedConfigFixture {};

TEST_F(ParseReportSchedule, ValidatesAnApiBodyWithTheCallersOrg) {
  const YAML::Node body = YAML::Load(testing::fill(
      R"({"name": "Daily", "org": "$ORG_A", "cron": "0 6 * * *", "period": "previous_day", "policy_ids": ["p"]})"));
  const ReportScheduleParseResult parsed = parse_report_schedule(body, *config_, "request", "");
  EXPECT_TRUE(parsed.diagnostics.empty()) << testing::dump(parsed.diagnostics);
  EXPECT_EQ(parsed.schedule.period, PeriodKind::day);
  EXPECT_FALSE(parsed.schedule.provisioned);

  const YAML::Node wrong = YAML::Load(R"({"name": "", "cron": "x", "period": "p"})");
  const ReportScheduleParseResult refused = parse_report_schedule(wrong, *config_, "request", "");
  EXPECT_GE(refused.diagnostics.size(), 4u) << testing::dump(refused.diagnostics);
}

}  // namespace
}  // namespace slamon
