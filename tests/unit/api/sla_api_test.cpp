// The SPEC §7 endpoints of the API (SPEC §11): compliance windows, SLA periods, maintenance
// windows and suppressed events. Most tests call the handlers install_routes registers
// directly (with a History on the ApiWorld's database); a few go through ApiWorld's HTTP
// server, which runs without a history and with the response cache.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/api.h"
#include "api_client.h"
#include "api_fixture.h"
#include "common/uuid.h"
#include "history/history.h"
#include "model/model.h"
#include "slaview/sla_view.h"
#include "status/status_page.h"
#include "support/sample_breach.h"
#include "support/sample_policy.h"

namespace slamon::api::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

WallTime utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  using namespace std::chrono;
  return sys_days(year_month_day{year(y), month(m), day(d)}) + hours(h) + minutes(min);
}

const std::string kUptimeA1 = "uptime-a1";        // site A1, uptime >= 99, latency <= 100
const std::string kHoursA1 = "hours-a1";          // ... business hours in Berlin
const std::string kMonthlyBerlin = "monthly-a1";  // month in Berlin, credits, requirements
const std::string kLatencyA2 = "latency-a2";      // site A2, latency only
const std::string kConfigWindowA = "config-1";    // org A, site A1, 2027-02-10 for a day
const std::string kConfigWindowB = "config-2";    // org B, site B1, Sundays 02:00 for 2h

Policy site_policy(const std::string& id, const std::string& site) {
  return slamon::testing::site_policy({.id = id, .org = kOrgA, .site = site, .provisioned = true});
}

using slamon::testing::set_threshold;

// A maintenance window of the config files on one site; the test sets its times.
MaintenanceWindow site_window(const std::string& id, const std::string& org,
                              const std::string& site, const std::string& reason) {
  MaintenanceWindow window;
  window.id = id;
  window.org = org;
  window.scope = Scope::site;
  window.scope_id = site;
  window.reason = reason;
  window.provisioned = true;
  return window;
}

void add_sla_objects(Config& config) {
  Policy uptime = site_policy(kUptimeA1, kSiteA1);
  set_threshold(uptime, Metric::uptime_percent, 99);
  set_threshold(uptime, Metric::latency_ms, 100);
  config.policies.push_back(uptime);

  Policy hours = site_policy(kHoursA1, kSiteA1);
  set_threshold(hours, Metric::uptime_percent, 99);
  hours.sla_period = SlaPeriod{PeriodKind::week, "Europe/Berlin"};
  TimePeriod business;
  for (int day = 0; day < 5; ++day) business.by_weekday[day] = {DailyWindow{9 * 60, 17 * 60}};
  hours.time_period = business;
  config.policies.push_back(hours);

  Policy monthly = site_policy(kMonthlyBerlin, kSiteA1);
  set_threshold(monthly, Metric::uptime_percent, 99);
  monthly.sla_period = SlaPeriod{PeriodKind::month, "Europe/Berlin"};
  monthly.credits = {{99.9, 10}, {99.0, 25}};
  monthly.requirements = {{2, 2min, Metric::uptime_percent}};
  config.policies.push_back(monthly);

  Policy latency = site_policy(kLatencyA2, kSiteA2);
  set_threshold(latency, Metric::latency_ms, 100);
  config.policies.push_back(latency);

  MaintenanceWindow once = site_window(kConfigWindowA, kOrgA, kSiteA1, "ISP work");
  once.start = utc(2027, 2, 10);
  once.end = utc(2027, 2, 11);
  config.maintenance.push_back(once);

  MaintenanceWindow weekly = site_window(kConfigWindowB, kOrgB, kSiteB1, "patching");
  weekly.recurrence = "0 2 * * sun";
  weekly.duration = 2h;
  config.maintenance.push_back(weekly);
}

struct Answer {
  int status = 0;
  http::HeaderMap headers;
  json body;
};

class SlaApi : public ::testing::Test {
 protected:
  SlaApi() {
    config_ = world_.config_with(add_sla_objects);
    auto opened =
        history::History::open((world_.dir().path() / "state.db").string(), world_.clock());
    if (!opened) throw std::runtime_error("history: " + opened.error().message);
    history_ = std::move(*opened);
    ApiContext context;
    context.config = [this] { return config_; };
    context.store = &world_.store();
    context.run_cycle = [this](const ConfigPtr& config, const CycleOptions& options) {
      return world_.engine().run_cycle(config, options);
    };
    context.clock = &world_.clock();
    context.history = history_.get();
    install_routes(
        [this](std::string_view method, std::string_view pattern, http::Handler handler) {
          routes_[{std::string(method), std::string(pattern)}] = std::move(handler);
        },
        context);
  }

  // Calls the handler of (method, pattern) as the router would.
  Answer call(const std::string& method, const std::string& pattern, const std::string& token,
              http::PathParams params = {}, http::QueryParams query = {},
              std::optional<std::string> body = std::nullopt) {
    const auto route = routes_.find({method, pattern});
    if (route == routes_.end()) {
      ADD_FAILURE() << "no route " << method << " " << pattern;
      return {};
    }
    http::HttpRequest request;
    request.method = method;
    // The real path: the response cache keys on it.
    request.path = pattern;
    for (const auto& [name, value] : params) {
      const std::string segment = "{" + name + "}";
      if (auto at = request.path.find(segment); at != std::string::npos) {
        request.path.replace(at, segment.size(), value);
      }
    }
    request.path_params = params;
    request.query_params = std::move(query);
    request.headers.emplace("Authorization", "Bearer " + ApiWorld::token(token));
    if (body) {
      request.headers.emplace("Content-Type", "application/json");
      request.body = *body;
    }
    http::HttpResponse response = route->second(request);
    Answer answer;
    answer.status = response.status;
    answer.headers = response.headers;
    if (!response.body.empty()) answer.body = json::parse(response.body, nullptr, false);
    return answer;
  }

