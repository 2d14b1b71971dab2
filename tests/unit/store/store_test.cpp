// The store against real SQLite files: schema creation and migrations, breach round trips,
// atomic commits, the one-open-breach rule, listing, the outbox, and refusing foreign or newer
// files.
#include "store/store.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "model/event_json.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "support/sample_breach.h"
#include "support/store_file.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

using std::chrono::milliseconds;

constexpr double kInf = std::numeric_limits<double>::infinity();

WallTime at_ms(long long ms) {
  return WallTime{milliseconds{ms}};
}
const WallTime kT0 = at_ms(1'790'000'000'123);

using testing::open_store;
using testing::raw_connection;

long long query_int(const std::string& path, std::string_view sql) {
  auto connection = raw_connection(path);
  auto value = connection.query_int64("test query", sql);
  EXPECT_TRUE(value.has_value()) << value.error().message;
  return value.value_or(-1);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Breach open_breach(std::string id, std::string policy, Metric metric, WallTime opened,
                   std::string org = "org-1") {
  return testing::sample_breach({.id = std::move(id),
                                 .org = std::move(org),
                                 .policy_id = std::move(policy),
                                 .metric = metric,
                                 .deviation_percent = 1.5151515151515151,
                                 .opened_at = opened});
}

Breach every_field_set() {
  Breach b =
      open_breach("0b7d2b8e-2c1f-4c38-9b0e-6a2f1b1c0001", "policy-a", Metric::latency_ms, kT0);
  b.scope = Scope::ssid;
  b.scope_id = "ssid-7";
  b.scope_name = "Guest Wi-Fi";
  b.actual = 312.25;
  b.threshold = 200;
  b.deviation_percent = 56.125;
  b.severity = Severity::warning;
  b.peak_severity = Severity::critical;
  b.status = BreachStatus::resolved;
  b.last_evaluated_at = kT0 + milliseconds(300'000);
  b.acknowledged_at = kT0 + milliseconds(60'001);
  b.acknowledged_by = "alice@example.com";
  b.ack_notes = "looking into it — ünïcode \"quoted\" 'single'; DROP TABLE breaches;";
  b.resolved_at = kT0 + milliseconds(600'002);
  b.resolve_reason = "policy disabled";
  return b;
}

Breach every_optional_empty() {
  Breach b;
  b.id = "0b7d2b8e-2c1f-4c38-9b0e-6a2f1b1c0002";
  b.org = "org-2";
  b.policy_id = "policy-b";
  b.scope = Scope::organization;
  b.metric = Metric::error_rate;
  b.actual = std::nullopt;
  b.threshold = 0;
  b.deviation_percent = kInf;
  b.severity = Severity::critical;
  b.peak_severity = Severity::critical;
  b.status = BreachStatus::active;
  b.opened_at = kT0;
  b.last_evaluated_at = kT0;
  return b;
}

std::uint64_t bits(double value) {
  return std::bit_cast<std::uint64_t>(value);
}

// Field-by-field and bit-for-bit (doubles compared by representation, so +Inf and -0.0 count).
void expect_same(const Breach& actual, const Breach& expected) {
  SCOPED_TRACE("breach " + expected.id);
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.org, expected.org);
  EXPECT_EQ(actual.policy_id, expected.policy_id);
  EXPECT_EQ(actual.scope, expected.scope);
  EXPECT_EQ(actual.scope_id, expected.scope_id);
  EXPECT_EQ(actual.scope_name, expected.scope_name);
  EXPECT_EQ(actual.metric, expected.metric);
  ASSERT_EQ(actual.actual.has_value(), expected.actual.has_value());
  if (expected.actual) {
    EXPECT_EQ(bits(*actual.actual), bits(*expected.actual));
  }
  EXPECT_EQ(bits(actual.threshold), bits(expected.threshold));
  ASSERT_EQ(actual.deviation_percent.has_value(), expected.deviation_percent.has_value());
  if (expected.deviation_percent) {
    EXPECT_EQ(bits(*actual.deviation_percent), bits(*expected.deviation_percent));
  }
  EXPECT_EQ(actual.severity, expected.severity);
  EXPECT_EQ(actual.peak_severity, expected.peak_severity);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.opened_at, expected.opened_at);
  EXPECT_EQ(actual.last_evaluated_at, expected.last_evaluated_at);
  EXPECT_EQ(actual.acknowledged_at, expected.acknowledged_at);
  EXPECT_EQ(actual.acknowledged_by, expected.acknowledged_by);
  EXPECT_EQ(actual.ack_notes, expected.ack_notes);
  EXPECT_EQ(actual.resolved_at, expected.resolved_at);
  EXPECT_EQ(actual.resolve_reason, expected.resolve_reason);
}

PolicyRef policy_for(const Breach& b) {
  PolicyRef p;
  p.id = b.policy_id;
  p.name = "Policy " + b.policy_id;
  p.scope = b.scope;
  p.scope_id = b.scope_id;
  p.labels = {{"team", "netops"}};
  return p;
}

Event event_for(EventType type, const Breach& b, WallTime at) {
  return make_event(type, b, policy_for(b), at);
}

class StoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = (dir_.path() / "slamon.db").string();
};

TEST_F(StoreTest, OpenCreatesTheLatestSchemaInWalMode) {
  ASSERT_FALSE(std::filesystem::exists(path_));
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_EQ(store->schema_version(), 9);
  EXPECT_EQ(store_schema::latest_version(), 9);

  auto db = raw_connection(path_);
  EXPECT_EQ(db.query_text("journal mode", "PRAGMA journal_mode").value_or(""), "wal");
  EXPECT_EQ(db.query_int64("application id", "PRAGMA application_id").value_or(0),
            store_schema::kApplicationId);
  EXPECT_EQ(db.query_int64("versions", "SELECT count(*) FROM schema_migrations").value_or(0), 9);
  EXPECT_EQ(db.query_int64("version", "SELECT max(version) FROM schema_migrations").value_or(0), 9);
  for (const char* name : {"breaches",
                           "events",
                           "breaches_one_open_per_policy_metric",
                           "breaches_by_org_status_opened",
                           "breaches_by_policy",
                           "events_pending",
                           "policies",
                           "breaches_by_org_scope_key",
                           "breaches_open_by_org_opened",
                           "deliveries",
                           "correlator_state",
                           "policy_status_segments",
                           "policy_status_days",
                           "policy_status_rollup",
                           "history_series",
                           "history_head",
                           "history_raw",
                           "history_hourly",
                           "history_meta",
                           "snmp_devices",
                           "snmp_samples",
                           "reports",
                           "reports_by_org_created",
                           "reports_pending"}) {
    auto statement = db.prepare("find object", "SELECT count(*) FROM sqlite_schema WHERE name = ?");
    ASSERT_TRUE(statement);
    statement->bind_text(1, std::string_view(name));
    ASSERT_TRUE(statement->step().value_or(false));
    EXPECT_EQ(statement->column_int64(0), 1) << name;
  }
  EXPECT_EQ(store->pending_event_count().value_or(-1), 0);
  EXPECT_TRUE(store->open_breaches().value_or(std::vector<Breach>{Breach{}}).empty());
}

TEST_F(StoreTest, InMemoryDatabaseOpens) {
  auto store = open_store(":memory:");
  ASSERT_TRUE(store);
  EXPECT_EQ(store->schema_version(), 9);
  ASSERT_TRUE(store->commit({every_optional_empty()}, {}));
  EXPECT_EQ(store->open_breaches().value_or(std::vector<Breach>{}).size(), 1u);
}

TEST_F(StoreTest, ReopenKeepsDataAndDoesNotRerunMigrations) {
  std::string applied_at;
  {
    auto store = open_store(path_);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit({every_field_set()}, {}));
    applied_at =
        raw_connection(path_)
            .query_text("applied", "SELECT group_concat(applied_at) FROM schema_migrations")
            .value_or("");
    ASSERT_FALSE(applied_at.empty());
  }
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->schema_version(), 9);
  auto db = raw_connection(path_);
  EXPECT_EQ(db.query_int64("versions", "SELECT count(*) FROM schema_migrations").value_or(0), 9);
  EXPECT_EQ(db.query_text("applied", "SELECT group_concat(applied_at) FROM schema_migrations")
                .value_or(""),
            applied_at);
  auto found = store->breach(every_field_set().id);
  ASSERT_TRUE(found && found->has_value());
  expect_same(**found, every_field_set());
}

