#include "delivery/delivery_service.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <utility>

#include "common/duration.h"
#include "common/log.h"
#include "notify/factory.h"

namespace slamon::delivery {

using std::chrono::milliseconds;

struct DeliveryService::Counters {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> retried{0};
  std::atomic<std::uint64_t> dead{0};
};

struct DeliveryService::Lane {
  Lane(const NotifierBinding& binding, const DeliveryPolicy& policy,
       std::shared_ptr<Counters> counts)
      : name(binding.config.name),
        counters(std::move(counts)),
        bucket(notify::effective_rate_limit(binding.config)),
        breaker(policy.breaker_threshold, policy.breaker_cooldown, policy.breaker_max_cooldown) {
    configure(binding);
  }

  void configure(const NotifierBinding& binding) {
    std::lock_guard lock(settings_mutex);
    notifier = binding.notifier;
    rate_limit = notify::effective_rate_limit(binding.config);
    max_age = binding.config.max_age;
  }

  const std::string name;
  const std::shared_ptr<Counters> counters;
  WakeSignal wake;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::atomic<CircuitBreaker::State> circuit{CircuitBreaker::State::closed};
  // Until when the receiver's Retry-After holds the whole lane; the epoch when it never did.
  // Written under pass_mutex, read without it by paused_until() (a send may hold the lock).
  std::atomic<WallTime> paused_until{WallTime{}};

  std::mutex settings_mutex;  // guards the three settings below (replaced on reload)
  std::shared_ptr<notify::Notifier> notifier;
  double rate_limit = 10;
  milliseconds max_age{std::chrono::hours(24)};

  std::mutex pass_mutex;  // one pass at a time; guards bucket and breaker
  TokenBucket bucket;
  CircuitBreaker breaker;
};

namespace {

notify::DeliveryResult attempt(notify::Notifier& notifier, const notify::Notification& notification,
                               WallTime now) {
  try {
    return notifier.send(notification, now);
  } catch (const std::exception&) {
    // A notifier reports failures as results; an exception is a bug in it. Its message is not
    // logged since it might quote the endpoint.
    log::error("notifier raised an exception; the attempt counts as failed",
               {{"notifier", notifier.name()}, {"event_id", notification.event_id}});
    return notify::DeliveryResult{notify::DeliveryOutcome::retry, std::nullopt,
                                  "internal error in the notifier"};
  }
}

std::string_view outcome_name(DeliveryState state) {
  switch (state) {
    case DeliveryState::pending:
      return "retry";
    case DeliveryState::delivered:
      return "delivered";
    case DeliveryState::dead:
      return "dead";
  }
  return "";
}

}  // namespace

// ---- construction and lifecycle ---------------------------------------------------------

Result<std::unique_ptr<DeliveryService>> DeliveryService::open(const std::string& database_path,
                                                               Clock& clock, DeliverySetup setup,
                                                               DeliveryPolicy policy) {
  auto outbox = Outbox::open(database_path);
  if (!outbox) return std::unexpected(outbox.error());
  std::unique_ptr<DeliveryService> service(
      new DeliveryService(clock, std::move(policy), std::move(*outbox)));
  service->apply(std::move(setup), /*restore_from_database=*/true);
  return service;
}

DeliveryService::DeliveryService(Clock& clock, DeliveryPolicy policy,
                                 std::unique_ptr<Outbox> outbox)
    : clock_(clock),
      policy_(std::move(policy)),
      jitter_(policy_.jitter ? policy_.jitter : random_jitter()),
      outbox_(std::move(outbox)) {}

DeliveryService::~DeliveryService() {
  stop();
}

void DeliveryService::start() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  router_thread_ = std::thread([this] { router_loop(); });
  std::lock_guard lock(lanes_mutex_);
  for (auto& [name, lane] : lanes_) start_lane(lane);
}

void DeliveryService::start_lane(const std::shared_ptr<Lane>& lane) {
  lane->stopping = false;
  lane->thread = std::thread([this, lane] { lane_loop(*lane); });
}

void DeliveryService::stop() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (!running_) return;
  stopping_ = true;
  router_wake_.raise();
  std::vector<std::shared_ptr<Lane>> lanes;
  {
    std::lock_guard lock(lanes_mutex_);
    for (auto& [name, lane] : lanes_) {
      lane->stopping = true;
      lane->wake.raise();
      lanes.push_back(lane);
    }
  }
  if (router_thread_.joinable()) router_thread_.join();
  for (auto& lane : lanes) {
    if (lane->thread.joinable()) lane->thread.join();
  }
  running_ = false;
}

