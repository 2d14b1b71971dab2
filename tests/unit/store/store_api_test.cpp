// The store's parts for the REST API, against real SQLite files: policies created through the
// API (CRUD, per-org isolation, revisions, uniqueness), acknowledgements with their outbox
// event, the engine's commit never undoing an acknowledgement, breach filters by scope key, and
// concurrent writers on one file.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "model/event_json.h"
#include "model/policy_json.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "support/sample_breach.h"
#include "support/store_file.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

using std::chrono::milliseconds;

const WallTime kT0 = WallTime{milliseconds{1'790'000'000'123}};
const std::string kOrgA = "org-a";
const std::string kOrgB = "org-b";

using testing::open_store;
using testing::raw_connection;

Policy make_policy(const std::string& id, const std::string& org, const std::string& name) {
  Policy p;
  p.id = id;
  p.org = org;
  p.name = name;
  p.description = "availability of " + name;
  p.scope = Scope::site;
  p.scope_id = "site-1";
  p.labels = {{"tier", "gold"}};
  p.thresholds[static_cast<std::size_t>(Metric::uptime_percent)] = 99.5;
  p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = 100;
  p.no_data = NoDataMode::breach;
  return p;
}

void expect_same(const Policy& actual, const Policy& expected) {
  EXPECT_EQ(to_json(actual), to_json(expected));
}

Breach make_breach(const std::string& id, const std::string& org, const std::string& policy,
                   const std::string& scope_id, Metric metric = Metric::uptime_percent) {
  return testing::sample_breach({.id = id,
                                 .org = org,
                                 .policy_id = policy,
                                 .scope_id = scope_id,
                                 .metric = metric,
                                 .opened_at = kT0});
}

Event acknowledged_event(const Breach& b) {
  return make_event(
      EventType::breach_acknowledged, b,
      PolicyRef{b.policy_id, "Policy " + b.policy_id, b.scope, b.scope_id, b.scope_name, {}},
      *b.acknowledged_at);
}

class StoreApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(path_);
    ASSERT_TRUE(store_);
  }

  StoredPolicy insert(const Policy& p, WallTime at = kT0) {
    auto stored = store_->insert_policy(p, at);
    EXPECT_TRUE(stored) << stored.error().message;
    return stored.value_or(StoredPolicy{});
  }

  std::optional<StoredPolicy> read(const std::string& id) {
    auto found = store_->policy(id);
    EXPECT_TRUE(found) << found.error().message;
    return found.value_or(std::nullopt);
  }

  Breach stored_breach(const std::string& id) {
    auto found = store_->breach(id);
    EXPECT_TRUE(found && found->has_value());
    return found && *found ? **found : Breach{};
  }

  long long pending_count() { return store_->pending_event_count().value_or(-1); }

  testing::TempDir dir_;
  std::string path_ = (dir_.path() / "slamon.db").string();
  std::unique_ptr<Store> store_;
};

// ---- policies -------------------------------------------------------------------------------

TEST_F(StoreApiTest, InsertedPolicyReadsBackWithItsBookkeeping) {
  Policy p = make_policy("core-uptime", kOrgA, "Core uptime");
  p.provisioned = true;  // a policy from the API is never provisioned, whatever it says
  const StoredPolicy stored = insert(p, kT0 + std::chrono::microseconds(777));

  Policy expected = p;
  expected.provisioned = false;
  expect_same(stored.policy, expected);
  EXPECT_EQ(stored.revision, 1);
  EXPECT_EQ(stored.created_at, kT0) << "kept to the millisecond";
  EXPECT_EQ(stored.updated_at, kT0);

  auto found = read("core-uptime");
  ASSERT_TRUE(found);
  expect_same(found->policy, expected);
  EXPECT_EQ(found->revision, 1);
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_EQ(found->updated_at, kT0);
  EXPECT_FALSE(read("no-such-policy").has_value());

  // It survives a restart.
  store_.reset();
  store_ = open_store(path_);
  ASSERT_TRUE(store_);
  auto all = store_->policies();
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  expect_same(all->front().policy, expected);
}

