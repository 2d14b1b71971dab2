// Store::data_generation: the API keeps answers while it is unchanged, so it must change after
// every committed write, whoever made it, and never while nothing was written.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "support/sample_breach.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

const WallTime kT0 = from_unix_seconds(1'800'000'000);

Breach open_breach(const std::string& id) {
  return testing::sample_breach(
      {.id = id, .org = "org-a", .policy_id = "p-" + id, .opened_at = kT0});
}

class DataGenerationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(path_);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  slamon::testing::TempDir dir_;
  std::string path_ = dir_.path() / "slamon.db";
  std::unique_ptr<Store> store_;
};

TEST_F(DataGenerationTest, StaysWhileNothingIsWrittenAndIsNeverZero) {
  const auto first = store_->data_generation();
  EXPECT_NE(first, 0u);
  ASSERT_TRUE(store_->breaches(BreachQuery{}));
  EXPECT_EQ(store_->data_generation(), first);
}

TEST_F(DataGenerationTest, ChangesAfterAWriteThroughThisStore) {
  const auto before = store_->data_generation();
  ASSERT_TRUE(store_->commit({open_breach("b-1")}, {}));
  const auto after_commit = store_->data_generation();
  EXPECT_NE(after_commit, before);
  auto acknowledged =
      store_->acknowledge("org-a", "b-1", "tester", std::nullopt, kT0, [](const Breach& b) {
        return make_event(EventType::breach_acknowledged, b, PolicyRef{}, kT0);
      });
  ASSERT_TRUE(acknowledged);
  EXPECT_NE(store_->data_generation(), after_commit);
}

TEST_F(DataGenerationTest, ChangesAfterACommitByAnotherConnection) {
  const auto before = store_->data_generation();
  auto other = sqlite::Connection::open(path_);
  ASSERT_TRUE(other) << other.error().message;
  ASSERT_TRUE(other->exec("another process writes", "CREATE TABLE scratch (x INTEGER)"));
  EXPECT_NE(store_->data_generation(), before);
}

}  // namespace
}  // namespace slamon