void DeliveryService::wake() {
  router_wake_.raise();
}

DeliveryService::CycleYield::CycleYield(DeliveryService& service) : service_(service) {
  ++service_.cycle_yields_;
}

DeliveryService::CycleYield::~CycleYield() {
  if (--service_.cycle_yields_ == 0) {
    service_.router_wake_.raise();
    service_.wake_lanes();
  }
}

void DeliveryService::wake_lanes() {
  std::lock_guard lock(lanes_mutex_);
  for (auto& [name, lane] : lanes_) lane->wake.raise();
}

void DeliveryService::reconfigure(DeliverySetup setup) {
  std::lock_guard lifecycle(lifecycle_mutex_);
  apply(std::move(setup), /*restore_from_database=*/false);
  router_wake_.raise();
}

void DeliveryService::apply(DeliverySetup setup, bool restore_from_database) {
  std::set<std::string> names;
  for (const NotifierBinding& binding : setup.notifiers) {
    if (!binding.notifier) {
      throw std::invalid_argument("notifier '" + binding.config.name + "' has no implementation");
    }
    names.insert(binding.config.name);
  }

  {
    std::lock_guard lock(router_mutex_);
    std::optional<nlohmann::json> state;
    if (correlator_) {
      state = correlator_->save();
    } else if (restore_from_database) {
      auto saved = outbox_->correlator_state();
      if (!saved) {
        log::error("cannot read the saved incident correlator state; starting empty",
                   {{"error", saved.error().message}});
      } else {
        state = std::move(*saved);
      }
    }
    if (setup.correlator && state) {
      if (auto restored = setup.correlator->restore(*state); !restored) {
        log::error("cannot restore the incident correlator state; starting empty",
                   {{"error", restored.error().message}});
      }
    }
    select_ = std::move(setup.select);
    correlator_ = std::move(setup.correlator);
    notifier_names_ = names;
  }
  {
    std::lock_guard lock(names_mutex_);
    configured_names_ = names;
  }

  std::vector<std::shared_ptr<Lane>> removed;
  {
    std::lock_guard lock(lanes_mutex_);
    for (const NotifierBinding& binding : setup.notifiers) {
      const std::string& name = binding.config.name;
      auto existing = lanes_.find(name);
      if (existing != lanes_.end()) {
        existing->second->configure(binding);
        continue;
      }
      auto& counters = counters_[name];
      if (!counters) counters = std::make_shared<Counters>();
      auto lane = std::make_shared<Lane>(binding, policy_, counters);
      lanes_.emplace(name, lane);
      if (running_) start_lane(lane);
    }
    for (auto it = lanes_.begin(); it != lanes_.end();) {
      if (names.contains(it->first)) {
        ++it;
        continue;
      }
      removed.push_back(it->second);
      it = lanes_.erase(it);
    }
  }
  for (auto& lane : removed) {
    lane->stopping = true;
    lane->wake.raise();
    if (lane->thread.joinable()) lane->thread.join();
  }
  if (auto abandoned = outbox_->abandon_unconfigured(names, clock_.now()); !abandoned) {
    log::error("cannot dead-letter the deliveries of removed notifiers",
               {{"error", abandoned.error().message}});
  }
}

// ---- passes -------------------------------------------------------------------------------

Result<RouteStats> DeliveryService::route_once(WallTime now) {
  Result<RouteStats> stats;
  {
    std::lock_guard lock(router_mutex_);
    stats = outbox_->route(now, select_, correlator_.get(), notifier_names_, policy_.route_batch);
  }
  if (stats && stats->deliveries > 0) wake_lanes();
  return stats;
}

Result<LanePass> DeliveryService::deliver_once(const std::string& notifier, WallTime now) {
  std::shared_ptr<Lane> lane;
  {
    std::lock_guard lock(lanes_mutex_);
    auto found = lanes_.find(notifier);
    if (found == lanes_.end()) return fail("no notifier named '" + notifier + "' is configured");
    lane = found->second;
  }
  return run_pass(
      *lane, [now] { return now; }, nullptr);
}