  Answer compliance(const std::string& policy, const std::string& token,
                    http::QueryParams query = {}) {
    return call("GET", "/api/v1/sla/policies/{policy_id}/compliance", token,
                {{"policy_id", policy}}, std::move(query));
  }
  Answer periods(const std::string& policy, const std::string& token,
                 http::QueryParams query = {}) {
    return call("GET", "/api/v1/sla/policies/{policy_id}/periods", token, {{"policy_id", policy}},
                std::move(query));
  }
  Answer list_windows(const std::string& token, http::QueryParams query = {}) {
    return call("GET", "/api/v1/sla/maintenance", token, {}, std::move(query));
  }
  Answer create_window(const std::string& token, const json& body) {
    return call("POST", "/api/v1/sla/maintenance", token, {}, {}, body.dump());
  }
  Answer delete_window(const std::string& token, const std::string& id) {
    return call("DELETE", "/api/v1/sla/maintenance/{maintenance_id}", token,
                {{"maintenance_id", id}});
  }
  Answer suppressed(const std::string& token, const std::string& id, http::QueryParams query = {}) {
    return call("GET", "/api/v1/sla/maintenance/{maintenance_id}/suppressed", token,
                {{"maintenance_id", id}}, std::move(query));
  }

  void segments(const std::string& policy,
                const std::vector<std::tuple<WallTime, WallTime, std::string>>& stretches) {
    CycleWrite write;
    for (const auto& [start, end, status] : stretches) {
      write.segments.push_back({policy, kOrgA, start, end, status});
    }
    ASSERT_TRUE(world_.store().commit(write)) << "commit segments";
  }

  void uptime_points(const std::string& policy, WallTime first, const std::vector<double>& values,
                     Duration step = 5min) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      const history::Observation observation{policy, Metric::uptime_percent, values[i]};
      ASSERT_TRUE(history_->append(first + step * static_cast<int>(i), {&observation, 1}));
    }
  }

  void outage(const std::string& policy, WallTime opened, Duration lasted,
              Metric metric = Metric::uptime_percent) {
    const Breach breach = slamon::testing::sample_breach({.id = uuid_v4(),
                                                          .org = kOrgA,
                                                          .policy_id = policy,
                                                          .scope_id = kSiteA1,
                                                          .metric = metric,
                                                          .actual = 90,
                                                          .threshold = 99,
                                                          .deviation_percent = 9.1,
                                                          .status = BreachStatus::resolved,
                                                          .opened_at = opened,
                                                          .last_evaluated_at = opened + lasted,
                                                          .resolved_at = opened + lasted});
    ASSERT_TRUE(world_.store().commit({breach}, {})) << "commit breach";
  }

  ApiWorld world_;
  ConfigPtr config_;
  std::unique_ptr<history::History> history_;
  std::map<std::pair<std::string, std::string>, http::Handler> routes_;
};

double seconds(const json& statuses, const char* status) {
  return statuses.at(status).at("seconds").get<double>();
}

bool has_field_error(const Answer& answer, const std::string& field) {
  if (answer.status != 422) return false;
  for (const json& detail : answer.body["error"]["details"]) {
    if (detail.value("field", "") == field) return true;
  }
  return false;
}

// --- /compliance ---

TEST_F(SlaApi, ComplianceWindowsOverSegmentsWithGapsAndMaintenance) {
  const WallTime now = world_.clock().now();
  segments(kUptimeA1, {{now - 120h, now - 96h, "up"},
                       {now - 24h, now - 12h, "up"},
                       {now - 12h, now - 11h, "degraded"},
                       {now - 11h, now - 10h, "down"},
                       // now - 10h .. now - 8h: not evaluated (unknown)
                       {now - 8h, now - 7h, "maintenance"},
                       {now - 7h, now, "up"}});

  const Answer day = compliance(kUptimeA1, "a-viewer", {{"window", "1d"}});
  ASSERT_EQ(day.status, 200) << day.body;
  EXPECT_EQ(day.body["policy_id"], kUptimeA1);
  EXPECT_EQ(day.body["window"], "1d");
  EXPECT_EQ(day.body["from"], format_rfc3339(now - 24h));
  EXPECT_EQ(day.body["to"], format_rfc3339(now));
  const json& statuses = day.body["statuses"];
  EXPECT_DOUBLE_EQ(seconds(statuses, "up"), 19 * 3600.0);
  EXPECT_DOUBLE_EQ(seconds(statuses, "degraded"), 3600.0);
  EXPECT_DOUBLE_EQ(seconds(statuses, "down"), 3600.0);
  EXPECT_DOUBLE_EQ(seconds(statuses, "unknown"), 2 * 3600.0);
  EXPECT_DOUBLE_EQ(seconds(statuses, "maintenance"), 3600.0);
  EXPECT_DOUBLE_EQ(statuses["up"]["share"].get<double>(), 19.0 / 24.0);
  EXPECT_DOUBLE_EQ(day.body["compliance_ratio"].get<double>(), 19.0 / 21.0);

  const Answer week = compliance(kUptimeA1, "a-viewer", {{"window", "7d"}});
  ASSERT_EQ(week.status, 200);
  EXPECT_DOUBLE_EQ(seconds(week.body["statuses"], "up"), 43 * 3600.0);
  EXPECT_DOUBLE_EQ(seconds(week.body["statuses"], "unknown"), (168 - 43 - 3) * 3600.0);
  EXPECT_DOUBLE_EQ(week.body["compliance_ratio"].get<double>(), 43.0 / 45.0);

  const Answer all = compliance(kUptimeA1, "a-viewer", {{"window", "all"}});
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body["from"], format_rfc3339(now - 120h));
  EXPECT_DOUBLE_EQ(seconds(all.body["statuses"], "unknown"), (120 - 43 - 3) * 3600.0);

  const Answer fallback = compliance(kUptimeA1, "a-viewer");
  ASSERT_EQ(fallback.status, 200);
  EXPECT_EQ(fallback.body["window"], "30d");
  EXPECT_EQ(fallback.body["from"], format_rfc3339(now - 30 * 24h));
}

