// The real slamon daemon against a real Prometheus (SPEC §1, §6, §9.1, §12, §13): a full
// evaluation cycle end to end, reloads by SIGHUP and POST /-/reload, and a restart on the same
// state file.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <set>

#include "common/uuid.h"
#include "integration/fleet.h"
#include "integration/slamon_daemon.h"
#include "integration/state_db.h"
#include "integration/test_helpers.h"

namespace slamon::integration {
namespace {

constexpr double kBravoDeviationPercent = (99.5 - 90.0) / 99.5 * 100.0;

std::string breach_active_line(const std::string& policy, const std::string& metric,
                               const std::string& severity) {
  return std::string("slamon_breach_active{org=\"") + kOrg + "\",policy_id=\"" + policy +
         "\",metric=\"" + metric + "\",severity=\"" + severity + "\",status=\"active\"} 1";
}

LabelSet policy_labels(const std::string& policy) {
  return {{"org", kOrg}, {"policy_id", policy}};
}

LabelSet metric_labels(const std::string& policy, const std::string& metric) {
  return {{"org", kOrg}, {"policy_id", policy}, {"metric", metric}};
}

bool both_breaches_exported(const MetricsText& metrics) {
  return metrics.find("slamon_breach_active", {{"policy_id", kBravoPolicy}}).size() == 1 &&
         metrics.find("slamon_breach_active", {{"policy_id", kCharliePolicy}}).size() == 1;
}

const BreachRow* find_breach(const std::vector<BreachRow>& rows, const std::string& policy) {
  for (const auto& row : rows) {
    if (row.policy_id == policy) return &row;
  }
  return nullptr;
}

std::set<std::string> ids_of(const std::vector<BreachRow>& rows) {
  std::set<std::string> ids;
  for (const auto& row : rows) ids.insert(row.id);
  return ids;
}

// SPEC §9.1: {"id", "type", "priority", "occurred_at", "org_id", "breach": {...}, "policy": {...}}.
void expect_created_event_shape(const EventRow& row, const BreachRow& breach,
                                const std::string& policy_name) {
  SCOPED_TRACE("event " + row.id + " for breach " + breach.id);
  EXPECT_EQ(row.type, "sla.breach.created");
  EXPECT_EQ(row.priority, "HIGH");
  EXPECT_EQ(row.org_id, kOrg);
  const auto event = nlohmann::json::parse(row.payload, nullptr, false);
  ASSERT_TRUE(event.is_object()) << row.payload;
  std::set<std::string> keys;
  for (const auto& [key, value] : event.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"id", "type", "priority", "occurred_at", "org_id",
                                         "breach", "policy"}));
  EXPECT_EQ(event.value("id", ""), row.id);
  EXPECT_TRUE(is_uuid(event.value("id", ""))) << event.dump();
  EXPECT_EQ(event.value("type", ""), "sla.breach.created");
  EXPECT_EQ(event.value("priority", ""), "HIGH");
  EXPECT_EQ(event.value("org_id", ""), kOrg);
  static const std::regex rfc3339(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  EXPECT_TRUE(std::regex_match(event.value("occurred_at", ""), rfc3339)) << event.dump();

  ASSERT_TRUE(event.contains("breach") && event["breach"].is_object()) << event.dump();
  const auto& b = event["breach"];
  EXPECT_EQ(b.value("id", ""), breach.id);
  EXPECT_EQ(b.value("org_id", ""), kOrg);
  EXPECT_EQ(b.value("policy_id", ""), breach.policy_id);
  EXPECT_EQ(b.value("scope", ""), "site");
  EXPECT_EQ(b.value("metric", ""), breach.metric);
  EXPECT_EQ(b.value("severity", ""), breach.severity);
  EXPECT_EQ(b.value("peak_severity", ""), breach.severity);
  EXPECT_EQ(b.value("status", ""), "active");
  ASSERT_TRUE(b.contains("actual_value") && b["actual_value"].is_number()) << b.dump();
  ASSERT_TRUE(breach.actual.has_value());
  EXPECT_DOUBLE_EQ(b["actual_value"].get<double>(), *breach.actual);
  EXPECT_DOUBLE_EQ(b.value("threshold", -1.0), breach.threshold);
  ASSERT_TRUE(b.contains("deviation_percent") && b["deviation_percent"].is_number()) << b.dump();
  EXPECT_TRUE(std::regex_match(b.value("opened_at", ""), rfc3339)) << b.dump();
  EXPECT_TRUE(b.contains("resolved_at") && b["resolved_at"].is_null()) << b.dump();

  ASSERT_TRUE(event.contains("policy") && event["policy"].is_object()) << event.dump();
  const auto& p = event["policy"];
  EXPECT_EQ(p.value("id", ""), breach.policy_id);
  EXPECT_EQ(p.value("name", ""), policy_name);
  EXPECT_EQ(p.value("scope", ""), "site");
  EXPECT_TRUE(p.contains("scope_id")) << p.dump();
  EXPECT_TRUE(p.contains("labels") && p["labels"].is_object()) << p.dump();
}

class DaemonEndToEnd : public FleetTest {
 protected:
  // Starts slamon on the fleet and waits until its first cycles opened both breaches.
  std::unique_ptr<SlamonDaemon> start_with_breaches(const FleetFiles& files,
                                                    const std::string& name) {
    auto daemon = SlamonDaemon::start(files.config, dir_.path(), name);
    EXPECT_TRUE(daemon) << daemon.error().message;
    if (!daemon) return nullptr;
    auto metrics = (*daemon)->wait_for_metrics("both breaches on /metrics", both_breaches_exported);
    EXPECT_TRUE(metrics) << metrics.error().message;
    if (!metrics) return nullptr;
    return std::move(*daemon);
  }
};

TEST_F(DaemonEndToEnd, FullCycleOpensOneWarningAndOneCriticalBreachAndExportsEverything) {
  const auto version = slamon_version(dir_.path());
  ASSERT_TRUE(version) << version.error().message;
  const FleetFiles files = write_fleet();
  auto started = SlamonDaemon::start(files.config, dir_.path(), "slamon");
  ASSERT_TRUE(started) << started.error().message;
  auto& daemon = **started;

  const auto first_cycle = daemon.wait_for_evaluations(1);
  ASSERT_TRUE(first_cycle) << first_cycle.error().message;

  const auto answer = daemon.get("/metrics");
  ASSERT_TRUE(answer) << answer.error().message;
  ASSERT_EQ(answer->status, 200);
  EXPECT_EQ(answer->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = answer->body;
  const auto parsed = MetricsText::parse(text);
  ASSERT_TRUE(parsed) << parsed.error().message << "\n" << text;
  const MetricsText& metrics = *parsed;

  // Breaches: one warning, one critical, nothing for the compliant policy.
  EXPECT_TRUE(has_line(text, breach_active_line(kBravoPolicy, "uptime_percent", "warning")))
      << text;
  EXPECT_TRUE(has_line(text, breach_active_line(kCharliePolicy, "latency_ms", "critical"))) << text;
  EXPECT_EQ(metrics.find("slamon_breach_active").size(), 2u) << text;

  EXPECT_EQ(metrics.value("slamon_policy_compliant", policy_labels(kAlphaPolicy)), 1) << text;
  EXPECT_EQ(metrics.value("slamon_policy_compliant", policy_labels(kBravoPolicy)), 0) << text;
  EXPECT_EQ(metrics.value("slamon_policy_compliant", policy_labels(kCharliePolicy)), 0) << text;

  EXPECT_EQ(
      metrics.value("slamon_policy_metric_value", metric_labels(kAlphaPolicy, "uptime_percent")),
      100);
  EXPECT_EQ(metrics.value("slamon_policy_metric_value", metric_labels(kAlphaPolicy, "latency_ms")),
            20);
  EXPECT_EQ(
      metrics.value("slamon_policy_metric_value", metric_labels(kBravoPolicy, "uptime_percent")),
      90);
  EXPECT_EQ(
      metrics.value("slamon_policy_metric_value", metric_labels(kCharliePolicy, "latency_ms")),
      150);

  auto with_bound = [](LabelSet labels, const std::string& bound) {
    labels["bound"] = bound;
    return labels;
  };
  EXPECT_EQ(metrics.value("slamon_policy_threshold",
                          with_bound(metric_labels(kBravoPolicy, "uptime_percent"), "min")),
            99.5)
      << text;
  EXPECT_EQ(metrics.value("slamon_policy_threshold",
                          with_bound(metric_labels(kAlphaPolicy, "uptime_percent"), "min")),
            99.5);
  EXPECT_EQ(metrics.value("slamon_policy_threshold",
                          with_bound(metric_labels(kCharliePolicy, "latency_ms"), "max")),
            100);
  EXPECT_EQ(metrics.find("slamon_policy_threshold").size(), 4u) << "one per policy x threshold\n"
                                                                << text;

  const auto bravo_deviation =
      metrics.value("slamon_policy_deviation_ratio", metric_labels(kBravoPolicy, "uptime_percent"));
  ASSERT_TRUE(bravo_deviation.has_value()) << text;
  EXPECT_NEAR(*bravo_deviation, kBravoDeviationPercent / 100, 1e-9);
  EXPECT_EQ(
      metrics.value("slamon_policy_deviation_ratio", metric_labels(kCharliePolicy, "latency_ms")),
      0.5);
  EXPECT_EQ(
      metrics.value("slamon_policy_deviation_ratio", metric_labels(kAlphaPolicy, "latency_ms")), 0);

  for (const auto& sample : metrics.find("slamon_policy_metric_up")) {
    EXPECT_EQ(sample.value, 1) << sample.labels.at("policy_id") << " "
                               << sample.labels.at("metric");
  }
  EXPECT_EQ(metrics.find("slamon_policy_metric_up").size(), 4u) << text;

  EXPECT_EQ(metrics.value("slamon_policy_info", {{"policy_id", kAlphaPolicy},
                                                 {"policy", kAlphaPolicyName},
                                                 {"scope", "site"},
                                                 {"scope_id", kSiteAlpha},
                                                 {"status", "active"},
                                                 {"tier", "gold"}}),
            1)
      << text;
  EXPECT_EQ(metrics.value("slamon_source_up", {{"source", "prom"}}), 1) << text;
  EXPECT_EQ(metrics.value("slamon_build_info",
                          {{"version", version->version}, {"revision", version->revision}}),
            1)
      << text;
  // Nothing degraded in a healthy run, and every degraded-mode counter is there from 0.
  for (const char* counter :
       {"slamon_history_append_failures_total", "slamon_maintenance_read_failures_total",
        "slamon_alertmanager_refresh_skipped_total", "slamon_alertmanager_refresh_failures_total",
        "slamon_outbox_read_failures_total", "slamon_history_corrupt_chunks_total"}) {
    EXPECT_EQ(metrics.value(counter), 0) << counter << "\n" << text;
  }
  for (const char* task : {"retention", "rollup", "checkpoint"}) {
    EXPECT_EQ(metrics.value("slamon_housekeeping_failures_total", {{"task", task}}), 0) << task;
  }
  EXPECT_EQ(metrics.value("slamon_breaches_opened_total", {{"org", kOrg}, {"severity", "warning"}}),
            1)
      << text;
  EXPECT_EQ(
      metrics.value("slamon_breaches_opened_total", {{"org", kOrg}, {"severity", "critical"}}), 1)
      << text;
  EXPECT_EQ(metrics.value("slamon_config_last_reload_successful"), 1) << text;
  EXPECT_EQ(metrics.value("slamon_evaluation_failures_total"), 0) << text;

  // The state file: exactly these two breaches, open, each with its sla.breach.created event.
  const auto breaches = read_breaches(files.storage);
  ASSERT_TRUE(breaches) << breaches.error().message;
  ASSERT_EQ(breaches->size(), 2u);
  const BreachRow* bravo = find_breach(*breaches, kBravoPolicy);
  const BreachRow* charlie = find_breach(*breaches, kCharliePolicy);
  ASSERT_TRUE(bravo && charlie);
  EXPECT_EQ(bravo->status, "active");
  EXPECT_EQ(bravo->metric, "uptime_percent");
  EXPECT_EQ(bravo->severity, "warning");
  EXPECT_EQ(bravo->actual, 90);
  EXPECT_EQ(bravo->threshold, 99.5);
  ASSERT_TRUE(bravo->deviation_percent.has_value());
  EXPECT_NEAR(*bravo->deviation_percent, kBravoDeviationPercent, 1e-9);
  EXPECT_EQ(charlie->status, "active");
  EXPECT_EQ(charlie->metric, "latency_ms");
  EXPECT_EQ(charlie->severity, "critical");
  EXPECT_EQ(charlie->actual, 150);
  EXPECT_EQ(charlie->deviation_percent, 50);
  EXPECT_TRUE(is_uuid(bravo->id) && is_uuid(charlie->id));

  const auto events = read_events(files.storage);
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->size(), 2u);
  for (const auto& event : *events) {
    const BreachRow* breach = event.breach_id == bravo->id     ? bravo
                              : event.breach_id == charlie->id ? charlie
                                                               : nullptr;
    ASSERT_NE(breach, nullptr) << "an event for an unknown breach: " << event.payload;
    expect_created_event_shape(event, *breach,
                               breach == bravo ? "Bravo site uptime" : "Charlie site latency");
  }
  EXPECT_NE((*events)[0].breach_id, (*events)[1].breach_id);

  // Operational endpoints (SPEC §13).
  const auto healthy = daemon.get("/-/healthy");
  ASSERT_TRUE(healthy) << healthy.error().message;
  EXPECT_EQ(healthy->status, 200);
  const auto landing = daemon.get("/");
  ASSERT_TRUE(landing) << landing.error().message;
  EXPECT_EQ(landing->status, 200);
  EXPECT_TRUE(landing->header("content-type").starts_with("text/html"))
      << landing->header("content-type");
  EXPECT_NE(landing->body.find("<html"), std::string::npos);
  EXPECT_NE(landing->body.find(version->version), std::string::npos) << landing->body;
  for (const std::string tenant_data :
       {kOrg, kSiteAlpha, kSiteBravo, kSiteCharlie, kAlphaPolicy, kAlphaPolicyName, kBravoPolicy,
        "Bravo site uptime", kCharliePolicy, "Integration Org"}) {
    EXPECT_EQ(landing->body.find(tenant_data), std::string::npos)
        << "landing page shows " << tenant_data;
  }
  EXPECT_EQ(daemon.log().find(kSecretToken), std::string::npos);
}

TEST_F(DaemonEndToEnd,
       ReloadBySighupResolvesADisabledPolicysBreachAndABadReloadKeepsTheRunningConfig) {
  const FleetFiles files = write_fleet();
  auto daemon = start_with_breaches(files, "slamon");
  ASSERT_TRUE(daemon);
  const auto before = daemon->scrape();
  ASSERT_TRUE(before) << before.error().message;
  const double first_reload_time =
      before->value("slamon_config_last_reload_success_timestamp_seconds").value_or(-1);

  // Disable the critical policy and send SIGHUP: its breach is resolved with the reason.
  dir_.write("rules/charlie.yml", charlie_rules("disabled"));
  ASSERT_TRUE(daemon->send_signal(SIGHUP));
  const auto reloaded = daemon->wait_for_metrics(
      "charlie's breach to be resolved after SIGHUP", [](const MetricsText& metrics) {
        return metrics.find("slamon_breach_active", {{"policy_id", kCharliePolicy}}).empty() &&
               metrics.value("slamon_policy_info",
                             {{"policy_id", kCharliePolicy}, {"status", "disabled"}}) == 1;
      });
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->value("slamon_config_last_reload_successful"), 1);
  EXPECT_GE(reloaded->value("slamon_config_last_reload_success_timestamp_seconds").value_or(-1),
            first_reload_time);
  EXPECT_EQ(
      reloaded->find("slamon_breach_active", {{"policy_id", kBravoPolicy}, {"severity", "warning"}})
          .size(),
      1u);
  EXPECT_TRUE(reloaded->find("slamon_policy_compliant", policy_labels(kCharliePolicy)).empty())
      << "a disabled policy is not evaluated";