WallTime DeliveryService::receiver_pause_end(std::optional<milliseconds> retry_after, WallTime done,
                                             milliseconds max_age) const {
  // A Retry-After of 0 (or a date already past) asks for no pause.
  if (!retry_after || *retry_after <= milliseconds::zero()) return done;
  return done + std::min({*retry_after, policy_.retry_after_cap, max_age});
}

AttemptOutcome DeliveryService::decide(const DueDelivery& due, const notify::DeliveryResult& sent,
                                       WallTime done, milliseconds max_age) const {
  AttemptOutcome outcome;
  outcome.attempts = due.attempts + 1;
  switch (sent.outcome) {
    case notify::DeliveryOutcome::delivered:
      outcome.state = DeliveryState::delivered;
      break;
    case notify::DeliveryOutcome::dead:
      outcome.state = DeliveryState::dead;
      outcome.last_error = sent.detail.empty() ? "refused by the receiver" : sent.detail;
      break;
    case notify::DeliveryOutcome::retry: {
      const std::string detail = sent.detail.empty() ? "failed" : sent.detail;
      if (done - due.age_from >= max_age) {
        outcome.state = DeliveryState::dead;
        outcome.last_error = "gave up after " + format_duration(max_age) + ": " + detail;
      } else {
        outcome.state = DeliveryState::pending;
        outcome.next_attempt_at =
            done + retry_delay(policy_, jitter_, outcome.attempts, sent.retry_after);
        outcome.last_error = detail;
      }
      break;
    }
  }
  return outcome;
}

