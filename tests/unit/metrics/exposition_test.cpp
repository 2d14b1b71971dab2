#include "metrics/exposition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

#include "support/temp_dir.h"

namespace slamon::metrics {
namespace {

using ::testing::Contains;
using ::testing::Not;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Family names in the order of their "# TYPE" lines.
std::vector<std::string> families_of(const std::string& text) {
  std::vector<std::string> names;
  for (const std::string& line : lines_of(text)) {
    if (line.starts_with("# TYPE ")) {
      std::string rest = line.substr(7);
      names.push_back(rest.substr(0, rest.find(' ')));
    }
  }
  return names;
}

PolicyInfo policy(std::string id, std::string name) {
  PolicyInfo info;
  info.org = "org-1";
  info.id = std::move(id);
  info.name = std::move(name);
  return info;
}

Verdict verdict(std::string policy_id, Metric metric, Bound bound, double threshold,
                std::optional<double> actual, std::optional<double> deviation_percent,
                VerdictState state) {
  Verdict v;
  v.org = "org-1";
  v.policy_id = std::move(policy_id);
  v.metric = metric;
  v.bound = bound;
  v.threshold = threshold;
  v.actual = actual;
  v.deviation_percent = deviation_percent;
  v.state = state;
  return v;
}

Breach breach(std::string policy_id, Metric metric, Severity severity, BreachStatus status) {
  Breach b;
  b.id = "breach-" + policy_id + "-" + std::string(to_string(metric));
  b.org = "org-1";
  b.policy_id = std::move(policy_id);
  b.metric = metric;
  b.severity = severity;
  b.status = status;
  return b;
}

ExpositionInput full_input() {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->duration_seconds = 0.125;

  PolicyInfo gold = policy("pa", "Gold core");
  gold.scope = Scope::site;
  gold.scope_id = "site-9";
  gold.labels = {{"tier", "gold"}, {"team", "net\"ops"}};
  gold.evaluated = true;
  gold.compliant = false;
  PolicyInfo branch = policy("pb", "Branch latency");
  branch.evaluated = true;
  branch.compliant = true;
  PolicyInfo draft = policy("pc", "Draft");
  draft.scope = Scope::ssid;
  draft.scope_id = "Guest WiFi";
  draft.status = PolicyStatus::draft;
  snapshot->policies = {gold, branch, draft};

  snapshot->verdicts = {
      verdict("pa", Metric::uptime_percent, Bound::min, 99.9, 74.925, 25, VerdictState::warning),
      verdict("pa", Metric::error_rate, Bound::max, 0, 0.5, kInf, VerdictState::critical),
      verdict("pb", Metric::latency_ms, Bound::max, 50, 20, std::nullopt, VerdictState::ok),
      verdict("pb", Metric::packet_loss_percent, Bound::max, 1, std::nullopt, std::nullopt,
              VerdictState::no_data),
  };
  snapshot->open_breaches = {
      breach("pa", Metric::uptime_percent, Severity::warning, BreachStatus::active),
      breach("pa", Metric::error_rate, Severity::critical, BreachStatus::acknowledged),
  };
  snapshot->sources = {{"prom", true, 0.25}, {"switches", false, 1.5}};

  ExpositionInput input;
  input.snapshot = snapshot;
  input.counters.evaluations_total = 7;
  input.counters.evaluation_failures_total = 1;
  input.counters.evaluations_skipped_total = 2;
  input.counters.history_append_failures_total = 4;
  input.counters.maintenance_read_failures_total = 5;
  input.counters.last_success = from_unix_seconds(1700000000);
  input.counters.breaches_opened_total = {{{"org-1", Severity::warning}, 3},
                                          {{"org-1", Severity::critical}, 1}};
  input.reload.last_successful = true;
  input.reload.last_success = from_unix_seconds(1699999000.5);
  input.version = "0.1.0";
  input.revision = "abc123";
  input.degraded = {.retention_failures = 1,
                    .rollup_failures = 2,
                    .checkpoint_failures = 3,
                    .alertmanager_refresh_skipped = 6,
                    .alertmanager_refresh_failures = 7,
                    .outbox_read_failures = 8,
                    .history_corrupt_chunks = 9};
  return input;
}

TEST(RenderMetrics, RendersEveryFamilyExactly) {
  std::vector<std::string> lines = lines_of(render_metrics(full_input()));
  const std::vector<std::string> expected = {
      R"(slamon_policy_info{org="org-1",policy_id="pa",policy="Gold core",scope="site",scope_id="site-9",status="active",team="net\"ops",tier="gold"} 1)",
      R"(slamon_policy_info{org="org-1",policy_id="pb",policy="Branch latency",scope="organization",scope_id="",status="active"} 1)",
      R"(slamon_policy_info{org="org-1",policy_id="pc",policy="Draft",scope="ssid",scope_id="Guest WiFi",status="draft"} 1)",
      R"(slamon_policy_compliant{org="org-1",policy_id="pa"} 0)",
      R"(slamon_policy_compliant{org="org-1",policy_id="pb"} 1)",
      R"(slamon_policy_metric_value{org="org-1",policy_id="pa",metric="uptime_percent"} 74.925)",
      R"(slamon_policy_metric_value{org="org-1",policy_id="pa",metric="error_rate"} 0.5)",
      R"(slamon_policy_metric_value{org="org-1",policy_id="pb",metric="latency_ms"} 20)",
      R"(slamon_policy_threshold{org="org-1",policy_id="pa",metric="uptime_percent",bound="min"} 99.9)",
      R"(slamon_policy_threshold{org="org-1",policy_id="pa",metric="error_rate",bound="max"} 0)",
      R"(slamon_policy_threshold{org="org-1",policy_id="pb",metric="latency_ms",bound="max"} 50)",
      R"(slamon_policy_threshold{org="org-1",policy_id="pb",metric="packet_loss_percent",bound="max"} 1)",
      R"(slamon_policy_deviation_ratio{org="org-1",policy_id="pa",metric="uptime_percent"} 0.25)",
      R"(slamon_policy_deviation_ratio{org="org-1",policy_id="pa",metric="error_rate"} +Inf)",
      R"(slamon_policy_deviation_ratio{org="org-1",policy_id="pb",metric="latency_ms"} 0)",
      R"(slamon_policy_metric_up{org="org-1",policy_id="pa",metric="uptime_percent"} 1)",
      R"(slamon_policy_metric_up{org="org-1",policy_id="pa",metric="error_rate"} 1)",
      R"(slamon_policy_metric_up{org="org-1",policy_id="pb",metric="latency_ms"} 1)",
      R"(slamon_policy_metric_up{org="org-1",policy_id="pb",metric="packet_loss_percent"} 0)",
      R"(slamon_breach_active{org="org-1",policy_id="pa",metric="uptime_percent",severity="warning",status="active"} 1)",
      R"(slamon_breach_active{org="org-1",policy_id="pa",metric="error_rate",severity="critical",status="acknowledged"} 1)",
      R"(slamon_breaches_opened_total{org="org-1",severity="warning"} 3)",
      R"(slamon_breaches_opened_total{org="org-1",severity="critical"} 1)",
      R"(slamon_evaluation_duration_seconds 0.125)",
      R"(slamon_evaluation_last_success_timestamp_seconds 1700000000)",
      R"(slamon_evaluations_total 7)",
      R"(slamon_evaluation_failures_total 1)",
      R"(slamon_evaluations_skipped_total 2)",
      R"(slamon_history_append_failures_total 4)",
      R"(slamon_maintenance_read_failures_total 5)",
      R"(slamon_source_up{source="prom"} 1)",
      R"(slamon_source_up{source="switches"} 0)",
      R"(slamon_source_request_duration_seconds{source="prom"} 0.25)",
      R"(slamon_source_request_duration_seconds{source="switches"} 1.5)",
      R"(slamon_housekeeping_failures_total{task="retention"} 1)",
      R"(slamon_housekeeping_failures_total{task="rollup"} 2)",
      R"(slamon_housekeeping_failures_total{task="checkpoint"} 3)",
      R"(slamon_alertmanager_refresh_skipped_total 6)",
      R"(slamon_alertmanager_refresh_failures_total 7)",
      R"(slamon_outbox_read_failures_total 8)",
      R"(slamon_history_corrupt_chunks_total 9)",
      R"(slamon_config_last_reload_successful 1)",
      R"(slamon_config_last_reload_success_timestamp_seconds 1699999000.5)",
      R"(slamon_build_info{version="0.1.0",revision="abc123"} 1)",
  };
  std::vector<std::string> samples;
  for (const std::string& line : lines) {
    if (!line.starts_with("#")) samples.push_back(line);
  }
  EXPECT_EQ(samples, expected);
}