TEST_F(StoreApiTest, PoliciesListsEveryOrgByOrgThenName) {
  insert(make_policy("p-3", kOrgB, "alpha"));
  insert(make_policy("p-1", kOrgA, "zulu"));
  insert(make_policy("p-2", kOrgA, "bravo"));
  auto all = store_->policies();
  ASSERT_TRUE(all) << all.error().message;
  std::vector<std::string> ids;
  for (const auto& p : *all) ids.push_back(p.policy.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"p-2", "p-1", "p-3"}));
}

TEST_F(StoreApiTest, InsertConflictsOnATakenIdOrANameTakenInTheOrg) {
  insert(make_policy("p-1", kOrgA, "Uptime"));
  const long long revision = store_->policies_revision();

  auto same_id = store_->insert_policy(make_policy("p-1", kOrgA, "Other name"), kT0);
  ASSERT_FALSE(same_id);
  EXPECT_EQ(same_id.error().kind, WriteFailure::conflict);
  EXPECT_EQ(same_id.error().message, "a policy with id 'p-1' already exists");

  // Ids are global (breaches and events name them): another org's id is taken too.
  auto same_id_other_org = store_->insert_policy(make_policy("p-1", kOrgB, "Uptime"), kT0);
  ASSERT_FALSE(same_id_other_org);
  EXPECT_EQ(same_id_other_org.error().kind, WriteFailure::conflict);
  EXPECT_EQ(same_id_other_org.error().message.find(kOrgA), std::string::npos)
      << "never names the other org";

  auto same_name = store_->insert_policy(make_policy("p-2", kOrgA, "Uptime"), kT0);
  ASSERT_FALSE(same_name);
  EXPECT_EQ(same_name.error().kind, WriteFailure::conflict);
  EXPECT_EQ(same_name.error().message,
            "a policy named 'Uptime' already exists in this organization");

  EXPECT_EQ(store_->policies_revision(), revision) << "failed writes change nothing";
  EXPECT_EQ(store_->policies().value_or(std::vector<StoredPolicy>{}).size(), 1u);

  // The same name in another org is fine.
  insert(make_policy("p-3", kOrgB, "Uptime"));
  EXPECT_NE(store_->policies_revision(), revision);
  EXPECT_EQ(store_->policies().value_or(std::vector<StoredPolicy>{}).size(), 2u);
}

TEST_F(StoreApiTest, UpdateReplacesThePolicyAndBumpsItsRevision) {
  insert(make_policy("p-1", kOrgA, "Uptime"));
  Policy changed = make_policy("p-1", kOrgA, "Uptime (HQ)");
  changed.description = "";
  changed.scope = Scope::ssid;
  changed.scope_id.reset();
  changed.scope_name = "Corp-WiFi";
  changed.status = PolicyStatus::disabled;
  changed.labels.clear();
  changed.thresholds = {};
  changed.thresholds[static_cast<std::size_t>(Metric::error_rate)] = 0.01;
  changed.no_data = NoDataMode::resolve;

  const WallTime later = kT0 + milliseconds(60'000);
  auto updated = store_->update_policy(changed, 1, later);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->revision, 2);
  EXPECT_EQ(updated->created_at, kT0);
  EXPECT_EQ(updated->updated_at, later);
  expect_same(updated->policy, changed);

  auto found = read("p-1");
  ASSERT_TRUE(found);
  expect_same(found->policy, changed);
  EXPECT_EQ(found->revision, 2);
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_EQ(found->updated_at, later);

  // Keeping its own name is not a conflict with itself.
  changed.description = "again";
  auto again = store_->update_policy(changed, 2, later + milliseconds(1));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->revision, 3);
}