  const auto after_sighup = read_breaches(files.storage);
  ASSERT_TRUE(after_sighup) << after_sighup.error().message;
  ASSERT_EQ(after_sighup->size(), 2u);
  const BreachRow* charlie = find_breach(*after_sighup, kCharliePolicy);
  ASSERT_NE(charlie, nullptr);
  EXPECT_EQ(charlie->status, "resolved");
  EXPECT_EQ(charlie->resolve_reason, "policy disabled");
  EXPECT_EQ(find_breach(*after_sighup, kBravoPolicy)->status, "active");
  const auto events_after_sighup = read_events(files.storage);
  ASSERT_TRUE(events_after_sighup) << events_after_sighup.error().message;
  const auto resolved = events_of_type(*events_after_sighup, "sla.breach.resolved");
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].breach_id, charlie->id);
  const auto resolved_payload = nlohmann::json::parse(resolved[0].payload, nullptr, false);
  ASSERT_TRUE(resolved_payload.is_object()) << resolved[0].payload;
  EXPECT_EQ(resolved_payload["breach"].value("resolve_reason", ""), "policy disabled");
  EXPECT_EQ(resolved_payload["breach"].value("status", ""), "resolved");
  EXPECT_NE(daemon->log().find("configuration reloaded"), std::string::npos) << daemon->log();

  // An invalid rule file through POST /-/reload: 500 with the problem, the old config stays.
  dir_.write("rules/charlie.yml",
             charlie_rules("active") + "    colour: blue\n");  // line 9, column 5
  const auto refused = daemon->post("/-/reload");
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_EQ(refused->status, 500) << refused->body;
  EXPECT_NE(refused->body.find(files.charlie_rules.string() + ":9:5: "), std::string::npos)
      << refused->body;
  EXPECT_NE(refused->body.find("colour"), std::string::npos) << refused->body;

  const auto after_refusal = daemon->scrape();
  ASSERT_TRUE(after_refusal) << after_refusal.error().message;
  EXPECT_EQ(after_refusal->value("slamon_config_last_reload_successful"), 0);
  const double evaluations = evaluations_total(*after_refusal);
  const auto still_running = daemon->wait_for_evaluations(evaluations + 2);
  ASSERT_TRUE(still_running) << still_running.error().message;
  EXPECT_EQ(still_running->value("slamon_config_last_reload_successful"), 0);
  EXPECT_EQ(still_running->value("slamon_policy_info",
                                 {{"policy_id", kCharliePolicy}, {"status", "disabled"}}),
            1)
      << "the running configuration (charlie disabled) is kept";
  EXPECT_TRUE(still_running->find("slamon_breach_active", {{"policy_id", kCharliePolicy}}).empty());
  EXPECT_EQ(still_running->find("slamon_breach_active", {{"policy_id", kBravoPolicy}}).size(), 1u);

  const auto after_bad_reload = read_breaches(files.storage);
  ASSERT_TRUE(after_bad_reload) << after_bad_reload.error().message;
  ASSERT_EQ(after_bad_reload->size(), after_sighup->size());
  for (std::size_t i = 0; i < after_bad_reload->size(); ++i) {
    EXPECT_EQ((*after_bad_reload)[i].id, (*after_sighup)[i].id);
    EXPECT_EQ((*after_bad_reload)[i].status, (*after_sighup)[i].status);
  }
  const auto events_after_bad_reload = read_events(files.storage);
  ASSERT_TRUE(events_after_bad_reload) << events_after_bad_reload.error().message;
  EXPECT_EQ(events_after_bad_reload->size(), events_after_sighup->size());
  EXPECT_NE(daemon->log().find("reload"), std::string::npos);
}