TEST(RenderMetrics, EveryFamilyHasHelpAndTheRightType) {
  std::vector<std::string> lines = lines_of(render_metrics(full_input()));
  const std::vector<std::pair<std::string, std::string>> families = {
      {"slamon_policy_info", "gauge"},
      {"slamon_policy_compliant", "gauge"},
      {"slamon_policy_metric_value", "gauge"},
      {"slamon_policy_threshold", "gauge"},
      {"slamon_policy_deviation_ratio", "gauge"},
      {"slamon_policy_metric_up", "gauge"},
      {"slamon_breach_active", "gauge"},
      {"slamon_breaches_opened_total", "counter"},
      {"slamon_evaluation_duration_seconds", "gauge"},
      {"slamon_evaluation_last_success_timestamp_seconds", "gauge"},
      {"slamon_evaluations_total", "counter"},
      {"slamon_evaluation_failures_total", "counter"},
      {"slamon_evaluations_skipped_total", "counter"},
      {"slamon_history_append_failures_total", "counter"},
      {"slamon_maintenance_read_failures_total", "counter"},
      {"slamon_source_up", "gauge"},
      {"slamon_source_request_duration_seconds", "gauge"},
      {"slamon_housekeeping_failures_total", "counter"},
      {"slamon_alertmanager_refresh_skipped_total", "counter"},
      {"slamon_alertmanager_refresh_failures_total", "counter"},
      {"slamon_outbox_read_failures_total", "counter"},
      {"slamon_history_corrupt_chunks_total", "counter"},
      {"slamon_config_last_reload_successful", "gauge"},
      {"slamon_config_last_reload_success_timestamp_seconds", "gauge"},
      {"slamon_build_info", "gauge"},
  };
  std::vector<std::string> names;
  for (const auto& [name, type] : families) {
    names.push_back(name);
    EXPECT_THAT(lines, Contains("# TYPE " + name + " " + type));
    bool has_help = false;
    for (const std::string& line : lines) {
      if (line.starts_with("# HELP " + name + " ") && line.size() > name.size() + 8)
        has_help = true;
    }
    EXPECT_TRUE(has_help) << name;
  }
  EXPECT_EQ(families_of(render_metrics(full_input())), names);
}

