// The real slamon daemon when its Prometheus misbehaves (SPEC §6.4, §12): answering an HTTP
// error, hanging past the source timeout, or not listening at all. Each must show as
// slamon_source_up 0 and slamon_policy_metric_up 0, open no breach, keep the open ones
// (no_data: keep), keep /metrics served, and log the source without its credentials.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <set>

#include "integration/fleet.h"
#include "integration/slamon_daemon.h"
#include "integration/state_db.h"
#include "integration/test_helpers.h"
#include "support/http_stub.h"

namespace slamon::integration {
namespace {

using namespace std::chrono_literals;

enum class Failure { http_error, hang, down };

std::string to_string(Failure failure) {
  switch (failure) {
    case Failure::http_error:
      return "HttpError";
    case Failure::hang:
      return "HangsPastTheTimeout";
    case Failure::down:
      return "Down";
  }
  return "";
}

// Names the parameter in test listings (ctest shows it).
void PrintTo(Failure failure, std::ostream* out) {
  *out << to_string(failure);
}

// A Prometheus URL that fails the way `failure` says; the stub (if any) stays in `stub`.
std::string failing_url(Failure failure, std::unique_ptr<testing::HttpStub>& stub) {
  switch (failure) {
    case Failure::http_error:
      stub = std::make_unique<testing::HttpStub>();
      stub->set_fallback(testing::StubResponse::json(
          500, R"({"status":"error","errorType":"internal","error":"storage is on fire"})"));
      return stub->url();
    case Failure::hang:
      stub = std::make_unique<testing::HttpStub>();
      stub->set_fallback(testing::StubResponse::hang_for(5s));
      return stub->url();
    case Failure::down: {
      // A port nobody listens on: taken from the kernel, then released.
      const auto port = free_loopback_port();
      return "http://127.0.0.1:" + std::to_string(port.value_or(1));
    }
  }
  return "";
}

std::set<std::pair<std::string, std::string>> id_and_status(const std::vector<BreachRow>& rows) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& row : rows) out.emplace(row.id, row.status);
  return out;
}

void expect_no_data_everywhere(const MetricsText& metrics) {
  const auto up = metrics.find("slamon_policy_metric_up");
  EXPECT_EQ(up.size(), 4u);
  for (const auto& sample : up) {
    EXPECT_EQ(sample.value, 0) << sample.labels.at("policy_id") << " "
                               << sample.labels.at("metric");
  }
  EXPECT_TRUE(metrics.find("slamon_policy_metric_value").empty()) << "no value without data";
}

class BadSource : public FleetTest, public ::testing::WithParamInterface<Failure> {};