TEST_F(StoreTest, RoundTripsABreachWithEveryFieldSet) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit({every_field_set()}, {}));
  auto found = store->breach(every_field_set().id);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  expect_same(**found, every_field_set());
}

TEST_F(StoreTest, RoundTripsABreachWithEveryOptionalEmptyAndInfiniteDeviation) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->commit({every_optional_empty()}, {}));
  auto found = store->breach(every_optional_empty().id);
  ASSERT_TRUE(found && found->has_value());
  expect_same(**found, every_optional_empty());
  EXPECT_FALSE((*found)->actual.has_value());
  ASSERT_TRUE((*found)->deviation_percent.has_value());
  EXPECT_EQ(*(*found)->deviation_percent, kInf);
}

TEST_F(StoreTest, UnknownBreachIsEmptyNotAnError) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  auto found = store->breach("no-such-breach");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_FALSE(found->has_value());
}

// commit() is the engine's write: an update changes only the columns the engine owns.
TEST_F(StoreTest, CommitUpdatesTheEngineColumnsOfAnExistingBreachById) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  Breach b = open_breach("b-1", "policy-a", Metric::uptime_percent, kT0);
  ASSERT_TRUE(store->commit({b}, {event_for(EventType::breach_created, b, kT0)}));

  Breach next = b;
  next.actual = 80;
  next.threshold = 98;
  next.deviation_percent = 18.37;
  next.severity = Severity::critical;
  next.peak_severity = Severity::critical;
  next.last_evaluated_at = kT0 + milliseconds(300'000);
  // Not the engine's to change: identity, and the acknowledgement.
  next.org = "org-other";
  next.scope_id = "site-other";
  next.opened_at = kT0 + milliseconds(1);
  next.status = BreachStatus::acknowledged;
  next.acknowledged_at = kT0 + milliseconds(5);
  next.acknowledged_by = "bob";
  next.ack_notes = "by commit";
  ASSERT_TRUE(store->commit({next}, {event_for(EventType::breach_escalated, next, kT0)}));

  Breach expected = b;
  expected.actual = next.actual;
  expected.threshold = next.threshold;
  expected.deviation_percent = next.deviation_percent;
  expected.severity = next.severity;
  expected.peak_severity = next.peak_severity;
  expected.last_evaluated_at = next.last_evaluated_at;
  auto all = store->breaches(BreachQuery{});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  expect_same(all->front(), expected);
  EXPECT_EQ(store->pending_event_count().value_or(0), 2);

  // Resolving is the engine's: status, resolved_at and the reason are written.
  Breach resolved = b;
  resolved.status = BreachStatus::resolved;
  resolved.resolved_at = kT0 + milliseconds(600'000);
  resolved.resolve_reason = "policy disabled";
  resolved.last_evaluated_at = kT0 + milliseconds(600'000);
  ASSERT_TRUE(store->commit({resolved}, {}));
  auto found = store->breach("b-1");
  ASSERT_TRUE(found && found->has_value());
  expect_same(**found, resolved);

  // A resolved breach never opens again through commit().
  ASSERT_TRUE(store->commit({b}, {}));
  found = store->breach("b-1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->status, BreachStatus::resolved);
  EXPECT_EQ((*found)->resolved_at, resolved.resolved_at);
}

TEST_F(StoreTest, FailedCommitWritesNothing) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  Breach existing = open_breach("b-existing", "policy-x", Metric::latency_ms, kT0);
  ASSERT_TRUE(store->commit({existing}, {}));

  Breach changed = existing;
  changed.status = BreachStatus::resolved;
  changed.resolved_at = kT0 + milliseconds(1);
  Breach fresh = open_breach("b-new", "policy-y", Metric::uptime_percent, kT0);
  Event first = event_for(EventType::breach_created, fresh, kT0);
  Event duplicate = event_for(EventType::breach_resolved, changed, kT0);
  duplicate.id = first.id;  // the outbox rejects a second event with the same id

  auto committed = store->commit({changed, fresh}, {first, duplicate});
  ASSERT_FALSE(committed);
  EXPECT_NE(committed.error().message.find("store commit"), std::string::npos)
      << committed.error().message;
  EXPECT_NE(committed.error().message.find(first.id), std::string::npos);

  EXPECT_EQ(store->pending_event_count().value_or(-1), 0);
  EXPECT_FALSE(store->breach("b-new").value_or(std::optional<Breach>{Breach{}}).has_value());
  auto kept = store->breach("b-existing");
  ASSERT_TRUE(kept && kept->has_value());
  expect_same(**kept, existing);

  // The store stays usable after a failed commit.
  ASSERT_TRUE(store->commit({fresh}, {first}));
  EXPECT_EQ(store->pending_event_count().value_or(-1), 1);
}

TEST_F(StoreTest, AtMostOneOpenBreachPerPolicyAndMetric) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  Breach first = open_breach("b-1", "policy-a", Metric::latency_ms, kT0);
  ASSERT_TRUE(store->commit({first}, {}));

  Breach second = open_breach("b-2", "policy-a", Metric::latency_ms, kT0 + milliseconds(10));
  auto rejected = store->commit({second}, {event_for(EventType::breach_created, second, kT0)});
  ASSERT_FALSE(rejected);
  EXPECT_NE(rejected.error().message.find("UNIQUE"), std::string::npos) << rejected.error().message;
  EXPECT_EQ(store->pending_event_count().value_or(-1), 0);

  // An acknowledged breach is still open.
  first.status = BreachStatus::acknowledged;
  ASSERT_TRUE(store->commit({first}, {}));
  EXPECT_FALSE(store->commit({second}, {}));

  // Other metrics of the same policy and the same metric of other policies are independent.
  ASSERT_TRUE(store->commit({open_breach("b-3", "policy-a", Metric::uptime_percent, kT0),
                             open_breach("b-4", "policy-b", Metric::latency_ms, kT0)},
                            {}));

  // Resolving the first allows a new open one next to it, in one commit.
  first.status = BreachStatus::resolved;
  first.resolved_at = kT0 + milliseconds(20);
  ASSERT_TRUE(store->commit({first, second}, {}));
  Breach third = second;
  third.id = "b-5";
  EXPECT_FALSE(store->commit({third}, {}));
  second.status = BreachStatus::resolved;
  second.resolved_at = kT0 + milliseconds(30);
  third.opened_at = kT0 + milliseconds(40);
  ASSERT_TRUE(store->commit({second, third}, {}));

  BreachQuery policy_a_latency;
  policy_a_latency.policy_id = "policy-a";
  auto all = store->breaches(policy_a_latency);
  ASSERT_TRUE(all);
  int open_latency = 0;
  int resolved_latency = 0;
  for (const Breach& b : *all) {
    if (b.metric != Metric::latency_ms) continue;
    (b.open() ? open_latency : resolved_latency)++;
  }
  EXPECT_EQ(open_latency, 1);
  EXPECT_EQ(resolved_latency, 2);
}

TEST_F(StoreTest, ListsWithFiltersNewestFirstAndPages) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  std::vector<Breach> all;
  // Ten breaches over two orgs and three policies; b-03 and b-04 share an opened_at so the id
  // decides their order.
  for (int i = 0; i < 10; ++i) {
    const std::string id = "b-0" + std::to_string(i);
    const std::string org = i % 2 == 0 ? "org-even" : "org-odd";
    const std::string policy = "policy-" + std::to_string(i % 3);
    const long long opened_ms = (i == 4 ? 3 : i) * 1000;
    // (i % 3, i / 3) is a distinct (policy, metric) pair for every i.
    Breach b = open_breach(id, policy, kAllMetrics[static_cast<std::size_t>(i / 3)],
                           kT0 + milliseconds(opened_ms), org);
    if (i % 4 == 0) b.status = BreachStatus::resolved;
    if (i % 4 == 1) b.status = BreachStatus::acknowledged;
    all.push_back(b);
  }
  ASSERT_TRUE(store->commit(all, {}));

  auto ids = [&](const BreachQuery& q) {
    std::vector<std::string> out;
    auto listed = store->breaches(q);
    EXPECT_TRUE(listed) << listed.error().message;
    for (const Breach& b : listed.value_or(std::vector<Breach>{})) out.push_back(b.id);
    return out;
  };
  using Ids = std::vector<std::string>;

  EXPECT_EQ(ids({}),
            (Ids{"b-09", "b-08", "b-07", "b-06", "b-05", "b-03", "b-04", "b-02", "b-01", "b-00"}));
  EXPECT_EQ(store->count_breaches({}).value_or(-1), 10);

  BreachQuery by_org;
  by_org.org = "org-even";
  EXPECT_EQ(ids(by_org), (Ids{"b-08", "b-06", "b-04", "b-02", "b-00"}));
  EXPECT_EQ(store->count_breaches(by_org).value_or(-1), 5);

  BreachQuery by_policy;
  by_policy.policy_id = "policy-0";
  EXPECT_EQ(ids(by_policy), (Ids{"b-09", "b-06", "b-03", "b-00"}));

  BreachQuery by_status;
  by_status.status = BreachStatus::resolved;
  EXPECT_EQ(ids(by_status), (Ids{"b-08", "b-04", "b-00"}));
  by_status.status = BreachStatus::acknowledged;
  EXPECT_EQ(ids(by_status), (Ids{"b-09", "b-05", "b-01"}));

  BreachQuery combined;
  combined.org = "org-odd";
  combined.status = BreachStatus::active;
  EXPECT_EQ(ids(combined), (Ids{"b-07", "b-03"}));
  combined.policy_id = "policy-1";
  EXPECT_EQ(ids(combined), (Ids{"b-07"}));
  EXPECT_EQ(store->count_breaches(combined).value_or(-1), 1);

  BreachQuery page;
  page.limit = 3;
  page.offset = 4;
  EXPECT_EQ(ids(page), (Ids{"b-05", "b-03", "b-04"}));
  EXPECT_EQ(store->count_breaches(page).value_or(-1), 10) << "the count ignores paging";
  page.offset = 9;
  EXPECT_EQ(ids(page), (Ids{"b-00"}));
  page.offset = 10;
  EXPECT_TRUE(ids(page).empty());
  page.offset = 0;
  page.limit = 0;
  EXPECT_TRUE(ids(page).empty());

  BreachQuery no_match;
  no_match.org = "org-none";
  EXPECT_TRUE(ids(no_match).empty());
  EXPECT_EQ(store->count_breaches(no_match).value_or(-1), 0);

  BreachQuery negative;
  negative.limit = -1;
  EXPECT_FALSE(store->breaches(negative));

  auto open = store->open_breaches();
  ASSERT_TRUE(open);
  Ids open_ids;
  for (const Breach& b : *open) open_ids.push_back(b.id);
  EXPECT_EQ(open_ids, (Ids{"b-01", "b-02", "b-03", "b-05", "b-06", "b-07", "b-09"}));
}

