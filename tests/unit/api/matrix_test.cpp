// The authorization matrix of the API (SPEC §8, §11), generated from ONE table of endpoints:
// every endpoint × role (viewer, site_admin, org_admin) × site grant (none, site A1 only) ×
// resource (own org, other org) × resource location (granted site A1, ungranted site A2) ×
// credential (missing, malformed, expired JWT, wrongly signed JWT, valid static token, valid
// HS256 and RS256 JWTs) — asserting the status and the body of every cell. The table must equal
// the routes the server registers, so a new endpoint cannot be added without its row.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api_client.h"
#include "api_fixture.h"
#include "auth/auth.h"
#include "common/uuid.h"
#include "model/maintenance_json.h"
#include "model/report_schedule_json.h"

namespace slamon::api::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

enum class Credential {
  missing,
  malformed_scheme,
  malformed_token,
  expired_jwt,
  hs256_wrong_secret,
  rs256_wrong_key,
  static_token,
  hs256_jwt,
  rs256_jwt,
};
constexpr Credential kCredentials[] = {
    Credential::missing,      Credential::malformed_scheme,   Credential::malformed_token,
    Credential::expired_jwt,  Credential::hs256_wrong_secret, Credential::rs256_wrong_key,
    Credential::static_token, Credential::hs256_jwt,          Credential::rs256_jwt,
};
const char* name_of(Credential c) {
  switch (c) {
    case Credential::missing:
      return "no credential";
    case Credential::malformed_scheme:
      return "Basic credential";
    case Credential::malformed_token:
      return "malformed bearer token";
    case Credential::expired_jwt:
      return "expired JWT";
    case Credential::hs256_wrong_secret:
      return "HS256 JWT with a wrong secret";
    case Credential::rs256_wrong_key:
      return "RS256 JWT with a wrong key";
    case Credential::static_token:
      return "static token";
    case Credential::hs256_jwt:
      return "HS256 JWT";
    case Credential::rs256_jwt:
      return "RS256 JWT";
  }
  return "?";
}
bool valid(Credential c) {
  return c == Credential::static_token || c == Credential::hs256_jwt || c == Credential::rs256_jwt;
}

constexpr Role kRoles[] = {Role::viewer, Role::site_admin, Role::org_admin};
enum class Grant { every_site, site_a1 };
enum class Owner { own_org, other_org };
enum class Location { granted_site, ungranted_site };  // A1 or A2 (B1 for the other org)

struct Cell {
  Role role;
  Grant grant;
  Owner owner;
  Location location;
  Credential credential;

  std::string describe() const {
    return std::string(to_string(role)) +
           (grant == Grant::site_a1 ? " granted site A1" : " of every site") + ", " +
           (owner == Owner::own_org ? "own org's" : "other org's") + " resource at " +
           (owner == Owner::other_org            ? "site B1"
            : location == Location::granted_site ? "site A1"
                                                 : "site A2") +
           ", " + name_of(credential);
  }
  // Does the caller see the resource: its own org's, at a site its grant covers?
  bool sees() const {
    return owner == Owner::own_org &&
           (grant == Grant::every_site || location == Location::granted_site);
  }
};

// What one request of a row is made of, for the resource of a cell.
struct Target {
  std::string path;
  std::optional<std::string> body;
};

struct Row {
  std::string method;
  std::string pattern;
  Permission permission;
  int success;    // 200, 201, 204
  int other_org;  // answer for another org's resource (or scope)
  int ungranted;  // answer for a resource outside the caller's site grant
  bool consumes;  // a success uses the resource up (a fresh one is prepared next time)
  // The request for a resource of `org` at `site` (serial makes names unique).
  std::function<Target(ApiWorld&, const std::string& org, const std::string& site, int serial)>
      prepare;
  // Checks a successful answer; `cell` tells what the caller may see.
  std::function<void(const Reply&, const Cell&)> check;
};