TEST_F(StoreApiTest, UpdateRefusesAStaleRevisionAnotherOrgAndATakenName) {
  insert(make_policy("p-1", kOrgA, "Uptime"));
  insert(make_policy("p-2", kOrgA, "Latency"));
  insert(make_policy("p-3", kOrgB, "Mine"));
  ASSERT_TRUE(store_->update_policy(make_policy("p-1", kOrgA, "Uptime v2"), 1, kT0));
  const long long revision = store_->policies_revision();

  auto stale = store_->update_policy(make_policy("p-1", kOrgA, "Uptime v3"), 1, kT0);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().kind, WriteFailure::conflict);
  EXPECT_NE(stale.error().message.find("the policy was changed concurrently"), std::string::npos)
      << stale.error().message;

  auto other_org = store_->update_policy(make_policy("p-3", kOrgA, "Stolen"), 1, kT0);
  ASSERT_FALSE(other_org);
  EXPECT_EQ(other_org.error().kind, WriteFailure::not_found);
  auto missing = store_->update_policy(make_policy("p-9", kOrgA, "Ghost"), 1, kT0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, WriteFailure::not_found);
  EXPECT_EQ(other_org.error().message, "no policy 'p-3'")
      << "another org's policy answers as a missing one";
  EXPECT_EQ(missing.error().message, "no policy 'p-9'");

  auto taken = store_->update_policy(make_policy("p-2", kOrgA, "Uptime v2"), 1, kT0);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().kind, WriteFailure::conflict);
  EXPECT_EQ(taken.error().message,
            "a policy named 'Uptime v2' already exists in this organization");
  // A name of another org is free.
  ASSERT_TRUE(store_->update_policy(make_policy("p-2", kOrgA, "Mine"), 1, kT0));

  EXPECT_EQ(read("p-3")->policy.name, "Mine");
  EXPECT_EQ(read("p-3")->policy.org, kOrgB);
  EXPECT_EQ(read("p-3")->revision, 1);
  EXPECT_EQ(read("p-1")->policy.name, "Uptime v2");
  EXPECT_EQ(read("p-1")->revision, 2);
  EXPECT_NE(store_->policies_revision(), revision);
}

TEST_F(StoreApiTest, DeleteRemovesOnlyAPolicyOfTheCallersOrg) {
  insert(make_policy("p-1", kOrgA, "Uptime"));
  const long long revision = store_->policies_revision();

  auto other_org = store_->delete_policy(kOrgB, "p-1");
  ASSERT_FALSE(other_org);
  EXPECT_EQ(other_org.error().kind, WriteFailure::not_found);
  EXPECT_EQ(other_org.error().message, "no policy 'p-1'");
  EXPECT_TRUE(read("p-1").has_value());
  EXPECT_EQ(store_->policies_revision(), revision);

  ASSERT_TRUE(store_->delete_policy(kOrgA, "p-1"));
  EXPECT_FALSE(read("p-1").has_value());
  EXPECT_NE(store_->policies_revision(), revision);

  auto again = store_->delete_policy(kOrgA, "p-1");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, WriteFailure::not_found);

  // The id and the name are free again.
  insert(make_policy("p-1", kOrgA, "Uptime"));
}

TEST_F(StoreApiTest, PoliciesRevisionChangesOnEverySuccessfulWriteOnly) {
  std::set<long long> seen{store_->policies_revision()};
  EXPECT_NE(*seen.begin(), 0);
  auto expect_new = [&] { EXPECT_TRUE(seen.insert(store_->policies_revision()).second); };
  auto expect_same_revision = [&] { EXPECT_TRUE(seen.contains(store_->policies_revision())); };

  insert(make_policy("p-1", kOrgA, "Uptime"));
  expect_new();
  ASSERT_TRUE(store_->update_policy(make_policy("p-1", kOrgA, "Uptime 2"), 1, kT0));
  expect_new();
  ASSERT_FALSE(store_->update_policy(make_policy("p-1", kOrgA, "Uptime 3"), 1, kT0));
  expect_same_revision();
  ASSERT_FALSE(store_->insert_policy(make_policy("p-1", kOrgA, "x"), kT0));
  expect_same_revision();
  ASSERT_TRUE(store_->delete_policy(kOrgA, "p-1"));
  expect_new();
  ASSERT_FALSE(store_->delete_policy(kOrgA, "p-1"));
  expect_same_revision();
  // Breach writes are not policy writes.
  ASSERT_TRUE(store_->commit({make_breach("b-1", kOrgA, "p-1", "site-1")}, {}));
  expect_same_revision();
}