TEST_F(SlaApi, ComplianceOfAPolicyNeverEvaluated) {
  const Answer day = compliance(kUptimeA1, "a-viewer", {{"window", "1d"}});
  ASSERT_EQ(day.status, 200);
  EXPECT_TRUE(day.body["compliance_ratio"].is_null());
  EXPECT_DOUBLE_EQ(day.body["statuses"]["unknown"]["share"].get<double>(), 1.0);
  const Answer all = compliance(kUptimeA1, "a-viewer", {{"window", "all"}});
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body["from"], all.body["to"]);
  EXPECT_TRUE(all.body["compliance_ratio"].is_null());
  EXPECT_DOUBLE_EQ(all.body["statuses"]["unknown"]["seconds"].get<double>(), 0.0);
  EXPECT_TRUE(all.body["metrics"]["uptime_percent"].is_null());
}

TEST_F(SlaApi, ComplianceGivesMetricStatisticsFromHistory) {
  const WallTime now = world_.clock().now();
  uptime_points(kUptimeA1, now - 3h, {99, 100, 98}, 1h);
  const Answer day = compliance(kUptimeA1, "a-viewer", {{"window", "1d"}});
  ASSERT_EQ(day.status, 200);
  const json& metrics = day.body["metrics"];
  ASSERT_EQ(metrics.size(), 2u) << metrics;  // the policy's two thresholds
  EXPECT_TRUE(metrics["latency_ms"].is_null());
  const json& uptime = metrics["uptime_percent"];
  EXPECT_EQ(uptime["count"], 3);
  EXPECT_DOUBLE_EQ(uptime["min"].get<double>(), 98);
  EXPECT_DOUBLE_EQ(uptime["mean"].get<double>(), 99);
  EXPECT_DOUBLE_EQ(uptime["max"].get<double>(), 100);
  for (const char* key : {"p50", "p95", "p99"}) EXPECT_TRUE(uptime[key].is_number()) << key;
}

TEST_F(SlaApi, ComplianceCountsOnlyBusinessHoursInThePolicysZone) {
  // 2027-01-15 08:00 UTC is a Friday; Berlin is UTC+1, so 09:00-17:00 there is 08:00-16:00 UTC.
  const WallTime now = world_.clock().now();
  ASSERT_EQ(now, utc(2027, 1, 15, 8));
  const WallTime thursday = utc(2027, 1, 14);
  segments(kHoursA1, {{now - 168h, thursday + 10h, "up"},
                      {thursday + 10h, thursday + 11h, "down"},  // business hours
                      {thursday + 11h, thursday + 20h, "up"},
                      {thursday + 20h, thursday + 21h, "down"},  // evening: not counted
                      {thursday + 21h, now, "up"}});
  const Answer day = compliance(kHoursA1, "a-viewer", {{"window", "1d"}});
  ASSERT_EQ(day.status, 200);
  EXPECT_DOUBLE_EQ(seconds(day.body["statuses"], "up"), 7 * 3600.0);
  EXPECT_DOUBLE_EQ(seconds(day.body["statuses"], "down"), 3600.0);
  EXPECT_DOUBLE_EQ(seconds(day.body["statuses"], "unknown"), 0.0);
  EXPECT_DOUBLE_EQ(day.body["compliance_ratio"].get<double>(), 7.0 / 8.0);

  // Friday 8 .. Thursday 14: five business days of 8 hours.
  const Answer week = compliance(kHoursA1, "a-viewer", {{"window", "7d"}});
  ASSERT_EQ(week.status, 200);
  EXPECT_DOUBLE_EQ(seconds(week.body["statuses"], "up") + seconds(week.body["statuses"], "down"),
                   40 * 3600.0);
}

TEST_F(SlaApi, ComplianceRefusesUnknownWindowsAndHidesOtherTenants) {
  for (const char* bad : {"2d", "", "30D", "1w"}) {
    const Answer answer = compliance(kUptimeA1, "a-viewer", {{"window", bad}});
    EXPECT_TRUE(has_field_error(answer, "window")) << bad << " " << answer.body;
  }
  EXPECT_EQ(compliance(kUptimeA1, "b-viewer").status, 404);
  EXPECT_EQ(compliance("no-such-policy", "a-viewer").status, 404);
  // A site grant sees its site's policies only, exactly like GET /policies/{id}.
  EXPECT_EQ(compliance(kUptimeA1, "a-viewer-a1").status, 200);
  EXPECT_EQ(compliance(kLatencyA2, "a-viewer-a1").status, 404);
  EXPECT_EQ(compliance(kProvB1, "a-viewer").status, 404);
  EXPECT_EQ(compliance(kProvB1, "b-viewer").status, 200);
  // Policy ids are compared lower-case.
  EXPECT_EQ(compliance("UPTIME-A1", "a-viewer").status, 200);
}