Result<LanePass> DeliveryService::run_pass(Lane& lane, const std::function<WallTime()>& now_of,
                                           const std::atomic<bool>* stop) {
  std::lock_guard pass_lock(lane.pass_mutex);
  std::shared_ptr<notify::Notifier> notifier;
  milliseconds max_age{};
  {
    std::lock_guard lock(lane.settings_mutex);
    notifier = lane.notifier;
    max_age = lane.max_age;
    lane.bucket.set_rate(lane.rate_limit);
  }

  LanePass pass;
  WallTime now = now_of();
  if (cycle_yields_.load() > 0) {  // woken when the cycle ends
    pass.resume_at = now + policy_.poll_interval;
    return pass;
  }
  if (const WallTime until = lane.paused_until.load(); now < until) {
    pass.resume_at = until;
    return pass;
  }
  if (auto until = lane.breaker.blocked_until(); until && now < *until) {
    pass.resume_at = until;
    return pass;
  }
  // While the circuit is not closed only one attempt, the probe, may go.
  // Reading more than the rate limit lets go now would only parse events to put them back.
  const int limit = lane.breaker.state() == CircuitBreaker::State::closed
                        ? std::clamp(lane.bucket.available(now), 1, policy_.delivery_batch)
                        : 1;
  auto due = outbox_->due(lane.name, now, limit);
  if (!due) return std::unexpected(due.error());

  // Outcomes are written together (one transaction, not one per attempt) so a busy lane does
  // not contend with the evaluation cycle for the database. They are flushed at least every
  // kRecordEvery, so a crash re-sends (same event id) at most that much.
  constexpr auto kRecordEvery = std::chrono::milliseconds(250);
  std::vector<Outbox::RecordedAttempt> unrecorded;
  auto first_unrecorded = clock_.monotonic();
  auto flush = [&]() -> Status {
    auto recorded = outbox_->record_all(unrecorded);
    // On failure the deliveries stay as they were and are attempted again: at least once.
    unrecorded.clear();
    return recorded;
  };

  bool finished_batch = true;
  for (const DueDelivery& delivery : *due) {
    if (stop != nullptr && stop->load()) {
      finished_batch = false;
      break;
    }
    if (cycle_yields_.load() > 0) {
      pass.resume_at = now_of() + policy_.poll_interval;
      finished_batch = false;
      break;
    }
    now = now_of();
    if (!lane.breaker.allow(now)) {
      pass.resume_at = lane.breaker.blocked_until();
      finished_batch = false;
      break;
    }
    if (!lane.bucket.try_take(now)) {
      lane.breaker.cancel_probe();
      pass.resume_at = lane.bucket.next_token_at(now);
      finished_batch = false;
      break;
    }

    const notify::DeliveryResult sent = attempt(*notifier, delivery.notification, now);
    const WallTime done = now_of();
    const AttemptOutcome outcome = decide(delivery, sent, done, max_age);
    ++pass.attempts;

    const bool failed = sent.outcome == notify::DeliveryOutcome::retry;
    const WallTime pause_end = failed ? receiver_pause_end(sent.retry_after, done, max_age) : done;
    const bool paused = pause_end > done;
    if (paused && pause_end > lane.paused_until.load()) lane.paused_until = pause_end;
    const bool circuit_opened = failed && lane.breaker.record_failure(done);
    const bool circuit_closed = !failed && lane.breaker.record_success();
    lane.circuit = lane.breaker.state();

    switch (outcome.state) {
      case DeliveryState::delivered:
        ++lane.counters->delivered;
        log::debug("notification delivered", {{"notifier", lane.name},
                                              {"event_id", delivery.notification.event_id},
                                              {"event_type", delivery.notification.type},
                                              {"attempt", outcome.attempts},
                                              {"outcome", outcome_name(outcome.state)}});
        break;
      case DeliveryState::pending:
        ++lane.counters->retried;
        log::info(
            "notification attempt failed; will retry",
            {{"notifier", lane.name},
             {"event_id", delivery.notification.event_id},
             {"attempt", outcome.attempts},
             {"outcome", outcome_name(outcome.state)},
             {"error", outcome.last_error},
             {"retry_in",
              format_duration(std::chrono::ceil<milliseconds>(outcome.next_attempt_at - done))}});
        break;
      case DeliveryState::dead:
        ++lane.counters->dead;
        log::warn("notification dead-lettered", {{"notifier", lane.name},
                                                 {"event_id", delivery.notification.event_id},
                                                 {"attempt", outcome.attempts},
                                                 {"outcome", outcome_name(outcome.state)},
                                                 {"error", outcome.last_error},
                                                 {"dead_letter_id", delivery.id}});
        break;
    }

    if (unrecorded.empty()) first_unrecorded = clock_.monotonic();
    unrecorded.push_back({&delivery, outcome, done});
    if (clock_.monotonic() - first_unrecorded >= kRecordEvery) {
      if (auto recorded = flush(); !recorded) return std::unexpected(recorded.error());
    }
    if (circuit_opened) {
      log::warn("notifier keeps failing; pausing its deliveries",
                {{"notifier", lane.name}, {"pause", format_duration(lane.breaker.cooldown())}});
    }
    if (paused) {
      log::info("receiver asked to wait (Retry-After); pausing the notifier's deliveries",
                {{"notifier", lane.name},
                 {"pause", format_duration(std::chrono::ceil<milliseconds>(pause_end - done))}});
    }
    if (circuit_opened || paused) {
      // Whichever ends later: an attempt may start only when both let it.
      pass.resume_at =
          std::max(lane.paused_until.load(), lane.breaker.blocked_until().value_or(WallTime{}));
      finished_batch = false;
      break;
    }
    if (circuit_closed) {
      log::info("notifier answers again; deliveries resume", {{"notifier", lane.name}});
    }
  }
  if (auto recorded = flush(); !recorded) return std::unexpected(recorded.error());
  pass.more = finished_batch && static_cast<int>(due->size()) >= limit;
  if (pass.more && lane.bucket.available(now_of()) == 0) {
    // The batch was as large as the tokens allowed: more is due, but not before the next one.
    pass.more = false;
    pass.resume_at = lane.bucket.next_token_at(now_of());
  }
  return pass;
}

// ---- threads ------------------------------------------------------------------------------

void DeliveryService::wait(WakeSignal& wake, WallTime deadline) {
  // A poll at least every poll_interval, whatever the deadline: a fallback to raise().
  (void)clock_.wait_until(std::min(deadline, clock_.now() + policy_.poll_interval), wake);
}

void DeliveryService::router_loop() {
  while (!stopping_) {
    const WallTime now = clock_.now();
    WallTime deadline = now + policy_.poll_interval;
    if (cycle_yields_.load() > 0) {  // woken when the cycle ends
      wait(router_wake_, deadline);
      continue;
    }
    try {
      auto stats = route_once(now);
      if (!stats) {
        log::error("routing outbox events failed; retrying", {{"error", stats.error().message}});
      } else if (stats->more) {
        continue;
      }
      std::optional<WallTime> tick_at;
      {
        std::lock_guard lock(router_mutex_);
        if (correlator_) tick_at = correlator_->next_due();
      }
      if (tick_at && *tick_at > now) deadline = std::min(deadline, *tick_at);
    } catch (const std::exception& e) {
      log::error("routing outbox events failed; retrying", {{"error", e.what()}});
    }
    wait(router_wake_, deadline);
  }
}