TEST_F(StoreApiTest, APolicyThatCannotBeStoredFaithfullyIsRefused) {
  Policy infinite = make_policy("p-1", kOrgA, "Uptime");
  infinite.thresholds[static_cast<std::size_t>(Metric::latency_ms)] =
      std::numeric_limits<double>::infinity();
  Policy nameless = make_policy("p-2", kOrgA, "");
  Policy no_id = make_policy("", kOrgA, "Uptime");
  for (const Policy& p : {infinite, nameless, no_id}) {
    auto inserted = store_->insert_policy(p, kT0);
    ASSERT_FALSE(inserted);
    EXPECT_EQ(inserted.error().kind, WriteFailure::storage);
  }
  insert(make_policy("p-1", kOrgA, "Uptime"));
  auto updated = store_->update_policy(infinite, 1, kT0);
  ASSERT_FALSE(updated);
  EXPECT_NE(updated.error().message.find("not a finite number"), std::string::npos);
  EXPECT_EQ(read("p-1")->revision, 1);
}

TEST_F(StoreApiTest, ADamagedStoredPolicyFailsTheReadNamingIt) {
  insert(make_policy("p-1", kOrgA, "Uptime"));
  insert(make_policy("p-2", kOrgA, "Latency"));
  auto db = raw_connection(path_);
  ASSERT_TRUE(db.exec("damage", "UPDATE policies SET body = '{\"id\": \"p-2\"' WHERE id = 'p-2'"));
  auto all = store_->policies();
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().message.find("'p-2'"), std::string::npos) << all.error().message;
  EXPECT_FALSE(store_->policy("p-2"));
  EXPECT_TRUE(store_->policy("p-1"));
}

// ---- acknowledge ----------------------------------------------------------------------------

