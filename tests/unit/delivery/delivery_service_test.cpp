#include "delivery/delivery_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "delivery_test_support.h"
#include "store/schema.h"

namespace slamon::testing {
namespace {

using namespace std::chrono_literals;
using delivery::CircuitBreaker;
using std::chrono::milliseconds;

TEST_F(DeliveryTest, RoutesAndDeliversEveryEventInCommitOrder) {
  auto hook = add_notifier("hook");
  auto& service = open_service();
  const auto ids = commit(EventType::breach_created, {"b1", "b2", "b3"});

  auto routed = service.route_once(clock_.now());
  ASSERT_TRUE(routed) << routed.error().message;
  EXPECT_EQ(routed->events, 3);
  EXPECT_EQ(routed->deliveries, 3);
  EXPECT_FALSE(routed->more);
  EXPECT_EQ(service.pending_count().value_or(-1), 3);

  auto pass = service.deliver_once("hook", clock_.now());
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->attempts, 3);
  EXPECT_EQ(hook->sent_ids(), ids);
  const auto sent = hook->sent();
  EXPECT_EQ(sent[0].type, "sla.breach.created");
  EXPECT_EQ(sent[0].event["breach"]["id"], "b1") << "the notifier gets the stored event JSON";
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  EXPECT_EQ(store_->pending_event_count().value_or(-1), 0) << "events finished";
  EXPECT_EQ(query("SELECT count(*) FROM deliveries WHERE state = 'delivered' AND attempts = 1"), 3);

  // Nothing is sent twice.
  EXPECT_EQ(deliver("hook"), 0);
  EXPECT_EQ(hook->sent_count(), 3u);
}

TEST_F(DeliveryTest, AFailingBreachHoldsBackOnlyItsOwnLaterEvents) {
  auto hook = add_notifier("hook");
  auto& service = open_service();
  const auto a_created = commit(EventType::breach_created, {"A"})[0];
  const auto b_created = commit(EventType::breach_created, {"B"})[0];
  const auto a_resolved = commit(EventType::breach_resolved, {"A"})[0];
  const auto b_resolved = commit(EventType::breach_resolved, {"B"})[0];
  auto a_failures = std::make_shared<int>(0);
  hook->answer_with([a_created, a_failures](const notify::Notification& n) {
    if (n.event_id == a_created && (*a_failures)++ < 2) return retry("HTTP 503");
    return delivered();
  });

  ASSERT_TRUE(service.route_once(clock_.now()));
  auto pass = service.deliver_once("hook", clock_.now());
  ASSERT_TRUE(pass);
  // A's first event failed; A's resolution waits behind it, B goes on.
  EXPECT_EQ(hook->sent_ids(), (std::vector<std::string>{a_created, b_created}));
  pass = service.deliver_once("hook", clock_.now());
  ASSERT_TRUE(pass);
  EXPECT_EQ(hook->sent_ids(), (std::vector<std::string>{a_created, b_created, b_resolved}));
  EXPECT_EQ(service.deliver_once("hook", clock_.now())->attempts, 0)
      << "A's resolution may not overtake its creation";

  clock_.advance(1s);  // first backoff: at most 1 s
  EXPECT_EQ(deliver("hook"), 1);
  clock_.advance(2s);  // second backoff: at most 2 s
  EXPECT_EQ(deliver("hook"), 2);
  EXPECT_EQ(hook->sent_ids(), (std::vector<std::string>{a_created, b_created, b_resolved, a_created,
                                                        a_created, a_resolved}));
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
}

TEST_F(DeliveryTest, ServerErrorsAreRetriedWithBackoffUntilDelivered) {
  policy_.jitter = delivery::random_jitter();
  auto hook = add_notifier("hook");
  hook->script({retry("HTTP 503"), retry("HTTP 503"), retry("HTTP 503"), delivered()});
  auto& service = open_service();
  commit(EventType::breach_created, {"b1"});
  ASSERT_TRUE(service.route_once(clock_.now()));

  const std::array<milliseconds, 3> bounds{1s, 2s, 4s};
  for (milliseconds bound : bounds) {
    const WallTime failed_at = clock_.now();
    ASSERT_EQ(service.deliver_once("hook", clock_.now())->attempts, 1);
    const WallTime next = WallTime{
        milliseconds{query("SELECT next_attempt_at FROM deliveries WHERE state = 'pending'")}};
    EXPECT_GE(next, failed_at);
    EXPECT_LE(next, failed_at + bound) << "the delay is within the jitter range";
    EXPECT_EQ(query("SELECT count(*) FROM deliveries WHERE last_error = 'HTTP 503'"), 1);
    clock_.set(next);
  }
  ASSERT_EQ(service.deliver_once("hook", clock_.now())->attempts, 1);
  EXPECT_EQ(hook->sent_count(), 4u);
  EXPECT_EQ(query("SELECT attempts FROM deliveries WHERE state = 'delivered'"), 4);

  const auto counts = service.counts();
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].notifier, "hook");
  EXPECT_EQ(counts[0].delivered, 1u);
  EXPECT_EQ(counts[0].retried, 3u);
  EXPECT_EQ(counts[0].dead, 0u);
}

