// GET /notifications/dead-letters and POST .../{id}/retry (SPEC §9.3, §11): what a dead letter
// shows, paging, and that a retried letter leaves the list until it fails again.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api_client.h"
#include "api_fixture.h"

namespace slamon::api::testing {
namespace {

using nlohmann::json;

const std::string kDeadLetters = "/api/v1/sla/notifications/dead-letters";

class DeadLettersTest : public ::testing::Test {
 protected:
  Reply retry(const std::string& id, std::optional<std::string> body = std::nullopt) {
    return client_.send({"POST", kDeadLetters + "/" + id + "/retry", bearer(admin_),
                         std::move(body), "application/json"});
  }
  ApiWorld world_;
  ApiClient client_{world_.port()};
  const std::string admin_ = ApiWorld::token("a-org-admin");
};

TEST_F(DeadLettersTest, ListsWhatFailedAndWhy) {
  const std::string id = world_.make_dead_letter(kOrgA, kSiteA1);
  const Reply reply = client_.get(kDeadLetters, admin_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json body = reply.json();
  ASSERT_EQ(body["total"], 1);
  const json& item = body["items"][0];
  EXPECT_EQ(item["id"], id);
  EXPECT_EQ(item["notifier"], kRefusingNotifier);
  EXPECT_EQ(item["event_type"], "sla.breach.created");
  EXPECT_EQ(item["last_error"], "HTTP 400");
  EXPECT_EQ(item["attempts"], 1);
  EXPECT_EQ(item["event"]["id"], item["event_id"]);
  EXPECT_EQ(item["event"]["breach"]["scope_id"], kSiteA1);
}

TEST_F(DeadLettersTest, PagesLikeEveryList) {
  for (int i = 0; i < 3; ++i) world_.make_dead_letter(kOrgA, kSiteA1);
  const json page = client_.get(kDeadLetters + "?limit=2&offset=2", admin_).json();
  EXPECT_EQ(page["total"], 3);
  EXPECT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["limit"], 2);
  EXPECT_EQ(page["offset"], 2);
  EXPECT_EQ(client_.get(kDeadLetters + "?limit=201", admin_).status, 422);
}

TEST_F(DeadLettersTest, ARetriedLetterIsQueuedAgainAndFailsAgain) {
  const std::string id = world_.make_dead_letter(kOrgA, kSiteA1);
  const Reply retried = retry(id);
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(retried.json()["id"], id);
  EXPECT_EQ(client_.get(kDeadLetters, admin_).json()["total"], 0);
  // Queued, not dead: a second retry finds no dead letter.
  EXPECT_EQ(retry(id).status, 404);
  // The refusing notifier refuses it again: it is back in the list with a fresh attempt count.
  ASSERT_TRUE(world_.delivery().deliver_once(kRefusingNotifier, world_.clock().now()));
  const json again = client_.get(kDeadLetters, admin_).json();
  ASSERT_EQ(again["total"], 1);
  EXPECT_EQ(again["items"][0]["id"], id);
  EXPECT_EQ(again["items"][0]["attempts"], 1);
}

TEST_F(DeadLettersTest, ARetryTakesNoBodyAndUnknownIdsAre404) {
  const std::string id = world_.make_dead_letter(kOrgA, kSiteA1);
  EXPECT_EQ(retry(id, R"({"force": true})").status, 422);
  const Reply missing = retry("no-such-letter");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"]["message"], "dead letter not found");
  EXPECT_EQ(client_
                .send({"POST", kDeadLetters + "/" + id + "/retry",
                       bearer(ApiWorld::token("b-org-admin")), std::nullopt, "application/json"})
                .body,
            missing.body);
}

}  // namespace
}  // namespace slamon::api::testing