TEST_F(StoreApiTest, AcknowledgeSetsTheBreachAndWritesExactlyOneEvent) {
  ASSERT_TRUE(store_->commit({make_breach("b-1", kOrgA, "p-1", "site-1")}, {}));
  const WallTime at = kT0 + milliseconds(60'000) + std::chrono::microseconds(999);
  std::vector<Event> built;
  auto acked = store_->acknowledge(kOrgA, "b-1", "noc-operator", "rebooting the uplink", at,
                                   [&](const Breach& b) {
                                     built.push_back(acknowledged_event(b));
                                     return built.back();
                                   });
  ASSERT_TRUE(acked) << acked.error().message;
  ASSERT_EQ(built.size(), 1u);

  Breach expected = make_breach("b-1", kOrgA, "p-1", "site-1");
  expected.status = BreachStatus::acknowledged;
  expected.acknowledged_at = kT0 + milliseconds(60'000);
  expected.acknowledged_by = "noc-operator";
  expected.ack_notes = "rebooting the uplink";
  EXPECT_EQ(to_json(*acked), to_json(expected));
  EXPECT_EQ(to_json(stored_breach("b-1")), to_json(expected));
  EXPECT_EQ(to_json(*built[0].breach), to_json(expected)) << "the event sees the stored breach";

  auto pending = store_->pending_events(10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, built[0].id);
  EXPECT_EQ(pending->front().type, "sla.breach.acknowledged");
  EXPECT_EQ(pending->front().breach_id, "b-1");
  EXPECT_EQ(nlohmann::json::parse(pending->front().payload), to_json(built[0]));

  // Without notes.
  ASSERT_TRUE(store_->commit({make_breach("b-2", kOrgA, "p-2", "site-1")}, {}));
  auto plain = store_->acknowledge(kOrgA, "b-2", "noc", std::nullopt, at, acknowledged_event);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(stored_breach("b-2").ack_notes.has_value());
  EXPECT_EQ(pending_count(), 2);
}

TEST_F(StoreApiTest, AcknowledgeRefusesAnAcknowledgedOrResolvedBreach) {
  Breach resolved = make_breach("b-2", kOrgA, "p-2", "site-1");
  resolved.status = BreachStatus::resolved;
  resolved.resolved_at = kT0;
  ASSERT_TRUE(store_->commit({make_breach("b-1", kOrgA, "p-1", "site-1"), resolved}, {}));
  ASSERT_TRUE(store_->acknowledge(kOrgA, "b-1", "first", "mine", kT0, acknowledged_event));

  auto twice = store_->acknowledge(kOrgA, "b-1", "second", "no, mine", kT0 + milliseconds(1),
                                   acknowledged_event);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, WriteFailure::conflict);
  EXPECT_EQ(twice.error().message, "breach 'b-1' is already acknowledged");
  EXPECT_EQ(stored_breach("b-1").acknowledged_by, "first");
  EXPECT_EQ(stored_breach("b-1").ack_notes, "mine");

  auto closed = store_->acknowledge(kOrgA, "b-2", "x", std::nullopt, kT0, acknowledged_event);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().kind, WriteFailure::conflict);
  EXPECT_EQ(closed.error().message, "breach 'b-2' is already resolved");
  EXPECT_EQ(stored_breach("b-2").status, BreachStatus::resolved);
  EXPECT_FALSE(stored_breach("b-2").acknowledged_at.has_value());
  EXPECT_EQ(pending_count(), 1);
}

TEST_F(StoreApiTest, AcknowledgeOfAnotherOrgsBreachIsNotFound) {
  ASSERT_TRUE(store_->commit({make_breach("b-1", kOrgB, "p-1", "site-1")}, {}));
  bool built = false;
  auto make = [&](const Breach& b) {
    built = true;
    return acknowledged_event(b);
  };
  auto foreign = store_->acknowledge(kOrgA, "b-1", "x", std::nullopt, kT0, make);
  auto missing = store_->acknowledge(kOrgA, "b-9", "x", std::nullopt, kT0, make);
  ASSERT_FALSE(foreign);
  ASSERT_FALSE(missing);
  EXPECT_EQ(foreign.error().kind, WriteFailure::not_found);
  EXPECT_EQ(missing.error().kind, WriteFailure::not_found);
  EXPECT_EQ(foreign.error().message, "no breach 'b-1'");
  EXPECT_FALSE(built);
  EXPECT_EQ(stored_breach("b-1").status, BreachStatus::active);
  EXPECT_EQ(pending_count(), 0);
}

TEST_F(StoreApiTest, AFailedAcknowledgeWritesNeitherTheBreachNorTheEvent) {
  ASSERT_TRUE(store_->commit({make_breach("b-1", kOrgA, "p-1", "site-1")}, {}));
  auto saboteur = raw_connection(path_);
  ASSERT_TRUE(saboteur.exec("block events",
                            "CREATE TRIGGER refuse_events BEFORE INSERT ON events "
                            "BEGIN SELECT RAISE(ABORT, 'disk full'); END;"));
  auto failed = store_->acknowledge(kOrgA, "b-1", "x", "n", kT0, acknowledged_event);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, WriteFailure::storage);
  EXPECT_NE(failed.error().message.find("disk full"), std::string::npos) << failed.error().message;
  EXPECT_EQ(stored_breach("b-1").status, BreachStatus::active);
  EXPECT_FALSE(stored_breach("b-1").acknowledged_by.has_value());
  EXPECT_EQ(pending_count(), 0);

  // An event builder that throws leaves nothing behind either, and the store usable.
  EXPECT_THROW((void)store_->acknowledge(
                   kOrgA, "b-1", "x", "n", kT0,
                   [](const Breach&) -> Event { throw std::runtime_error("programming error"); }),
               std::runtime_error);
  EXPECT_EQ(stored_breach("b-1").status, BreachStatus::active);

  ASSERT_TRUE(saboteur.exec("unblock events", "DROP TRIGGER refuse_events;"));
  ASSERT_TRUE(store_->acknowledge(kOrgA, "b-1", "x", "n", kT0, acknowledged_event));
  EXPECT_EQ(pending_count(), 1);
}