TEST(RenderMetrics, CountersCarryTotalExactlyOnce) {
  std::string text = render_metrics(full_input());
  EXPECT_EQ(text.find("_total_total"), std::string::npos);
  EXPECT_THAT(lines_of(text), Contains("# TYPE slamon_evaluations_total counter"));
}

TEST(RenderMetrics, SlaFiguresAppearOnlyWhereTheyCanBeComputed) {
  ExpositionInput input;
  auto snapshot = std::make_shared<Snapshot>();
  PolicySla gold;
  gold.org = "org-1";
  gold.policy_id = "gold";
  gold.compliance = {0.75, 0.5, std::nullopt, std::nullopt, 0.25};
  gold.budget_remaining = -0.5;
  gold.burn_rates = {14.4,         std::nullopt, 1.2,         std::nullopt,
                     std::nullopt, std::nullopt, std::nullopt};
  PolicySla latency;  // no uptime threshold, nothing evaluated yet
  latency.org = "org-1";
  latency.policy_id = "latency";
  snapshot->sla = {gold, latency};
  input.snapshot = snapshot;
  const auto lines = lines_of(render_metrics(input));
  EXPECT_THAT(
      lines,
      Contains(R"(slamon_policy_compliance_ratio{org="org-1",policy_id="gold",window="1d"} 0.75)"));
  EXPECT_THAT(
      lines,
      Contains(
          R"(slamon_policy_compliance_ratio{org="org-1",policy_id="gold",window="all"} 0.25)"));
  EXPECT_THAT(
      lines,
      Not(Contains(
          R"(slamon_policy_compliance_ratio{org="org-1",policy_id="gold",window="30d"} 0)")));
  EXPECT_THAT(
      lines, Contains(R"(slamon_error_budget_remaining_ratio{org="org-1",policy_id="gold"} -0.5)"));
  EXPECT_THAT(lines,
              Contains(R"(slamon_burn_rate{org="org-1",policy_id="gold",window="5m"} 14.4)"));
  EXPECT_THAT(lines, Contains(R"(slamon_burn_rate{org="org-1",policy_id="gold",window="1h"} 1.2)"));
  EXPECT_THAT(lines, Contains("# TYPE slamon_burn_rate gauge"));
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("policy_id=\"latency\""), std::string::npos) << line;
  }
}