// The API's summary pages through every open breach of an org, newest first (open_only). That
// must walk the partial index of open breaches: sorting every breach of the org instead took
// 0.3 s per page with 100,000 breaches (bench/README.md). The planner has no statistics, so
// its choice does not depend on the rows, and an empty database shows the production plan.
TEST_F(StoreTest, OpenBreachPagesOfAnOrgWalkTheOpenBreachIndex) {
  { ASSERT_TRUE(open_store(path_)); }
  auto db = raw_connection(path_);
  // The statement Store::breaches prepares for {org, open_only}.
  auto plan = db.prepare("plan",
                         "EXPLAIN QUERY PLAN SELECT * FROM breaches WHERE 1 = 1 AND org = ? AND "
                         "status != 'resolved' ORDER BY opened_at DESC, id LIMIT ? OFFSET ?");
  ASSERT_TRUE(plan);
  std::string steps;
  while (plan->step().value_or(false)) steps += plan->column_text(3) + "\n";
  EXPECT_NE(steps.find("USING INDEX breaches_open_by_org_opened"), std::string::npos) << steps;
  EXPECT_EQ(steps.find("TEMP B-TREE"), std::string::npos) << steps;
}

TEST_F(StoreTest, PendingEventsComeOldestFirstWithTheirJson) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  Breach a = open_breach("b-a", "policy-a", Metric::latency_ms, kT0, "org-a");
  Breach b = open_breach("b-b", "policy-b", Metric::latency_ms, kT0, "org-b");
  b.deviation_percent = kInf;
  std::vector<Event> written{event_for(EventType::breach_created, a, kT0),
                             event_for(EventType::breach_created, b, kT0 + milliseconds(1))};
  ASSERT_TRUE(store->commit({a, b}, written));
  a.severity = Severity::critical;
  written.push_back(event_for(EventType::breach_escalated, a, kT0 - milliseconds(5)));
  ASSERT_TRUE(store->commit({a}, {written.back()}));

  EXPECT_EQ(store->pending_event_count().value_or(-1), 3);
  auto pending = store->pending_events(10);
  ASSERT_TRUE(pending) << pending.error().message;
  ASSERT_EQ(pending->size(), 3u);
  for (std::size_t i = 0; i < written.size(); ++i) {
    const StoredEvent& stored = (*pending)[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(stored.id, written[i].id);
    EXPECT_EQ(stored.type, to_string(written[i].type));
    EXPECT_EQ(stored.org_id, written[i].org_id);
    EXPECT_EQ(stored.breach_id, written[i].breach->id);
    EXPECT_EQ(stored.occurred_at, written[i].occurred_at);
    EXPECT_EQ(nlohmann::json::parse(stored.payload), to_json(written[i]));
    if (i > 0) {
      EXPECT_GT(stored.sequence, (*pending)[i - 1].sequence);
    }
  }
  EXPECT_EQ(nlohmann::json::parse((*pending)[1].payload)["breach"]["deviation_percent"], "+Inf");

  auto first_two = store->pending_events(2);
  ASSERT_TRUE(first_two);
  ASSERT_EQ(first_two->size(), 2u);
  EXPECT_EQ((*first_two)[1].id, written[1].id);
  EXPECT_FALSE(store->pending_events(-1));
}