TEST_F(DeliveryTest, ARetryIsNotMadeBeforeItsTime) {
  auto hook = add_notifier("hook");
  hook->script({retry(), retry()});
  auto& service = open_service();
  commit(EventType::breach_created, {"b1"});
  EXPECT_EQ(deliver("hook"), 1);
  clock_.advance(999ms);
  EXPECT_EQ(deliver("hook"), 0);
  clock_.advance(1ms);
  EXPECT_EQ(deliver("hook"), 1);
  clock_.advance(1999ms);
  EXPECT_EQ(deliver("hook"), 0);
  clock_.advance(1ms);
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
}

TEST_F(DeliveryTest, RetryAfterIsHonouredAndCapped) {
  policy_.jitter = [](milliseconds) { return 0ms; };
  auto hook = add_notifier("hook");
  hook->script({retry("HTTP 429", 30s), retry("HTTP 503", 5h)});
  auto& service = open_service();
  commit(EventType::breach_created, {"b1"});

  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(query("SELECT next_attempt_at FROM deliveries"),
            (clock_.now() + 30s).time_since_epoch() / 1ms);
  clock_.advance(29s);
  EXPECT_EQ(deliver("hook"), 0);
  clock_.advance(1s);
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(query("SELECT next_attempt_at FROM deliveries"),
            (clock_.now() + 1h).time_since_epoch() / 1ms)
      << "Retry-After is capped at 1h";
  clock_.advance(1h);
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(hook->sent_count(), 3u);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
}

TEST_F(DeliveryTest, ARateLimitAnswerPausesTheNotifiersWholeLane) {
  auto slack = add_notifier("slack");
  auto other = add_notifier("other");
  slack->script({retry("HTTP 429", 2s)});
  auto& service = open_service();
  const auto ids = commit(EventType::breach_created, {"b1", "b2"});
  ASSERT_TRUE(service.route_once(clock_.now()));
  const WallTime answered = clock_.now();

  auto pass = service.deliver_once("slack", clock_.now());
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->attempts, 1) << "the next event waits for the receiver too";
  EXPECT_EQ(pass->resume_at, answered + 2s);
  EXPECT_EQ(service.paused_until("slack", clock_.now()), answered + 2s);
  EXPECT_EQ(service.deliver_once("other", clock_.now())->attempts, 2) << "another notifier goes on";
  EXPECT_FALSE(service.paused_until("other", clock_.now()));

  clock_.advance(1s);
  EXPECT_EQ(deliver("slack"), 0) << "b2 is not sent 1 s later";
  clock_.advance(999ms);
  EXPECT_EQ(deliver("slack"), 0);
  EXPECT_EQ(slack->sent_count(), 1u);
  clock_.advance(1ms);
  EXPECT_FALSE(service.paused_until("slack", clock_.now())) << "the pause is over";
  EXPECT_EQ(deliver("slack"), 2);
  std::vector<std::string> sent = slack->sent_ids();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0], ids[0]);
  std::sort(sent.begin() + 1, sent.end());
  std::vector<std::string> expected = ids;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(std::vector<std::string>(sent.begin() + 1, sent.end()), expected)
      << "both are delivered once the pause ends";
  EXPECT_GE(slack->sent()[1].at, answered + 2s);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
}