TEST(RenderMetrics, EscapesLabelValues) {
  ExpositionInput input;
  auto snapshot = std::make_shared<Snapshot>();
  PolicyInfo tricky = policy("p\\1", "He said \"hi\" \\ bye\nna\xC3\xAFve \xE2\x9C\x93");
  tricky.labels = {{"note", "a\"b\\c\nd"}};
  snapshot->policies = {tricky};
  input.snapshot = snapshot;
  input.version = "v\"1";
  EXPECT_THAT(
      lines_of(render_metrics(input)),
      Contains(
          R"(slamon_policy_info{org="org-1",policy_id="p\\1",policy="He said \"hi\" \\ bye\nna)"
          "\xC3\xAF"
          R"(ve )"
          "\xE2\x9C\x93"
          R"(",scope="organization",scope_id="",status="active",note="a\"b\\c\nd"} 1)"));
  EXPECT_THAT(lines_of(render_metrics(input)),
              Contains(R"(slamon_build_info{version="v\"1",revision=""} 1)"));
}

TEST(RenderMetrics, ReplacesInvalidUtf8InLabelValues) {
  ExpositionInput input;
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->sources = {{"bad\xFFname", true, 0}};
  input.snapshot = snapshot;
  EXPECT_THAT(lines_of(render_metrics(input)),
              Contains("slamon_source_up{source=\"bad\xEF\xBF\xBDname\"} 1"));
}

TEST(RenderMetrics, SkipsPolicyLabelsThatWouldBreakTheSeries) {
  ExpositionInput input;
  auto snapshot = std::make_shared<Snapshot>();
  PolicyInfo p = policy("p1", "P");
  p.labels = {{"org", "other"},    {"scope", "x"}, {"bad-name", "x"},
              {"__reserved", "x"}, {"1st", "x"},   {"region", "eu"}};
  snapshot->policies = {p};
  input.snapshot = snapshot;
  EXPECT_THAT(
      lines_of(render_metrics(input)),
      Contains(
          R"(slamon_policy_info{org="org-1",policy_id="p1",policy="P",scope="organization",scope_id="",status="active",region="eu"} 1)"));
}

TEST(RenderMetrics, NoDataHasUpZeroAndNoValueOrDeviation) {
  std::string text = render_metrics(full_input());
  std::vector<std::string> lines = lines_of(text);
  EXPECT_THAT(
      lines,
      Contains(
          R"(slamon_policy_metric_up{org="org-1",policy_id="pb",metric="packet_loss_percent"} 0)"));
  for (const std::string& line : lines) {
    if (line.find("packet_loss_percent") == std::string::npos) continue;
    EXPECT_FALSE(line.starts_with("slamon_policy_metric_value")) << line;
    EXPECT_FALSE(line.starts_with("slamon_policy_deviation_ratio")) << line;
  }
}

// The process counters, the degraded ones included, are there from the start at 0, so that
// rate() and increase() see the first failure.
const std::vector<std::string> kCountersFromStart = {
    "slamon_evaluations_total", "slamon_evaluation_failures_total",
    "slamon_evaluations_skipped_total", "slamon_history_append_failures_total",
    "slamon_maintenance_read_failures_total"};
const std::vector<std::string> kDegradedFamilies = {
    "slamon_housekeeping_failures_total", "slamon_alertmanager_refresh_skipped_total",
    "slamon_alertmanager_refresh_failures_total", "slamon_outbox_read_failures_total",
    "slamon_history_corrupt_chunks_total"};

