// The REST API of the real slamon binary (SPEC §8, §11) against the integration fleet in a
// real Prometheus, with an `auth:` section in slamon.yml: static tokens (by digest and by
// token_file) and HS256 JWTs. Every endpoint's happy path end to end, and a policy created
// through the API that is evaluated on the next cycle and survives a restart.
#include <gtest/gtest.h>
#include <jwt.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/auth.h"
#include "integration/fleet.h"
#include "integration/slamon_daemon.h"
#include "integration/state_db.h"
#include "integration/test_helpers.h"
#include "unit/api/api_client.h"

namespace slamon::integration {

using testing::read_text_file;
namespace {

using api::testing::ApiClient;
using api::testing::Reply;
using nlohmann::json;

const std::string kAdminToken = "itest-admin-2c8e41d7";
const std::string kViewerToken = "itest-viewer-93b7a0f5";
const std::string kAlphaAdminToken = "itest-alpha-admin-0d5e";
const std::string kJwtSecret = "itest-jwt-secret-4a7f1c09b2e3d5f6a8c0";
const std::string kDeltaPolicy = "delta-uptime";

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

std::string mint_viewer_jwt() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const json claims = {
      {"org_id", kOrg},
      {"role", "viewer"},
      {"sub", "grafana"},
      {"iss", "https://idp.integration"},
      {"aud", "slamon"},
      {"exp", std::chrono::duration_cast<std::chrono::seconds>(now).count() + 3600}};
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return "";
  const std::unique_ptr<jwt_t, JwtDeleter> token(raw);
  if (jwt_add_grants_json(token.get(), claims.dump().c_str()) != 0 ||
      jwt_set_alg(token.get(), JWT_ALG_HS256,
                  reinterpret_cast<const unsigned char*>(kJwtSecret.data()),
                  static_cast<int>(kJwtSecret.size())) != 0) {
    return "";
  }
  char* encoded = jwt_encode_str(token.get());
  if (encoded == nullptr) return "";
  std::string text(encoded);
  free(encoded);  // NOLINT: libjwt allocates with malloc
  return text;
}

class ApiIntegrationTest : public FleetTest {
 protected:
  // The fleet, evaluated once at start and then only on demand, with an `auth:` section.
  FleetFiles write_files() {
    FleetOptions options;
    options.evaluation_interval = "1h";
    FleetFiles files = write_fleet(options);
    dir_.write("viewer.token", kViewerToken + "\n");
    dir_.write("jwt.key", kJwtSecret);
    const std::string config = read_text_file(files.config) +
                               "auth:\n"
                               "  tokens:\n"
                               "    - name: ops-admin\n"
                               "      sha256: " +
                               sha256_hex(kAdminToken) + "\n" + "      org: " + kOrg + "\n" +
                               "      role: org_admin\n"
                               "    - name: noc-viewer\n"
                               "      token_file: viewer.token\n"
                               "      org: " +
                               kOrg + "\n" +
                               "      role: viewer\n"
                               "    - name: alpha-admin\n"
                               "      sha256: " +
                               sha256_hex(kAlphaAdminToken) + "\n" + "      org: " + kOrg + "\n" +
                               "      role: site_admin\n"
                               "      sites: [" +
                               kSiteAlpha + "]\n" +
                               "  jwt:\n"
                               "    hs256_secret_file: jwt.key\n"
                               "    issuer: https://idp.integration\n"
                               "    audience: slamon\n"
                               "    claims: {org: org_id, role: role, sites: sites}\n";
    dir_.write("slamon.yml", config);
    return files;
  }