TEST_F(DeliveryTest, AServerErrorWithoutRetryAfterDoesNotPauseTheLane) {
  auto hook = add_notifier("hook");
  hook->script({retry("HTTP 503"), retry("HTTP 429", 0ms)});
  auto& service = open_service();
  commit(EventType::breach_created, {"b1", "b2", "b3"});
  ASSERT_TRUE(service.route_once(clock_.now()));

  auto pass = service.deliver_once("hook", clock_.now());
  ASSERT_TRUE(pass) << pass.error().message;
  EXPECT_EQ(pass->attempts, 3) << "only the failed events wait (a Retry-After of 0 asks nothing)";
  EXPECT_FALSE(pass->resume_at);
  EXPECT_FALSE(service.paused_until("hook", clock_.now()));
  EXPECT_EQ(service.pending_count().value_or(-1), 2);
}

TEST_F(DeliveryTest, ALanePauseIsCappedByTheNotifiersMaxAge) {
  max_age_ = 10min;
  auto hook = add_notifier("hook");
  hook->script({retry("HTTP 503", 30min)});
  auto& service = open_service();
  commit(EventType::breach_created, {"b1", "b2"});
  ASSERT_TRUE(service.route_once(clock_.now()));

  EXPECT_EQ(service.deliver_once("hook", clock_.now())->attempts, 1);
  EXPECT_EQ(service.paused_until("hook", clock_.now()), clock_.now() + 10min);
  clock_.advance(10min);
  EXPECT_EQ(service.deliver_once("hook", clock_.now())->attempts, 1) << "b2 goes; b1 waits 30 min";
  EXPECT_EQ(hook->sent_count(), 2u);
}

TEST_F(DeliveryTest, ARefusedEventBecomesADeadLetterThatCanBeRetried) {
  auto hook = add_notifier("hook");
  hook->script({refused("HTTP 400")});
  auto& service = open_service();
  const auto id = commit(EventType::breach_created, {"b1"})[0];
  const auto later = commit(EventType::breach_resolved, {"b1"})[0];
  clock_.advance(5s);

  EXPECT_EQ(deliver("hook"), 2) << "a dead letter does not hold back the breach's next event";
  EXPECT_EQ(hook->sent_ids(), (std::vector<std::string>{id, later}));

  auto page = service.dead_letters(kOrg, 50, 0);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->total, 1);
  ASSERT_EQ(page->items.size(), 1u);
  const DeadLetter& letter = page->items[0];
  EXPECT_TRUE(is_uuid(letter.id));
  EXPECT_EQ(letter.event_id, id);
  EXPECT_EQ(letter.event_type, "sla.breach.created");
  EXPECT_EQ(letter.notifier, "hook");
  EXPECT_EQ(letter.attempts, 1);
  EXPECT_EQ(letter.last_error, "HTTP 400");
  EXPECT_EQ(letter.occurred_at, kStart);
  EXPECT_EQ(letter.failed_at, kStart + 5s);
  EXPECT_EQ(letter.event["id"], id);
  EXPECT_EQ(store_->pending_event_count().value_or(-1), 0) << "a dead event is finished";
  EXPECT_EQ(service.counts()[0].dead, 1u);

  // Another org sees nothing and cannot retry it: the same answer as a missing id.
  EXPECT_EQ(service.dead_letters(kOtherOrg, 50, 0)->total, 0);
  auto foreign = service.retry_dead_letter(kOtherOrg, letter.id, clock_.now());
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().kind, WriteFailure::not_found);
  auto missing = service.retry_dead_letter(kOrg, uuid_v4(), clock_.now());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, WriteFailure::not_found);
  EXPECT_EQ(missing.error().message, foreign.error().message);

  clock_.advance(1min);
  auto retried = service.retry_dead_letter(kOrg, letter.id, clock_.now());
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(retried->id, letter.id);
  EXPECT_EQ(service.pending_count().value_or(-1), 1);
  EXPECT_EQ(store_->pending_event_count().value_or(-1), 1);
  EXPECT_EQ(service.dead_letters(kOrg, 50, 0)->total, 0);
  EXPECT_EQ(service.retry_dead_letter(kOrg, letter.id, clock_.now()).error().kind,
            WriteFailure::not_found)
      << "it is no longer a dead letter";

  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(hook->sent_ids(), (std::vector<std::string>{id, later, id}));
  EXPECT_EQ(query("SELECT attempts FROM deliveries WHERE state = 'delivered' AND id = '" +
                  letter.id + "'"),
            1)
      << "attempts start again";
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  EXPECT_EQ(store_->pending_event_count().value_or(-1), 0);
}

