// Shared set-up of the delivery tests: a store on a temporary database file, events committed
// through it as the engine commits them, and a DeliveryService on the same file driven with a
// FakeClock and fake notifiers. Not thread-safe (one test thread).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "delivery/delivery_service.h"
#include "fakes.h"
#include "model/model.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "support/sample_breach.h"
#include "support/temp_dir.h"

namespace slamon::testing {

inline constexpr const char* kOrg = "0b9c3f1e-1111-4a4a-9b9b-000000000001";
inline constexpr const char* kOtherOrg = "0b9c3f1e-2222-4a4a-9b9b-000000000002";
inline const WallTime kStart = WallTime{std::chrono::milliseconds(1'790'000'000'000)};

inline Event breach_event(EventType type, const std::string& breach_id, WallTime at,
                          const std::string& org = kOrg) {
  const bool resolved = type == EventType::breach_resolved;
  const Breach breach =
      sample_breach({.id = breach_id,
                     .org = org,
                     .policy_id = "policy-" + breach_id,
                     .threshold = 99.9,
                     .deviation_percent = 2.4,
                     .severity = Severity::critical,
                     .status = resolved ? BreachStatus::resolved : BreachStatus::active,
                     .opened_at = at,
                     .resolved_at = resolved ? std::optional<WallTime>(at) : std::nullopt});
  PolicyRef policy;
  policy.id = breach.policy_id;
  policy.name = "Policy " + breach_id;
  policy.scope = Scope::site;
  policy.scope_id = "site-1";
  return make_event(type, breach, policy, at);
}

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  void TearDown() override {
    service_.reset();
    store_.reset();
  }

  // Commits one event per breach id (in order) through the store, as the engine does.
  std::vector<std::string> commit(EventType type, const std::vector<std::string>& breach_ids,
                                  const std::string& org = kOrg) {
    std::vector<Event> events;
    std::vector<std::string> ids;
    for (const auto& breach : breach_ids) {
      events.push_back(breach_event(type, breach, clock_.now(), org));
      ids.push_back(events.back().id);
    }
    auto committed = store_->commit({}, events);
    EXPECT_TRUE(committed) << (committed ? "" : committed.error().message);
    return ids;
  }

  std::shared_ptr<FakeNotifier> add_notifier(const std::string& name,
                                             NotifierType type = NotifierType::webhook,
                                             double rate_limit = 1000) {
    auto notifier = std::make_shared<FakeNotifier>(name);
    NotifierConfig config;
    config.name = name;
    config.type = type;
    config.rate_limit = rate_limit;
    config.max_age = max_age_;
    bindings_.push_back({config, notifier});
    notifiers_[name] = notifier;
    return notifier;
  }

  // Every event goes to every notifier added so far, unless `select` is given.
  delivery::DeliverySetup setup(delivery::NotifierSelector select = {},
                                std::unique_ptr<routing::Correlator> correlator = nullptr) {
    delivery::DeliverySetup out;
    out.notifiers = bindings_;
    if (!select) {
      std::vector<std::string> all;
      for (const auto& binding : bindings_) all.push_back(binding.config.name);
      select = [all](const nlohmann::json&) { return all; };
    }
    out.select = std::move(select);
    out.correlator = std::move(correlator);
    return out;
  }

  delivery::DeliveryService& open_service(delivery::DeliverySetup the_setup) {
    auto service = delivery::DeliveryService::open(path_, clock_, std::move(the_setup), policy_);
    EXPECT_TRUE(service) << (service ? "" : service.error().message);
    service_ = std::move(*service);
    return *service_;
  }
  delivery::DeliveryService& open_service() { return open_service(setup()); }

  // Routes, then runs passes of `notifier` until one has nothing left to do at this time.
  int deliver(const std::string& notifier) {
    auto routed = service_->route_once(clock_.now());
    EXPECT_TRUE(routed) << (routed ? "" : routed.error().message);
    int attempts = 0;
    for (int guard = 0; guard < 1000; ++guard) {
      auto pass = service_->deliver_once(notifier, clock_.now());
      EXPECT_TRUE(pass) << (pass ? "" : pass.error().message);
      if (!pass) break;
      attempts += pass->attempts;
      if (pass->attempts == 0) break;
    }
    return attempts;
  }

  long long query(const std::string& sql) {
    auto db = sqlite::Connection::open(path_);
    EXPECT_TRUE(db);
    auto value = db->query_int64("test query", sql);
    EXPECT_TRUE(value) << (value ? "" : value.error().message);
    return value.value_or(-1);
  }

  TempDir dir_;
  std::string path_ = (dir_.path() / "slamon.db").string();
  FakeClock clock_{kStart};
  std::unique_ptr<Store> store_;
  delivery::DeliveryPolicy policy_ = [] {
    delivery::DeliveryPolicy policy;
    // The longest delay of each range, so tests know when an attempt is due.
    policy.jitter = [](std::chrono::milliseconds upper) { return upper; };
    return policy;
  }();
  std::chrono::milliseconds max_age_{std::chrono::hours(24)};
  std::vector<delivery::NotifierBinding> bindings_;
  std::map<std::string, std::shared_ptr<FakeNotifier>> notifiers_;
  std::unique_ptr<delivery::DeliveryService> service_;
};

}  // namespace slamon::testing