// --- /periods ---

class SlaPeriods : public SlaApi {
 protected:
  SlaPeriods() {
    world_.clock().set(utc(2027, 3, 10, 12));
    // Berlin months: January [Dec 31 23:00Z, Jan 31 23:00Z), February to Feb 28 23:00Z.
    uptime_points(kMonthlyBerlin, utc(2027, 1, 5), std::vector<double>(12, 100.0));
    std::vector<double> february(12, 100.0);
    february[3] = 0;
    february[7] = 0;
    uptime_points(kMonthlyBerlin, utc(2027, 2, 5), february);
    // Inside the configured maintenance window (Feb 10): excluded from the uptime.
    uptime_points(kMonthlyBerlin, utc(2027, 2, 10, 1), {0, 0});
    uptime_points(kMonthlyBerlin, utc(2027, 3, 5), std::vector<double>(12, 100.0));
    // January: three outages of at least 2 minutes (one is not long enough, one is latency).
    outage(kMonthlyBerlin, utc(2027, 1, 6), 5min);
    outage(kMonthlyBerlin, utc(2027, 1, 7), 2min);
    outage(kMonthlyBerlin, utc(2027, 1, 8), 1h);
    outage(kMonthlyBerlin, utc(2027, 1, 9), 1min);
    outage(kMonthlyBerlin, utc(2027, 1, 10), 1h, Metric::latency_ms);
    // March: one of the two allowed.
    outage(kMonthlyBerlin, utc(2027, 3, 6), 5min);
    segments(kMonthlyBerlin, {{utc(2027, 3, 1), utc(2027, 3, 6), "up"},
                              {utc(2027, 3, 6), utc(2027, 3, 6, 0, 5), "degraded"},
                              {utc(2027, 3, 6, 0, 5), utc(2027, 3, 10, 12), "up"}});
  }
};

TEST_F(SlaPeriods, DefaultIsTheLastThreePeriodsInThePolicysZone) {
  const Answer answer = periods(kMonthlyBerlin, "a-viewer");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body["from"], "2026-12-31T23:00:00Z");
  EXPECT_EQ(answer.body["to"], "2027-03-10T12:00:00Z");
  EXPECT_EQ(answer.body["sla_period"], json({{"kind", "month"}, {"timezone", "Europe/Berlin"}}));
  const json& items = answer.body["items"];
  ASSERT_EQ(items.size(), 3u) << items;
  EXPECT_EQ(items[0]["start"], "2026-12-31T23:00:00Z");
  EXPECT_EQ(items[0]["end"], "2027-01-31T23:00:00Z");
  EXPECT_EQ(items[1]["start"], "2027-01-31T23:00:00Z");
  EXPECT_EQ(items[1]["end"], "2027-02-28T23:00:00Z");
  EXPECT_EQ(items[2]["start"], "2027-02-28T23:00:00Z");
  EXPECT_EQ(items[2]["end"], "2027-03-31T22:00:00Z");  // summer time from March 28
  EXPECT_TRUE(items[0]["complete"].get<bool>());
  EXPECT_TRUE(items[1]["complete"].get<bool>());
  EXPECT_FALSE(items[2]["complete"].get<bool>());
}