TEST_F(DeliveryTest, DeadLettersArePagedNewestFirst) {
  auto hook = add_notifier("hook");
  hook->set_fallback(refused("HTTP 422"));
  auto& service = open_service();
  std::vector<std::string> ids;
  for (const char* breach : {"b1", "b2", "b3"}) {
    ids.push_back(commit(EventType::breach_created, {breach})[0]);
    deliver("hook");
    clock_.advance(1s);
  }
  auto first = service.dead_letters(kOrg, 2, 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->total, 3);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].event_id, ids[2]);
  EXPECT_EQ(first->items[1].event_id, ids[1]);
  auto second = service.dead_letters(kOrg, 2, 2);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].event_id, ids[0]);
}

TEST_F(DeliveryTest, AnEventTooOldIsGivenUpAfterMaxAge) {
  max_age_ = 1h;
  auto hook = add_notifier("hook");
  hook->set_fallback(retry("timed out after 10s"));
  auto& service = open_service();
  commit(EventType::breach_created, {"b1"});
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(service.dead_letters(kOrg, 10, 0)->total, 0);

  clock_.advance(1h);
  EXPECT_EQ(deliver("hook"), 1);
  auto page = service.dead_letters(kOrg, 10, 0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].last_error, "gave up after 1h: timed out after 10s");
  EXPECT_EQ(page->items[0].attempts, 2);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  const auto counts = service.counts();
  EXPECT_EQ(counts[0].retried, 1u);
  EXPECT_EQ(counts[0].dead, 1u);

  // A retried dead letter gets a fresh max_age from the retry.
  clock_.advance(1h);
  ASSERT_TRUE(service.retry_dead_letter(kOrg, page->items[0].id, clock_.now()));
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(service.pending_count().value_or(-1), 1) << "failed again, but still young";
}

TEST_F(DeliveryTest, TheRateLimitSpacesSends) {
  auto teams = add_notifier("teams", NotifierType::teams, /*rate_limit=*/0);  // default 4/s
  auto slack = add_notifier("slack", NotifierType::slack, /*rate_limit=*/0);  // default 1/s
  auto& service = open_service();
  std::vector<std::string> breaches;
  for (int i = 0; i < 20; ++i) breaches.push_back("b" + std::to_string(i));
  commit(EventType::breach_created, breaches);
  ASSERT_TRUE(service.route_once(clock_.now()));

  auto pass = service.deliver_once("teams", clock_.now());
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->attempts, 4) << "a burst of one second's worth";
  EXPECT_EQ(pass->resume_at, clock_.now() + 250ms);
  EXPECT_EQ(service.deliver_once("slack", clock_.now())->attempts, 1);

  // Over the next fake second, in 10 ms steps: 4 more to teams, 1 more to slack.
  const WallTime start = clock_.now();
  for (int step = 1; step <= 100; ++step) {
    clock_.set(start + step * 10ms);
    ASSERT_TRUE(service.deliver_once("teams", clock_.now()));
    ASSERT_TRUE(service.deliver_once("slack", clock_.now()));
  }
  EXPECT_EQ(teams->sent_count(), 8u);
  EXPECT_EQ(slack->sent_count(), 2u);
}