std::string scope_name(int serial) {
  return "Matrix policy " + std::to_string(serial);
}

std::string fresh_api_policy(ApiWorld& world, const std::string& org, const std::string& site,
                             int serial) {
  const std::string id = "matrix-" + std::to_string(serial);
  world.insert_policy(ApiWorld::site_policy(id, org, site, scope_name(serial)));
  return id;
}

std::string provisioned_at(const std::string& site) {
  if (site == kSiteA1) return kProvA1;
  if (site == kSiteA2) return kProvA2;
  return kProvB1;
}

// A maintenance window of `org` at `site`, stored as if created through the API.
std::string fresh_window(ApiWorld& world, const std::string& org, const std::string& site) {
  MaintenanceWindow window;
  window.id = uuid_v4();
  window.org = org;
  window.scope = Scope::site;
  window.scope_id = site;
  window.start = world.clock().now() + 1h;
  window.end = world.clock().now() + 2h;
  window.reason = "matrix";
  const StoredMaintenance stored{window.id, org, maintenance_to_json(window).dump(),
                                 world.clock().now(), "matrix"};
  if (auto inserted = world.store().insert_maintenance(stored); !inserted) {
    ADD_FAILURE() << "insert_maintenance: " << inserted.error().message;
  }
  return window.id;
}

// A pending report of `org` over the policy provisioned at `site`, stored as if generated.
std::string fresh_report(ApiWorld& world, const std::string& org, const std::string& site) {
  StoredReport report;
  report.id = uuid_v4();
  report.org = org;
  report.title = "Matrix report at " + site;
  report.period_start = world.clock().now() - 24h;
  report.period_end = world.clock().now();
  report.format = "csv";
  report.policy_ids = {provisioned_at(site)};
  report.created_at = world.clock().now();
  report.created_by = "matrix";
  if (auto inserted = world.store().insert_report(report); !inserted) {
    ADD_FAILURE() << "insert_report: " << inserted.error().message;
  }
  return report.id;
}

// A report schedule of `org` over the policy provisioned at `site`, stored as if created
// through the API.
std::string fresh_schedule(ApiWorld& world, const std::string& org, const std::string& site,
                           int serial) {
  ReportSchedule schedule;
  schedule.id = uuid_v4();
  schedule.org = org;
  schedule.name = "Matrix schedule " + std::to_string(serial);
  schedule.cron = "0 6 1 * *";
  schedule.period = PeriodKind::month;
  schedule.policy_ids = {provisioned_at(site)};
  schedule.title = schedule.name;
  schedule.created_at = world.clock().now();
  schedule.created_by = "matrix";
  const StoredReportSchedule stored{schedule.id,         org,
                                    schedule.name,       report_schedule_to_json(schedule).dump(),
                                    world.clock().now(), world.clock().now()};
  if (auto inserted = world.store().insert_report_schedule(stored, world.clock().now());
      !inserted) {
    ADD_FAILURE() << "insert_report_schedule: " << inserted.error().message;
  }
  return schedule.id;
}

// A POST / PUT /report-schedules body named `name` over the policy provisioned at `site`.
std::string schedule_request(const std::string& site, const std::string& name) {
  return json{{"name", name},
              {"cron", "0 6 1 * *"},
              {"period", "previous_month"},
              {"policy_ids", {provisioned_at(site)}},
              {"format", "csv"}}
      .dump();
}

// List answers: a caller that may not see the filtered site gets an empty, well-formed list.
void check_list(const Reply& reply, const Cell& cell) {
  const json body = reply.json();
  ASSERT_TRUE(body.is_object()) << reply.body;
  EXPECT_EQ(body.size(), 4u) << reply.body;
  ASSERT_TRUE(body["items"].is_array()) << reply.body;
  EXPECT_EQ(body["limit"], 50);
  EXPECT_EQ(body["offset"], 0);
  EXPECT_EQ(body["total"], body["items"].size());
  if (cell.sees()) {
    EXPECT_FALSE(body["items"].empty()) << reply.body;
  } else {
    EXPECT_TRUE(body["items"].empty()) << reply.body;
  }
  for (const auto& item : body["items"]) {
    EXPECT_EQ(item.contains("org") ? item["org"] : item["org_id"], kOrgA) << item.dump();
  }
}