// The engine reads the open breaches when a cycle starts and commits them when it ends; an
// acknowledgement made in between must survive that commit.
TEST_F(StoreApiTest, EngineCommitOfAStaleCopyKeepsAnAcknowledgementMadeMeanwhile) {
  ASSERT_TRUE(store_->commit({make_breach("b-1", kOrgA, "p-1", "site-1")}, {}));
  auto read_at_cycle_start = store_->open_breaches();
  ASSERT_TRUE(read_at_cycle_start && read_at_cycle_start->size() == 1u);
  Breach stale = read_at_cycle_start->front();

  ASSERT_TRUE(store_->acknowledge(kOrgA, "b-1", "noc", "on it", kT0 + milliseconds(10),
                                  acknowledged_event));

  stale.actual = 42;
  stale.deviation_percent = 57.57;
  stale.severity = Severity::critical;
  stale.peak_severity = Severity::critical;
  stale.last_evaluated_at = kT0 + milliseconds(300'000);
  ASSERT_EQ(stale.status, BreachStatus::active);
  ASSERT_TRUE(store_->commit({stale}, {}));

  const Breach after = stored_breach("b-1");
  EXPECT_EQ(after.status, BreachStatus::acknowledged);
  EXPECT_EQ(after.acknowledged_at, kT0 + milliseconds(10));
  EXPECT_EQ(after.acknowledged_by, "noc");
  EXPECT_EQ(after.ack_notes, "on it");
  EXPECT_EQ(after.actual, 42);
  EXPECT_EQ(after.deviation_percent, 57.57);
  EXPECT_EQ(after.severity, Severity::critical);
  EXPECT_EQ(after.peak_severity, Severity::critical);
  EXPECT_EQ(after.last_evaluated_at, kT0 + milliseconds(300'000));

  // Resolving the stale copy resolves it and keeps who acknowledged it.
  stale.status = BreachStatus::resolved;
  stale.resolved_at = kT0 + milliseconds(600'000);
  stale.resolve_reason = "recovered";
  ASSERT_TRUE(store_->commit({stale}, {}));
  const Breach resolved = stored_breach("b-1");
  EXPECT_EQ(resolved.status, BreachStatus::resolved);
  EXPECT_EQ(resolved.resolved_at, kT0 + milliseconds(600'000));
  EXPECT_EQ(resolved.resolve_reason, "recovered");
  EXPECT_EQ(resolved.acknowledged_by, "noc");
  EXPECT_EQ(resolved.ack_notes, "on it");
}

// ---- breach filters -------------------------------------------------------------------------

TEST_F(StoreApiTest, ScopeKeysSelectBreachesByScopeIdOrSsidName) {
  std::vector<Breach> breaches;
  for (int i = 0; i < 40; ++i) {
    Breach b = make_breach("b-" + std::to_string(100 + i), i % 2 == 0 ? kOrgA : kOrgB,
                           "p-" + std::to_string(i), "site-" + std::to_string(i));
    b.opened_at = kT0 + milliseconds(i);
    if (i % 5 == 0) b.status = BreachStatus::resolved;
    if (i % 5 == 1) b.status = BreachStatus::acknowledged;
    breaches.push_back(b);
  }
  Breach by_name = make_breach("b-ssid", kOrgA, "p-ssid", "");
  by_name.scope = Scope::ssid;
  by_name.scope_id.reset();
  by_name.scope_name = "Corp-WiFi";
  Breach org_wide = make_breach("b-org", kOrgA, "p-org", "");
  org_wide.scope = Scope::organization;
  org_wide.scope_id.reset();
  breaches.push_back(by_name);
  breaches.push_back(org_wide);
  ASSERT_TRUE(store_->commit(breaches, {}));

  // 5,000 keys: a few real ones among many that match nothing.
  std::vector<std::string> keys;
  for (int i = 0; i < 5'000; ++i) keys.push_back("unknown-site-" + std::to_string(i));
  for (int i : {2, 4, 5, 6, 11, 33}) keys.push_back("site-" + std::to_string(i));
  keys.push_back("Corp-WiFi");
  std::reverse(keys.begin(), keys.end());
  ASSERT_GE(keys.size(), 5'000u);

  auto ids = [&](const BreachQuery& q) {
    std::vector<std::string> out;
    auto listed = store_->breaches(q);
    EXPECT_TRUE(listed) << listed.error().message;
    for (const Breach& b : listed.value_or(std::vector<Breach>{})) out.push_back(b.id);
    if (q.offset == 0 && static_cast<int>(out.size()) < q.limit) {
      auto counted = store_->count_breaches(q);
      EXPECT_TRUE(counted) << counted.error().message;
      EXPECT_EQ(counted.value_or(-1), static_cast<long long>(out.size()));
    }
    return out;
  };
  using Ids = std::vector<std::string>;

  BreachQuery at_sites;
  at_sites.scope_keys = keys;
  at_sites.limit = 200;
  EXPECT_EQ(ids(at_sites), (Ids{"b-133", "b-111", "b-106", "b-105", "b-104", "b-102", "b-ssid"}));

  at_sites.org = kOrgA;
  EXPECT_EQ(ids(at_sites), (Ids{"b-106", "b-104", "b-102", "b-ssid"}));

  at_sites.open_only = true;
  EXPECT_EQ(ids(at_sites), (Ids{"b-106", "b-104", "b-102", "b-ssid"}));
  at_sites.org.reset();
  EXPECT_EQ(ids(at_sites), (Ids{"b-133", "b-111", "b-106", "b-104", "b-102", "b-ssid"}))
      << "b-105 is resolved";
  at_sites.status = BreachStatus::acknowledged;
  EXPECT_EQ(ids(at_sites), (Ids{"b-111", "b-106"}));
  at_sites.status = BreachStatus::resolved;
  EXPECT_TRUE(ids(at_sites).empty()) << "open_only and status resolved contradict";

  BreachQuery none;
  none.scope_keys = std::vector<std::string>{};
  EXPECT_TRUE(ids(none).empty()) << "an empty list matches nothing";

  BreachQuery quoted;
  quoted.scope_keys = std::vector<std::string>{"site-1\"]", "'; DROP TABLE breaches; --"};
  EXPECT_TRUE(ids(quoted).empty());

  BreachQuery open;
  open.open_only = true;
  open.limit = 200;
  EXPECT_EQ(ids(open).size(), 34u) << "32 of 40 plus the ssid and organization breaches";

  BreachQuery paged = at_sites;
  paged.status.reset();
  paged.limit = 2;
  paged.offset = 1;
  EXPECT_EQ(ids(paged), (Ids{"b-111", "b-106"}));
  EXPECT_EQ(store_->count_breaches(paged).value_or(-1), 6);
}

// ---- concurrency ----------------------------------------------------------------------------

// Eight threads, on two Store objects over one file (so both the store's lock and SQLite's file
// lock are exercised), acknowledge the same breaches, commit stale engine copies of them and
// update the same policy by read-modify-write.
TEST_F(StoreApiTest, ConcurrentAcknowledgementsAndUpdatesStayConsistent) {
  auto second = open_store(path_);
  ASSERT_TRUE(second);
  constexpr int kThreads = 8;
  constexpr int kBreaches = 12;
  constexpr int kIncrementsPerThread = 5;

  std::vector<Breach> breaches;
  for (int i = 0; i < kBreaches; ++i) {
    breaches.push_back(make_breach("b-" + std::to_string(i), kOrgA, "p-" + std::to_string(i),
                                   "site-" + std::to_string(i)));
  }
  ASSERT_TRUE(store_->commit(breaches, {}));
  Policy counter = make_policy("shared", kOrgA, "Shared");
  counter.labels["count"] = "0";
  insert(counter);

  std::array<std::atomic<int>, kBreaches> successes{};
  std::array<std::string, kBreaches> winner;  // written only by the one successful thread
  std::atomic<int> storage_errors{0};
  std::atomic<int> update_conflicts{0};

  auto worker = [&](int t) {
    Store& store = t % 2 == 0 ? *store_ : *second;
    const std::string principal = "thread-" + std::to_string(t);
    for (int round = 0; round < kIncrementsPerThread; ++round) {
      if (t % 4 == 0) {
        // The engine's write, of copies read before any acknowledgement.
        std::vector<Breach> stale = breaches;
        for (auto& b : stale) b.actual = t * 100 + round;
        if (!store.commit(stale, {})) ++storage_errors;
      }
      for (int k = 0; k < kBreaches; ++k) {
        const int i = (k + t) % kBreaches;
        auto acked = store.acknowledge(kOrgA, breaches[i].id, principal, "by " + principal, kT0,
                                       acknowledged_event);
        if (acked) {
          ++successes[i];
          winner[i] = principal;
        } else if (acked.error().kind != WriteFailure::conflict) {
          ++storage_errors;
        }
      }
      for (;;) {
        auto current = store.policy("shared");
        if (!current || !*current) {
          ++storage_errors;
          break;
        }
        Policy next = (*current)->policy;
        next.labels["count"] = std::to_string(std::stoi(next.labels["count"]) + 1);
        next.description = "last written by " + principal;
        auto updated = store.update_policy(next, (*current)->revision, kT0);
        if (updated) break;
        if (updated.error().kind != WriteFailure::conflict) {
          ++storage_errors;
          break;
        }
        ++update_conflicts;
      }
    }
  };
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  }

  EXPECT_EQ(storage_errors.load(), 0);
  RecordProperty("update_conflicts", update_conflicts.load());
  for (int i = 0; i < kBreaches; ++i) {
    SCOPED_TRACE(breaches[i].id);
    EXPECT_EQ(successes[i].load(), 1) << "exactly one acknowledgement succeeds";
    const Breach stored = stored_breach(breaches[i].id);
    EXPECT_EQ(stored.status, BreachStatus::acknowledged);
    EXPECT_EQ(stored.acknowledged_by, winner[i]);
    EXPECT_EQ(stored.ack_notes, "by " + winner[i]);
  }
  auto events = store_->pending_events(1'000);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), std::size_t{kBreaches}) << "one event per acknowledgement";
  std::set<std::string> acked_ids;
  for (const auto& e : *events) {
    EXPECT_EQ(e.type, "sla.breach.acknowledged");
    acked_ids.insert(e.breach_id);
  }
  EXPECT_EQ(acked_ids.size(), std::size_t{kBreaches});

  auto shared = read("shared");
  ASSERT_TRUE(shared);
  constexpr int kUpdates = kThreads * kIncrementsPerThread;
  EXPECT_EQ(shared->policy.labels.at("count"), std::to_string(kUpdates)) << "no lost update";
  EXPECT_EQ(shared->revision, 1 + kUpdates);
  // Each Store sees the writes made through it.
  EXPECT_NE(store_->policies_revision(), 1);
  EXPECT_NE(second->policies_revision(), 1);
}

}  // namespace
}  // namespace slamon
