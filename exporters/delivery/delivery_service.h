// DeliveryService: the durable notification worker of SPEC §9.3. It routes committed outbox
// events to notifiers (alert rules, incident correlation) and delivers them at least once, in
// order per breach and notifier, with backoff and jitter, Retry-After, a per-notifier rate
// limit and circuit breaker, and a dead-letter list; it never blocks evaluation.
//
// A receiver's Retry-After (a 429, or a 503 that carries one) pauses its notifier's whole lane,
// not only the event: Slack's and Teams' limits hold per webhook. The pause lives in memory
// only; after a restart at most one attempt per notifier meets the limit again and re-pauses.
//
// Threads (after start()): one router thread, and one lane thread per notifier so that a slow
// or dead endpoint holds up nobody else. Everything is in SQLite (delivery/outbox.h), so a
// restart resumes where the last run stopped: an attempt in flight when the process died is
// made again (at least once), nothing recorded as delivered is sent again.
//
// Tests drive it without threads: route_once() and deliver_once() do one bounded pass at the
// time they are given. Thread-safe: every public member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "delivery/lane_control.h"
#include "delivery/outbox.h"
#include "notify/notifier.h"
#include "routing/routing.h"
#include "store/dead_letters.h"
#include "store/store.h"

namespace slamon::delivery {

struct NotifierBinding {
  NotifierConfig config;                       // name, type, rate_limit and max_age are used here
  std::shared_ptr<notify::Notifier> notifier;  // never null
};

// What the configuration says about delivery; replaced as a whole on reload.
struct DeliverySetup {
  std::vector<NotifierBinding> notifiers;
  NotifierSelector select;                          // empty: every event is stored and sent nowhere
  std::unique_ptr<routing::Correlator> correlator;  // null: no incidents
};

// The alert rules of `router` as a NotifierSelector (the function keeps the router alive).
inline NotifierSelector select_with(std::shared_ptr<const routing::EventRouter> router) {
  return [router = std::move(router)](const nlohmann::json& event) {
    return router->notifiers_for(event);
  };
}

// Attempts since the service opened, per notifier (slamon_notifications_total).
struct NotifierCounts {
  std::string notifier;
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;  // failed attempts that will be retried
  std::uint64_t dead = 0;     // refused for good, or given up after max_age
};

struct LanePass {
  int attempts = 0;
  bool more = false;  // due deliveries may be left: call again at once
  // The rate limit, an open circuit or the receiver's Retry-After stopped the pass; it may go
  // on at this time.
  std::optional<WallTime> resume_at;
};

class DeliveryService final : public DeadLetterQueue {
 public:
  // Opens the store's database (Store::open must have created it), restores the correlator's
  // saved state into setup.correlator, and turns the pending deliveries of notifiers that are
  // no longer configured into dead letters. No thread runs until start().
  static Result<std::unique_ptr<DeliveryService>> open(const std::string& database_path,
                                                       Clock& clock, DeliverySetup setup,
                                                       DeliveryPolicy policy = {});
  ~DeliveryService();  // stops
  DeliveryService(const DeliveryService&) = delete;
  DeliveryService& operator=(const DeliveryService&) = delete;

  void start();
  // Returns once every thread has finished: an attempt in flight completes (bounded by its
  // notifier's timeout) and is recorded; no other starts.
  void stop();
  // New events were committed: route them now rather than at the next poll.
  void wake();

  // While a CycleYield lives the worker starts no attempt and routes nothing, so an evaluation
  // cycle has the CPU and the database's write lock to itself; attempts already in flight
  // finish. Delivery resumes (woken) when the last one is destroyed. A cycle lasts well under
  // a second, so this costs delivery latency only, never an event.
  class CycleYield {
   public:
    explicit CycleYield(DeliveryService& service);
    ~CycleYield();
    CycleYield(const CycleYield&) = delete;
    CycleYield& operator=(const CycleYield&) = delete;