// Lists of every item of the org (maintenance windows, report schedules): each item is org A's
// and, within the grant of site A1, has `field` equal to `at_a1`; a caller that may see the
// prepared item finds at least it.
std::function<void(const Reply&, const Cell&)> check_org_list(std::string field, json at_a1) {
  return
      [field = std::move(field), at_a1 = std::move(at_a1)](const Reply& reply, const Cell& cell) {
        const json body = reply.json();
        ASSERT_TRUE(body["items"].is_array()) << reply.body;
        EXPECT_EQ(body["total"], body["items"].size());
        for (const json& item : body["items"]) {
          EXPECT_EQ(item["org"], kOrgA) << reply.body;
          if (cell.grant == Grant::site_a1) {
            EXPECT_EQ(item.value(field, json()), at_a1) << reply.body;
          }
        }
        if (cell.sees()) {
          EXPECT_FALSE(body["items"].empty()) << reply.body;
        }
      };
}

const std::vector<Row>& table() {
  static const std::vector<Row> rows = {
      {"GET", "/api/v1/sla/summary", Permission::config_read, 200, 200, 200, false,
       [](ApiWorld&, const std::string&, const std::string& site, int) {
         return Target{"/api/v1/sla/summary?site_id=" + site, std::nullopt};
       },
       [](const Reply& reply, const Cell& cell) {
         const json body = reply.json();
         EXPECT_EQ(body["active_policies"], cell.sees() ? 1 : 0) << reply.body;
         EXPECT_EQ(body["policies_in_breach"], cell.sees() ? 1 : 0) << reply.body;
         EXPECT_EQ(body["recent_breaches"].empty(), !cell.sees()) << reply.body;
       }},
      {"GET", "/api/v1/sla/policies", Permission::config_read, 200, 200, 200, false,
       [](ApiWorld&, const std::string&, const std::string& site, int) {
         return Target{"/api/v1/sla/policies?site_id=" + site, std::nullopt};
       },
       check_list},
      {"POST", "/api/v1/sla/policies", Permission::config_write, 201, 404, 403, true,
       [](ApiWorld&, const std::string&, const std::string& site, int serial) {
         return Target{"/api/v1/sla/policies", json{{"name", scope_name(serial)},
                                                    {"scope", "site"},
                                                    {"scope_id", site},
                                                    {"thresholds", {{"uptime_percent_min", 99.5}}}}
                                                   .dump()};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["org"], kOrgA);
         EXPECT_EQ(reply.header("location"),
                   "/api/v1/sla/policies/" + reply.json().value("id", ""));
       }},
      {"GET", "/api/v1/sla/policies/{policy_id}", Permission::config_read, 200, 404, 404, false,
       [](ApiWorld&, const std::string&, const std::string& site, int) {
         return Target{"/api/v1/sla/policies/" + provisioned_at(site), std::nullopt};
       },
       [](const Reply& reply, const Cell&) { EXPECT_EQ(reply.json()["org"], kOrgA); }},
      {"PATCH", "/api/v1/sla/policies/{policy_id}", Permission::config_write, 200, 404, 403, false,
       [](ApiWorld& world, const std::string& org, const std::string& site, int serial) {
         return Target{"/api/v1/sla/policies/" + fresh_api_policy(world, org, site, serial),
                       R"({"description": "patched"})"};
       },
       [](const Reply& reply, const Cell&) { EXPECT_EQ(reply.json()["description"], "patched"); }},
      {"DELETE", "/api/v1/sla/policies/{policy_id}", Permission::config_write, 204, 404, 403, true,
       [](ApiWorld& world, const std::string& org, const std::string& site, int serial) {
         return Target{"/api/v1/sla/policies/" + fresh_api_policy(world, org, site, serial),
                       std::nullopt};
       },
       [](const Reply& reply, const Cell&) { EXPECT_TRUE(reply.body.empty()); }},
      {"GET", "/api/v1/sla/breaches", Permission::config_read, 200, 200, 200, false,
       [](ApiWorld&, const std::string&, const std::string& site, int) {
         return Target{"/api/v1/sla/breaches?site_id=" + site, std::nullopt};
       },
       check_list},
      {"POST", "/api/v1/sla/breaches/{breach_id}/acknowledge", Permission::config_write, 200, 404,
       404, true,
       [](ApiWorld& world, const std::string& org, const std::string& site, int serial) {
         const Breach breach =
             world.commit_breach(org, "matrix-ack-" + std::to_string(serial), Scope::site, site);
         return Target{"/api/v1/sla/breaches/" + breach.id + "/acknowledge",
                       R"({"notes": "matrix"})"};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["status"], "acknowledged");
         EXPECT_EQ(reply.json()["notes"], "matrix");
       }},
      {"POST", "/api/v1/sla/evaluate", Permission::config_write, 200, 200, 200, false,
       [](ApiWorld&, const std::string&, const std::string&, int) {
         return Target{"/api/v1/sla/evaluate", std::nullopt};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["policies_evaluated"], 3) << reply.body;
       }},
      {"GET", "/api/v1/sla/notifications/dead-letters", Permission::config_read, 200, 200, 200,
       false,
       [](ApiWorld& world, const std::string& org, const std::string& site, int) {
         world.make_dead_letter(org, site);
         return Target{"/api/v1/sla/notifications/dead-letters?limit=200", std::nullopt};
       },
       [](const Reply& reply, const Cell& cell) {
         const json body = reply.json();
         ASSERT_TRUE(body["items"].is_array()) << reply.body;
         // Only the caller's org, and within a site grant only its sites.
         for (const json& item : body["items"]) {
           EXPECT_EQ(item["event"]["org_id"], kOrgA) << reply.body;
           if (cell.grant == Grant::site_a1) {
             EXPECT_EQ(item["event"]["breach"]["scope_id"], kSiteA1) << reply.body;
           }
           EXPECT_EQ(item["notifier"], kRefusingNotifier);
         }
         if (cell.sees()) {
           EXPECT_FALSE(body["items"].empty()) << reply.body;
         }
       }},
      {"POST", "/api/v1/sla/notifications/dead-letters/{dead_letter_id}/retry",
       Permission::config_write, 200, 404, 404, true,
       [](ApiWorld& world, const std::string& org, const std::string& site, int) {
         return Target{"/api/v1/sla/notifications/dead-letters/" +
                           world.make_dead_letter(org, site) + "/retry",
                       std::nullopt};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["notifier"], kRefusingNotifier) << reply.body;
         EXPECT_EQ(reply.json()["event_type"], "sla.breach.created") << reply.body;
       }},
      {"GET", "/api/v1/sla/policies/{policy_id}/compliance", Permission::config_read, 200, 404, 404,
       false,
       [](ApiWorld&, const std::string&, const std::string& site, int) {
         return Target{"/api/v1/sla/policies/" + provisioned_at(site) + "/compliance?window=7d",
                       std::nullopt};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["window"], "7d") << reply.body;
         EXPECT_TRUE(reply.json()["statuses"].is_object()) << reply.body;
       }},
      {"GET", "/api/v1/sla/policies/{policy_id}/periods", Permission::config_read, 200, 404, 404,
       false,
       [](ApiWorld&, const std::string&, const std::string& site, int) {
         return Target{"/api/v1/sla/policies/" + provisioned_at(site) + "/periods", std::nullopt};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["items"].size(), 3u) << reply.body;
       }},
      {"GET", "/api/v1/sla/maintenance", Permission::config_read, 200, 200, 200, false,
       [](ApiWorld& world, const std::string& org, const std::string& site, int) {
         fresh_window(world, org, site);
         return Target{"/api/v1/sla/maintenance?limit=200", std::nullopt};
       },
       check_org_list("scope_id", kSiteA1)},
      {"POST", "/api/v1/sla/maintenance", Permission::config_write, 201, 404, 403, false,
       [](ApiWorld& world, const std::string&, const std::string& site, int) {
         return Target{"/api/v1/sla/maintenance",
                       json{{"scope", "site"},
                            {"scope_id", site},
                            {"start", format_rfc3339(world.clock().now() + 1h)},
                            {"end", format_rfc3339(world.clock().now() + 2h)},
                            {"reason", "matrix"}}
                           .dump()};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["org"], kOrgA);
         EXPECT_EQ(reply.header("location"),
                   "/api/v1/sla/maintenance/" + reply.json().value("id", ""));
       }},
      {"DELETE", "/api/v1/sla/maintenance/{maintenance_id}", Permission::config_write, 204, 404,
       403, true,
       [](ApiWorld& world, const std::string& org, const std::string& site, int) {
         return Target{"/api/v1/sla/maintenance/" + fresh_window(world, org, site), std::nullopt};
       },
       [](const Reply& reply, const Cell&) { EXPECT_TRUE(reply.body.empty()); }},
      {"GET", "/api/v1/sla/maintenance/{maintenance_id}/suppressed", Permission::config_read, 200,
       404, 404, false,
       [](ApiWorld& world, const std::string& org, const std::string& site, int) {
         return Target{"/api/v1/sla/maintenance/" + fresh_window(world, org, site) + "/suppressed",
                       std::nullopt};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json(),
                   json({{"items", json::array()}, {"total", 0}, {"limit", 50}, {"offset", 0}}));
       }},
      {"POST", "/api/v1/sla/reports/generate", Permission::config_read, 202, 404, 404, false,
       [](ApiWorld& world, const std::string&, const std::string& site, int) {
         return Target{"/api/v1/sla/reports/generate",
                       json{{"period_start", format_rfc3339(world.clock().now() - 24h)},
                            {"period_end", format_rfc3339(world.clock().now())},
                            {"policy_ids", {provisioned_at(site)}},
                            {"format", "csv"},
                            {"title", "Matrix report"}}
                           .dump()};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["status"], "pending") << reply.body;
         EXPECT_EQ(reply.header("location"),
                   "/api/v1/sla/reports/" + reply.json().value("id", "") + "/download");
       }},
      {"GET", "/api/v1/sla/reports", Permission::config_read, 200, 200, 200, false,
       [](ApiWorld& world, const std::string& org, const std::string& site, int) {
         fresh_report(world, org, site);
         return Target{"/api/v1/sla/reports?limit=200", std::nullopt};
       },
       [](const Reply& reply, const Cell& cell) {
         const json body = reply.json();
         ASSERT_TRUE(body["items"].is_array()) << reply.body;
         EXPECT_EQ(body["total"], body["items"].size());
         // Only the caller's org (the body never names org B), within a grant only its sites.
         for (const json& item : body["items"]) {
           if (cell.grant == Grant::site_a1) {
             EXPECT_EQ(item["title"], "Matrix report at " + kSiteA1) << reply.body;
           }
         }
         if (cell.sees()) {
           EXPECT_FALSE(body["items"].empty()) << reply.body;
         }
       }},
      {"GET", "/api/v1/sla/reports/{report_id}/download", Permission::config_read, 200, 404, 404,
       false,
       [](ApiWorld& world, const std::string& org, const std::string& site, int) {
         return Target{"/api/v1/sla/reports/" + fresh_report(world, org, site) + "/download",
                       std::nullopt};
       },
       [](const Reply& reply, const Cell&) {
         // Pending: the report data as JSON, built now.
         EXPECT_TRUE(reply.json().is_object()) << reply.body;
       }},
      {"GET", "/api/v1/sla/report-schedules", Permission::config_read, 200, 200, 200, false,
       [](ApiWorld& world, const std::string& org, const std::string& site, int serial) {
         fresh_schedule(world, org, site, serial);
         return Target{"/api/v1/sla/report-schedules?limit=200", std::nullopt};
       },
       check_org_list("policy_ids", json({kProvA1}))},
      {"POST", "/api/v1/sla/report-schedules", Permission::config_write, 201, 404, 404, true,
       [](ApiWorld&, const std::string&, const std::string& site, int serial) {
         return Target{"/api/v1/sla/report-schedules",
                       schedule_request(site, "Matrix new schedule " + std::to_string(serial))};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["org"], kOrgA);
         EXPECT_EQ(reply.header("location"),
                   "/api/v1/sla/report-schedules/" + reply.json().value("id", ""));
       }},
      {"PUT", "/api/v1/sla/report-schedules/{schedule_id}", Permission::config_write, 200, 404, 404,
       false,
       [](ApiWorld& world, const std::string& org, const std::string& site, int serial) {
         return Target{"/api/v1/sla/report-schedules/" + fresh_schedule(world, org, site, serial),
                       schedule_request(site, "Matrix schedule " + std::to_string(serial))};
       },
       [](const Reply& reply, const Cell&) {
         EXPECT_EQ(reply.json()["format"], "csv") << reply.body;
         EXPECT_EQ(reply.json()["provisioned"], false) << reply.body;
       }},
      {"DELETE", "/api/v1/sla/report-schedules/{schedule_id}", Permission::config_write, 204, 404,
       404, true,
       [](ApiWorld& world, const std::string& org, const std::string& site, int serial) {
         return Target{"/api/v1/sla/report-schedules/" + fresh_schedule(world, org, site, serial),
                       std::nullopt};
       },
       [](const Reply& reply, const Cell&) { EXPECT_TRUE(reply.body.empty()); }},
  };
  return rows;
}

