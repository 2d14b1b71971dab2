// Many clients at once against the API's 8 worker threads: acknowledging the same breaches,
// PATCHing the same policy, creating policies with the same name. Exactly one acknowledge per
// breach wins (the others are 409) with exactly one sla.breach.acknowledged event, no PATCH is
// lost (each 200 is in the final policy, each 409 is not), and the final state is consistent.
#include <gtest/gtest.h>

#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api_client.h"
#include "api_fixture.h"

namespace slamon::api::testing {
namespace {

using nlohmann::json;

constexpr int kClients = 12;
constexpr int kBreachCount = 6;
constexpr int kPatchesPerClient = 8;

TEST(ApiConcurrency, AcknowledgesAndPatchesFromManyClients) {
  ApiWorld world;
  Policy shared = ApiWorld::site_policy("shared", kOrgA, kSiteA1, "Shared");
  world.insert_policy(shared);
  std::vector<std::string> breach_ids;
  for (int i = 0; i < kBreachCount; ++i) {
    breach_ids.push_back(world
                             .commit_breach(kOrgA, "conc-" + std::to_string(i), Scope::site,
                                            kSiteA1, Metric::uptime_percent,
                                            i % 2 == 0 ? Severity::warning : Severity::critical)
                             .id);
  }

  // Clients are made on this thread: libcurl's global initialisation is not thread-safe.
  std::vector<std::unique_ptr<ApiClient>> clients;
  for (int c = 0; c < kClients; ++c) clients.push_back(std::make_unique<ApiClient>(world.port()));
  const std::string token = ApiWorld::token("a-org-admin");

  std::mutex results_mutex;
  std::map<std::string, std::vector<long>> ack_statuses;  // breach id -> statuses
  std::map<std::string, long> patch_statuses;             // label -> status
  std::vector<long> create_statuses;
  std::vector<std::string> unexpected;

  std::latch start(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      ApiClient& client = *clients[static_cast<std::size_t>(c)];
      start.arrive_and_wait();
      try {
        for (int round = 0; round < std::max(kBreachCount, kPatchesPerClient); ++round) {
          if (round < kBreachCount) {
            // Each client walks the breaches from a different starting point.
            const std::string& id =
                breach_ids[static_cast<std::size_t>((round + c) % kBreachCount)];
            const Reply reply = client.post("/api/v1/sla/breaches/" + id + "/acknowledge", token,
                                            R"({"notes": "client )" + std::to_string(c) + "\"}");
            std::lock_guard lock(results_mutex);
            ack_statuses[id].push_back(reply.status);
            if (reply.status != 200 && !is_api_error(reply, 409, "conflict")) {
              unexpected.push_back("acknowledge: " + std::to_string(reply.status) + " " +
                                   reply.body);
            }
          }
          if (round < kPatchesPerClient) {
            const std::string label = "c" + std::to_string(c) + "_" + std::to_string(round);
            const Reply reply = client.patch("/api/v1/sla/policies/shared", token,
                                             json{{"labels", {{label, "x"}}}}.dump());
            std::lock_guard lock(results_mutex);
            patch_statuses[label] = reply.status;
            if (reply.status != 200 && !is_api_error(reply, 409, "conflict")) {
              unexpected.push_back("patch: " + std::to_string(reply.status) + " " + reply.body);
            }
          }
          if (round == 0) {
            const Reply reply =
                client.post("/api/v1/sla/policies", token,
                            R"({"name": "Race", "scope": "site", "scope_id": ")" + kSiteA2 +
                                R"(", "thresholds": {"uptime_percent_min": 99}})");
            std::lock_guard lock(results_mutex);
            create_statuses.push_back(reply.status);
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(results_mutex);
        unexpected.push_back(e.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(unexpected.empty()) << unexpected.front();

  // Exactly one acknowledge per breach, and exactly one event for it.
  for (const std::string& id : breach_ids) {
    SCOPED_TRACE("breach " + id);
    const auto& statuses = ack_statuses[id];
    EXPECT_EQ(statuses.size(), static_cast<std::size_t>(kClients));
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 1);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kClients - 1);
    const auto events = world.events("sla.breach.acknowledged", id);
    ASSERT_EQ(events.size(), 1u);
    const auto stored = world.store().breach(id);
    ASSERT_TRUE(stored && *stored);
    EXPECT_EQ((*stored)->status, BreachStatus::acknowledged);
    EXPECT_EQ(json::parse(events[0].payload)["breach"]["notes"], (*stored)->ack_notes.value_or(""));
  }

  // No lost update: the final labels are exactly those of the PATCHes answered 200.
  std::set<std::string> applied;
  for (const auto& [label, status] : patch_statuses) {
    if (status == 200) applied.insert(label);
  }
  EXPECT_FALSE(applied.empty());
  const auto stored = world.store().policy("shared");
  ASSERT_TRUE(stored && *stored);
  std::set<std::string> labels;
  for (const auto& [name, value] : (*stored)->policy.labels) labels.insert(name);
  EXPECT_EQ(labels, applied);
  EXPECT_EQ((*stored)->revision, 1 + static_cast<long long>(applied.size()));
  ApiClient reader(world.port());
  const json policy = reader.get("/api/v1/sla/policies/shared", token).json();
  EXPECT_EQ(policy["labels"].size(), applied.size());

  // One creation wins the name.
  EXPECT_EQ(std::count(create_statuses.begin(), create_statuses.end(), 201), 1);
  EXPECT_EQ(std::count(create_statuses.begin(), create_statuses.end(), 409), kClients - 1);
  EXPECT_EQ(reader.get("/api/v1/sla/policies?site_id=" + kSiteA2, token).json()["total"], 2);
}

}  // namespace
}  // namespace slamon::api::testing