   private:
    DeliveryService& service_;
  };
  CycleYield yield_to_cycle() { return CycleYield(*this); }
  // A reloaded configuration. Counters and circuit state of kept notifiers carry over, the new
  // correlator takes over the old one's state, removed notifiers' lanes stop and their
  // pending deliveries become dead letters.
  void reconfigure(DeliverySetup setup);

  // One routing pass (at most policy.route_batch events) at `now`.
  Result<RouteStats> route_once(WallTime now);
  // One delivery pass of `notifier` at `now`: its due deliveries (at most
  // policy.delivery_batch), as far as the rate limit and circuit breaker allow.
  Result<LanePass> deliver_once(const std::string& notifier, WallTime now);

  std::vector<NotifierCounts> counts() const;  // by notifier name
  // slamon_outbox_pending: pending deliveries plus events not yet routed.
  Result<long long> pending_count();
  // slamon_outbox_oldest_pending_age_seconds: since the oldest unfinished event occurred
  // (0 when none).
  Result<std::chrono::milliseconds> oldest_pending_age(WallTime now);
  Result<DeadLetterPage> dead_letters(const std::string& org, int limit, int offset) override;
  // One dead letter of `org` by id; nullopt when there is none (or it is another org's).
  Result<std::optional<DeadLetter>> dead_letter(const std::string& org,
                                                const std::string& id) override;
  // Back to pending, due at `now`, attempts reset and max_age counted afresh from `now`.
  // not_found: no such dead letter in `org` (another org's answers the same); conflict: its
  // notifier is no longer configured.
  WriteResult<DeadLetter> retry_dead_letter(const std::string& org, const std::string& id,
                                            WallTime now) override;
  // Until when a receiver's Retry-After pauses `notifier`'s whole lane (slamon_notifier_paused_
  // until_timestamp_seconds); nullopt when it is not paused at `now` or not configured.
  std::optional<WallTime> paused_until(const std::string& notifier, WallTime now) const;
  // nullopt for a notifier that is not configured.
  std::optional<CircuitBreaker::State> circuit_state(const std::string& notifier) const;

 private:
  struct Counters;
  struct Lane;

  DeliveryService(Clock& clock, DeliveryPolicy policy, std::unique_ptr<Outbox> outbox);
  void apply(DeliverySetup setup, bool restore_from_database);
  Result<LanePass> run_pass(Lane& lane, const std::function<WallTime()>& now,
                            const std::atomic<bool>* stop);
  // When a lane answered with `retry_after` at `done` may start its next attempt: the delay
  // capped at policy.retry_after_cap and the notifier's max_age; `done` when it asked for none.
  WallTime receiver_pause_end(std::optional<std::chrono::milliseconds> retry_after, WallTime done,
                              std::chrono::milliseconds max_age) const;
  AttemptOutcome decide(const DueDelivery& due, const notify::DeliveryResult& sent, WallTime done,
                        std::chrono::milliseconds max_age) const;
  void router_loop();
  void lane_loop(Lane& lane);
  void start_lane(const std::shared_ptr<Lane>& lane);
  void wake_lanes();
  // Waits on the injected clock until `deadline` (at most one poll interval) or `wake` is raised.
  void wait(WakeSignal& wake, WallTime deadline);

  Clock& clock_;
  const DeliveryPolicy policy_;
  const JitterSource jitter_;
  const std::unique_ptr<Outbox> outbox_;

  std::mutex router_mutex_;  // guards the routing setup; held for a routing pass
  NotifierSelector select_;
  std::unique_ptr<routing::Correlator> correlator_;
  std::set<std::string> notifier_names_;
  // The same names for API calls, so they never wait for a routing pass.
  mutable std::mutex names_mutex_;
  std::set<std::string> configured_names_;

  mutable std::mutex lanes_mutex_;
  std::map<std::string, std::shared_ptr<Lane>> lanes_;
  std::map<std::string, std::shared_ptr<Counters>> counters_;  // every notifier since open

  std::mutex lifecycle_mutex_;  // start, stop and reconfigure, one at a time
  bool running_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<int> cycle_yields_{0};  // live CycleYield objects
  WakeSignal router_wake_;
  std::thread router_thread_;
};

}  // namespace slamon::delivery
