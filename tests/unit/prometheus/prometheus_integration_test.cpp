// PrometheusSource against a real Prometheus holding backfilled history (PrometheusServer).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include "prometheus/prometheus_source.h"
#include "support/prometheus_server.h"

namespace slamon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::OpenMetricsBuilder;
using testing::PrometheusServer;

const WallTime kHistoryStart{seconds(1767225600)};  // 2026-01-01T00:00:00Z
constexpr int kHistoryMinutes = 120;
constexpr const char* kUptimeQuery = "100 * avg by (site_id) (avg_over_time(probe_success[5m]))";

std::vector<double> constant(double value) {
  return std::vector<double>(kHistoryMinutes, value);
}

// Site a: two healthy devices; b: one of two down; c: one of three down; d: up for the first
// hour, down for the second.
std::string history(WallTime now) {
  OpenMetricsBuilder builder;
  const auto probe = [&](const std::string& site, const std::string& device,
                         const std::vector<double>& values) {
    builder.gauge_series("probe_success", {{"site_id", site}, {"device", device}}, kHistoryStart,
                         seconds(60), values);
  };
  probe("a", "d1", constant(1));
  probe("a", "d2", constant(1));
  probe("b", "d3", constant(1));
  probe("b", "d4", constant(0));
  probe("c", "d5", constant(1));
  probe("c", "d6", constant(1));
  probe("c", "d7", constant(0));
  std::vector<double> first_hour_up(kHistoryMinutes, 0);
  std::fill(first_hour_up.begin(), first_hour_up.begin() + 60, 1);
  probe("d", "d8", first_hour_up);
  builder.gauge("probe_latency_seconds", {{"site_id", "a"}, {"name", "Zürich ☂"}},
                {{to_unix_seconds(kHistoryStart) + 600, 0.025}});

  // Around the real current time: from one hour ago to three hours ahead, every 5 minutes.
  const auto start = std::chrono::floor<minutes>(now) - hours(1);
  std::vector<double> around_now;
  for (int i = 0; i <= 48; ++i) around_now.push_back(i);
  builder.gauge_series("around_now", {{"job", "clock"}}, start, minutes(5), around_now);
  return builder.str();
}

class PrometheusIntegration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    now_ = std::chrono::floor<minutes>(std::chrono::system_clock::now());
    auto started = PrometheusServer::start(history(now_));
    ASSERT_TRUE(started) << started.error().message;
    server_ = std::move(*started).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr) << "Prometheus did not start"; }

  static PrometheusSource source() {
    SourceConfig config;
    config.name = "prom";
    config.url = server_->url();
    config.timeout = seconds(10);
    return PrometheusSource(config);
  }

  static std::map<std::string, double> by_site(const QueryResult& result) {
    std::map<std::string, double> values;
    for (const auto& sample : result.samples) {
      EXPECT_EQ(sample.labels.size(), 1u);
      values[sample.labels.at("site_id")] = sample.value;
    }
    return values;
  }

  static inline PrometheusServer* server_ = nullptr;
  static inline WallTime now_{};
};

TEST_F(PrometheusIntegration, BatchedQueryAtABackfilledInstantGivesOneSamplePerSite) {
  auto prom = source();
  const auto result = prom.instant_query(kUptimeQuery, kHistoryStart + minutes(30));
  ASSERT_TRUE(result) << result.error().message;
  const auto values = by_site(*result);
  ASSERT_EQ(values.size(), 4u);
  EXPECT_DOUBLE_EQ(values.at("a"), 100);
  EXPECT_DOUBLE_EQ(values.at("b"), 50);
  EXPECT_NEAR(values.at("c"), 200.0 / 3.0, 1e-9);
  EXPECT_DOUBLE_EQ(values.at("d"), 100);
  EXPECT_GT(result->elapsed.count(), 0);
}

TEST_F(PrometheusIntegration, TheInstantDecidesTheAnswer) {
  auto prom = source();
  const auto result = prom.instant_query(kUptimeQuery, kHistoryStart + minutes(90));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_DOUBLE_EQ(by_site(*result).at("d"), 0);

  // Half-way through the change: 00:57..01:02 inclusive holds 3 ups and 3 downs.
  const auto edge = prom.instant_query(kUptimeQuery, kHistoryStart + minutes(62));
  ASSERT_TRUE(edge) << edge.error().message;
  EXPECT_DOUBLE_EQ(by_site(*edge).at("d"), 50);
}

TEST_F(PrometheusIntegration, MillisecondInstantsAreAccepted) {
  auto prom = source();
  const auto result = prom.instant_query(
      kUptimeQuery, kHistoryStart + minutes(30) + std::chrono::milliseconds(123));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->samples.size(), 4u);
}

