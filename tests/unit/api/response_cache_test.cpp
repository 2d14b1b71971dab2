// The GET answer cache (exporters/api/response_cache.h): an answer is reused only under the same
// configuration and store data generation, never across orgs or site grants, and every write
// made through the API or the engine is visible to the next read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/response_cache.h"
#include "api_client.h"
#include "api_fixture.h"

namespace slamon::api::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

Principal principal(const std::string& org, std::optional<std::set<std::string>> sites = {}) {
  Principal p;
  p.name = "t";
  p.org = org;
  p.role = Role::viewer;
  p.sites = std::move(sites);
  return p;
}

http::HttpRequest get(const std::string& path, http::QueryParams query = {}) {
  http::HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.query_params = std::move(query);
  return request;
}

TEST(ResponseCacheKey, SeparatesOrgsGrantsPathsAndQueries) {
  const auto request = get("/api/v1/sla/breaches", {{"status", "active"}});
  const std::string base = ResponseCache::key_of(principal(kOrgA), request);
  EXPECT_NE(base, ResponseCache::key_of(principal(kOrgB), request));
  EXPECT_NE(base, ResponseCache::key_of(principal(kOrgA, std::set<std::string>{kSiteA1}), request));
  EXPECT_NE(ResponseCache::key_of(principal(kOrgA, std::set<std::string>{kSiteA1}), request),
            ResponseCache::key_of(principal(kOrgA, std::set<std::string>{kSiteA2}), request));
  EXPECT_NE(base, ResponseCache::key_of(principal(kOrgA),
                                        get("/api/v1/sla/policies", {{"status", "active"}})));
  EXPECT_NE(base, ResponseCache::key_of(principal(kOrgA),
                                        get("/api/v1/sla/breaches", {{"status", "resolved"}})));
  // A value cannot pose as the next parameter: "a=b&c" differs from "a=b%26c".
  EXPECT_NE(ResponseCache::key_of(principal(kOrgA), get("/p", {{"a", "b"}, {"c", ""}})),
            ResponseCache::key_of(principal(kOrgA), get("/p", {{"a", "b&c"}})));
  // The parameters' order as sent does not matter (the map sorts names).
  EXPECT_EQ(ResponseCache::key_of(principal(kOrgA), get("/p", {{"a", "1"}, {"b", "2"}})),
            ResponseCache::key_of(principal(kOrgA), get("/p", {{"b", "2"}, {"a", "1"}})));
}

TEST(ResponseCache, ServesOnlyUnderTheSameConfigAndGeneration) {
  ResponseCache cache(4);
  auto config = std::make_shared<const Config>();
  auto reloaded = std::make_shared<const Config>();
  cache.remember("k", config, 7, http::HttpResponse::json(200, R"({"n":1})"));
  ASSERT_TRUE(cache.find("k", config.get(), 7));
  EXPECT_EQ(cache.find("k", config.get(), 7)->body, R"({"n":1})");
  EXPECT_FALSE(cache.find("k", reloaded.get(), 7));
  // A miss on a stale entry drops it.
  cache.remember("k", config, 7, http::HttpResponse::json(200, "{}"));
  EXPECT_FALSE(cache.find("k", config.get(), 8));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.find("other", config.get(), 7));
}

TEST(ResponseCache, EvictsTheLeastRecentlyUsedWhenFull) {
  ResponseCache cache(2);
  auto config = std::make_shared<const Config>();
  cache.remember("a", config, 1, http::HttpResponse::json(200, "a"));
  cache.remember("b", config, 1, http::HttpResponse::json(200, "b"));
  ASSERT_TRUE(cache.find("a", config.get(), 1));  // "b" is now the least recently used
  cache.remember("c", config, 1, http::HttpResponse::json(200, "c"));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find("a", config.get(), 1));
  EXPECT_FALSE(cache.find("b", config.get(), 1));
  EXPECT_TRUE(cache.find("c", config.get(), 1));
}

class CachedApiTest : public ::testing::Test {
 protected:
  ApiWorld world_;
  ApiClient client_{world_.port()};
  const std::string admin_ = ApiWorld::token("a-org-admin");
  const std::string viewer_a1_ = ApiWorld::token("a-viewer-a1");
};

TEST_F(CachedApiTest, AnAcknowledgementShowsInTheNextList) {
  const Breach breach = world_.commit_breach(kOrgA, kProvA1, Scope::site, kSiteA1);
  const std::string path = "/api/v1/sla/breaches?status=active";
  ASSERT_EQ(client_.get(path, admin_).json()["total"], 1);
  ASSERT_EQ(client_.get(path, admin_).json()["total"], 1);  // served again, unchanged
  const Reply ack = client_.send({"POST", "/api/v1/sla/breaches/" + breach.id + "/acknowledge",
                                  bearer(admin_), R"({"notes": "on it"})", "application/json"});
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(client_.get(path, admin_).json()["total"], 0);
  EXPECT_EQ(client_.get("/api/v1/sla/breaches?status=acknowledged", admin_).json()["total"], 1);
}

TEST_F(CachedApiTest, AnEngineCommitShowsInTheNextSummary) {
  ASSERT_EQ(client_.get("/api/v1/sla/summary", admin_).json()["policies_in_breach"], 0);
  world_.commit_breach(kOrgA, kProvA1, Scope::site, kSiteA1);
  EXPECT_EQ(client_.get("/api/v1/sla/summary", admin_).json()["policies_in_breach"], 1);
}

TEST_F(CachedApiTest, ACreatedPolicyShowsInTheNextList) {
  const auto before = client_.get("/api/v1/sla/policies", admin_).json()["total"].get<int>();
  const Reply created =
      client_.send({"POST", "/api/v1/sla/policies", bearer(admin_),
                    R"({"name": "new", "scope": "site", "scope_id": ")" + kSiteA1 +
                        R"(", "thresholds": {"uptime_percent_min": 99}})",
                    "application/json"});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(client_.get("/api/v1/sla/policies", admin_).json()["total"], before + 1);
}

TEST_F(CachedApiTest, AReloadShowsInTheNextList) {
  const auto before = client_.get("/api/v1/sla/policies", admin_).json()["total"].get<int>();
  world_.set_config(world_.config_with([](Config& config) {
    std::erase_if(config.policies, [](const Policy& p) { return p.id == kProvA1; });
  }));
  EXPECT_EQ(client_.get("/api/v1/sla/policies", admin_).json()["total"], before - 1);
}

TEST_F(CachedApiTest, NoAnswerCrossesASiteGrant) {
  world_.commit_breach(kOrgA, kProvA2, Scope::site, kSiteA2);
  const std::string path = "/api/v1/sla/breaches";
  ASSERT_EQ(client_.get(path, admin_).json()["total"], 1);
  EXPECT_EQ(client_.get(path, viewer_a1_).json()["total"], 0);
  EXPECT_EQ(client_.get(path, ApiWorld::token("b-org-admin")).json()["total"], 0);
}

}  // namespace
}  // namespace slamon::api::testing