TEST_F(SlaPeriods, RequirementsBreakAPeriodWhoseUptimeWasMet) {
  const json january = periods(kMonthlyBerlin, "a-viewer").body["items"][0];
  EXPECT_EQ(january["state"], "broken");
  EXPECT_DOUBLE_EQ(january["achieved_percent"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(january["achieved_uptime_percent"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(january["target_percent"].get<double>(), 99.0);
  EXPECT_DOUBLE_EQ(january["credit_percent"].get<double>(), 0.0);
  ASSERT_EQ(january["requirements"].size(), 1u);
  EXPECT_EQ(january["requirements"][0], json({{"metric", "uptime_percent"},
                                              {"max_outages", 2},
                                              {"min_duration", "2m"},
                                              {"outages", 3},
                                              {"broken", true}}));
  EXPECT_DOUBLE_EQ(january["budget_used"].get<double>(), 1.5);
}

// The API, the status page and the read model answer the same numbers for the same policy and
// range: they all render slaview::SlaView.
TEST_F(SlaPeriods, TheApiTheStatusPageAndTheReadModelAgree) {
  const WallTime now = world_.clock().now();
  const Policy* policy = nullptr;
  for (const Policy& candidate : config_->policies) {
    if (candidate.id == kMonthlyBerlin) policy = &candidate;
  }
  ASSERT_NE(policy, nullptr);
  const slaview::SlaView view(*config_, world_.store(), history_.get());

  // /periods: every period as the read model judges it.
  const Answer periods_answer = periods(kMonthlyBerlin, "a-viewer");
  ASSERT_EQ(periods_answer.status, 200) << periods_answer.body;
  const json& items = periods_answer.body["items"];
  auto model_periods = view.periods(*policy, {utc(2026, 12, 31, 23), now}, now);
  ASSERT_TRUE(model_periods) << model_periods.error().message;
  ASSERT_EQ(items.size(), model_periods->items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const sla::PeriodResult& result = model_periods->items[i];
    EXPECT_EQ(items[i]["state"], std::string(sla::to_string(result.state)));
    ASSERT_TRUE(result.achieved_percent);
    EXPECT_DOUBLE_EQ(items[i]["achieved_percent"].get<double>(), *result.achieved_percent);
    EXPECT_DOUBLE_EQ(items[i]["budget_used"].get<double>(), result.budget_used);
  }

  // The status page's badge is the running period, judged as /periods judges it.
  auto standing = view.standing(*policy, now);
  ASSERT_TRUE(standing) << standing.error().message;
  EXPECT_EQ(standing->window.start, utc(2027, 2, 28, 23));
  ASSERT_TRUE(standing->measured_uptime_percent());
  const json& running = items.back();
  EXPECT_DOUBLE_EQ(running["achieved_uptime_percent"].get<double>(),
                   *standing->measured_uptime_percent());
  EXPECT_EQ(running["state"], std::string(sla::to_string(standing->result.state)));

  StatusPage page;
  page.slug = "agree";
  page.org = kOrgA;
  page.title = "Agree";
  auto page_view = status::build_page_view(page, *config_, world_.store(), history_.get(), now);
  ASSERT_TRUE(page_view) << page_view.error().message;
  const status::PolicyView* shown = nullptr;
  for (const status::PolicyView& candidate : page_view->policies) {
    if (candidate.id == kMonthlyBerlin) shown = &candidate;
  }
  ASSERT_NE(shown, nullptr);
  ASSERT_TRUE(shown->badge.achieved_percent);
  EXPECT_TRUE(shown->badge.measures_uptime);
  EXPECT_DOUBLE_EQ(*shown->badge.achieved_percent, *standing->measured_uptime_percent());
  EXPECT_EQ(shown->badge.state, standing->result.state);
  EXPECT_EQ(shown->badge.window.start, standing->window.start);

  // The bars' time in compliance is the compliance over the bars' span.
  const sla::Interval bars{shown->days.front().start, now};
  auto compliance = view.compliance(*policy, bars);
  ASSERT_TRUE(compliance) << compliance.error().message;
  ASSERT_TRUE(compliance->compliant_time_ratio);
  ASSERT_TRUE(shown->distribution.compliance_ratio());
  EXPECT_DOUBLE_EQ(*shown->distribution.compliance_ratio(), *compliance->compliant_time_ratio);
  EXPECT_EQ(shown->distribution.up, compliance->statuses.up);
  EXPECT_EQ(shown->distribution.degraded, compliance->statuses.degraded);

  // /compliance over 30 days is the read model's.
  const Answer compliance_answer =
      this->compliance(kMonthlyBerlin, "a-viewer", {{"window", "30d"}});
  ASSERT_EQ(compliance_answer.status, 200) << compliance_answer.body;
  auto thirty_days = view.compliance(*policy, sla::ComplianceWindow::d30, now);
  ASSERT_TRUE(thirty_days) << thirty_days.error().message;
  ASSERT_TRUE(thirty_days->compliant_time_ratio);
  EXPECT_DOUBLE_EQ(compliance_answer.body["compliance_ratio"].get<double>(),
                   *thirty_days->compliant_time_ratio);
  EXPECT_DOUBLE_EQ(seconds(compliance_answer.body["statuses"], "degraded"),
                   static_cast<double>(thirty_days->statuses.degraded.count()) / 1000.0);
}

TEST_F(SlaPeriods, UptimeBudgetAndCreditsExcludeMaintenance) {
  const json february = periods(kMonthlyBerlin, "a-viewer").body["items"][1];
  EXPECT_EQ(february["state"], "broken");
  // 12 measured cycles of 5 minutes, two of them down; the two inside maintenance do not count.
  EXPECT_NEAR(february["achieved_percent"].get<double>(), 100.0 * 50 / 60, 1e-9);
  EXPECT_EQ(february["achieved_percent"], february["achieved_uptime_percent"]);
  EXPECT_DOUBLE_EQ(february["credit_percent"].get<double>(), 25.0);
  const json& budget = february["budget"];
  // 1 % of February's 28 days less the day of maintenance.
  EXPECT_DOUBLE_EQ(budget["budget_seconds"].get<double>(), 0.01 * 27 * 86400);
  EXPECT_DOUBLE_EQ(budget["used_seconds"].get<double>(), 600.0);
  EXPECT_NEAR(budget["remaining_ratio"].get<double>(), 1.0 - 600.0 / (0.01 * 27 * 86400), 1e-12);
  EXPECT_DOUBLE_EQ(budget["target_percent"].get<double>(), 99.0);
  EXPECT_EQ(february["requirements"][0]["outages"], 0);
  // No status timeline in February: all of it unknown, nothing evaluated.
  EXPECT_TRUE(february["compliance_ratio"].is_null());
  EXPECT_DOUBLE_EQ(february["statuses"]["unknown"]["share"].get<double>(), 1.0);
}

TEST_F(SlaPeriods, ARunningPeriodIsAtRiskFromItsRequirements) {
  const json march = periods(kMonthlyBerlin, "a-viewer").body["items"][2];
  EXPECT_EQ(march["state"], "at_risk");
  EXPECT_FALSE(march["complete"].get<bool>());
  EXPECT_EQ(march["requirements"][0]["outages"], 1);
  EXPECT_DOUBLE_EQ(march["budget_used"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(march["breach_minutes"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(march["achieved_percent"].get<double>(), 100.0);
  // Judged up to now only: Feb 28 23:00Z .. Mar 1 00:00Z is unknown, the rest evaluated.
  EXPECT_DOUBLE_EQ(seconds(march["statuses"], "unknown"), 3600.0);
  EXPECT_DOUBLE_EQ(seconds(march["statuses"], "degraded"), 300.0);
  const double elapsed =
      std::chrono::duration<double>(utc(2027, 3, 10, 12) - utc(2027, 2, 28, 23)).count();
  double total = 0;
  for (const auto& [status, share] : march["statuses"].items())
    total += share["seconds"].get<double>();
  EXPECT_DOUBLE_EQ(total, elapsed);
}

TEST_F(SlaPeriods, ExplicitRangeAndNonUptimePolicies) {
  const Answer one =
      periods(kMonthlyBerlin, "a-viewer",
              {{"from", "2027-02-01T00:00:00Z"}, {"to", "2027-02-02T00:00:00+01:00"}});
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.body["items"].size(), 1u);
  EXPECT_EQ(one.body["items"][0]["start"], "2027-01-31T23:00:00Z");
  EXPECT_EQ(one.body["to"], "2027-02-01T23:00:00Z");

  // A latency-only policy: judged by its timeline, no budget, no credits, no uptime.
  segments(kLatencyA2, {{utc(2027, 2, 1), utc(2027, 2, 27), "up"},
                        {utc(2027, 2, 27), utc(2027, 2, 28), "down"}});
  const Answer latency = periods(
      kLatencyA2, "a-viewer", {{"from", "2027-02-01T00:00:00Z"}, {"to", "2027-03-01T00:00:00Z"}});
  ASSERT_EQ(latency.status, 200);
  ASSERT_EQ(latency.body["items"].size(), 1u);
  const json& february = latency.body["items"][0];
  EXPECT_EQ(february["state"], "broken");
  EXPECT_TRUE(february["budget"].is_null());
  EXPECT_TRUE(february["credit_percent"].is_null());
  EXPECT_TRUE(february["achieved_uptime_percent"].is_null());
  EXPECT_DOUBLE_EQ(february["target_percent"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(february["achieved_percent"].get<double>(), 100.0 * 26 / 27);
  EXPECT_DOUBLE_EQ(february["breach_minutes"].get<double>(), 24 * 60.0);
  EXPECT_EQ(latency.body["sla_period"], json({{"kind", "month"}, {"timezone", "UTC"}}));

  // Periods that have not begun are left out.
  const Answer future = periods(kLatencyA2, "a-viewer",
                                {{"from", "2027-03-01T00:00:00Z"}, {"to", "2027-06-01T00:00:00Z"}});
  ASSERT_EQ(future.status, 200);
  EXPECT_EQ(future.body["items"].size(), 1u);
}

TEST_F(SlaPeriods, RefusesBadRanges) {
  EXPECT_TRUE(
      has_field_error(periods(kMonthlyBerlin, "a-viewer",
                              {{"from", "2027-03-01T00:00:00Z"}, {"to", "2027-02-01T00:00:00Z"}}),
                      "from"));
  EXPECT_TRUE(
      has_field_error(periods(kMonthlyBerlin, "a-viewer",
                              {{"from", "2027-02-01T00:00:00Z"}, {"to", "2027-02-01T00:00:00Z"}}),
                      "from"));
  EXPECT_TRUE(
      has_field_error(periods(kMonthlyBerlin, "a-viewer",
                              {{"from", "2026-01-01T00:00:00Z"}, {"to", "2027-02-06T00:00:00Z"}}),
                      "to"));
  EXPECT_EQ(periods(kMonthlyBerlin, "a-viewer",
                    {{"from", "2026-01-01T00:00:00Z"}, {"to", "2027-02-05T00:00:00Z"}})
                .status,
            200);
  EXPECT_TRUE(
      has_field_error(periods(kMonthlyBerlin, "a-viewer", {{"from", "yesterday"}}), "from"));
  EXPECT_TRUE(
      has_field_error(periods(kMonthlyBerlin, "a-viewer", {{"to", "2027-02-01T00:00:00"}}), "to"));
  EXPECT_EQ(periods(kMonthlyBerlin, "b-viewer").status, 404);
  EXPECT_EQ(periods(kLatencyA2, "a-viewer-a1").status, 404);
}

// --- /maintenance ---

json one_off(const std::string& scope, const std::optional<std::string>& scope_id, WallTime start,
             WallTime end) {
  json body = {{"scope", scope},
               {"start", format_rfc3339(start)},
               {"end", format_rfc3339(end)},
               {"reason", "ISP work"}};
  if (scope_id) body["scope_id"] = *scope_id;
  return body;
}

TEST_F(SlaApi, MaintenanceListsTheOrgsProvisionedWindows) {
  const Answer a = list_windows("a-viewer");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body["total"], 1);
  EXPECT_EQ(a.body["limit"], 50);
  EXPECT_EQ(a.body["offset"], 0);
  const json& window = a.body["items"][0];
  EXPECT_EQ(window["id"], kConfigWindowA);
  EXPECT_EQ(window["provisioned"], true);
  EXPECT_EQ(window["active_now"], false);
  EXPECT_EQ(window["suppressed_events"], 0);
  EXPECT_EQ(window["start"], "2027-02-10T00:00:00Z");
  EXPECT_FALSE(window.contains("org") && window["org"] != kOrgA);

  const Answer b = list_windows("b-viewer");
  ASSERT_EQ(b.status, 200);
  ASSERT_EQ(b.body["total"], 1);
  EXPECT_EQ(b.body["items"][0]["id"], kConfigWindowB);
  EXPECT_EQ(b.body["items"][0]["recurrence"], "0 2 * * sun");

  EXPECT_TRUE(has_field_error(list_windows("a-viewer", {{"limit", "0"}}), "limit"));
  EXPECT_TRUE(has_field_error(list_windows("a-viewer", {{"limit", "201"}}), "limit"));
}

TEST_F(SlaApi, MaintenanceCreateListDelete) {
  const WallTime now = world_.clock().now();
  const Answer created =
      create_window("a-site-admin", one_off("site", kSiteA1, now - 1h, now + 1h));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.body["id"];
  EXPECT_TRUE(is_uuid(id));
  EXPECT_EQ(created.body["org"], kOrgA);
  EXPECT_EQ(created.body["provisioned"], false);
  EXPECT_EQ(created.body["active_now"], true);
  EXPECT_EQ(created.body["suppressed_events"], 0);
  EXPECT_EQ(created.body["created_by"], "a-site-admin");
  EXPECT_EQ(created.body["reason"], "ISP work");
  EXPECT_EQ(created.headers.find("Location")->second, "/api/v1/sla/maintenance/" + id);

  json recurring = {{"scope", "camera"},           {"scope_id", kCameraA1},
                    {"recurrence", "0 2 * * sun"}, {"duration", "2h"},
                    {"timezone", "Europe/Berlin"}, {"reason", "patching"}};
  world_.clock().advance(1s);  // listed oldest first
  const Answer camera = create_window("a-org-admin", recurring);
  ASSERT_EQ(camera.status, 201) << camera.body;
  EXPECT_EQ(camera.body["duration"], "2h");
  world_.clock().advance(1s);
  const Answer org_wide =
      create_window("a-org-admin", one_off("organization", std::nullopt, now + 24h, now + 26h));
  ASSERT_EQ(org_wide.status, 201) << org_wide.body;
  EXPECT_EQ(org_wide.body["active_now"], false);
  world_.clock().advance(1s);
  const Answer site_a2 = create_window("a-org-admin", one_off("site", kSiteA2, now, now + 1h));
  ASSERT_EQ(site_a2.status, 201) << site_a2.body;

  // Provisioned first, then the API's oldest first.
  const Answer all = list_windows("a-viewer");
  ASSERT_EQ(all.status, 200);
  ASSERT_EQ(all.body["total"], 5);
  EXPECT_EQ(all.body["items"][0]["id"], kConfigWindowA);
  EXPECT_EQ(all.body["items"][1]["id"], id);
  EXPECT_EQ(all.body["items"][1]["active_now"], true);
  const Answer page = list_windows("a-viewer", {{"limit", "2"}, {"offset", "1"}});
  ASSERT_EQ(page.body["items"].size(), 2u);
  EXPECT_EQ(page.body["items"][0]["id"], id);
  EXPECT_EQ(page.body["total"], 5);

  // A site grant sees the windows at its sites (the site, a camera there), not the org's.
  const Answer granted = list_windows("a-viewer-a1");
  ASSERT_EQ(granted.status, 200);
  EXPECT_EQ(granted.body["total"], 3);
  for (const json& window : granted.body["items"]) {
    EXPECT_NE(window["scope"], "organization");
    EXPECT_NE(window["scope_id"], kSiteA2);
  }
  EXPECT_EQ(list_windows("b-viewer").body["total"], 1);

  // Delete: another org's is not found, a provisioned one is 409, outside the grant 403.
  EXPECT_EQ(delete_window("b-org-admin", id).status, 404);
  EXPECT_EQ(delete_window("a-org-admin", kConfigWindowA).status, 409);
  EXPECT_EQ(delete_window("a-org-admin", kConfigWindowB).status, 404);
  EXPECT_EQ(delete_window("a-org-admin", uuid_v4()).status, 404);
  EXPECT_EQ(delete_window("a-site-admin-a1", org_wide.body["id"]).status, 403);
  EXPECT_EQ(delete_window("a-viewer", id).status, 403);
  EXPECT_EQ(delete_window("a-site-admin-a1", id).status, 204);
  EXPECT_EQ(delete_window("a-site-admin-a1", id).status, 404);
  EXPECT_EQ(list_windows("a-viewer").body["total"], 4);
}

TEST_F(SlaApi, MaintenanceCreateValidates) {
  const WallTime now = world_.clock().now();
  // Everything wrong at once: org from the body, an id, end before start.
  json bad = one_off("site", kSiteA1, now + 1h, now);
  bad["org"] = kOrgA;
  bad["id"] = "mine";
  const Answer refused = create_window("a-org-admin", bad);
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_TRUE(has_field_error(refused, "org")) << refused.body;
  EXPECT_TRUE(has_field_error(refused, "id")) << refused.body;
  EXPECT_GE(refused.body["error"]["details"].size(), 3u) << refused.body;
  // Another org's site answers as one that does not exist (SPEC §8), whatever else is wrong.
  const std::string nowhere = "c0000000-0000-4000-8000-0000000000c1";
  for (const json& body : {one_off("site", kSiteB1, now, now + 1h), bad}) {
    json foreign = body;
    foreign["scope_id"] = kSiteB1;
    json missing = body;
    missing["scope_id"] = nowhere;
    const Answer foreign_answer = create_window("a-org-admin", foreign);
    EXPECT_EQ(foreign_answer.status, 404) << foreign_answer.body;
    EXPECT_EQ(foreign_answer.body["error"]["code"], "not_found") << foreign_answer.body;
    EXPECT_EQ(foreign_answer.body, create_window("a-org-admin", missing).body);
  }

  json no_reason = one_off("site", kSiteA1, now, now + 1h);
  no_reason.erase("reason");
  EXPECT_EQ(create_window("a-org-admin", no_reason).status, 422);
  json bad_cron = {{"scope", "site"},
                   {"scope_id", kSiteA1},
                   {"recurrence", "61 * * * *"},
                   {"duration", "1h"},
                   {"reason", "x"}};
  EXPECT_EQ(create_window("a-org-admin", bad_cron).status, 422);
  json bad_zone = {{"scope", "site"},  {"scope_id", kSiteA1}, {"recurrence", "0 2 * * *"},
                   {"duration", "1h"}, {"reason", "x"},       {"timezone", "Mars/Olympus"}};
  EXPECT_EQ(create_window("a-org-admin", bad_zone).status, 422);

  EXPECT_EQ(call("POST", "/api/v1/sla/maintenance", "a-org-admin", {}, {}, "{not json").status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/sla/maintenance", "a-org-admin", {}, {}, "[]").status, 422);
  // Viewers read only; a site grant writes only at its sites.
  EXPECT_EQ(create_window("a-viewer", one_off("site", kSiteA1, now, now + 1h)).status, 403);
  EXPECT_EQ(create_window("a-site-admin-a1", one_off("site", kSiteA2, now, now + 1h)).status, 403);
  EXPECT_EQ(
      create_window("a-site-admin-a1", one_off("organization", std::nullopt, now, now + 1h)).status,
      403);
  EXPECT_EQ(list_windows("a-viewer").body["total"], 1);
}

// --- /maintenance/{id}/suppressed ---

// A breach of kUptimeA1 on site A1 without a measured value, for the suppressed events.
Breach suppressed_breach(double threshold, WallTime opened_at) {
  return slamon::testing::sample_breach({.id = uuid_v4(),
                                         .org = kOrgA,
                                         .policy_id = kUptimeA1,
                                         .scope_id = kSiteA1,
                                         .actual = std::nullopt,
                                         .threshold = threshold,
                                         .deviation_percent = std::nullopt,
                                         .opened_at = opened_at});
}

TEST_F(SlaApi, SuppressedEventsNewestFirst) {
  const WallTime now = world_.clock().now();
  const Answer created = create_window("a-org-admin", one_off("site", kSiteA1, now - 1h, now + 1h));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.body["id"];

  Policy policy = site_policy(kUptimeA1, kSiteA1);
  CycleWrite write;
  for (int i = 0; i < 3; ++i) {
    const Breach breach = suppressed_breach(99, now - 30min + 10min * i);
    write.suppressed.push_back(
        {make_event(EventType::breach_created, breach, policy_ref(policy), breach.opened_at), id});
  }
  const Breach other = suppressed_breach(0, WallTime{});
  write.suppressed.push_back(
      {make_event(EventType::breach_created, other, policy_ref(policy), now), kConfigWindowA});
  ASSERT_TRUE(world_.store().commit(write));

  const Answer list = suppressed("a-viewer", id);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body["total"], 3);
  ASSERT_EQ(list.body["items"].size(), 3u);
  EXPECT_EQ(list.body["items"][0]["occurred_at"], format_rfc3339(now - 10min));
  EXPECT_EQ(list.body["items"][2]["occurred_at"], format_rfc3339(now - 30min));
  for (const json& event : list.body["items"]) {
    EXPECT_EQ(event["maintenance_id"], id);
    EXPECT_EQ(event["type"], "sla.breach.created");
    EXPECT_EQ(event["policy"]["id"], kUptimeA1);
  }
  const Answer page = suppressed("a-viewer", id, {{"limit", "1"}, {"offset", "1"}});
  ASSERT_EQ(page.body["items"].size(), 1u);
  EXPECT_EQ(page.body["items"][0]["occurred_at"], format_rfc3339(now - 20min));
  EXPECT_EQ(page.body["total"], 3);
  EXPECT_EQ(suppressed("a-viewer", id, {{"offset", "5"}}).body["items"].size(), 0u);

  const Answer windows = list_windows("a-viewer");
  EXPECT_EQ(windows.body["items"][0]["suppressed_events"], 1);
  EXPECT_EQ(windows.body["items"][1]["suppressed_events"], 3);
  EXPECT_EQ(suppressed("a-viewer", kConfigWindowA).body["total"], 1);

  EXPECT_EQ(suppressed("b-viewer", id).status, 404);
  EXPECT_EQ(suppressed("a-viewer", kConfigWindowB).status, 404);
  EXPECT_EQ(suppressed("a-viewer", "nope").status, 404);
  EXPECT_TRUE(has_field_error(suppressed("a-viewer", id, {{"offset", "-1"}}), "offset"));
}

// --- through the HTTP server (no history, response cache on) ---

TEST(SlaApiHttp, ClockDependentAnswersAreNotCachedAndNeedNoHistory) {
  ApiWorld world;
  ApiClient client(world.port());
  const std::string token = ApiWorld::token("a-viewer");
  const std::string path = "/api/v1/sla/policies/" + kProvA1 + "/compliance?window=1d";
  const Reply first = client.get(path, token);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(first.json()["metrics"]["uptime_percent"].is_null());
  world.clock().advance(1h);
  const Reply second = client.get(path, token);
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(first.json()["to"], second.json()["to"]);

  const Reply periods = client.get("/api/v1/sla/policies/" + kProvA1 + "/periods", token);
  ASSERT_EQ(periods.status, 200) << periods.body;
  ASSERT_EQ(periods.json()["items"].size(), 3u);
  EXPECT_TRUE(periods.json()["items"][2]["achieved_uptime_percent"].is_null());

  EXPECT_TRUE(
      is_api_error(client.get("/api/v1/sla/policies/" + kProvA1 + "/compliance?window=2d", token),
                   422, "validation_failed"));
  EXPECT_TRUE(is_api_error(client.get(path, ""), 401, "unauthorized"));
  const Reply windows = client.get("/api/v1/sla/maintenance", token);
  ASSERT_EQ(windows.status, 200);
  EXPECT_EQ(windows.json()["total"], 0);
}

}  // namespace
}  // namespace slamon::api::testing