void DeliveryService::lane_loop(Lane& lane) {
  while (!lane.stopping && !stopping_) {
    WallTime deadline = clock_.now() + policy_.poll_interval;
    try {
      auto pass = run_pass(
          lane, [this] { return clock_.now(); }, &lane.stopping);
      if (!pass) {
        log::error("delivering notifications failed; retrying",
                   {{"notifier", lane.name}, {"error", pass.error().message}});
      } else if (pass->more) {
        continue;
      } else if (pass->resume_at) {
        deadline = std::min(deadline, *pass->resume_at);
      } else if (auto next = outbox_->next_attempt_at(lane.name); next && *next) {
        deadline = std::min(deadline, **next);
      }
    } catch (const std::exception& e) {
      log::error("delivering notifications failed; retrying",
                 {{"notifier", lane.name}, {"error", e.what()}});
    }
    wait(lane.wake, deadline);
  }
}

// ---- visibility ---------------------------------------------------------------------------

std::vector<NotifierCounts> DeliveryService::counts() const {
  std::lock_guard lock(lanes_mutex_);
  std::vector<NotifierCounts> out;
  for (const auto& [name, counters] : counters_) {
    out.push_back(NotifierCounts{.notifier = name,
                                 .delivered = counters->delivered.load(),
                                 .retried = counters->retried.load(),
                                 .dead = counters->dead.load()});
  }
  return out;
}

Result<long long> DeliveryService::pending_count() {
  return outbox_->pending_count();
}

Result<milliseconds> DeliveryService::oldest_pending_age(WallTime now) {
  auto oldest = outbox_->oldest_pending_occurred_at();
  if (!oldest) return std::unexpected(oldest.error());
  if (!*oldest || **oldest >= now) return milliseconds::zero();
  return std::chrono::floor<milliseconds>(now - **oldest);
}

Result<DeadLetterPage> DeliveryService::dead_letters(const std::string& org, int limit,
                                                     int offset) {
  return outbox_->dead_letters(org, limit, offset);
}

Result<std::optional<DeadLetter>> DeliveryService::dead_letter(const std::string& org,
                                                               const std::string& id) {
  return outbox_->dead_letter(org, id);
}

WriteResult<DeadLetter> DeliveryService::retry_dead_letter(const std::string& org,
                                                           const std::string& id, WallTime now) {
  auto letter = outbox_->dead_letter(org, id);
  if (!letter) {
    return std::unexpected(WriteError{WriteFailure::storage, letter.error().message});
  }
  if (!*letter) {
    return std::unexpected(WriteError{WriteFailure::not_found, "no such dead letter"});
  }
  {
    std::lock_guard lock(names_mutex_);
    if (!configured_names_.contains((*letter)->notifier)) {
      return std::unexpected(WriteError{WriteFailure::conflict, "notifier '" + (*letter)->notifier +
                                                                    "' is no longer configured"});
    }
  }
  auto retried = outbox_->retry_dead_letter(org, id, now);
  if (!retried) return retried;
  log::info("dead letter retried", {{"notifier", retried->notifier},
                                    {"event_id", retried->event_id},
                                    {"dead_letter_id", retried->id},
                                    {"attempts_before", retried->attempts}});
  std::lock_guard lock(lanes_mutex_);
  if (auto lane = lanes_.find(retried->notifier); lane != lanes_.end()) {
    lane->second->wake.raise();
  }
  return retried;
}

std::optional<WallTime> DeliveryService::paused_until(const std::string& notifier,
                                                      WallTime now) const {
  std::lock_guard lock(lanes_mutex_);
  auto lane = lanes_.find(notifier);
  if (lane == lanes_.end()) return std::nullopt;
  const WallTime until = lane->second->paused_until.load();
  if (until <= now) return std::nullopt;
  return until;
}

std::optional<CircuitBreaker::State> DeliveryService::circuit_state(
    const std::string& notifier) const {
  std::lock_guard lock(lanes_mutex_);
  auto lane = lanes_.find(notifier);
  if (lane == lanes_.end()) return std::nullopt;
  return lane->second->circuit.load();
}

}  // namespace slamon::delivery