TEST_F(DaemonEndToEnd, RestartOnTheSameStateKeepsTheOpenBreachesWithoutDuplicates) {
  const FleetFiles files = write_fleet();
  auto first = start_with_breaches(files, "slamon-1");
  ASSERT_TRUE(first);
  const auto stopped = first->stop();
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_TRUE(stopped->exited()) << stopped->describe();
  EXPECT_EQ(stopped->code(), 0) << first->log();
  EXPECT_NE(first->log().find("slamon stopped"), std::string::npos) << first->log();

  const auto before = read_breaches(files.storage);
  ASSERT_TRUE(before) << before.error().message;
  const auto open_before = open_breaches(*before);
  ASSERT_EQ(open_before.size(), 2u);

  auto second = SlamonDaemon::start(files.config, dir_.path(), "slamon-2");
  ASSERT_TRUE(second) << second.error().message;
  // Two cycles of the new process: the first one and a later one both see the stored breaches.
  const auto metrics = (*second)->wait_for_evaluations(2);
  ASSERT_TRUE(metrics) << metrics.error().message;
  EXPECT_TRUE(both_breaches_exported(*metrics));
  for (const auto& opened : metrics->find("slamon_breaches_opened_total")) {
    EXPECT_EQ(opened.value, 0) << "the restarted daemon opened a breach again";
  }
  const auto stopped_again = (*second)->stop();
  ASSERT_TRUE(stopped_again) << stopped_again.error().message;
  EXPECT_EQ(stopped_again->code(), 0) << (*second)->log();

  const auto after = read_breaches(files.storage);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->size(), 2u) << "no duplicate breach";
  EXPECT_EQ(ids_of(open_breaches(*after)), ids_of(open_before));
  const auto events = read_events(files.storage);
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(events_of_type(*events, "sla.breach.created").size(), 2u);
  EXPECT_EQ(events->size(), 2u) << "nothing new to publish after the restart";
}

}  // namespace
}  // namespace slamon::integration