std::string error_code(int status) {
  switch (status) {
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 422:
      return "validation_failed";
  }
  return "";
}

class MatrixTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  MatrixTest() : world_(unlimited()), client_(world_.port()) {}

  static ApiOptions unlimited() {
    ApiOptions options;
    options.evaluations_per_minute = 1'000'000;
    return options;
  }

  std::optional<std::string> authorization(const Cell& cell) {
    const bool a1 = cell.grant == Grant::site_a1;
    JwtClaims claims = JwtClaims().with_role(std::string(to_string(cell.role)));
    if (a1) claims = claims.with_sites({kSiteA1});
    switch (cell.credential) {
      case Credential::missing:
        return std::nullopt;
      case Credential::malformed_scheme:
        return "Basic " + ApiWorld::token("a-org-admin");
      case Credential::malformed_token:
        return "Bearer not a token";
      case Credential::expired_jwt:
        return "Bearer " + world_.jwt(claims.with_expires_in(-1h));
      case Credential::hs256_wrong_secret:
        return "Bearer " + world_.jwt(claims, JwtSigning::hs256_wrong_secret);
      case Credential::rs256_wrong_key:
        return "Bearer " + world_.jwt(claims, JwtSigning::rs256_wrong_key);
      case Credential::static_token: {
        std::string name = "a-";
        name += cell.role == Role::viewer       ? "viewer"
                : cell.role == Role::site_admin ? "site-admin"
                                                : "org-admin";
        return "Bearer " + ApiWorld::token(a1 ? name + "-a1" : name);
      }
      case Credential::hs256_jwt:
        return "Bearer " + world_.jwt(claims);
      case Credential::rs256_jwt:
        return "Bearer " + world_.jwt(claims, JwtSigning::rs256);
    }
    return std::nullopt;
  }

  static int expected_status(const Row& row, const Cell& cell) {
    if (!valid(cell.credential)) return 401;
    if (row.permission == Permission::config_write && cell.role == Role::viewer) return 403;
    if (cell.owner == Owner::other_org) return row.other_org;
    if (cell.grant == Grant::site_a1 && cell.location == Location::ungranted_site) {
      return row.ungranted;
    }
    return row.success;
  }

  ApiWorld world_;
  ApiClient client_;
};