TEST_F(DeliveryTest, TheCircuitOpensAfterRepeatedFailuresAndProbes) {
  policy_.jitter = [](milliseconds) { return 0ms; };
  auto down = add_notifier("down");
  auto fine = add_notifier("fine");
  down->set_fallback(retry("connection refused"));
  auto& service = open_service();
  std::vector<std::string> breaches;
  for (int i = 0; i < 10; ++i) breaches.push_back("b" + std::to_string(i));
  commit(EventType::breach_created, breaches);
  ASSERT_TRUE(service.route_once(clock_.now()));

  auto pass = service.deliver_once("down", clock_.now());
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->attempts, 5) << "five failures open the circuit";
  EXPECT_EQ(pass->resume_at, clock_.now() + 30s);
  EXPECT_EQ(service.circuit_state("down"), CircuitBreaker::State::open);
  EXPECT_EQ(service.deliver_once("fine", clock_.now())->attempts, 10)
      << "another notifier is not held up";
  EXPECT_EQ(service.circuit_state("fine"), CircuitBreaker::State::closed);

  clock_.advance(29s);
  EXPECT_EQ(service.deliver_once("down", clock_.now())->attempts, 0) << "cooling down";
  clock_.advance(1s);
  pass = service.deliver_once("down", clock_.now());
  EXPECT_EQ(pass->attempts, 1) << "one probe";
  EXPECT_EQ(pass->resume_at, clock_.now() + 60s) << "failed probe: the pause doubles";
  EXPECT_EQ(down->sent_count(), 6u);

  down->set_fallback(delivered());
  clock_.advance(60s);
  pass = service.deliver_once("down", clock_.now());
  EXPECT_EQ(pass->attempts, 1);
  EXPECT_TRUE(pass->more) << "the probe worked: the rest may go";
  EXPECT_EQ(service.circuit_state("down"), CircuitBreaker::State::closed);
  EXPECT_EQ(service.deliver_once("down", clock_.now())->attempts, 9);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
}

TEST_F(DeliveryTest, AnEventNoRuleMatchesIsStoredButNotSent) {
  auto hook = add_notifier("hook");
  auto& service = open_service(setup([](const nlohmann::json& event) {
    if (event["breach"]["id"] == "routed") return std::vector<std::string>{"hook"};
    if (event["breach"]["id"] == "typo") return std::vector<std::string>{"no-such-notifier"};
    return std::vector<std::string>{};
  }));
  commit(EventType::breach_created, {"quiet", "typo", "routed"});
  auto routed = service.route_once(clock_.now());
  ASSERT_TRUE(routed);
  EXPECT_EQ(routed->events, 3);
  EXPECT_EQ(routed->deliveries, 1);
  EXPECT_EQ(store_->pending_event_count().value_or(-1), 1);
  EXPECT_EQ(query("SELECT count(*) FROM events WHERE routed_at IS NULL"), 0);
  EXPECT_EQ(query("SELECT count(*) FROM events WHERE delivered_at IS NOT NULL"), 2)
      << "events that go nowhere are finished at once";
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(hook->sent()[0].event["breach"]["id"], "routed");
  EXPECT_EQ(store_->pending_event_count().value_or(-1), 0);
  EXPECT_EQ(query("SELECT count(*) FROM events"), 3) << "all are kept";
}

TEST_F(DeliveryTest, IncidentEventsFromTheCorrelatorAreStoredAndDelivered) {
  auto hook = add_notifier("hook");
  auto correlator = std::make_unique<FakeCorrelator>(std::set<std::string>{"b1"});
  FakeCorrelator* seen = correlator.get();
  auto& service = open_service(setup({}, std::move(correlator)));
  const auto ids = commit(EventType::breach_created, {"b1", "b2"});

  auto routed = service.route_once(clock_.now());
  ASSERT_TRUE(routed);
  EXPECT_EQ(routed->incidents, 1);
  EXPECT_EQ(routed->events, 3);
  EXPECT_EQ(routed->deliveries, 3);
  EXPECT_EQ(seen->observed(), 2) << "the correlator sees breach events, not its own";
  EXPECT_EQ(query("SELECT count(*) FROM events WHERE type = 'sla.incident.opened' AND "
                  "breach_id = 'incident-b1' AND routed_at IS NOT NULL"),
            1);
  EXPECT_EQ(query("SELECT count(*) FROM deliveries WHERE ordering_key = 'incident-b1'"), 1);
  EXPECT_EQ(query("SELECT count(*) FROM correlator_state"), 1);

  EXPECT_EQ(deliver("hook"), 3);
  auto sent = hook->sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].event_id, ids[0]);
  EXPECT_EQ(sent[1].event_id, ids[1]);
  EXPECT_EQ(sent[2].type, "sla.incident.opened") << "after the events committed before it";
  EXPECT_EQ(sent[2].event["incident"]["id"], "incident-b1");

  clock_.advance(1min);
  routed = service.route_once(clock_.now());
  ASSERT_TRUE(routed);
  EXPECT_EQ(routed->incidents, 1) << "tick() resolves it with no new event";
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(hook->sent().back().type, "sla.incident.resolved");
  EXPECT_EQ(hook->sent().back().event["incident"]["id"], "incident-b1");
  EXPECT_EQ(query("SELECT occurred_at FROM events WHERE type = 'sla.incident.resolved'"),
            clock_.now().time_since_epoch() / 1ms);
}