TEST_F(PrometheusIntegration, UnicodeLabelValuesSurvive) {
  auto prom = source();
  const auto result =
      prom.instant_query("probe_latency_seconds * 1000", kHistoryStart + minutes(12));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->samples.size(), 1u);
  EXPECT_EQ(result->samples[0].labels.at("name"), "Zürich ☂");
  EXPECT_DOUBLE_EQ(result->samples[0].value, 25);
}

TEST_F(PrometheusIntegration, NoDataBeforeTheHistoryIsAnEmptyResult) {
  auto prom = source();
  const auto result = prom.instant_query(kUptimeQuery, kHistoryStart - hours(24));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->samples.empty());
}

TEST_F(PrometheusIntegration, ScalarQuery) {
  auto prom = source();
  const auto result =
      prom.instant_query("scalar(count(probe_success))", kHistoryStart + minutes(30));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->samples.size(), 1u);
  EXPECT_TRUE(result->samples[0].labels.empty());
  EXPECT_DOUBLE_EQ(result->samples[0].value, 8);
}

TEST_F(PrometheusIntegration, DivisionByZeroGivesInfAndNaNAsReported) {
  auto prom = source();
  const auto result =
      prom.instant_query(R"(probe_success{device=~"d3|d4"} / on() group_left() vector(0))",
                         kHistoryStart + minutes(30));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->samples.size(), 2u);
  for (const auto& sample : result->samples) {
    if (sample.labels.at("device") == "d3") {
      EXPECT_TRUE(std::isinf(sample.value) && sample.value > 0);
    } else {
      EXPECT_TRUE(std::isnan(sample.value));
    }
  }
}

TEST_F(PrometheusIntegration, BadPromQLReturnsThePrometheusError) {
  auto prom = source();
  const auto result = prom.instant_query("avg by (site_id) (probe_success", kHistoryStart);
  ASSERT_FALSE(result);
  const auto& message = result.error().message;
  EXPECT_NE(
      message.find("source \"prom\": POST " + server_->url() + "/api/v1/query: HTTP 400: bad_data"),
      std::string::npos)
      << message;
  EXPECT_NE(message.find("parse error"), std::string::npos) << message;
}

TEST_F(PrometheusIntegration, RangeVectorQueryIsRefused) {
  auto prom = source();
  const auto result = prom.instant_query("probe_success[5m]", kHistoryStart + minutes(30));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("matrix"), std::string::npos) << result.error().message;
}

// Backfilled data newer than "now" and up to three hours ahead is queryable (the demo relies
// on it), and so is data from the last hour.
TEST_F(PrometheusIntegration, RecentAndFutureBackfilledDataIsQueryable) {
  auto prom = source();
  const auto start = now_ - hours(1);
  for (const int step : {6, 12, 24, 47}) {  // now-30m, now, now+1h, now+2h55m
    const auto result = prom.instant_query("around_now", start + minutes(5 * step));
    ASSERT_TRUE(result) << result.error().message;
    ASSERT_EQ(result->samples.size(), 1u) << "step " << step;
    EXPECT_DOUBLE_EQ(result->samples[0].value, step);
  }
}

TEST(PrometheusServerFixture, StartsWithoutHistory) {
  auto started = PrometheusServer::start("");
  ASSERT_TRUE(started) << started.error().message;
  SourceConfig config;
  config.name = "empty";
  config.url = (*started)->url();
  PrometheusSource prom(config);
  const auto result = prom.instant_query("up", kHistoryStart);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->samples.empty());
}

TEST(PrometheusServerFixture, ReportsPromtoolErrors) {
  const auto started = PrometheusServer::start("this is not openmetrics\n");
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("promtool"), std::string::npos) << started.error().message;
}

TEST(OpenMetricsBuilder, WritesSortedFamiliesAndEof) {
  OpenMetricsBuilder builder;
  builder.gauge("m", {{"b", "x\"y"}, {"a", "1"}}, {{20, 2}, {10, std::nan("")}});
  builder.gauge("n", {}, {{10, -std::numeric_limits<double>::infinity()}});
  builder.gauge("m", {{"a", "2"}}, {{10.5, 0.25}});
  EXPECT_EQ(builder.str(),
            "# TYPE m gauge\n"
            "m{a=\"1\",b=\"x\\\"y\"} NaN 10\n"
            "m{a=\"1\",b=\"x\\\"y\"} 2 20\n"
            "m{a=\"2\"} 0.25 10.5\n"
            "# TYPE n gauge\n"
            "n -Inf 10\n"
            "# EOF\n");
}

}  // namespace
}  // namespace slamon