TEST_F(StoreTest, EventWithInvalidUtf8IsStoredNotThrown) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  Breach b = open_breach("b-1", "policy-a", Metric::latency_ms, kT0);
  b.ack_notes = std::string("bad \xff byte");
  ASSERT_TRUE(store->commit({b}, {event_for(EventType::breach_acknowledged, b, kT0)}));
  auto pending = store->pending_events(1);
  ASSERT_TRUE(pending && pending->size() == 1u);
  EXPECT_TRUE(nlohmann::json::accept(pending->front().payload));
}

TEST_F(StoreTest, RefusesAFileThatIsNotADatabase) {
  const std::string text = "sources:\n  - name: prometheus\n";
  const std::string path = dir_.write("slamon.yml", text);
  auto store = Store::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("is not a slamon database"), std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find(path), std::string::npos);
  EXPECT_EQ(read_file(path), text) << "the file is left as it was";
}

TEST_F(StoreTest, RefusesASqliteDatabaseOfAnotherApplication) {
  {
    auto db = raw_connection(path_);
    ASSERT_TRUE(db.exec("create", "CREATE TABLE photos (id INTEGER PRIMARY KEY)"));
  }
  auto store = Store::open(path_);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("is not a slamon database"), std::string::npos)
      << store.error().message;
  auto db = raw_connection(path_);
  EXPECT_EQ(db.query_int64("tables", "SELECT count(*) FROM sqlite_schema").value_or(-1), 1);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerSlamon) {
  {
    auto store = open_store(path_);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->commit({every_field_set()}, {}));
  }
  const int newer = store_schema::latest_version() + 1;
  {
    auto db = raw_connection(path_);
    ASSERT_TRUE(db.exec("stamp", "INSERT INTO schema_migrations VALUES (" + std::to_string(newer) +
                                     ", '2030-01-01T00:00:00Z')"));
  }
  auto store = Store::open(path_);
  ASSERT_FALSE(store);
  const std::string& message = store.error().message;
  EXPECT_NE(message.find("schema version " + std::to_string(newer)), std::string::npos) << message;
  EXPECT_NE(message.find("newer"), std::string::npos) << message;
  EXPECT_NE(message.find("refusing to start"), std::string::npos) << message;
  EXPECT_EQ(query_int(path_, "SELECT max(version) FROM schema_migrations"), newer);
  EXPECT_EQ(query_int(path_, "SELECT count(*) FROM breaches"), 1);
}

