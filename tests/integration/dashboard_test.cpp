// The shipped Grafana dashboard (dashboards/grafana/slamon-overview.json) against real data:
// the real `slamon run` evaluates the fleet (a real Prometheus as its source, breaches of both
// severities), polls a real snmpd and delivers its breach events to a webhook receiver, while a
// second real Prometheus scrapes slamon's /metrics every second. Every PromQL expression of
// every panel and every variable query, with the dashboard's variables filled in as "All",
// must parse and return at least one series, as an instant query and, for time-series panels,
// as a range query. A failure names the panel and the expression. Waits are conditions with
// deadlines, never a fixed sleep.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "integration/fleet.h"
#include "integration/http_get.h"
#include "integration/slamon_daemon.h"
#include "support/http_stub.h"
#include "support/prometheus_server.h"
#include "support/snmpd_server.h"

namespace slamon::integration {

using testing::read_text_file;
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kDashboardFile = SLAMON_SOURCE_DIR "/dashboards/grafana/slamon-overview.json";
constexpr const char* kSnmpOrg = "5e1a0000-0000-4000-8000-00000000db01";
constexpr const char* kSnmpSite = "5e1a0000-0000-4000-8000-00000000db02";
constexpr const char* kRecorder = "5e1a0000-0000-4000-8000-00000000db03";

// What Grafana puts in place of its built-in interval variables; the test Prometheus scrapes
// every second, so a minute holds plenty of samples for rate() and increase().
const std::vector<std::pair<std::string, std::string>> kBuiltIns = {
    {"__rate_interval", "1m"}, {"__interval", "15s"}, {"__range", "1h"}};

// One query the dashboard makes: a panel target's PromQL, or a variable's label_values().
struct DashboardQuery {
  std::string where;   // "panel \"Open breaches\" target B", "variable org"
  std::string expr;    // with the variables substituted
  bool range = false;  // also run as a range query (time-series panels)
  std::string label;   // label_values(): the label whose values are listed
};

json load_dashboard() {
  std::ifstream in(kDashboardFile);
  if (!in) return json();
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// `object[key]`, or null when `object` is no object or lacks `key` (a const json's operator[]
// asserts on a missing key, and a broken dashboard must fail the test, not crash it).
const json& member(const json& object, const char* key) {
  static const json null;
  if (!object.is_object()) return null;
  const auto found = object.find(key);
  return found == object.end() ? null : *found;
}

// Panels, including those nested in collapsed rows.
void collect_panels(const json& panels, std::vector<json>& out) {
  if (!panels.is_array()) return;
  for (const json& panel : panels) {
    out.push_back(panel);
    if (panel.contains("panels")) collect_panels(member(panel, "panels"), out);
  }
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Variable name → its text in a query: "All" (".*") for query variables, the default
// selection for custom ones (a regex alternation when several are selected), and the
// built-in intervals.
std::vector<std::pair<std::string, std::string>> variable_values(const json& dashboard) {
  std::vector<std::pair<std::string, std::string>> values = kBuiltIns;
  for (const json& variable : member(member(dashboard, "templating"), "list")) {
    const std::string name = variable.value("name", "");
    const std::string type = variable.value("type", "");
    if (type == "query") {
      values.emplace_back(name, ".*");
    } else if (type == "custom" || type == "constant" || type == "interval") {
      const json& current = member(member(variable, "current"), "value");
      if (current.is_array()) {
        std::string joined;
        for (const json& v : current) joined += (joined.empty() ? "" : "|") + v.get<std::string>();
        values.emplace_back(name, current.size() == 1 ? joined : "(" + joined + ")");
      } else {
        values.emplace_back(name, current.get<std::string>());
      }
    }
  }
  // Longest first, so $__rate_interval is not taken for $__rate followed by text.
  std::sort(values.begin(), values.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return values;
}

std::string substitute(std::string expr,
                       const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values) {
    expr = replace_all(std::move(expr), "${" + name + "}", value);
    expr = replace_all(std::move(expr), "[[" + name + "]]", value);
    expr = replace_all(std::move(expr), "$" + name, value);
  }
  return expr;
}

// Every query of the dashboard; `problems` gets what cannot be turned into one.
std::vector<DashboardQuery> dashboard_queries(const json& dashboard,
                                              std::vector<std::string>& problems) {
  const auto values = variable_values(dashboard);
  std::vector<DashboardQuery> queries;

  for (const json& variable : member(member(dashboard, "templating"), "list")) {
    if (variable.value("type", "") != "query") continue;
    const std::string name = variable.value("name", "");
    const json& q = member(variable, "query");
    const std::string text = q.is_object() ? q.value("query", "") : q.get<std::string>();
    static const std::regex label_values(
        R"(^\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$)");
    std::smatch match;
    if (!std::regex_match(text, match, label_values)) {
      problems.push_back("variable " + name +
                         ": not a label_values(selector, label) query: " + text);
      continue;
    }
    queries.push_back(
        {"variable " + name, substitute(match[1].str(), values), false, match[2].str()});
  }

  std::vector<json> panels;
  collect_panels(member(dashboard, "panels"), panels);
  for (const json& panel : panels) {
    if (!panel.contains("targets")) continue;
    const std::string type = panel.value("type", "");
    const bool time_series = type == "timeseries" || type == "state-timeline";
    for (const json& target : member(panel, "targets")) {
      const std::string where =
          "panel \"" + panel.value("title", "") + "\" target " + target.value("refId", "?");
      const std::string expr = target.value("expr", "");
      if (expr.empty()) {
        problems.push_back(where + ": no expr");
        continue;
      }
      queries.push_back({where, substitute(expr, values), time_series, ""});
    }
  }
  for (const DashboardQuery& query : queries) {
    if (query.expr.find('$') != std::string::npos)
      problems.push_back(query.where + ": unknown variable left in " + query.expr);
  }
  return queries;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

// Runs `path` against the Prometheus API; "" when it answered with data, else why not.
std::string check_api(int port, const std::string& path) {
  auto answer = http_request(port, "GET", path);
  if (!answer) return "no answer: " + answer.error().message;
  const json body = json::parse(answer->body, nullptr, false);
  if (body.is_discarded()) return "HTTP " + std::to_string(answer->status) + ", not JSON";
  if (body.value("status", "") != "success") {
    return "HTTP " + std::to_string(answer->status) + " " + body.value("errorType", "") + ": " +
           body.value("error", "");
  }
  const json& data = member(body, "data");
  const json& series = data.is_array() ? data : member(data, "result");
  if (!series.is_array()) return "";  // a scalar or string result is data
  if (series.empty()) return "no series";
  return "";
}

// The label sets (without __name__) an instant query returns, each as its JSON text.
std::multiset<std::string> instant_label_sets(int port, const std::string& expr) {
  std::multiset<std::string> sets;
  auto answer = http_request(port, "GET", "/api/v1/query?query=" + url_encode(expr));
  if (!answer) return sets;
  const json body = json::parse(answer->body, nullptr, false);
  const json& result = member(member(body, "data"), "result");
  if (!result.is_array()) return sets;
  for (const json& series : result) {
    json labels = member(series, "metric");
    if (labels.is_object()) labels.erase("__name__");
    sets.insert(labels.dump());
  }
  return sets;
}

struct QueryFailure {
  const DashboardQuery* query;
  std::string kind;  // "instant", "range", "label values"
  std::string reason;
};

std::vector<QueryFailure> run_queries(int port, const std::vector<DashboardQuery>& queries) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::vector<QueryFailure> failures;
  for (const DashboardQuery& query : queries) {
    if (!query.label.empty()) {
      const std::string path =
          "/api/v1/label/" + query.label + "/values?match%5B%5D=" + url_encode(query.expr);
      if (auto reason = check_api(port, path); !reason.empty())
        failures.push_back({&query, "label values", reason});
      continue;
    }
    if (auto reason = check_api(port, "/api/v1/query?query=" + url_encode(query.expr));
        !reason.empty())
      failures.push_back({&query, "instant", reason});
    if (!query.range) continue;
    const std::string range = "/api/v1/query_range?query=" + url_encode(query.expr) +
                              "&start=" + std::to_string(now - 60) + "&end=" + std::to_string(now) +
                              "&step=2";
    if (auto reason = check_api(port, range); !reason.empty())
      failures.push_back({&query, "range", reason});
  }
  return failures;
}

std::string ids(std::string text) {
  for (const auto& [key, value] : {std::pair{"@ORG@", kSnmpOrg}, std::pair{"@SITE@", kSnmpSite},
                                   std::pair{"@NVR@", kRecorder}})
    text = replace_all(std::move(text), key, value);
  return text;
}

// The fleet's configuration plus an SNMP source polling `agent` for a recorder of its own
// organization, and a webhook notifier that gets every breach event.
void extend_fleet(const testing::TempDir& dir, const FleetFiles& files, const std::string& agent,
                  const std::string& receiver_url) {
  std::string config = read_text_file(files.config);
  config = replace_all(std::move(config), "sources:\n", R"(sources:
  - name: snmp
    type: snmp
    version: 2c
    community_file: community
    interval: 1s
    timeout: 500ms
    retries: 0
)");
  config = replace_all(std::move(config), "measurements:\n", R"(measurements:
  - metric: uptime_percent
    scopes: [nvr]
    source: snmp
    snmp: reachability
    window: 2s
)");
  config +=
      "notifiers:\n"
      "  - {name: itsm, type: webhook, url: " +
      receiver_url +
      "/hook, timeout: 2s}\n"
      "alert_rules:\n"
      "  - name: every-breach\n"
      "    events: [sla.breach.created, sla.breach.escalated, sla.breach.resolved]\n"
      "    notifiers: [itsm]\n";
  dir.write("slamon.yml", config);
  dir.write("community", "public\n");
  dir.write("inventory/snmp.yml", ids(R"(organizations:
  - id: @ORG@
    name: Recorder Org
    sites: [{id: @SITE@, name: Vault}]
    devices:
      - id: @NVR@
        name: vault-nvr-1
        kind: nvr
        site: @SITE@
        snmp: {source: snmp, address: ")" +
                                      agent + R"("}
)"));
  dir.write("rules/snmp.yml", ids(R"(policies:
  - id: vault-recorder
    org: @ORG@
    name: Vault recorder reachable
    scope: nvr
    scope_id: @NVR@
    thresholds: {uptime_percent_min: 99}
)"));
}

TEST(DashboardJson, IsImportableAndEveryQueryUsesTheDatasourceVariable) {
  const json dashboard = load_dashboard();
  ASSERT_TRUE(dashboard.is_object()) << kDashboardFile << " is not a JSON object";
  EXPECT_EQ(dashboard.value("uid", ""), "slamon-overview");
  EXPECT_GE(dashboard.value("schemaVersion", 0), 36);
  ASSERT_TRUE(member(dashboard, "__inputs").is_array());
  ASSERT_FALSE(member(dashboard, "__inputs").empty());
  EXPECT_EQ(member(dashboard, "__inputs")[0].value("pluginId", ""), "prometheus");
  ASSERT_TRUE(member(dashboard, "__requires").is_array());

  std::set<std::string> variables;
  for (const json& variable : member(member(dashboard, "templating"), "list")) {
    variables.insert(variable.value("name", ""));
    if (variable.value("name", "") == "datasource") {
      EXPECT_EQ(variable.value("type", ""), "datasource");
      EXPECT_EQ(variable.value("query", ""), "prometheus");
    }
  }
  for (const char* name : {"datasource", "org", "policy"})
    EXPECT_TRUE(variables.contains(name)) << "no variable " << name;
  for (const json& variable : member(member(dashboard, "templating"), "list")) {
    if (variable.value("type", "") != "query") continue;
    EXPECT_EQ(member(variable, "datasource").value("uid", ""), "${datasource}")
        << "variable " << variable.value("name", "");
    EXPECT_TRUE(variable.value("multi", false)) << variable.value("name", "");
    EXPECT_TRUE(variable.value("includeAll", false)) << variable.value("name", "");
  }

  std::vector<json> panels;
  collect_panels(member(dashboard, "panels"), panels);
  std::set<int> ids;
  for (const json& panel : panels) {
    const std::string title = panel.value("title", "");
    EXPECT_TRUE(ids.insert(panel.value("id", -1)).second) << "duplicate id in " << title;
    EXPECT_TRUE(panel.contains("gridPos")) << title;
    if (panel.value("type", "") == "row") continue;
    EXPECT_EQ(member(panel, "datasource").value("uid", ""), "${datasource}") << title;
    ASSERT_TRUE(member(panel, "targets").is_array()) << title;
    for (const json& target : member(panel, "targets")) {
      EXPECT_EQ(member(target, "datasource").value("uid", ""), "${datasource}") << title;
      EXPECT_FALSE(target.value("expr", "").empty()) << title;
    }
  }

  std::vector<std::string> problems;
  const auto queries = dashboard_queries(dashboard, problems);
  EXPECT_GE(queries.size(), 20u);
  for (const std::string& problem : problems) ADD_FAILURE() << problem;
}

class DashboardQueries : public FleetTest {};

TEST_F(DashboardQueries, EveryExpressionParsesAndReturnsDataFromARealSlamon) {
  if (!std::filesystem::exists("/usr/sbin/snmpd")) GTEST_SKIP() << "snmpd is not installed";
  const json dashboard = load_dashboard();
  ASSERT_TRUE(dashboard.is_object()) << kDashboardFile << " is not a JSON object";
  std::vector<std::string> problems;
  const auto queries = dashboard_queries(dashboard, problems);
  ASSERT_TRUE(problems.empty()) << problems.front();

  testing::SnmpdOptions agent_options;
  agent_options.config_lines = {"rocommunity public 127.0.0.1"};
  auto agent = testing::SnmpdServer::start(agent_options);
  ASSERT_TRUE(agent) << agent.error().message;
  testing::HttpStub receiver;
  receiver.set_fallback(testing::StubResponse::text(200, "accepted"));
  const FleetFiles files = write_fleet();
  extend_fleet(dir_, files, (*agent)->address(), receiver.url());

  auto daemon = SlamonDaemon::start(files.config, dir_.path(), "slamon");
  ASSERT_TRUE(daemon) << daemon.error().message;
  SlamonDaemon& slamon = **daemon;

  testing::PrometheusServerOptions scraper_options;
  scraper_options.extra_config =
      "scrape_configs:\n"
      "  - job_name: slamon\n"
      "    scrape_interval: 1s\n"
      "    scrape_timeout: 1s\n"
      "    static_configs:\n"
      "      - targets: ['127.0.0.1:" +
      std::to_string(slamon.port()) + "']\n";
  auto scraper = testing::PrometheusServer::start("", scraper_options);
  ASSERT_TRUE(scraper) << scraper.error().message;

  // Every family the dashboard reads is on /metrics before Prometheus is asked about it.
  const LabelSet recorder{{"device", "vault-nvr-1"}, {"source", "snmp"}};
  auto complete = slamon.wait_for_metrics("every family the dashboard uses", [&](const auto& m) {
    return !m.find("slamon_breach_active", {{"severity", "warning"}}).empty() &&
           !m.find("slamon_breach_active", {{"severity", "critical"}}).empty() &&
           !m.find("slamon_policy_compliance_ratio").empty() &&
           !m.find("slamon_error_budget_remaining_ratio").empty() &&
           !m.find("slamon_burn_rate").empty() &&
           m.value("slamon_snmp_target_up", recorder) == 1.0 &&
           !m.find("slamon_snmp_response_seconds", recorder).empty() &&
           m.value("slamon_notifications_total", {{"notifier", "itsm"}, {"result", "delivered"}})
                   .value_or(0) >= 2;
  });
  ASSERT_TRUE(complete) << complete.error().message;

  // Prometheus needs a few scrapes before rate() and increase() have two samples.
  std::vector<QueryFailure> failures;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  do {
    failures = run_queries((*scraper)->port(), queries);
    if (failures.empty()) break;
    std::this_thread::sleep_for(500ms);
  } while (std::chrono::steady_clock::now() < deadline);

  for (const QueryFailure& failure : failures) {
    ADD_FAILURE() << failure.query->where << " (" << failure.kind << "): " << failure.reason
                  << "\n  " << failure.query->expr;
  }
  // A table that merges several queries shows one row per breach only when every query
  // returns the same label sets.
  std::vector<json> panels;
  collect_panels(member(dashboard, "panels"), panels);
  const auto values = variable_values(dashboard);
  for (const json& panel : panels) {
    bool merges = false;
    for (const json& step : panel.value("transformations", json::array()))
      merges = merges || step.value("id", "") == "merge";
    if (!merges) continue;
    const auto& targets = member(panel, "targets");
    const auto first =
        instant_label_sets((*scraper)->port(), substitute(targets[0].value("expr", ""), values));
    EXPECT_EQ(first.size(), 2u) << panel.value("title", "") << ": one row per open breach";
    for (std::size_t i = 1; i < targets.size(); ++i) {
      EXPECT_EQ(
          instant_label_sets((*scraper)->port(), substitute(targets[i].value("expr", ""), values)),
          first)
          << "panel \"" << panel.value("title", "") << "\" target "
          << targets[i].value("refId", "?") << " does not line up with target "
          << targets[0].value("refId", "?");
    }
  }
  EXPECT_GE(receiver.request_count(), 2u);
  ASSERT_TRUE(slamon.stop());
}

}  // namespace
}  // namespace slamon::integration