TEST_P(MatrixTest, EveryCell) {
  const Row& row = table()[GetParam()];
  // Something to see at every site: a breach of each site's provisioned policy.
  world_.commit_breach(kOrgA, kProvA1, Scope::site, kSiteA1);
  world_.commit_breach(kOrgA, kProvA2, Scope::site, kSiteA2);
  world_.commit_breach(kOrgB, kProvB1, Scope::site, kSiteB1);

  std::map<std::pair<std::string, std::string>, Target> prepared;  // (org, site) → target
  int serial = 0;
  int cells = 0;
  for (Role role : kRoles) {
    for (Grant grant : {Grant::every_site, Grant::site_a1}) {
      for (Owner owner : {Owner::own_org, Owner::other_org}) {
        for (Location location : {Location::granted_site, Location::ungranted_site}) {
          for (Credential credential : kCredentials) {
            const Cell cell{role, grant, owner, location, credential};
            SCOPED_TRACE(row.method + " " + row.pattern + " — " + cell.describe());
            const std::string org = owner == Owner::own_org ? kOrgA : kOrgB;
            const std::string site = owner == Owner::other_org            ? kSiteB1
                                     : location == Location::granted_site ? kSiteA1
                                                                          : kSiteA2;
            auto slot = prepared.find({org, site});
            if (slot == prepared.end()) {
              slot =
                  prepared.emplace(std::pair(org, site), row.prepare(world_, org, site, ++serial))
                      .first;
            }
            const Target& target = slot->second;
            const Reply reply = client_.send(
                {row.method, target.path, authorization(cell), target.body, "application/json"});
            ++cells;
            const int expected = expected_status(row, cell);
            if (expected >= 400) {
              EXPECT_TRUE(is_api_error(reply, expected, error_code(expected)));
              if (expected == 401) {
                EXPECT_EQ(reply.header("www-authenticate"), "Bearer");
              }
            } else {
              ASSERT_EQ(reply.status, expected) << reply.body;
              row.check(reply, cell);
            }
            // Nothing of the other org ever shows in an answer to org A's caller.
            EXPECT_EQ(reply.body.find(kOrgB), std::string::npos) << reply.body;
            EXPECT_EQ(reply.body.find(kProvB1), std::string::npos) << reply.body;
            if (row.consumes && reply.status == row.success) prepared.erase(slot);
          }
        }
      }
    }
  }
  EXPECT_EQ(cells, 3 * 2 * 2 * 2 * 9);
}

INSTANTIATE_TEST_SUITE_P(Api, MatrixTest, ::testing::Range<std::size_t>(0, table().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           const Row& row = table()[info.param];
                           std::string name = row.method;
                           for (char c : row.pattern.substr(std::string("/api/v1/sla").size())) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

// The table above is the API: exactly the routes the server registers (besides the
// token-free OpenAPI document).
TEST(MatrixTable, EqualsTheRegisteredRoutes) {
  ApiWorld world;
  std::set<std::pair<std::string, std::string>> registered(world.registered_routes().begin(),
                                                           world.registered_routes().end());
  std::set<std::pair<std::string, std::string>> rows = {{"GET", "/api/v1/openapi.json"}};
  for (const Row& row : table()) rows.emplace(row.method, row.pattern);
  EXPECT_EQ(rows.size(), table().size() + 1) << "a row is listed twice";
  EXPECT_EQ(rows, registered);
}

}  // namespace
}  // namespace slamon::api::testing