TEST_F(StoreTest, MissingParentDirectoryIsNamed) {
  const std::string path = (dir_.path() / "no-such-dir" / "slamon.db").string();
  auto store = Store::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("does not exist"), std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find("no-such-dir"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "no-such-dir"));
}

TEST_F(StoreTest, DirectoryAsDatabaseIsRefused) {
  auto store = Store::open(dir_.path().string());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("is a directory"), std::string::npos)
      << store.error().message;
}

TEST_F(StoreTest, FailedMigrationRollsBackEverything) {
  { ASSERT_TRUE(open_store(path_)); }
  const int latest = store_schema::latest_version();
  std::vector<store_schema::Migration> broken(store_schema::migrations().begin(),
                                              store_schema::migrations().end());
  broken.push_back(store_schema::Migration{
      latest + 1, "CREATE TABLE extra (x); INSERT INTO missing VALUES (1);"});
  {
    auto db = raw_connection(path_);
    auto migrated = store_schema::migrate(db, broken, path_);
    ASSERT_FALSE(migrated);
    EXPECT_NE(migrated.error().message.find("schema migration " + std::to_string(latest + 1)),
              std::string::npos)
        << migrated.error().message;
    EXPECT_FALSE(db.in_transaction());
  }
  EXPECT_EQ(query_int(path_, "SELECT max(version) FROM schema_migrations"), latest);
  EXPECT_EQ(query_int(path_, "SELECT count(*) FROM sqlite_schema WHERE name = 'extra'"), 0);

  // On a new file, a failed first migration leaves no table and no slamon mark behind.
  const std::string fresh = (dir_.path() / "fresh.db").string();
  {
    auto db = raw_connection(fresh);
    const std::array<store_schema::Migration, 1> broken_first{
        store_schema::Migration{1, "CREATE TABLE a (x); CREATE TABLE a (y);"}};
    ASSERT_FALSE(store_schema::migrate(db, broken_first, fresh));
  }
  EXPECT_EQ(query_int(fresh, "SELECT count(*) FROM sqlite_schema"), 0);
  EXPECT_EQ(query_int(fresh, "PRAGMA application_id"), 0);
  EXPECT_TRUE(open_store(fresh)) << "the file is still usable as a new database";
}

