// The DeliveryService's own threads, with the engine's Store committing on another thread.
// Tests wait for what the fake notifiers saw (with a generous real-time limit), never for time.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "delivery/delivery_service.h"
#include "delivery_test_support.h"

namespace slamon::testing {
namespace {

using namespace std::chrono_literals;

// Signalled by the notifiers' on_send hooks; waits for a condition on what they saw.
class Signal {
 public:
  void notify() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    cv_.notify_all();
  }
  template <typename Predicate>
  bool wait(Predicate done) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 60s, [&] { return done(); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  long generation_ = 0;
};

TEST_F(DeliveryTest, EngineCommitsWhileTheWorkerRoutesAndDeliversEachEventOnce) {
  policy_.poll_interval = 50ms;
  Signal signal;
  auto a = add_notifier("a");
  auto b = add_notifier("b");
  b->script({retry(), retry()});  // two early failures; their retries come due at once
  policy_.jitter = [](std::chrono::milliseconds) { return 0ms; };
  a->on_send([&] { signal.notify(); });
  b->on_send([&] { signal.notify(); });
  auto& service = open_service();
  service.start();

  constexpr int kBreaches = 300;
  std::vector<std::string> committed;
  std::thread engine([&] {
    for (int i = 0; i < kBreaches; i += 3) {
      std::vector<std::string> breaches{"b" + std::to_string(i), "b" + std::to_string(i + 1),
                                        "b" + std::to_string(i + 2)};
      auto created = commit(EventType::breach_created, breaches);
      auto resolved = commit(EventType::breach_resolved, breaches);
      committed.insert(committed.end(), created.begin(), created.end());
      committed.insert(committed.end(), resolved.begin(), resolved.end());
      service.wake();
    }
  });
  engine.join();
  const std::size_t expected = 2 * kBreaches;
  ASSERT_TRUE(signal.wait([&] {
    return a->sent_count() >= expected && b->sent_count() >= expected + 2;
  })) << "a got "
      << a->sent_count() << ", b got " << b->sent_count();
  service.stop();

  for (const auto& notifier : {a, b}) {
    std::map<std::string, int> times;
    std::map<std::string, std::vector<std::string>> types_by_breach;
    for (const auto& sent : notifier->sent()) {
      ++times[sent.event_id];
      types_by_breach[sent.event["breach"]["id"].get<std::string>()].push_back(sent.type);
    }
    ASSERT_EQ(times.size(), expected) << notifier->name();
    for (const auto& id : committed) {
      EXPECT_EQ(times[id], notifier == b ? times[id] : 1) << id;
    }
    for (const auto& [breach, types] : types_by_breach) {
      ASSERT_FALSE(types.empty());
      EXPECT_EQ(types.front(), "sla.breach.created") << breach << " in order";
      EXPECT_EQ(types.back(), "sla.breach.resolved") << breach << " in order";
    }
  }
  // b saw its two failed attempts again, and nothing else twice.
  int repeated = 0;
  std::map<std::string, int> b_times;
  for (const auto& sent : b->sent()) ++b_times[sent.event_id];
  for (const auto& [id, n] : b_times) repeated += n - 1;
  EXPECT_EQ(repeated, 2);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  EXPECT_EQ(store_->pending_event_count().value_or(-1), 0);
}

// The lane's backoff wait is on the injected clock: advancing the FakeClock past it brings the
// retry at once. The poll interval is an hour, so nothing but the clock can end the wait.
TEST_F(DeliveryTest, ALaneRetriesWhenTheClockPassesItsBackoff) {
  policy_.poll_interval = 1h;
  Signal signal;
  auto hook = add_notifier("hook");
  hook->script({retry()});  // the backoff is the full 1 s (the jitter takes the upper bound)
  hook->on_send([&] { signal.notify(); });
  auto& service = open_service();
  service.start();
  commit(EventType::breach_created, {"b1"});
  service.wake();
  ASSERT_TRUE(signal.wait([&] { return hook->sent_count() == 1; }));
  // The retry's time is set from the clock when the attempt ends: let it be recorded first.
  const auto bound = std::chrono::steady_clock::now() + 60s;
  while (query("SELECT attempts FROM deliveries") != 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), bound) << "the failed attempt was not recorded";
    std::this_thread::yield();
  }

  clock_.advance(1s);
  ASSERT_TRUE(signal.wait([&] { return hook->sent_count() == 2; }));
  service.stop();
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
  EXPECT_EQ(service.counts()[0].retried, 1u);
  EXPECT_EQ(service.counts()[0].delivered, 1u);
}

// A running lane honours a receiver's Retry-After for every event, not just the refused one:
// the next event waits on the injected clock until the pause ends.
TEST_F(DeliveryTest, ARunningLaneWaitsOutTheReceiversRetryAfter) {
  policy_.poll_interval = 1h;
  Signal signal;
  auto slack = add_notifier("slack");
  slack->script({retry("HTTP 429", 2s)});
  slack->on_send([&] { signal.notify(); });
  auto& service = open_service();
  const WallTime answered = clock_.now();
  service.start();
  commit(EventType::breach_created, {"b1", "b2"});
  service.wake();
  ASSERT_TRUE(signal.wait([&] { return slack->sent_count() >= 1; }));
  // The pass records its attempts when it ends: once b1's is, the pass is over.
  const auto bound = std::chrono::steady_clock::now() + 60s;
  while (query("SELECT count(*) FROM deliveries WHERE attempts = 1") != 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), bound) << "the failed attempt was not recorded";
    std::this_thread::yield();
  }
  EXPECT_EQ(slack->sent_count(), 1u) << "b2 waits for the pause";
  EXPECT_EQ(service.paused_until("slack", clock_.now()), answered + 2s);

  clock_.advance(2s);
  ASSERT_TRUE(signal.wait([&] { return slack->sent_count() == 3; }));
  service.stop();
  EXPECT_GE(slack->sent()[1].at, answered + 2s);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
}

TEST_F(DeliveryTest, StopWaitsForTheAttemptInFlightAndRecordsIt) {
  auto hook = add_notifier("hook");
  std::mutex mutex;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  hook->on_send([&] {
    std::unique_lock lock(mutex);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  auto& service = open_service();
  service.start();
  commit(EventType::breach_created, {"b1"});
  service.wake();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return entered; }));
  }
  std::thread stopper([&] { service.stop(); });
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  stopper.join();

  EXPECT_EQ(service.pending_count().value_or(-1), 0) << "the attempt was recorded";
  service_.reset();
  bindings_.clear();
  auto after = add_notifier("hook");
  open_service();
  EXPECT_EQ(deliver("hook"), 0);
  EXPECT_EQ(after->sent_count(), 0u);
}

TEST_F(DeliveryTest, ReconfigureWhileRunningStartsAndStopsLanes) {
  policy_.poll_interval = 50ms;
  Signal signal;
  auto first = add_notifier("first");
  first->on_send([&] { signal.notify(); });
  auto& service = open_service();
  service.start();
  commit(EventType::breach_created, {"b1"});
  service.wake();
  ASSERT_TRUE(signal.wait([&] { return first->sent_count() == 1; }));

  bindings_.clear();
  auto second = add_notifier("second");
  second->on_send([&] { signal.notify(); });
  service.reconfigure(setup());
  commit(EventType::breach_created, {"b2"});
  service.wake();
  ASSERT_TRUE(signal.wait([&] { return second->sent_count() == 1; }));
  service.stop();
  EXPECT_EQ(first->sent_count(), 1u);
  EXPECT_EQ(service.pending_count().value_or(-1), 0);
}

}  // namespace
}  // namespace slamon::testing