TEST_F(DeliveryTest, TheCorrelatorStateSurvivesARestart) {
  add_notifier("hook");
  open_service(setup({}, std::make_unique<FakeCorrelator>(std::set<std::string>{"b1"})));
  commit(EventType::breach_created, {"b1"});
  EXPECT_EQ(deliver("hook"), 2);
  service_.reset();

  auto fresh = std::make_unique<FakeCorrelator>();
  FakeCorrelator* restored = fresh.get();
  auto& service = open_service(setup({}, std::move(fresh)));
  EXPECT_EQ(restored->observed(), 1) << "restored from the database";
  clock_.advance(1min);
  auto routed = service.route_once(clock_.now());
  ASSERT_TRUE(routed);
  EXPECT_EQ(routed->incidents, 1) << "the incident opened before the restart resolves";
}

TEST_F(DeliveryTest, ARestartLosesNothingAndResendsNothingDelivered) {
  policy_.delivery_batch = 4;
  auto first = add_notifier("hook");
  first->script({delivered(), delivered(), delivered(), retry("HTTP 502")});
  open_service();
  std::vector<std::string> breaches;
  for (int i = 0; i < 10; ++i) breaches.push_back("b" + std::to_string(i));
  const auto ids = commit(EventType::breach_created, breaches);
  ASSERT_TRUE(service_->route_once(clock_.now()));
  ASSERT_EQ(service_->deliver_once("hook", clock_.now())->attempts, 4);
  const auto more = commit(EventType::breach_resolved, {"b0", "b3"});  // not yet routed
  service_.reset();                                                    // "crash" between passes

  bindings_.clear();
  auto second = add_notifier("hook");
  open_service();
  EXPECT_EQ(service_->pending_count().value_or(-1), 9);
  clock_.advance(1s);
  EXPECT_EQ(deliver("hook"), 9);
  EXPECT_EQ(second->sent_ids(), (std::vector<std::string>{ids[3], ids[4], ids[5], ids[6], ids[7],
                                                          ids[8], ids[9], more[0], more[1]}));
  EXPECT_EQ(service_->pending_count().value_or(-1), 0);
  EXPECT_EQ(store_->pending_event_count().value_or(-1), 0);
}

TEST_F(DeliveryTest, AnUpgradeDoesNotSendTheEventsOfOlderVersions) {
  store_.reset();
  path_ = (dir_.path() / "version3.db").string();
  {
    auto db = sqlite::Connection::open(path_);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("wal", "PRAGMA journal_mode = WAL"));
    ASSERT_TRUE(store_schema::migrate(*db, store_schema::migrations().first(3), path_));
    for (int i = 0; i < 5; ++i) {
      const std::string id = uuid_v4();
      ASSERT_TRUE(db->exec("old event",
                           "INSERT INTO events (id, type, priority, org_id, breach_id, "
                           "occurred_at, payload) VALUES ('" +
                               id + "', 'sla.breach.created', 'HIGH', '" + kOrg + "', 'old-" +
                               std::to_string(i) + "', 1700000000000, '{\"id\": \"" + id +
                               "\"}')"));
    }
  }
  auto store = Store::open(path_);
  ASSERT_TRUE(store) << store.error().message;
  store_ = std::move(*store);
  EXPECT_EQ(store_->schema_version(), store_schema::latest_version());

  auto hook = add_notifier("hook");
  auto& service = open_service();
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  EXPECT_EQ(service.oldest_pending_age(clock_.now()).value_or(-1ms), 0ms);
  EXPECT_EQ(deliver("hook"), 0);
  EXPECT_EQ(hook->sent_count(), 0u);

  const auto fresh = commit(EventType::breach_created, {"new"});
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(hook->sent_ids(), fresh);
}