TEST(RenderMetrics, WithoutSnapshotOnlyProcessFamiliesAppear) {
  ExpositionInput input;
  input.version = "0.1.0";
  input.revision = "abc";
  std::vector<std::string> expected = kCountersFromStart;
  expected.insert(expected.end(), kDegradedFamilies.begin(), kDegradedFamilies.end());
  expected.push_back("slamon_config_last_reload_successful");
  expected.push_back("slamon_build_info");
  EXPECT_EQ(families_of(render_metrics(input)), expected);
  const auto lines = lines_of(render_metrics(input));
  EXPECT_THAT(lines, Contains("slamon_evaluations_total 0"));
  for (const char* sample :
       {"slamon_history_append_failures_total 0", "slamon_maintenance_read_failures_total 0",
        R"(slamon_housekeeping_failures_total{task="retention"} 0)",
        R"(slamon_housekeeping_failures_total{task="rollup"} 0)",
        R"(slamon_housekeeping_failures_total{task="checkpoint"} 0)",
        "slamon_alertmanager_refresh_skipped_total 0",
        "slamon_alertmanager_refresh_failures_total 0", "slamon_outbox_read_failures_total 0",
        "slamon_history_corrupt_chunks_total 0"}) {
    EXPECT_THAT(lines, Contains(sample));
  }
}

TEST(RenderMetrics, EmptySnapshotRendersOnlyProcessFamilies) {
  ExpositionInput input;
  input.snapshot = std::make_shared<Snapshot>();
  input.counters.evaluations_total = 1;
  input.counters.last_success = from_unix_seconds(1700000000);
  input.reload.last_successful = false;
  input.reload.last_success = from_unix_seconds(1690000000);
  std::string text = render_metrics(input);
  std::vector<std::string> expected = {"slamon_evaluation_duration_seconds",
                                       "slamon_evaluation_last_success_timestamp_seconds"};
  expected.insert(expected.end(), kCountersFromStart.begin(), kCountersFromStart.end());
  expected.insert(expected.end(), kDegradedFamilies.begin(), kDegradedFamilies.end());
  expected.push_back("slamon_config_last_reload_successful");
  expected.push_back("slamon_config_last_reload_success_timestamp_seconds");
  expected.push_back("slamon_build_info");
  EXPECT_EQ(families_of(text), expected);
  EXPECT_THAT(lines_of(text), Contains("slamon_config_last_reload_successful 0"));
  EXPECT_THAT(lines_of(text),
              Contains("slamon_config_last_reload_success_timestamp_seconds 1690000000"));
}

TEST(RenderMetrics, SeriesLeaveWithTheSnapshot) {
  ExpositionInput input = full_input();
  ASSERT_NE(render_metrics(input).find(R"(policy_id="pa")"), std::string::npos);
  auto next = std::make_shared<Snapshot>(*input.snapshot);
  std::erase_if(next->policies, [](const PolicyInfo& p) { return p.id == "pa"; });
  std::erase_if(next->verdicts, [](const Verdict& v) { return v.policy_id == "pa"; });
  next->open_breaches.clear();
  input.snapshot = next;
  std::string text = render_metrics(input);
  EXPECT_EQ(text.find(R"(policy_id="pa")"), std::string::npos);
  EXPECT_EQ(text.find("slamon_breach_active"), std::string::npos);
}

TEST(RenderMetrics, ResolvedBreachesAreNotActive) {
  ExpositionInput input;
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->open_breaches = {
      breach("p1", Metric::latency_ms, Severity::critical, BreachStatus::resolved)};
  input.snapshot = snapshot;
  EXPECT_EQ(render_metrics(input).find("slamon_breach_active"), std::string::npos);
}

