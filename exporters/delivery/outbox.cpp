#include "delivery/outbox.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>

#include "common/log.h"
#include "common/time_format.h"
#include "common/uuid.h"
#include "store/database.h"
#include "store/schema.h"

namespace slamon::delivery {
namespace {

using nlohmann::json;

constexpr int kFirstDeliverySchema = 4;

long long to_millis(WallTime t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

WallTime from_millis(long long ms) {
  return WallTime{std::chrono::milliseconds{ms}};
}

std::unexpected<Error> in_context(std::string_view context, const Error& error) {
  return fail(std::string(context) + ": " + error.message);
}

json parse_payload(const std::string& payload) {
  json parsed = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json() : parsed;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string string_field(const json& object, const char* key, std::string fallback = {}) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

// The key deliveries are ordered by: an incident event names its incident (`incident.id`, or
// `incident_id`); without either it stands alone.
std::string incident_ordering_key(const json& event, const std::string& event_id) {
  if (event.is_object()) {
    if (auto incident = event.find("incident"); incident != event.end()) {
      std::string id = string_field(*incident, "id");
      if (!id.empty()) return id;
    }
  }
  std::string id = string_field(event, "incident_id");
  return id.empty() ? event_id : id;
}

Result<sqlite::Connection> open_connection(const std::string& path) {
  // synchronous=NORMAL: in WAL mode a power loss may undo this connection's last commits,
  // never corrupt them. Undone delivery bookkeeping means a notification is sent again, which
  // at-least-once delivery allows, and it saves an fsync per attempt. The store switches the
  // file to WAL; this connection only requires it.
  auto connection = open_database(path, {.identity = DatabaseOptions::Identity::slamon_or_new,
                                         .journal = DatabaseOptions::Journal::require_wal,
                                         .synchronous = DatabaseOptions::Synchronous::normal,
                                         .foreign_keys = true});
  if (!connection) return std::unexpected(connection.error());
  auto version = store_schema::schema_version(*connection);
  if (!version) return in_context("database '" + path + "'", version.error());
  if (*version < kFirstDeliverySchema) {
    return fail("database '" + path +
                "' has no delivery tables (schema version 4); open it with the store first");
  }
  return std::move(*connection);
}

std::string_view state_name(DeliveryState state) {
  switch (state) {
    case DeliveryState::pending:
      return "pending";
    case DeliveryState::delivered:
      return "delivered";
    case DeliveryState::dead:
      return "dead";
  }
  return "pending";
}

// Finishes an event whose deliveries are all delivered or dead.
Status finish_event_if_done(sqlite::Connection& connection, long long sequence, WallTime now) {
  auto finish = connection.prepare(
      "finish event",
      "UPDATE events SET delivered_at = ?1 WHERE sequence = ?2 AND delivered_at IS NULL AND "
      "NOT EXISTS (SELECT 1 FROM deliveries WHERE event_sequence = ?2 AND state = 'pending')");
  if (!finish) return std::unexpected(finish.error());
  return finish->bind_int64(1, to_millis(now)).bind_int64(2, sequence).run();
}

constexpr std::string_view kDeadLetterColumns =
    "d.id, e.id, e.type, d.notifier, d.attempts, coalesce(d.last_error, ''), e.occurred_at, "
    "coalesce(d.finished_at, d.updated_at), e.payload";

DeadLetter read_dead_letter(const sqlite::Statement& row) {
  return DeadLetter{
      .id = row.column_text(0),
      .event_id = row.column_text(1),
      .event_type = row.column_text(2),
      .notifier = row.column_text(3),
      .attempts = static_cast<int>(row.column_int64(4)),
      .last_error = row.column_text(5),
      .occurred_at = from_millis(row.column_int64(6)),
      .failed_at = from_millis(row.column_int64(7)),
      .event = parse_payload(row.column_text(8)),
  };
}

// The SQL condition "no earlier delivery of the same key is pending for this notifier", for a
// query over `deliveries AS d`.
constexpr std::string_view kHeadOfItsKey =
    "NOT EXISTS (SELECT 1 FROM deliveries AS p WHERE p.notifier = d.notifier AND "
    "p.ordering_key = d.ordering_key AND p.state = 'pending' AND "
    "p.event_sequence < d.event_sequence)";

// One routing transaction's statements and bookkeeping.
class RoutingPass {
 public:
  RoutingPass(sqlite::Connection& connection, WallTime now, const NotifierSelector& select,
              const std::set<std::string>& notifiers)
      : connection_(connection), now_(now), select_(select), notifiers_(notifiers) {}

  Status prepare() {
    auto insert_delivery = connection_.prepare(
        "insert delivery",
        "INSERT INTO deliveries (id, event_sequence, notifier, org, ordering_key, state, "
        "attempts, next_attempt_at, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?6)");
    if (!insert_delivery) return std::unexpected(insert_delivery.error());
    insert_delivery_.emplace(std::move(*insert_delivery));
    auto mark_routed = connection_.prepare(
        "mark event routed",
        "UPDATE events SET routed_at = ?1, "
        "delivered_at = CASE WHEN ?2 THEN ?1 ELSE delivered_at END WHERE sequence = ?3");
    if (!mark_routed) return std::unexpected(mark_routed.error());
    mark_routed_.emplace(std::move(*mark_routed));
    auto insert_event = connection_.prepare(
        "insert incident event",
        "INSERT INTO events (id, type, priority, org_id, breach_id, occurred_at, payload, "
        "routed_at, delivered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
        "RETURNING sequence");
    if (!insert_event) return std::unexpected(insert_event.error());
    insert_event_.emplace(std::move(*insert_event));
    return {};
  }

  // The configured notifiers `event` goes to, each once.
  std::vector<std::string> notifiers_for(const json& event) {
    std::vector<std::string> out;
    if (!select_ || event.is_null()) return out;
    for (std::string& name : select_(event)) {
      if (!notifiers_.contains(name)) {
        ++dropped_[name];
        continue;
      }
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return out;
  }

  Status add_deliveries(long long sequence, const std::string& org, const std::string& key,
                        const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      insert_delivery_->reset();
      insert_delivery_->bind_text(1, uuid_v4())
          .bind_int64(2, sequence)
          .bind_text(3, name)
          .bind_text(4, org)
          .bind_text(5, key)
          .bind_int64(6, to_millis(now_));
      if (auto done = insert_delivery_->run(); !done) return done;
      ++stats.deliveries;
    }
    return {};
  }

  Status route_stored(long long sequence, const std::string& event_id, const std::string& org,
                      const std::string& breach_id, const json& event) {
    const std::vector<std::string> names = notifiers_for(event);
    const std::string key = breach_id.empty() ? event_id : breach_id;
    if (auto added = add_deliveries(sequence, org, key, names); !added) return added;
    mark_routed_->reset();
    mark_routed_->bind_int64(1, to_millis(now_))
        .bind_int64(2, names.empty() ? 1 : 0)
        .bind_int64(3, sequence);
    if (auto marked = mark_routed_->run(); !marked) return marked;
    ++stats.events;
    return {};
  }

  // Adds an incident event from the correlator to the outbox, routed at once. The correlator
  // must give it an id; one without gets a fresh one.
  Status add_incident(json incident) {
    if (!incident.is_object()) {
      log::error("correlator produced an incident event that is not a JSON object; dropped");
      return {};
    }
    std::string id = string_field(incident, "id");
    if (id.empty()) {
      id = uuid_v4();
      incident["id"] = id;
    }
    const std::string org = string_field(incident, "org_id");
    const std::string key = incident_ordering_key(incident, id);
    const WallTime occurred_at =
        parse_rfc3339(string_field(incident, "occurred_at")).value_or(now_);
    const std::vector<std::string> names = notifiers_for(incident);
    insert_event_->reset();
    insert_event_->bind_text(1, id)
        .bind_text(2, string_field(incident, "type"))
        .bind_text(3, string_field(incident, "priority", "NORMAL"))
        .bind_text(4, org)
        .bind_text(5, key)
        .bind_int64(6, to_millis(occurred_at))
        .bind_text(7, dump(incident))
        .bind_int64(8, to_millis(now_))
        .bind_optional_int64(9, names.empty() ? std::optional(to_millis(now_)) : std::nullopt);
    auto row = insert_event_->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return fail("insert incident event: no sequence returned");
    const long long sequence = insert_event_->column_int64(0);
    insert_event_->reset();
    if (auto added = add_deliveries(sequence, org, key, names); !added) return added;
    ++stats.events;
    ++stats.incidents;
    return {};
  }

  void log_dropped() const {
    for (const auto& [name, count] : dropped_) {
      log::warn("alert rule names a notifier that is not configured; skipped",
                {{"notifier", name}, {"events", static_cast<long long>(count)}});
    }
  }

  RouteStats stats;

 private:
  sqlite::Connection& connection_;
  WallTime now_;
  const NotifierSelector& select_;
  const std::set<std::string>& notifiers_;
  std::optional<sqlite::Statement> insert_delivery_;
  std::optional<sqlite::Statement> mark_routed_;
  std::optional<sqlite::Statement> insert_event_;
  std::map<std::string, long long> dropped_;
};

struct UnroutedEvent {
  long long sequence = 0;
  std::string id;
  std::string org;
  std::string breach_id;
  std::string payload;
};

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& database_path) {
  std::error_code error;
  if (database_path == ":memory:" || !std::filesystem::is_regular_file(database_path, error)) {
    return fail("database '" + database_path +
                "' does not exist; the delivery worker opens the store's database file");
  }
  auto writer = open_connection(database_path);
  if (!writer) return std::unexpected(writer.error());
  auto reader = open_connection(database_path);
  if (!reader) return std::unexpected(reader.error());
  return std::unique_ptr<Outbox>(new Outbox(std::move(*writer), std::move(*reader)));
}

Outbox::Outbox(sqlite::Connection writer, sqlite::Connection reader)
    : writer_(std::move(writer)), reader_(std::move(reader)) {}

Outbox::~Outbox() = default;

Result<RouteStats> Outbox::route(WallTime now, const NotifierSelector& select,
                                 routing::Correlator* correlator,
                                 const std::set<std::string>& notifiers, int limit) {
  std::lock_guard lock(write_mutex_);
  // An idle pass writes nothing: no transaction unless there is an event or a tick to handle.
  auto unrouted = writer_.query_int64(
      "look for unrouted events", "SELECT EXISTS (SELECT 1 FROM events WHERE routed_at IS NULL)");
  if (!unrouted) return in_context("route outbox events", unrouted.error());
  const auto tick_at = correlator != nullptr ? correlator->next_due() : std::nullopt;
  if (*unrouted == 0 && !(tick_at && *tick_at <= now)) return RouteStats{};

  std::optional<json> before;
  if (correlator != nullptr) before = correlator->save();
  auto routed = route_locked(now, select, correlator, notifiers, limit);
  if (!routed && correlator != nullptr) {
    // The correlator saw events whose routing was rolled back; it sees them again next time.
    if (auto restored = correlator->restore(*before); !restored) {
      log::error("cannot restore the incident correlator after a failed routing step",
                 {{"error", restored.error().message}});
    }
  }
  return routed;
}

Result<RouteStats> Outbox::route_locked(WallTime now, const NotifierSelector& select,
                                        routing::Correlator* correlator,
                                        const std::set<std::string>& notifiers, int limit) {
  constexpr std::string_view kContext = "route outbox events";
  auto transaction = sqlite::Transaction::begin(writer_);
  if (!transaction) return in_context(kContext, transaction.error());

  std::vector<UnroutedEvent> batch;
  {
    auto read = writer_.prepare("read unrouted events",
                                "SELECT sequence, id, org_id, coalesce(breach_id, ''), payload "
                                "FROM events WHERE routed_at IS NULL ORDER BY sequence LIMIT ?");
    if (!read) return in_context(kContext, read.error());
    read->bind_int64(1, std::max(1, limit));
    for (;;) {
      auto row = read->step();
      if (!row) return in_context(kContext, row.error());
      if (!*row) break;
      batch.push_back(UnroutedEvent{.sequence = read->column_int64(0),
                                    .id = read->column_text(1),
                                    .org = read->column_text(2),
                                    .breach_id = read->column_text(3),
                                    .payload = read->column_text(4)});
    }
  }

  RoutingPass pass(writer_, now, select, notifiers);
  if (auto prepared = pass.prepare(); !prepared) return in_context(kContext, prepared.error());
  for (const UnroutedEvent& stored : batch) {
    const json event = parse_payload(stored.payload);
    if (event.is_null()) {
      log::error("outbox event is not valid JSON; it is sent nowhere",
                 {{"event_id", stored.id}, {"sequence", stored.sequence}});
    }
    if (auto routed =
            pass.route_stored(stored.sequence, stored.id, stored.org, stored.breach_id, event);
        !routed) {
      return in_context(std::string(kContext) + ": event '" + stored.id + "'", routed.error());
    }
    if (correlator == nullptr || event.is_null()) continue;
    for (json& incident : correlator->observe(event, now)) {
      if (auto added = pass.add_incident(std::move(incident)); !added) {
        return in_context(kContext, added.error());
      }
    }
  }
  if (correlator != nullptr) {
    for (json& incident : correlator->tick(now)) {
      if (auto added = pass.add_incident(std::move(incident)); !added) {
        return in_context(kContext, added.error());
      }
    }
    auto save = writer_.prepare("save correlator state",
                                "INSERT INTO correlator_state (id, state, saved_at) "
                                "VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET "
                                "state = excluded.state, saved_at = excluded.saved_at");
    if (!save) return in_context(kContext, save.error());
    save->bind_text(1, dump(correlator->save())).bind_int64(2, to_millis(now));
    if (auto saved = save->run(); !saved) return in_context(kContext, saved.error());
  }
  if (auto committed = transaction->commit(); !committed) {
    return in_context(kContext, committed.error());
  }
  pass.log_dropped();
  pass.stats.more = static_cast<int>(batch.size()) >= std::max(1, limit);
  return pass.stats;
}

Result<std::optional<json>> Outbox::correlator_state() {
  std::lock_guard lock(read_mutex_);
  auto read =
      reader_.prepare("read correlator state", "SELECT state FROM correlator_state WHERE id = 1");
  if (!read) return std::unexpected(read.error());
  auto row = read->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<json>{};
  json state = json::parse(read->column_text(0), nullptr, false);
  if (state.is_discarded()) return fail("read correlator state: the saved state is not JSON");
  return std::optional<json>{std::move(state)};
}

Result<std::vector<DueDelivery>> Outbox::due(const std::string& notifier, WallTime now, int limit) {
  std::lock_guard lock(read_mutex_);
  auto read = reader_.prepare(
      "read due deliveries",
      "SELECT d.id, d.event_sequence, d.attempts, "
      "max(e.occurred_at, coalesce(d.retried_at, e.occurred_at)), e.id, e.type, e.payload "
      "FROM deliveries AS d JOIN events AS e ON e.sequence = d.event_sequence "
      "WHERE d.notifier = ?1 AND d.state = 'pending' AND d.next_attempt_at <= ?2 AND " +
          std::string(kHeadOfItsKey) + " ORDER BY d.event_sequence LIMIT ?3");
  if (!read) return std::unexpected(read.error());
  read->bind_text(1, notifier).bind_int64(2, to_millis(now)).bind_int64(3, std::max(1, limit));
  std::vector<DueDelivery> out;
  for (;;) {
    auto row = read->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    DueDelivery due{.id = read->column_text(0),
                    .event_sequence = read->column_int64(1),
                    .attempts = static_cast<int>(read->column_int64(2)),
                    .age_from = from_millis(read->column_int64(3)),
                    .notification = {}};
    due.notification.event_id = read->column_text(4);
    due.notification.type = read->column_text(5);
    due.notification.payload = read->column_text(6);
    due.notification.event = parse_payload(due.notification.payload);
    out.push_back(std::move(due));
  }
}

Result<std::optional<WallTime>> Outbox::next_attempt_at(const std::string& notifier) {
  std::lock_guard lock(read_mutex_);
  auto read = reader_.prepare("read next attempt time",
                              "SELECT min(d.next_attempt_at) FROM deliveries AS d "
                              "WHERE d.notifier = ?1 AND d.state = 'pending' AND " +
                                  std::string(kHeadOfItsKey));
  if (!read) return std::unexpected(read.error());
  read->bind_text(1, notifier);
  auto row = read->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || read->column_is_null(0)) return std::optional<WallTime>{};
  return std::optional<WallTime>{from_millis(read->column_int64(0))};
}

Status Outbox::record(const DueDelivery& delivery, const AttemptOutcome& outcome, WallTime now) {
  const RecordedAttempt attempt{&delivery, outcome, now};
  return record_all(std::span(&attempt, 1));
}

Status Outbox::record_all(std::span<const RecordedAttempt> attempts) {
  constexpr std::string_view kContext = "record delivery attempts";
  if (attempts.empty()) return {};
  std::lock_guard lock(write_mutex_);
  auto transaction = sqlite::Transaction::begin(writer_);
  if (!transaction) return in_context(kContext, transaction.error());
  for (const RecordedAttempt& attempt : attempts) {
    if (auto recorded = record_locked(*attempt.delivery, attempt.outcome, attempt.at); !recorded) {
      return recorded;
    }
  }
  if (auto committed = transaction->commit(); !committed) {
    return in_context(kContext, committed.error());
  }
  return {};
}

Status Outbox::record_locked(const DueDelivery& delivery, const AttemptOutcome& outcome,
                             WallTime now) {
  constexpr std::string_view kContext = "record delivery attempt";
  const bool finished = outcome.state != DeliveryState::pending;
  auto update = writer_.prepare(
      kContext,
      "UPDATE deliveries SET state = ?1, attempts = ?2, next_attempt_at = ?3, "
      "last_error = CASE WHEN ?4 IS NULL THEN last_error ELSE ?4 END, updated_at = ?5, "
      "finished_at = ?6 WHERE id = ?7 AND state = 'pending'");
  if (!update) return in_context(kContext, update.error());
  update->bind_text(1, state_name(outcome.state))
      .bind_int64(2, outcome.attempts)
      .bind_int64(3, to_millis(finished ? now : outcome.next_attempt_at))
      .bind_optional_text(4, outcome.state == DeliveryState::delivered
                                 ? std::nullopt
                                 : std::optional<std::string>(outcome.last_error))
      .bind_int64(5, to_millis(now))
      .bind_optional_int64(6, finished ? std::optional(to_millis(now)) : std::nullopt)
      .bind_text(7, delivery.id);
  if (auto updated = update->run(); !updated) return in_context(kContext, updated.error());
  if (finished) {
    if (auto done = finish_event_if_done(writer_, delivery.event_sequence, now); !done) {
      return in_context(kContext, done.error());
    }
  }
  return {};
}

Result<long long> Outbox::abandon_unconfigured(const std::set<std::string>& notifiers,
                                               WallTime now) {
  constexpr std::string_view kContext = "abandon deliveries of removed notifiers";
  std::lock_guard lock(write_mutex_);
  auto transaction = sqlite::Transaction::begin(writer_);
  if (!transaction) return in_context(kContext, transaction.error());
  std::vector<std::string> removed;
  {
    auto names = writer_.prepare(
        kContext, "SELECT DISTINCT notifier FROM deliveries WHERE state = 'pending'");
    if (!names) return in_context(kContext, names.error());
    for (;;) {
      auto row = names->step();
      if (!row) return in_context(kContext, row.error());
      if (!*row) break;
      std::string name = names->column_text(0);
      if (!notifiers.contains(name)) removed.push_back(std::move(name));
    }
  }
  long long abandoned = 0;
  for (const std::string& name : removed) {
    std::vector<long long> sequences;
    auto update = writer_.prepare(
        kContext,
        "UPDATE deliveries SET state = 'dead', last_error = 'notifier no longer configured', "
        "updated_at = ?1, finished_at = ?1 WHERE notifier = ?2 AND state = 'pending' "
        "RETURNING event_sequence");
    if (!update) return in_context(kContext, update.error());
    update->bind_int64(1, to_millis(now)).bind_text(2, name);
    for (;;) {
      auto row = update->step();
      if (!row) return in_context(kContext, row.error());
      if (!*row) break;
      sequences.push_back(update->column_int64(0));
    }
    for (long long sequence : sequences) {
      if (auto done = finish_event_if_done(writer_, sequence, now); !done) {
        return in_context(kContext, done.error());
      }
    }
    abandoned += static_cast<long long>(sequences.size());
    log::warn("notifier is no longer configured; its pending deliveries are now dead letters",
              {{"notifier", name}, {"deliveries", static_cast<long long>(sequences.size())}});
  }
  if (auto committed = transaction->commit(); !committed) {
    return in_context(kContext, committed.error());
  }
  return abandoned;
}

Result<long long> Outbox::pending_count() {
  std::lock_guard lock(read_mutex_);
  return reader_.query_int64("count pending deliveries",
                             "SELECT (SELECT count(*) FROM deliveries WHERE state = 'pending') + "
                             "(SELECT count(*) FROM events WHERE routed_at IS NULL)");
}

Result<std::optional<WallTime>> Outbox::oldest_pending_occurred_at() {
  std::lock_guard lock(read_mutex_);
  auto read = reader_.prepare("read oldest pending event",
                              "SELECT min(occurred_at) FROM events WHERE delivered_at IS NULL");
  if (!read) return std::unexpected(read.error());
  auto row = read->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || read->column_is_null(0)) return std::optional<WallTime>{};
  return std::optional<WallTime>{from_millis(read->column_int64(0))};
}

Result<DeadLetterPage> Outbox::dead_letters(const std::string& org, int limit, int offset) {
  if (limit < 0 || offset < 0) return fail("read dead letters: limit and offset must be >= 0");
  std::lock_guard lock(read_mutex_);
  DeadLetterPage page;
  auto read =
      reader_.prepare("read dead letters", "SELECT " + std::string(kDeadLetterColumns) +
                                               " FROM deliveries AS d JOIN events AS e ON "
                                               "e.sequence = d.event_sequence WHERE d.org = ?1 AND "
                                               "d.state = 'dead' ORDER BY d.finished_at DESC, d.id "
                                               "LIMIT ?2 OFFSET ?3");
  if (!read) return std::unexpected(read.error());
  read->bind_text(1, org).bind_int64(2, limit).bind_int64(3, offset);
  for (;;) {
    auto row = read->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    page.items.push_back(read_dead_letter(*read));
  }
  auto count = reader_.prepare("count dead letters",
                               "SELECT count(*) FROM deliveries WHERE org = ? AND state = 'dead'");
  if (!count) return std::unexpected(count.error());
  count->bind_text(1, org);
  auto row = count->step();
  if (!row) return std::unexpected(row.error());
  page.total = *row ? count->column_int64(0) : 0;
  return page;
}

Result<std::optional<DeadLetter>> Outbox::dead_letter(const std::string& org,
                                                      const std::string& id) {
  std::lock_guard lock(read_mutex_);
  auto read =
      reader_.prepare("read dead letter", "SELECT " + std::string(kDeadLetterColumns) +
                                              " FROM deliveries AS d JOIN events AS e ON "
                                              "e.sequence = d.event_sequence WHERE d.id = ?1 AND "
                                              "d.org = ?2 AND d.state = 'dead'");
  if (!read) return std::unexpected(read.error());
  read->bind_text(1, id).bind_text(2, org);
  auto row = read->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<DeadLetter>{};
  return std::optional<DeadLetter>{read_dead_letter(*read)};
}

WriteResult<DeadLetter> Outbox::retry_dead_letter(const std::string& org, const std::string& id,
                                                  WallTime now) {
  constexpr std::string_view kContext = "retry dead letter";
  auto storage = [&](const Error& error) {
    return std::unexpected(
        WriteError{WriteFailure::storage, std::string(kContext) + ": " + error.message});
  };
  auto found = dead_letter(org, id);
  if (!found) return storage(found.error());
  if (!*found) {
    return std::unexpected(WriteError{WriteFailure::not_found, "no such dead letter"});
  }
  std::lock_guard lock(write_mutex_);
  auto transaction = sqlite::Transaction::begin(writer_);
  if (!transaction) return storage(transaction.error());
  auto update = writer_.prepare(
      kContext,
      "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?1, "
      "retried_at = ?1, updated_at = ?1, finished_at = NULL "
      "WHERE id = ?2 AND org = ?3 AND state = 'dead' RETURNING event_sequence");
  if (!update) return storage(update.error());
  update->bind_int64(1, to_millis(now)).bind_text(2, id).bind_text(3, org);
  auto row = update->step();
  if (!row) return storage(row.error());
  if (!*row) {  // retried or changed since it was read
    return std::unexpected(WriteError{WriteFailure::not_found, "no such dead letter"});
  }
  const long long sequence = update->column_int64(0);
  update->reset();
  auto reopen =
      writer_.prepare(kContext, "UPDATE events SET delivered_at = NULL WHERE sequence = ?");
  if (!reopen) return storage(reopen.error());
  if (auto done = reopen->bind_int64(1, sequence).run(); !done) return storage(done.error());
  if (auto committed = transaction->commit(); !committed) return storage(committed.error());
  return std::move(**found);
}

}  // namespace slamon::delivery