TEST_F(StoreTest, MigratingAVersion1DatabaseKeepsItsBreachesAndEvents) {
  {
    auto db = raw_connection(path_);
    auto migrated = store_schema::migrate(db, store_schema::migrations().first(1), path_);
    ASSERT_TRUE(migrated) << migrated.error().message;
    ASSERT_EQ(*migrated, 1);
    ASSERT_TRUE(db.exec(
        "version 1 rows",
        "INSERT INTO breaches (id, org, policy_id, scope, scope_id, metric, actual, threshold, "
        "deviation_percent, severity, peak_severity, status, opened_at, last_evaluated_at, "
        "acknowledged_at, acknowledged_by, ack_notes) VALUES ('b-v1', 'org-1', 'policy-a', "
        "'site', 'site-1', 'latency_ms', 250.5, 200, 25.25, 'critical', 'critical', "
        "'acknowledged', 1790000000123, 1790000300000, 1790000060000, 'alice', 'on it'); "
        "INSERT INTO events (id, type, priority, org_id, breach_id, occurred_at, payload) "
        "VALUES ('e-v1', 'sla.breach.created', 'HIGH', 'org-1', 'b-v1', 1790000000123, '{}')"));
    ASSERT_EQ(db.query_int64("tables", "SELECT count(*) FROM sqlite_schema WHERE name = 'policies'")
                  .value_or(-1),
              0);
  }
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->schema_version(), store_schema::latest_version());
  EXPECT_EQ(query_int(path_, "SELECT count(*) FROM schema_migrations"),
            store_schema::latest_version());

  auto found = store->breach("b-v1");
  ASSERT_TRUE(found && found->has_value());
  Breach expected = open_breach("b-v1", "policy-a", Metric::latency_ms, kT0);
  expected.actual = 250.5;
  expected.threshold = 200;
  expected.deviation_percent = 25.25;
  expected.severity = Severity::critical;
  expected.peak_severity = Severity::critical;
  expected.status = BreachStatus::acknowledged;
  expected.last_evaluated_at = at_ms(1'790'000'300'000);
  expected.acknowledged_at = at_ms(1'790'000'060'000);
  expected.acknowledged_by = "alice";
  expected.ack_notes = "on it";
  expect_same(**found, expected);
  // Schema v4 marks the events of older versions finished (routed to no notifier), so an
  // upgrade does not send them all out as fresh notifications.
  EXPECT_EQ(store->pending_event_count().value_or(-1), 0);
  EXPECT_EQ(query_int(path_, "SELECT count(*) FROM events WHERE routed_at IS NULL"), 0);

  // The new parts work on the migrated file.
  BreachQuery at_site;
  at_site.scope_keys = std::vector<std::string>{"site-1"};
  EXPECT_EQ(store->count_breaches(at_site).value_or(-1), 1);
  EXPECT_TRUE(store->policies().value_or(std::vector<StoredPolicy>{StoredPolicy{}}).empty());
}

