// Outbox: the delivery worker's side of the events outbox (SPEC §9.3; tables in
// store/schema.cpp, v4). It routes committed events to notifiers (alert rules and incident
// correlation, in one transaction per batch), hands each notifier its due deliveries in order
// per breach, records every attempt's outcome, and answers the dead-letter list and the
// outbox gauges. It works on its own SQLite connections to the store's database file (WAL lets
// them run beside the engine's), so delivery never holds nor waits on the engine's connection.
// Everything it knows is in the database, so a restart resumes where it stopped.
// Thread-safe: writes are serialized on one connection, reads on a second one.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "notify/notifier.h"
#include "routing/routing.h"
#include "store/dead_letters.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace slamon::delivery {

// The alert rules as the router uses them: the notifier names an event goes to (see
// routing::EventRouter::notifiers_for and select_with in delivery_service.h).
using NotifierSelector = std::function<std::vector<std::string>(const nlohmann::json& event)>;

struct RouteStats {
  int events = 0;      // outbox events routed, incident events included
  int incidents = 0;   // incident events the correlator added to the outbox
  int deliveries = 0;  // pending deliveries created
  bool more = false;   // the batch was full: more events may be waiting
};

// A pending delivery that may be attempted now.
struct DueDelivery {
  std::string id;
  long long event_sequence = 0;
  int attempts = 0;  // made so far
  // Where the notifier's max_age counts from: the event's occurred_at, or the time a dead
  // letter was retried by hand when that is later.
  WallTime age_from{};
  notify::Notification notification;
};

enum class DeliveryState { pending, delivered, dead };

// What an attempt leaves behind.
struct AttemptOutcome {
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;            // including this one
  WallTime next_attempt_at{};  // pending only
  std::string last_error;      // pending and dead; never a URL or secret
};

class Outbox {
 public:
  // Opens `database_path`, which Store::open must have created (schema v4 or later).
  static Result<std::unique_ptr<Outbox>> open(const std::string& database_path);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // One routing step, in one transaction: up to `limit` events not yet routed, in sequence
  // order, each given a pending delivery per notifier `select` names (names not in
  // `notifiers` are dropped with a warning) and fed to `correlator` (may be null), whose
  // incident events are added to the outbox and routed too; then correlator->tick(now), and
  // its state saved. An event that goes nowhere is finished at once (delivered_at). On failure
  // nothing is written and the correlator is put back as it was.
  Result<RouteStats> route(WallTime now, const NotifierSelector& select,
                           routing::Correlator* correlator, const std::set<std::string>& notifiers,
                           int limit);
  // The correlator state saved by the last routing step, if any.
  Result<std::optional<nlohmann::json>> correlator_state();

  // Pending deliveries of `notifier` whose time has come, in sequence order, leaving out any
  // with an earlier pending delivery of the same breach (or incident) for that notifier.
  Result<std::vector<DueDelivery>> due(const std::string& notifier, WallTime now, int limit);
  // The earliest next_attempt_at among the deliveries due() could return, if any.
  Result<std::optional<WallTime>> next_attempt_at(const std::string& notifier);
  // Records an attempt. When the delivery is finished and it was its event's last pending one,
  // the event is finished too.
  Status record(const DueDelivery& delivery, const AttemptOutcome& outcome, WallTime now);
  // Records several attempts in one transaction (a lane's pass): all or none.
  struct RecordedAttempt {
    const DueDelivery* delivery = nullptr;
    AttemptOutcome outcome;
    WallTime at{};
  };
  Status record_all(std::span<const RecordedAttempt> attempts);

  // Turns the pending deliveries of notifiers not in `notifiers` into dead letters ("notifier
  // no longer configured"). Returns how many.
  Result<long long> abandon_unconfigured(const std::set<std::string>& notifiers, WallTime now);

  // Pending deliveries plus events not yet routed.
  Result<long long> pending_count();
  // The occurred_at of the oldest event not finished (not routed, or with a pending delivery).
  Result<std::optional<WallTime>> oldest_pending_occurred_at();

  // Dead letters of `org`, newest first.
  Result<DeadLetterPage> dead_letters(const std::string& org, int limit, int offset);
  Result<std::optional<DeadLetter>> dead_letter(const std::string& org, const std::string& id);
  // Puts a dead letter of `org` back to pending, due at `now`, with attempts reset to 0 and
  // its max_age counted from `now`. not_found: no dead letter with that id in that org.
  WriteResult<DeadLetter> retry_dead_letter(const std::string& org, const std::string& id,
                                            WallTime now);

 private:
  Outbox(sqlite::Connection writer, sqlite::Connection reader);
  Status record_locked(const DueDelivery& delivery, const AttemptOutcome& outcome, WallTime now);
  Result<RouteStats> route_locked(WallTime now, const NotifierSelector& select,
                                  routing::Correlator* correlator,
                                  const std::set<std::string>& notifiers, int limit);

  std::mutex write_mutex_;
  sqlite::Connection writer_;
  std::mutex read_mutex_;
  sqlite::Connection reader_;
};

}  // namespace slamon::delivery