  Reply post(ApiClient& client, const std::string& path, const std::string& body) {
    return client.post(path, kAdminToken, body);
  }
};

std::string id_of_breach(const json& list, const std::string& policy) {
  for (const auto& item : list["items"]) {
    if (item.value("policy_id", "") == policy) return item.value("id", "");
  }
  return "";
}

TEST_F(ApiIntegrationTest, EveryEndpointEndToEnd) {
  const FleetFiles files = write_files();
  auto started = SlamonDaemon::start(files.config, dir_.path(), "slamon");
  ASSERT_TRUE(started) << started.error().message;
  SlamonDaemon& daemon = **started;
  ASSERT_TRUE(daemon.wait_for_evaluations(1)) << daemon.log();
  ApiClient client(daemon.port());

  // The OpenAPI document needs no token; everything else does.
  const Reply openapi = client.get("/api/v1/openapi.json", "");
  ASSERT_EQ(openapi.status, 200);
  EXPECT_TRUE(openapi.json()["paths"].contains("/api/v1/sla/policies/{policy_id}"));
  const Reply anonymous = client.get("/api/v1/sla/summary", "");
  EXPECT_TRUE(api::testing::is_api_error(anonymous, 401, "unauthorized"));
  EXPECT_EQ(anonymous.header("www-authenticate"), "Bearer");

  // Summary: bravo (warning) and charlie (critical) are in breach, alpha is compliant.
  const Reply summary = client.get("/api/v1/sla/summary", kViewerToken);
  ASSERT_EQ(summary.status, 200) << summary.body << daemon.log();
  EXPECT_EQ(summary.json()["active_policies"], 3);
  EXPECT_EQ(summary.json()["policies_in_breach"], 2);
  EXPECT_DOUBLE_EQ(summary.json()["compliance_rate"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(summary.json()["breaches_by_severity"],
            json::parse(R"({"warning": 1, "critical": 1})"));
  EXPECT_EQ(summary.json()["recent_breaches"].size(), 2u);

  // A JWT viewer reads too.
  const std::string jwt = mint_viewer_jwt();
  ASSERT_FALSE(jwt.empty());
  EXPECT_EQ(client.get("/api/v1/sla/summary", jwt).json(), summary.json());

  const Reply policies = client.get("/api/v1/sla/policies", kViewerToken);
  ASSERT_EQ(policies.status, 200) << policies.body;
  EXPECT_EQ(policies.json()["total"], 3);
  EXPECT_EQ(policies.json()["items"][0]["id"], kAlphaPolicy);  // "Alpha site network" sorts first
  EXPECT_EQ(policies.json()["items"][0]["provisioned"], true);
  const Reply alpha = client.get(std::string("/api/v1/sla/policies/") + kAlphaPolicy, kViewerToken);
  ASSERT_EQ(alpha.status, 200);
  EXPECT_EQ(alpha.json()["name"], kAlphaPolicyName);
  // A site grant sees only its site.
  EXPECT_EQ(client.get("/api/v1/sla/policies", kAlphaAdminToken).json()["total"], 1);

  // Breaches, and acknowledging bravo's.
  const Reply active = client.get("/api/v1/sla/breaches?status=active", kViewerToken);
  ASSERT_EQ(active.status, 200) << active.body;
  EXPECT_EQ(active.json()["total"], 2);
  const std::string bravo_breach = id_of_breach(active.json(), kBravoPolicy);
  ASSERT_FALSE(bravo_breach.empty()) << active.body;
  EXPECT_TRUE(api::testing::is_api_error(
      client.post("/api/v1/sla/breaches/" + bravo_breach + "/acknowledge", kViewerToken, ""), 403,
      "forbidden"));
  const Reply acknowledged = post(client, "/api/v1/sla/breaches/" + bravo_breach + "/acknowledge",
                                  R"({"notes": "ISP ticket 4711"})");
  ASSERT_EQ(acknowledged.status, 200) << acknowledged.body;
  EXPECT_EQ(acknowledged.json()["status"], "acknowledged");
  EXPECT_EQ(acknowledged.json()["acknowledged_by"], "ops-admin");
  EXPECT_EQ(post(client, "/api/v1/sla/breaches/" + bravo_breach + "/acknowledge", "").status, 409);
  const auto events = read_events(files.storage);
  ASSERT_TRUE(events) << events.error().message;
  const auto acks = events_of_type(*events, "sla.breach.acknowledged");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].breach_id, bravo_breach);
  EXPECT_EQ(acks[0].priority, "NORMAL");
  EXPECT_EQ(json::parse(acks[0].payload)["breach"]["notes"], "ISP ticket 4711");

  // A policy created through the API is evaluated by the next cycle.
  const Reply created = post(client, "/api/v1/sla/policies",
                             json{{"id", kDeltaPolicy},
                                  {"name", "Bravo uptime (API)"},
                                  {"scope", "site"},
                                  {"scope_id", kSiteBravo},
                                  {"labels", {{"source", "api"}}},
                                  {"thresholds", {{"uptime_percent_min", 95}}}}
                                 .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("location"), "/api/v1/sla/policies/" + kDeltaPolicy);
  const Reply evaluated = post(client, "/api/v1/sla/evaluate", "");
  ASSERT_EQ(evaluated.status, 200) << evaluated.body << daemon.log();
  EXPECT_EQ(evaluated.json()["policies_evaluated"], 4);
  EXPECT_EQ(evaluated.json()["breaches_opened"], 1);
  const Reply delta_breaches =
      client.get("/api/v1/sla/breaches?policy_id=" + kDeltaPolicy, kViewerToken);
  ASSERT_EQ(delta_breaches.json()["total"], 1) << delta_breaches.body;
  EXPECT_EQ(delta_breaches.json()["items"][0]["severity"], "warning");
  EXPECT_EQ(delta_breaches.json()["items"][0]["status"], "active");

  // Lowering the threshold below the measured 90 % resolves it on the next cycle.
  const Reply patched = client.patch("/api/v1/sla/policies/" + kDeltaPolicy, kAdminToken,
                                     R"({"thresholds": {"uptime_percent_min": 80}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["thresholds"], json::parse(R"({"uptime_percent_min": 80.0})"));
  const Reply second = post(client, "/api/v1/sla/evaluate", "");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json()["breaches_resolved"], 1);
  const Reply limited = post(client, "/api/v1/sla/evaluate", "");
  EXPECT_TRUE(api::testing::is_api_error(limited, 429, "rate_limited"));
  EXPECT_GE(std::atoi(limited.header("retry-after").c_str()), 1);
  EXPECT_LE(std::atoi(limited.header("retry-after").c_str()), 60);

  // The API policy survives a restart and is evaluated by the restarted daemon's first cycle.
  const auto stopped = daemon.stop();
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->code(), 0) << daemon.log();
  auto restarted = SlamonDaemon::start(files.config, dir_.path(), "slamon-2");
  ASSERT_TRUE(restarted) << restarted.error().message;
  const auto metrics =
      (*restarted)->wait_for_metrics("the API policy on /metrics", [](const MetricsText& m) {
        return m.value("slamon_policy_compliant", {{"org", kOrg}, {"policy_id", kDeltaPolicy}}) ==
               1.0;
      });
  ASSERT_TRUE(metrics) << metrics.error().message;
  ApiClient after((*restarted)->port());
  const Reply kept = after.get("/api/v1/sla/policies/" + kDeltaPolicy, kViewerToken);
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(kept.json()["provisioned"], false);
  EXPECT_EQ(kept.json()["thresholds"], json::parse(R"({"uptime_percent_min": 80.0})"));
  EXPECT_EQ(kept.json()["labels"], json::parse(R"({"source": "api"})"));

  // Deleting it.
  EXPECT_EQ(after.del("/api/v1/sla/policies/" + kDeltaPolicy, kAdminToken).status, 204);
  EXPECT_TRUE(api::testing::is_api_error(
      after.get("/api/v1/sla/policies/" + kDeltaPolicy, kViewerToken), 404, "not_found"));
  EXPECT_EQ(after.del(std::string("/api/v1/sla/policies/") + kAlphaPolicy, kAdminToken).status,
            409);

  // Nothing in the log carries a bearer token or the JWT secret.
  const std::string log = daemon.log() + (*restarted)->log();
  for (const std::string& secret : {kAdminToken, kViewerToken, kJwtSecret, jwt}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "a secret in the log";
  }
}

}  // namespace
}  // namespace slamon::integration