TEST_F(DeliveryTest, PendingCountAndOldestAgeCoverUnroutedAndUndeliveredEvents) {
  auto hook = add_notifier("hook");
  auto& service = open_service();
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  EXPECT_EQ(service.oldest_pending_age(clock_.now()).value_or(-1ms), 0ms);

  commit(EventType::breach_created, {"b1", "b2"});
  clock_.advance(10s);
  commit(EventType::breach_created, {"b3"});
  clock_.advance(5s);
  EXPECT_EQ(service.pending_count().value_or(-1), 3) << "not yet routed";
  EXPECT_EQ(service.oldest_pending_age(clock_.now()).value_or(-1ms), 15s);

  hook->script({delivered(), retry()});
  EXPECT_EQ(deliver("hook"), 3);
  EXPECT_EQ(service.pending_count().value_or(-1), 1);
  EXPECT_EQ(service.oldest_pending_age(clock_.now()).value_or(-1ms), 15s)
      << "b2 (committed first) is still pending";
  clock_.advance(1s);
  EXPECT_EQ(deliver("hook"), 1);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  EXPECT_EQ(service.oldest_pending_age(clock_.now()).value_or(-1ms), 0ms);
  const auto counts = service.counts();
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].delivered, 3u);
  EXPECT_EQ(counts[0].retried, 1u);
  EXPECT_EQ(counts[0].dead, 0u);
}

TEST_F(DeliveryTest, ReconfigureKeepsCountersAndDeadLettersRemovedNotifiers) {
  auto kept = add_notifier("kept");
  auto removed = add_notifier("removed");
  removed->set_fallback(retry());
  auto& service = open_service(setup({}, std::make_unique<FakeCorrelator>()));
  commit(EventType::breach_created, {"b1"});
  EXPECT_EQ(deliver("kept"), 1);
  EXPECT_EQ(deliver("removed"), 1);
  EXPECT_EQ(service.pending_count().value_or(-1), 1);

  bindings_.erase(bindings_.begin() + 1);
  auto correlator = std::make_unique<FakeCorrelator>();
  FakeCorrelator* next = correlator.get();
  service.reconfigure(setup({}, std::move(correlator)));
  EXPECT_EQ(next->observed(), 1) << "the new correlator takes over the state";
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  auto page = service.dead_letters(kOrg, 10, 0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].notifier, "removed");
  EXPECT_EQ(page->items[0].last_error, "notifier no longer configured");
  auto retried = service.retry_dead_letter(kOrg, page->items[0].id, clock_.now());
  ASSERT_FALSE(retried);
  EXPECT_EQ(retried.error().kind, WriteFailure::conflict);
  EXPECT_FALSE(service.deliver_once("removed", clock_.now()));
  EXPECT_FALSE(service.circuit_state("removed"));

  commit(EventType::breach_created, {"b2"});
  EXPECT_EQ(deliver("kept"), 1);
  bool found = false;
  for (const auto& count : service.counts()) {
    if (count.notifier == "kept") {
      EXPECT_EQ(count.delivered, 2u) << "counters carry over a reload";
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(DeliveryTest, OpeningADatabaseWithoutTheStoreFails) {
  const std::string other = (dir_.path() / "missing.db").string();
  auto service = delivery::DeliveryService::open(other, clock_, setup(), policy_);
  ASSERT_FALSE(service);
  EXPECT_NE(service.error().message.find("does not exist"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(other));
}

TEST_F(DeliveryTest, NothingIsAttemptedWhileAnEvaluationCycleRuns) {
  auto hook = add_notifier("hook");
  auto& service = open_service();
  commit(EventType::breach_created, {"b1", "b2"});
  ASSERT_TRUE(service.route_once(clock_.now()));
  {
    const auto yield = service.yield_to_cycle();
    auto pass = service.deliver_once("hook", clock_.now());
    ASSERT_TRUE(pass);
    EXPECT_EQ(pass->attempts, 0);
    EXPECT_TRUE(pass->resume_at.has_value()) << "the lane waits, it does not spin";
    EXPECT_EQ(hook->sent_count(), 0u);
  }
  auto pass = service.deliver_once("hook", clock_.now());
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->attempts, 2);
  EXPECT_EQ(hook->sent_count(), 2u);
}

}  // namespace
}  // namespace slamon::testing