// Runs `promtool check metrics` on `text` and returns its exit code and combined output.
std::pair<int, std::string> promtool_check(const std::string& text) {
  slamon::testing::TempDir dir;
  std::string input = dir.write("metrics.txt", text);
  std::string command = "promtool check metrics < '" + input + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

bool have_promtool() {
  return std::system("command -v promtool > /dev/null 2>&1") == 0;
}

// promtool check metrics exits 1 and prints "error while linting: text format parsing error"
// when the text does not parse, but exits 3 for lint findings (naming conventions such as a
// missing unit suffix on names the SPEC fixes, e.g. slamon_policy_threshold). Only a parse
// failure means the exposition is broken, so the test accepts 0 and 3 and rejects the rest.
TEST(RenderMetrics, PromtoolParsesTheOutput) {
  if (!have_promtool()) GTEST_SKIP() << "promtool (Debian package prometheus) is not installed";

  // The check tells the two cases apart, as assumed above.
  auto [broken_code, broken_output] = promtool_check("slamon_x{a=\"1} 1\n");
  EXPECT_EQ(broken_code, 1) << broken_output;
  EXPECT_THAT(broken_output, ::testing::HasSubstr("error while linting"));

  ExpositionInput input = full_input();
  auto snapshot = std::make_shared<Snapshot>(*input.snapshot);
  PolicyInfo tricky = policy("pt", "quote \" backslash \\ newline \n unicode \xE2\x9C\x93");
  tricky.labels = {{"note", "\xF0\x9F\x98\x80 \"x\""}};
  snapshot->policies.push_back(tricky);
  snapshot->verdicts.push_back(verdict("pt", Metric::health_score, Bound::min, 80,
                                       std::numeric_limits<double>::quiet_NaN(), std::nullopt,
                                       VerdictState::ok));
  input.snapshot = snapshot;
  auto [code, output] = promtool_check(render_metrics(input));
  EXPECT_TRUE(code == 0 || code == 3) << "exit " << code << ":\n" << output;
  EXPECT_THAT(output, Not(::testing::HasSubstr("error while linting"))) << output;
  EXPECT_THAT(output, Not(::testing::HasSubstr("parsing error"))) << output;
}

}  // namespace
}  // namespace slamon::metrics

namespace slamon::metrics {
namespace {

TEST(RenderMetrics, OutboxFamiliesCountEveryNotifierAndResult) {
  ExpositionInput input;
  input.outbox =
      OutboxStatus{{{"ops-slack", 7, 2, 1, 1790000002.5}, {"itsm", 0, 0, 0, 0}}, 3, 42.5};
  const std::vector<std::string> lines = lines_of(render_metrics(input));
  EXPECT_THAT(lines, Contains("# TYPE slamon_notifications_total counter"));
  EXPECT_THAT(lines,
              Contains(R"(slamon_notifications_total{notifier="ops-slack",result="delivered"} 7)"));
  EXPECT_THAT(lines,
              Contains(R"(slamon_notifications_total{notifier="ops-slack",result="retried"} 2)"));
  EXPECT_THAT(lines,
              Contains(R"(slamon_notifications_total{notifier="ops-slack",result="dead"} 1)"));
  EXPECT_THAT(lines, Contains(R"(slamon_notifications_total{notifier="itsm",result="dead"} 0)"));
  EXPECT_THAT(lines, Contains("slamon_outbox_pending 3"));
  EXPECT_THAT(lines, Contains("slamon_outbox_oldest_pending_age_seconds 42.5"));
  EXPECT_THAT(lines, Contains("# TYPE slamon_notifier_paused_until_timestamp_seconds gauge"));
  EXPECT_THAT(lines,
              Contains(R"(slamon_notifier_paused_until_timestamp_seconds{notifier="ops-slack"} )"
                       "1790000002.5"));
  EXPECT_THAT(lines,
              Contains(R"(slamon_notifier_paused_until_timestamp_seconds{notifier="itsm"} 0)"))
      << "a notifier that is not paused shows 0";
}

TEST(RenderMetrics, NoOutboxFamiliesWhenTheOutboxIsUnknown) {
  const std::string text = render_metrics(ExpositionInput{});
  EXPECT_EQ(text.find("slamon_outbox_pending"), std::string::npos);
  EXPECT_EQ(text.find("slamon_notifications_total"), std::string::npos);
}

TEST(RenderMetrics, NoNotificationSeriesWithoutNotifiers) {
  ExpositionInput input;
  input.outbox = OutboxStatus{};
  const std::string text = render_metrics(input);
  EXPECT_EQ(text.find("slamon_notifications_total"), std::string::npos);
  EXPECT_NE(text.find("slamon_outbox_pending 0"), std::string::npos);
}

}  // namespace
}  // namespace slamon::metrics