TEST_F(StoreTest, MigrationListsMustBeNumberedInOrder) {
  auto db = raw_connection(path_);
  const std::array<store_schema::Migration, 1> gap{store_schema::Migration{2, "SELECT 1"}};
  EXPECT_THROW((void)store_schema::migrate(db, gap, path_), std::invalid_argument);
}

TEST_F(StoreTest, RestartReturnsTheSameOpenBreaches) {
  std::vector<Breach> before;
  {
    auto store = open_store(path_);
    ASSERT_TRUE(store);
    Breach acked = every_field_set();
    acked.status = BreachStatus::acknowledged;
    acked.resolved_at.reset();
    acked.resolve_reason.reset();
    Breach resolved = open_breach("b-resolved", "policy-r", Metric::health_score, kT0);
    resolved.status = BreachStatus::resolved;
    resolved.resolved_at = kT0 + milliseconds(7);
    Breach negative_time =
        open_breach("b-old", "policy-o", Metric::health_score, at_ms(-1'000'000'001));
    negative_time.actual = -12.5;
    ASSERT_TRUE(store->commit({acked, every_optional_empty(), resolved, negative_time},
                              {event_for(EventType::breach_created, acked, kT0)}));
    auto open = store->open_breaches();
    ASSERT_TRUE(open);
    ASSERT_EQ(open->size(), 3u);
    before = *open;
    // Oldest first: what was committed comes back, not merely what the store made of it.
    expect_same(before[0], negative_time);
    expect_same(before[1], acked);
    expect_same(before[2], every_optional_empty());
  }
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  auto after = store->open_breaches();
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_EQ(after->size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) expect_same((*after)[i], before[i]);
  EXPECT_EQ(store->pending_event_count().value_or(-1), 1);
}

TEST_F(StoreTest, NegativeZeroAndNanAreTheDocumentedExceptions) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  Breach b = open_breach("b-1", "policy-a", Metric::latency_ms, kT0);
  b.actual = std::numeric_limits<double>::quiet_NaN();
  b.deviation_percent = -0.0;
  ASSERT_TRUE(store->commit({b}, {}));
  auto found = store->breach("b-1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_FALSE((*found)->actual.has_value()) << "NaN is kept as an absent value";
  ASSERT_TRUE((*found)->deviation_percent.has_value());
  EXPECT_EQ(*(*found)->deviation_percent, 0.0) << "negative zero reads back as zero";

  b.threshold = std::numeric_limits<double>::quiet_NaN();
  auto rejected = store->commit({b}, {});
  ASSERT_FALSE(rejected) << "a threshold is required, so NaN is refused";
  EXPECT_NE(rejected.error().message.find("NOT NULL"), std::string::npos)
      << rejected.error().message;
}

TEST_F(StoreTest, ConcurrentCallersAreSerialized) {
  auto store = open_store(path_);
  ASSERT_TRUE(store);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        Breach b = open_breach(id, "policy-" + id, Metric::latency_ms, kT0);
        EXPECT_TRUE(store->commit({b}, {event_for(EventType::breach_created, b, kT0)}));
        EXPECT_TRUE(store->breaches(BreachQuery{}));
        EXPECT_TRUE(store->pending_event_count());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store->count_breaches({}).value_or(-1), kThreads * kPerThread);
  EXPECT_EQ(store->pending_event_count().value_or(-1), kThreads * kPerThread);
}

}  // namespace
}  // namespace slamon