TEST_P(BadSource, MeansNoDataNeverAFalseBreachAndKeepsTheOpenBreaches) {
  const FleetFiles files = write_fleet({.prometheus_url = "", .source_timeout = "1s"});
  // At debug level too, nothing may print the credentials.
  auto started = SlamonDaemon::start(files.config, dir_.path(), "slamon", {"--log.level=debug"});
  ASSERT_TRUE(started) << started.error().message;
  auto& daemon = **started;
  const auto healthy = daemon.wait_for_metrics(
      "both breaches opened against the real Prometheus",
      [](const MetricsText& metrics) { return metrics.find("slamon_breach_active").size() == 2; });
  ASSERT_TRUE(healthy) << healthy.error().message;
  const auto breaches_before = read_breaches(files.storage);
  ASSERT_TRUE(breaches_before) << breaches_before.error().message;
  ASSERT_EQ(open_breaches(*breaches_before).size(), 2u);
  const auto events_before = read_events(files.storage);
  ASSERT_TRUE(events_before) << events_before.error().message;

  // Point the source at the failing Prometheus and reload.
  std::unique_ptr<testing::HttpStub> stub;
  const std::string url = failing_url(GetParam(), stub);
  dir_.write("slamon.yml", fleet_main_config({.prometheus_url = url, .source_timeout = "1s"}));
  const auto reloaded = daemon.post("/-/reload");
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  ASSERT_EQ(reloaded->status, 200) << reloaded->body;

  const auto down = daemon.wait_for_metrics(
      "slamon_source_up{source=\"prom\"} 0", [](const MetricsText& metrics) {
        return metrics.value("slamon_source_up", {{"source", "prom"}}) == 0;
      });
  ASSERT_TRUE(down) << down.error().message;
  // One more full cycle against the failing source, to see that nothing drifts.
  const auto later = daemon.wait_for_evaluations(evaluations_total(*down) + 1);
  ASSERT_TRUE(later) << later.error().message;
  for (const MetricsText* metrics : {&*down, &*later}) {
    EXPECT_EQ(metrics->value("slamon_source_up", {{"source", "prom"}}), 0);
    expect_no_data_everywhere(*metrics);
    // no_data: keep: the open breaches stay, as they were.
    EXPECT_EQ(metrics->find("slamon_breach_active").size(), 2u);
    EXPECT_EQ(
        metrics
            ->find("slamon_breach_active", {{"policy_id", kBravoPolicy}, {"severity", "warning"}})
            .size(),
        1u);
    EXPECT_EQ(metrics
                  ->find("slamon_breach_active",
                         {{"policy_id", kCharliePolicy}, {"severity", "critical"}})
                  .size(),
              1u);
  }
  const auto healthz = daemon.get("/-/healthy");
  ASSERT_TRUE(healthz) << healthz.error().message;
  EXPECT_EQ(healthz->status, 200);

  const auto breaches_after = read_breaches(files.storage);
  ASSERT_TRUE(breaches_after) << breaches_after.error().message;
  EXPECT_EQ(id_and_status(*breaches_after), id_and_status(*breaches_before))
      << "no breach opened for the compliant policy, none resolved";
  const auto events_after = read_events(files.storage);
  ASSERT_TRUE(events_after) << events_after.error().message;
  EXPECT_EQ(events_after->size(), events_before->size());

  // SIGTERM while cycles wait on the failing source: a clean stop all the same (SPEC §1).
  const auto stopped = daemon.stop();
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->code(), 0) << stopped->describe() << "\n" << daemon.log();

  const std::string log = daemon.log();
  EXPECT_NE(log.find("slamon stopped"), std::string::npos) << log;
  EXPECT_EQ(daemon.process().stdout_text().find(kSecretToken), std::string::npos);
  EXPECT_NE(log.find("source query failed"), std::string::npos) << log;
  EXPECT_NE(log.find("source=prom"), std::string::npos) << log;
  EXPECT_EQ(log.find(kSecretToken), std::string::npos) << "the bearer token leaked into the log:\n"
                                                       << log;
  if (GetParam() == Failure::hang) {
    EXPECT_NE(log.find("timed out"), std::string::npos) << log;
    // Each query gave up at the 1 s timeout, long before the stub's 5 s hang ended.
    const auto waited = down->value("slamon_source_request_duration_seconds", {{"source", "prom"}});
    ASSERT_TRUE(waited.has_value());
    EXPECT_GE(*waited, 0.9);
    EXPECT_LT(*waited, 5.0);
  }
  if (GetParam() == Failure::http_error) {
    EXPECT_NE(log.find("HTTP 500"), std::string::npos) << log;
  }
  if (stub) {
    // The token was sent (so its absence from the log means something).
    ASSERT_GT(stub->request_count(), 0u);
    EXPECT_EQ(stub->requests().front().header("authorization"),
              std::string("Bearer ") + kSecretToken);
  }
}

INSTANTIATE_TEST_SUITE_P(Integration, BadSource,
                         ::testing::Values(Failure::http_error, Failure::hang, Failure::down),
                         [](const ::testing::TestParamInfo<Failure>& info) {
                           return to_string(info.param);
                         });

// A source that is down from the start: the first cycles open nothing at all.
class SourceDownFromTheStart : public FleetTest {};

TEST_F(SourceDownFromTheStart, OpensNoBreach) {
  const auto port = free_loopback_port();
  ASSERT_TRUE(port) << port.error().message;
  const FleetFiles files = write_fleet(
      {.prometheus_url = "http://127.0.0.1:" + std::to_string(*port), .source_timeout = "1s"});
  auto started = SlamonDaemon::start(files.config, dir_.path(), "slamon");
  ASSERT_TRUE(started) << started.error().message;
  const auto metrics = (*started)->wait_for_evaluations(2);
  ASSERT_TRUE(metrics) << metrics.error().message;
  EXPECT_EQ(metrics->value("slamon_source_up", {{"source", "prom"}}), 0);
  expect_no_data_everywhere(*metrics);
  EXPECT_TRUE(metrics->find("slamon_breach_active").empty());
  const auto breaches = read_breaches(files.storage);
  ASSERT_TRUE(breaches) << breaches.error().message;
  EXPECT_TRUE(breaches->empty());
  EXPECT_EQ((*started)->log().find(kSecretToken), std::string::npos);
}

}  // namespace
}  // namespace slamon::integration
