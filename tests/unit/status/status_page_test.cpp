// Status pages (SPEC §14): the figures (badge, daily bars, distribution, latency percentiles,
// open breaches) from a real store and history, the rendered HTML (escaping, CSP hash), and
// the route's access rules (public, private, org isolation, unknown slug).
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/bearer_token.h"
#include "common/clock.h"
#include "config/config.h"
#include "history/history.h"
#include "status/render.h"
#include "status/routes.h"
#include "status/status_page.h"
#include "store/store.h"
#include "support/sample_policy.h"
#include "support/sla_store_fixture.h"

namespace slamon::status {
namespace {

using namespace std::chrono_literals;
using Days = std::chrono::days;

// 2026-12-02T12:00:00Z
const WallTime kNow = from_unix_seconds(1'796'212'800);
const WallTime kToday = std::chrono::floor<Days>(kNow);

const std::string kOrgA = "a0000000-0000-4000-8000-00000000000a";
const std::string kOrgB = "b0000000-0000-4000-8000-00000000000b";
const std::string kSiteA = "a0000000-0000-4000-8000-0000000000a1";
const std::string kSiteA2 = "a0000000-0000-4000-8000-0000000000a2";
const std::string kSiteB = "b0000000-0000-4000-8000-0000000000b1";

const std::string kUptimeId = "north-uptime";
const std::string kUptimeName = "Core <network> & \"edge\"";
const std::string kLatencyId = "north-latency";
const std::string kLatencyName = "Branch latency";
const std::string kOtherId = "south-uptime";
const std::string kOtherName = "Contoso secret policy";

const std::string kTokenA = "token-of-org-a";
const std::string kTokenA2 = "token-of-org-a-site-2-only";
const std::string kTokenB = "token-of-org-b";

std::string sha256_base64(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  std::string out(64, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest,
                                static_cast<int>(length));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Policy make_policy(const std::string& id, const std::string& org, const std::string& name,
                   const std::string& site) {
  return slamon::testing::site_policy(
      {.id = id, .org = org, .name = name, .site = site, .provisioned = true});
}

using slamon::testing::set_threshold;

TokenConfig token(const std::string& name, const std::string& plaintext, const std::string& org) {
  TokenConfig config;
  config.name = name;
  config.sha256_hex = sha256_hex(plaintext);
  config.org = org;
  config.role = Role::viewer;
  return config;
}

class StatusPageTest : public testing::SlaStoreTest {
 protected:
  StatusPageTest() : SlaStoreTest(kNow) {}

  void SetUp() override {
    SlaStoreTest::SetUp();
    if (HasFatalFailure()) return;

    auto config = std::make_shared<Config>();
    Organization a;
    a.id = kOrgA;
    a.name = "Northwind <Traders>";
    a.sites = {{kSiteA, "Alpha & HQ", "", ""}, {kSiteA2, "Annex", "", ""}};
    Organization b;
    b.id = kOrgB;
    b.name = "Contoso";
    b.sites = {{kSiteB, "Bravo", "", ""}};
    config->inventory.organizations = {a, b};
    config->inventory.index();

    Policy uptime = make_policy(kUptimeId, kOrgA, kUptimeName, kSiteA);
    uptime.description = "<script>alert('x')</script>";
    uptime.labels = {{"tier", "gold"}};
    set_threshold(uptime, Metric::uptime_percent, 99.9);
    set_threshold(uptime, Metric::latency_ms, 50);
    Policy latency = make_policy(kLatencyId, kOrgA, kLatencyName, kSiteA2);
    latency.labels = {{"tier", "silver"}};
    set_threshold(latency, Metric::latency_ms, 80);
    Policy other = make_policy(kOtherId, kOrgB, kOtherName, kSiteB);
    set_threshold(other, Metric::uptime_percent, 99.5);
    Policy disabled = make_policy("north-disabled", kOrgA, "Disabled policy", kSiteA);
    disabled.status = PolicyStatus::disabled;
    set_threshold(disabled, Metric::uptime_percent, 99);
    config->policies = {uptime, latency, other, disabled};

    StatusPage northwind{"northwind", kOrgA, "Northwind <status>", true, {}};
    StatusPage gold{"northwind-gold", kOrgA, "Gold services", true, {{"tier", "gold"}}};
    StatusPage contoso{"contoso", kOrgB, "Contoso internal", false, {}};
    StatusPage north_private{"northwind-private", kOrgA, "Northwind private", false, {}};
    config->status_pages = {northwind, gold, contoso, north_private};

    TokenConfig site_only = token("a-annex", kTokenA2, kOrgA);
    site_only.sites = std::vector<std::string>{kSiteA2};
    config->auth.tokens = {token("a", kTokenA, kOrgA), site_only, token("b", kTokenB, kOrgB)};
    config_ = config;
  }

  void add_open_breach(const std::string& id, const std::string& policy, const std::string& org,
                       const std::string& site, Metric metric, Severity severity, double actual,
                       double threshold, WallTime opened) {
    Breach breach;
    breach.id = id;
    breach.org = org;
    breach.policy_id = policy;
    breach.scope = Scope::site;
    breach.scope_id = site;
    breach.metric = metric;
    breach.actual = actual;
    breach.threshold = threshold;
    breach.deviation_percent = 1;
    breach.severity = severity;
    breach.peak_severity = severity;
    breach.opened_at = opened;
    breach.last_evaluated_at = kNow;
    ASSERT_TRUE(store_->commit(std::vector<Breach>{breach}, {}));
  }

  const StatusPage& page(const std::string& slug) const {
    for (const StatusPage& p : config_->status_pages) {
      if (p.slug == slug) return p;
    }
    throw std::logic_error("no page " + slug);
  }

  PageView view(const std::string& slug, const Principal* viewer = nullptr) {
    auto built = build_page_view(page(slug), *config_, *store_, history_.get(), kNow, viewer);
    EXPECT_TRUE(built) << built.error().message;
    return built ? std::move(*built) : PageView{};
  }

  // GET /status/{slug} through the installed route, with an optional bearer token.
  http::HttpResponse get(const std::string& slug, const std::string& bearer = "") {
    if (!handler_) {
      StatusContext context{[this] { return config_; }, store_.get(), history_.get(), &clock_};
      install_status_routes(
          [this](std::string_view method, std::string_view pattern, http::Handler handler) {
            EXPECT_EQ(method, "GET");
            EXPECT_EQ(pattern, "/status/{slug}");
            handler_ = std::move(handler);
          },
          context);
    }
    http::HttpRequest request;
    request.method = "GET";
    request.path = "/status/" + slug;
    request.path_params["slug"] = slug;
    if (!bearer.empty()) request.headers.emplace("Authorization", "Bearer " + bearer);
    return handler_(request);
  }

  static std::string header(const http::HttpResponse& response, const std::string& name) {
    const auto found = response.headers.find(name);
    return found == response.headers.end() ? std::string() : found->second;
  }

  ConfigPtr config_;
  http::Handler handler_;
};

const PolicyView* find(const PageView& view, const std::string& id) {
  for (const PolicyView& policy : view.policies) {
    if (policy.id == id) return &policy;
  }
  return nullptr;
}

TEST(DayColour, FollowsTheSharesOfEvaluatedTime) {
  sla::StatusDistribution day;
  EXPECT_EQ(day_colour(day), DayColour::no_data);
  day.unknown = 24h;
  EXPECT_EQ(day_colour(day), DayColour::no_data);
  day.maintenance = 2h;
  EXPECT_EQ(day_colour(day), DayColour::maintenance);
  // Unknown and maintenance time do not dilute the evaluated shares.
  day.up = 10h;
  EXPECT_EQ(day_colour(day), DayColour::up);
  day.degraded = 1min;  // 0.17 % of 10h: below 99.9 % up
  EXPECT_EQ(day_colour(day), DayColour::degraded);
  day.degraded = 0ms;
  day.down = 5min;  // 5 of 605 minutes: 0.83 %, not yet down, but not up either
  EXPECT_EQ(day_colour(day), DayColour::degraded);
  day.up = 594min;
  day.down = 6min;  // 6 of 600 minutes: 1 %
  EXPECT_EQ(day_colour(day), DayColour::down);
  sla::StatusDistribution nearly;
  nearly.up = 999min;
  nearly.degraded = 1min;  // 99.9 % up
  EXPECT_EQ(day_colour(nearly), DayColour::up);
  nearly.degraded = 2min;
  EXPECT_EQ(day_colour(nearly), DayColour::degraded);
}

TEST_F(StatusPageTest, BarsTakeTheirColourFromEachUtcDay) {
  segments(kUptimeId, kOrgA,
           {{kToday - Days(5), kToday - Days(5) + 23h, "up"},
            {kToday - Days(5) + 23h, kToday - Days(4), "degraded"},
            {kToday - Days(4), kToday - Days(2), "up"},
            {kToday - Days(2), kToday - Days(1), "down"},
            {kToday - Days(1), kNow + 5min, "up"}});
  const PageView page = view("northwind");
  const PolicyView* policy = find(page, kUptimeId);
  ASSERT_NE(policy, nullptr);
  ASSERT_EQ(policy->days.size(), static_cast<std::size_t>(kBarDays));
  EXPECT_EQ(policy->days.back().start, kToday);
  EXPECT_EQ(policy->days.front().start, kToday - Days(kBarDays - 1));
  const auto colour = [&](int days_ago) {
    return policy->days[static_cast<std::size_t>(kBarDays - 1 - days_ago)].colour;
  };
  EXPECT_EQ(colour(0), DayColour::up);
  EXPECT_EQ(colour(1), DayColour::up);
  EXPECT_EQ(colour(2), DayColour::down);
  EXPECT_EQ(colour(3), DayColour::up);
  EXPECT_EQ(colour(5), DayColour::degraded);
  EXPECT_EQ(colour(6), DayColour::no_data);
  EXPECT_EQ(colour(89), DayColour::no_data);
  EXPECT_EQ(policy->current, sla::PolicyStatusKind::up);
  // Today counts only up to now: 12 hours.
  EXPECT_EQ(policy->days.back().distribution.total(), 12h);
  // 90 days: 4 days 12 h up, 1 h degraded, 1 day down, the rest unknown.
  EXPECT_EQ(policy->distribution.down, 24h);
  EXPECT_EQ(policy->distribution.degraded, 1h);
  EXPECT_EQ(policy->distribution.up, Days(4) + 11h);

  const std::string html = render_status_page(page).html;
  EXPECT_NE(html.find("<title>2026-09-04: no data</title>"), std::string::npos);
  EXPECT_NE(html.find("<title>2026-11-30: down (Down 100 %)</title>"), std::string::npos);
  EXPECT_NE(html.find("<title>2026-11-27: degraded (Up 95.83 %, Degraded 4.17 %)</title>"),
            std::string::npos);
  EXPECT_NE(html.find("Down 18.18 % (1d 0h)"), std::string::npos) << html;
  EXPECT_NE(html.find("No data 84d 0h"), std::string::npos);
}

TEST_F(StatusPageTest, BadgeComparesMeasuredUptimeWithTheTarget) {
  segments(kUptimeId, kOrgA, {{kNow - 10h, kNow + 5min, "up"}});
  // Two hours of 5-minute cycles: 24 points at 99.5 %.
  for (int i = 0; i < 24; ++i) {
    const WallTime at = kNow - 2h + 5min * (i + 1);
    const std::vector<history::Observation> points{{kUptimeId, Metric::uptime_percent, 99.5},
                                                   {kUptimeId, Metric::latency_ms, 10.0 + i}};
    ASSERT_TRUE(history_->append(at, points));
  }
  const PageView page = view("northwind");
  const PolicyView* policy = find(page, kUptimeId);
  ASSERT_NE(policy, nullptr);
  EXPECT_FALSE(policy->badge.calendar_period);
  EXPECT_EQ(policy->badge.window.end, kNow);
  EXPECT_EQ(policy->badge.window.start, kNow - Days(30));
  EXPECT_TRUE(policy->badge.measures_uptime);
  ASSERT_TRUE(policy->badge.achieved_percent);
  EXPECT_NEAR(*policy->badge.achieved_percent, 99.5, 1e-9);
  EXPECT_DOUBLE_EQ(policy->badge.target_percent, 99.9);
  EXPECT_EQ(policy->badge.state, sla::PeriodState::broken);

  const std::string html = render_status_page(page).html;
  EXPECT_NE(html.find("99.5 % (target 99.9 %)</span><span class=\"b-state\">Not met"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<span class=\"b-name\">Measured uptime</span>"), std::string::npos);
  // Each figure says what it is: the badge's window, the bars' time in compliance with all
  // thresholds (not the measured uptime) and the status now.
  EXPECT_NE(html.find("SLA over the last 30 days."), std::string::npos);
  EXPECT_NE(html.find(" % of the time in compliance (all thresholds)</span>"), std::string::npos);
  EXPECT_NE(html.find(">Now: "), std::string::npos);

  // Latency: today's P50 / P95 / P99 of 10..33 ms (nearest rank).
  ASSERT_TRUE(policy->latency_metric);
  ASSERT_EQ(policy->latency.size(), static_cast<std::size_t>(kLatencyDays));
  ASSERT_TRUE(policy->latency.back().stats);
  EXPECT_DOUBLE_EQ(policy->latency.back().stats->p50, 21);
  EXPECT_DOUBLE_EQ(policy->latency.back().stats->p95, 32);
  EXPECT_DOUBLE_EQ(policy->latency.back().stats->p99, 33);
  EXPECT_FALSE(policy->latency.front().stats);
  EXPECT_NE(html.find("Last 30 days: P50 21 ms · P95 32 ms · P99 33 ms (24 measurements)"),
            std::string::npos);
  EXPECT_NE(html.find("Latency (latency_ms), daily percentiles, last 30 days"), std::string::npos);
}

TEST_F(StatusPageTest, LatencyLinesBreakOnDaysWithoutData) {
  // Days 5 and 4 ago, then a day without data, then 2 days ago up to today.
  for (int days_ago : {5, 4, 2, 1, 0}) {
    for (int i = 0; i < 10; ++i) {
      const WallTime at = kToday - Days(days_ago) + 1h + 5min * i;
      ASSERT_TRUE(history_->append(at, std::vector<history::Observation>{
                                           {kLatencyId, Metric::latency_ms, 40.0 + days_ago}}));
    }
  }
  const PageView page = view("northwind");
  const PolicyView* policy = find(page, kLatencyId);
  ASSERT_NE(policy, nullptr);
  ASSERT_TRUE(policy->latency[kLatencyDays - 1 - 4].stats);
  EXPECT_DOUBLE_EQ(policy->latency[kLatencyDays - 1 - 4].stats->p99, 44);
  EXPECT_FALSE(policy->latency[kLatencyDays - 1 - 3].stats);
  const std::string html = render_status_page(page).html;
  std::size_t polylines = 0;
  for (auto at = html.find("<polyline"); at != std::string::npos;
       at = html.find("<polyline", at + 1)) {
    ++polylines;
  }
  EXPECT_EQ(polylines, 6u);  // two runs × P50, P95, P99
  EXPECT_NE(html.find("<title>2026-11-28 P99 44 ms</title>"), std::string::npos);
  EXPECT_NE(html.find("threshold 80 ms"), std::string::npos);
}

TEST_F(StatusPageTest, CalendarPeriodBadgeUsesTheCurrentPeriod) {
  auto config = std::make_shared<Config>(*config_);
  for (Policy& policy : config->policies) {
    if (policy.id == kUptimeId) policy.sla_period = SlaPeriod{PeriodKind::month, "UTC"};
  }
  config_ = config;
  segments(kUptimeId, kOrgA, {{kNow - 10h, kNow + 5min, "up"}});
  ASSERT_TRUE(history_->append(
      kNow - 5min, std::vector<history::Observation>{{kUptimeId, Metric::uptime_percent, 100.0}}));
  const PageView page = view("northwind");
  const PolicyView* policy = find(page, kUptimeId);
  ASSERT_NE(policy, nullptr);
  EXPECT_TRUE(policy->badge.calendar_period);
  EXPECT_EQ(policy->badge.window.start, from_unix_seconds(1'796'083'200));  // 2026-12-01
  EXPECT_EQ(policy->badge.state, sla::PeriodState::met);
  const std::string html = render_status_page(page).html;
  EXPECT_NE(html.find("100 % (target 99.9 %)</span><span class=\"b-state\">Met"),
            std::string::npos);
  EXPECT_NE(html.find("this month so far (SLA period from 2026-12-01, UTC)"), std::string::npos);
}

TEST_F(StatusPageTest, PolicyWithoutDataSaysSo) {
  const PageView page = view("northwind");
  const PolicyView* policy = find(page, kLatencyId);
  ASSERT_NE(policy, nullptr);
  EXPECT_FALSE(policy->badge.achieved_percent);
  EXPECT_EQ(policy->current, sla::PolicyStatusKind::unknown);
  for (const DayBar& day : policy->days) EXPECT_EQ(day.colour, DayColour::no_data);
  const std::string html = render_status_page(page).html;
  EXPECT_NE(html.find("No data yet (target 100 %)"), std::string::npos);
  EXPECT_NE(html.find("Time in compliance (all thresholds)</span>"), std::string::npos);
  EXPECT_NE(html.find("No latency measured in the last 30 days."), std::string::npos);
  EXPECT_NE(html.find("Some services have no current data"), std::string::npos);
}

TEST_F(StatusPageTest, OpenBreachesAreListedOldestFirst) {
  add_open_breach("b-1", kUptimeId, kOrgA, kSiteA, Metric::uptime_percent, Severity::critical,
                  97.25, 99.9, kNow - 3h);
  add_open_breach("b-2", kUptimeId, kOrgA, kSiteA, Metric::latency_ms, Severity::warning, 61, 50,
                  kNow - 1h);
  add_open_breach("b-3", kOtherId, kOrgB, kSiteB, Metric::uptime_percent, Severity::critical, 90,
                  99.5, kNow - 2h);
  const PageView page = view("northwind");
  const PolicyView* policy = find(page, kUptimeId);
  ASSERT_NE(policy, nullptr);
  ASSERT_EQ(policy->open_breaches.size(), 2u);
  EXPECT_EQ(policy->open_breaches[0].id, "b-1");
  EXPECT_EQ(policy->open_breaches[1].id, "b-2");
  const std::string html = render_status_page(page).html;
  EXPECT_NE(html.find("<td>uptime_percent</td><td class=\"sev-critical\">critical</td><td>"
                      "2026-12-02 09:00 UTC</td><td>97.25 %</td><td>&ge; 99.9 %</td><td>open"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>61 ms</td><td>&le; 50 ms</td>"), std::string::npos);
  EXPECT_NE(html.find("No open breaches."), std::string::npos);  // the latency policy
  EXPECT_EQ(html.find("b-3"), std::string::npos);
}

TEST_F(StatusPageTest, EveryConfiguredTextIsEscaped) {
  const std::string html = render_status_page(view("northwind")).html;
  EXPECT_NE(html.find("<h1>Northwind &lt;status&gt;</h1>"), std::string::npos);
  EXPECT_NE(html.find("<title>Northwind &lt;status&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("Northwind &lt;Traders&gt;"), std::string::npos);
  EXPECT_NE(html.find("<h2>Core &lt;network&gt; &amp; &quot;edge&quot;</h2>"), std::string::npos);
  EXPECT_NE(html.find("site Alpha &amp; HQ"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("style=\""), std::string::npos);  // no inline style attributes (CSP)
  EXPECT_EQ(html.find("Disabled policy"), std::string::npos);
}

TEST_F(StatusPageTest, CspAllowsOnlyTheOneStylesheetByItsHash) {
  const http::HttpResponse response = get("northwind");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(header(response, "Content-Type"), "text/html; charset=utf-8");
  const std::string& html = response.body;
  const auto open = html.find("<style>");
  const auto close = html.find("</style>");
  ASSERT_NE(open, std::string::npos);
  ASSERT_NE(close, std::string::npos);
  EXPECT_EQ(html.find("<style", open + 1), std::string::npos);  // exactly one
  const std::string css = html.substr(open + 7, close - open - 7);
  const std::string csp = header(response, "Content-Security-Policy");
  EXPECT_EQ(csp, "default-src 'none'; style-src 'sha256-" + sha256_base64(css) +
                     "'; script-src 'none'; img-src 'none'; base-uri 'none'; form-action "
                     "'none'; frame-ancestors 'none'");
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(response, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(response, "Cache-Control"), "public, max-age=60");
  // Self-contained: nothing is fetched.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST_F(StatusPageTest, LabelsSelectThePolicies) {
  const PageView gold = view("northwind-gold");
  ASSERT_EQ(gold.policies.size(), 1u);
  EXPECT_EQ(gold.policies[0].id, kUptimeId);
  const PageView all = view("northwind");
  ASSERT_EQ(all.policies.size(), 2u);  // the disabled one is left out; ordered by name
  EXPECT_EQ(all.policies[0].id, kLatencyId);
  EXPECT_EQ(all.policies[1].id, kUptimeId);
}

TEST_F(StatusPageTest, APageNeverShowsAnotherOrgsPolicy) {
  segments(kOtherId, kOrgB, {{kNow - 2h, kNow + 5min, "down"}});
  add_open_breach("b-other", kOtherId, kOrgB, kSiteB, Metric::uptime_percent, Severity::critical,
                  90, 99.5, kNow - 2h);
  const http::HttpResponse north = get("northwind");
  ASSERT_EQ(north.status, 200);
  for (const std::string& foreign : {kOtherId, kOtherName, std::string("Contoso"),
                                     std::string("Bravo"), std::string("b-other")}) {
    EXPECT_EQ(north.body.find(foreign), std::string::npos) << foreign;
  }
  const http::HttpResponse south = get("contoso", kTokenB);
  ASSERT_EQ(south.status, 200);
  EXPECT_NE(south.body.find(kOtherName), std::string::npos);
  EXPECT_NE(south.body.find("Major outage"), std::string::npos);
  for (const std::string& foreign : {kUptimeId, kLatencyId, std::string("Core &lt;network"),
                                     kLatencyName, std::string("Northwind")}) {
    EXPECT_EQ(south.body.find(foreign), std::string::npos) << foreign;
  }
}

TEST_F(StatusPageTest, PrivatePageNeedsATokenOfItsOrg) {
  const http::HttpResponse unknown = get("no-such-page");
  EXPECT_EQ(unknown.status, 404);
  const http::HttpResponse anonymous = get("contoso");
  EXPECT_EQ(anonymous.status, 404);
  const http::HttpResponse invalid = get("contoso", "not-a-token");
  EXPECT_EQ(invalid.status, 404);
  const http::HttpResponse other_org = get("contoso", kTokenA);
  EXPECT_EQ(other_org.status, 404);
  // Nothing tells a missing page from a private one.
  for (const http::HttpResponse* response : {&anonymous, &invalid, &other_org}) {
    EXPECT_EQ(response->body, unknown.body);
    EXPECT_EQ(response->headers, unknown.headers);
  }
  const http::HttpResponse own = get("contoso", kTokenB);
  ASSERT_EQ(own.status, 200);
  EXPECT_NE(own.body.find("<h1>Contoso internal</h1>"), std::string::npos);
  EXPECT_EQ(header(own, "Cache-Control"), "private, no-store");
  // A public page ignores whatever credentials come with the request.
  EXPECT_EQ(get("northwind", "not-a-token").status, 200);
  EXPECT_EQ(get("northwind", kTokenB).status, 200);
}

TEST_F(StatusPageTest, SiteGrantSeesOnlyItsSitesOnAPrivatePage) {
  const http::HttpResponse full = get("northwind-private", kTokenA);
  ASSERT_EQ(full.status, 200);
  EXPECT_NE(full.body.find(kLatencyName), std::string::npos);
  EXPECT_NE(full.body.find("Core &lt;network"), std::string::npos);
  const http::HttpResponse annex = get("northwind-private", kTokenA2);
  ASSERT_EQ(annex.status, 200);
  EXPECT_NE(annex.body.find(kLatencyName), std::string::npos);
  EXPECT_EQ(annex.body.find("Core &lt;network"), std::string::npos);
}

TEST_F(StatusPageTest, ReloadedConfigurationIsServedAtOnce) {
  ASSERT_EQ(get("northwind").status, 200);
  auto config = std::make_shared<Config>(*config_);
  config->status_pages.erase(config->status_pages.begin());
  config_ = config;
  EXPECT_EQ(get("northwind").status, 404);
}

}  // namespace
}  // namespace slamon::status
