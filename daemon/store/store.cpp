#include "store/store.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <utility>

#include "model/event_json.h"
#include "model/policy_json.h"
#include "store/columns.h"
#include "store/database.h"
#include "store/schema.h"

namespace slamon {
namespace {

using store_detail::from_millis;
using store_detail::in_context;
using store_detail::to_millis;

constexpr std::string_view kBreachColumns =
    "id, org, policy_id, scope, scope_id, scope_name, metric, actual, threshold, "
    "deviation_percent, severity, peak_severity, status, opened_at, last_evaluated_at, "
    "acknowledged_at, acknowledged_by, ack_notes, resolved_at, resolve_reason";

template <typename Enum, typename Parse>
Result<Enum> parse_column(const sqlite::Statement& row, int column, std::string_view what,
                          Parse parse) {
  const std::string text = row.column_text(column);
  if (auto value = parse(text)) return *value;
  return fail("breach '" + row.column_text(0) + "' has an unknown " + std::string(what) + " '" +
              text + "'");
}

// Reads a row selected with kBreachColumns, in that order.
Result<Breach> read_breach(const sqlite::Statement& row) {
  Breach b;
  b.id = row.column_text(0);
  b.org = row.column_text(1);
  b.policy_id = row.column_text(2);
  auto scope = parse_column<Scope>(row, 3, "scope", parse_scope);
  if (!scope) return std::unexpected(scope.error());
  b.scope = *scope;
  b.scope_id = row.column_optional_text(4);
  b.scope_name = row.column_optional_text(5);
  auto metric = parse_column<Metric>(row, 6, "metric", parse_metric);
  if (!metric) return std::unexpected(metric.error());
  b.metric = *metric;
  b.actual = row.column_optional_double(7);
  b.threshold = row.column_double(8);
  b.deviation_percent = row.column_optional_double(9);
  auto severity = parse_column<Severity>(row, 10, "severity", parse_severity);
  if (!severity) return std::unexpected(severity.error());
  b.severity = *severity;
  auto peak = parse_column<Severity>(row, 11, "peak severity", parse_severity);
  if (!peak) return std::unexpected(peak.error());
  b.peak_severity = *peak;
  auto status = parse_column<BreachStatus>(row, 12, "status", parse_breach_status);
  if (!status) return std::unexpected(status.error());
  b.status = *status;
  b.opened_at = from_millis(row.column_int64(13));
  b.last_evaluated_at = from_millis(row.column_int64(14));
  b.acknowledged_at = from_millis(row.column_optional_int64(15));
  b.acknowledged_by = row.column_optional_text(16);
  b.ack_notes = row.column_optional_text(17);
  b.resolved_at = from_millis(row.column_optional_int64(18));
  b.resolve_reason = row.column_optional_text(19);
  return b;
}

Result<std::vector<Breach>> read_breaches(sqlite::Statement& statement) {
  std::vector<Breach> out;
  for (;;) {
    auto row = statement.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto breach = read_breach(statement);
    if (!breach) return in_context(statement.operation(), breach.error());
    out.push_back(std::move(*breach));
  }
}

// Text from users (notes, names) may hold invalid UTF-8; replace it rather than throw.
std::string dump_json(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The WHERE clause for a query's filters; values are bound, never spliced into the SQL. The
// scope keys travel as one JSON array, so their number is not limited by SQLite's parameter
// count. The scope key expression matches the breaches_by_org_scope_key index.
std::string breach_filter_sql(const BreachQuery& query) {
  std::string sql = " WHERE 1 = 1";
  if (query.org) sql += " AND org = ?";
  if (query.policy_id) sql += " AND policy_id = ?";
  if (query.status) sql += " AND status = ?";
  if (query.open_only) sql += " AND status != 'resolved'";
  if (query.scope_keys)
    sql += " AND COALESCE(scope_id, scope_name) IN (SELECT value FROM json_each(?))";
  return sql;
}

// Binds the filters of breach_filter_sql; returns the next free parameter index.
int bind_breach_filter(sqlite::Statement& statement, const BreachQuery& query) {
  int index = 1;
  if (query.org) statement.bind_text(index++, *query.org);
  if (query.policy_id) statement.bind_text(index++, *query.policy_id);
  if (query.status) statement.bind_text(index++, to_string(*query.status));
  if (query.scope_keys) statement.bind_text(index++, dump_json(nlohmann::json(*query.scope_keys)));
  return index;
}

// Appends `events` to the outbox on `connection`, inside the caller's transaction.
Status insert_events(sqlite::Connection& connection, const std::vector<Event>& events,
                     std::string_view context) {
  if (events.empty()) return {};
  auto insert = connection.prepare(
      "insert event",
      "INSERT INTO events (id, type, priority, org_id, breach_id, occurred_at, payload) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return in_context(context, insert.error());
  for (const Event& e : events) {
    insert->reset();
    insert->bind_text(1, e.id)
        .bind_text(2, to_string(e.type))
        .bind_text(3, to_string(e.priority))
        .bind_text(4, e.org_id)
        .bind_optional_text(5, e.breach ? std::optional<std::string>(e.breach->id) : std::nullopt)
        .bind_int64(6, to_millis(e.occurred_at))
        .bind_text(7, dump_json(to_json(e)));
    if (auto done = insert->run(); !done) {
      return in_context(std::string(context) + ": event '" + e.id + "'", done.error());
    }
  }
  return {};
}

// ---- write results --------------------------------------------------------------------------

using store_detail::refuse;
using store_detail::storage_failure;

// ---- policies -------------------------------------------------------------------------------

constexpr std::string_view kPolicyColumns = "id, org, name, body, created_at, updated_at, revision";

// The store keys a policy by these and writes them in JSON; a policy without them, or with a
// threshold JSON cannot carry, could not be read back.
std::optional<std::string> unstorable(const Policy& policy) {
  if (policy.id.empty()) return "the policy has no id";
  if (policy.org.empty()) return "policy '" + policy.id + "' has no org";
  if (policy.name.empty()) return "policy '" + policy.id + "' has no name";
  for (const Metric metric : kAllMetrics) {
    if (auto value = policy.threshold(metric); value && !std::isfinite(*value)) {
      return "policy '" + policy.id + "' has a threshold that is not a finite number";
    }
  }
  return std::nullopt;
}

Policy as_api_policy(Policy policy) {
  policy.provisioned = false;
  return policy;
}

// Reads a row selected with kPolicyColumns. The columns are authoritative for id, org, name.
Result<StoredPolicy> read_policy(const sqlite::Statement& row) {
  const std::string id = row.column_text(0);
  const auto body = nlohmann::json::parse(row.column_text(3), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return fail("stored policy '" + id + "' is not valid JSON");
  auto policy = policy_from_stored_json(body);
  if (!policy) return std::unexpected(policy.error());
  policy->id = id;
  policy->org = row.column_text(1);
  policy->name = row.column_text(2);
  policy->provisioned = false;
  return StoredPolicy{std::move(*policy), from_millis(row.column_int64(4)),
                      from_millis(row.column_int64(5)), row.column_int64(6)};
}

Result<std::vector<StoredPolicy>> read_policies(sqlite::Statement& statement) {
  std::vector<StoredPolicy> out;
  for (;;) {
    auto row = statement.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto policy = read_policy(statement);
    if (!policy) return in_context(statement.operation(), policy.error());
    out.push_back(std::move(*policy));
  }
}

// Which uniqueness rule a failed policy INSERT or UPDATE broke, as a conflict; other failures
// are storage errors.
std::unexpected<WriteError> policy_write_failure(sqlite::Connection& connection,
                                                 const Policy& policy, std::string_view context,
                                                 const Error& error) {
  switch (sqlite3_extended_errcode(connection.handle())) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return refuse(WriteFailure::conflict, "a policy with id '" + policy.id + "' already exists");
    case SQLITE_CONSTRAINT_UNIQUE:
      return refuse(WriteFailure::conflict,
                    "a policy named '" + policy.name + "' already exists in this organization");
    default:
      return storage_failure(context, error);
  }
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  // synchronous = FULL: a committed breach or event survives a power loss.
  // wal_autocheckpoint = 0: SQLite would otherwise copy the WAL back into the database inside
  // whichever commit crosses 1,000 pages, and with the delivery worker and the SNMP pollers
  // writing between cycles that is often the cycle's commit. The daemon checkpoints after each
  // cycle instead (Store::checkpoint), the other connections keep the automatic one, and the
  // last connection to close checkpoints what is left.
  auto connection = open_database(path, {.identity = DatabaseOptions::Identity::slamon_or_new,
                                         .journal = DatabaseOptions::Journal::wal,
                                         .synchronous = DatabaseOptions::Synchronous::full,
                                         .foreign_keys = true,
                                         .automatic_checkpoints = false,
                                         .warn_if_not_private = true});
  if (!connection) return std::unexpected(connection.error());
  auto version = store_schema::migrate(*connection, store_schema::migrations(), path);
  if (!version) return std::unexpected(version.error());
  return std::unique_ptr<Store>(new Store(std::move(*connection), *version));
}

Store::Store(sqlite::Connection connection, int schema_version)
    : connection_(std::move(connection)), schema_version_(schema_version) {}

Store::~Store() = default;

int Store::schema_version() {
  std::lock_guard lock(mutex_);
  return schema_version_;
}

Status Store::checkpoint() {
  std::lock_guard lock(mutex_);
  return checkpoint_database(connection_);
}

std::uint64_t Store::data_generation() {
  std::lock_guard lock(mutex_);
  auto others = connection_.query_int64("read data version", "PRAGMA data_version");
  if (!others) return 0;
  // Own writes in the low half, other connections' commits in the high half.
  return (static_cast<std::uint64_t>(*others) << 32) + (data_generation_.load() & 0xffffffffu);
}

Result<std::vector<Breach>> Store::open_breaches() {
  std::lock_guard lock(mutex_);
  auto statement = connection_.prepare(
      "read open breaches", "SELECT " + std::string(kBreachColumns) +
                                " FROM breaches WHERE status != 'resolved' ORDER BY opened_at, id");
  if (!statement) return std::unexpected(statement.error());
  return read_breaches(*statement);
}

Result<std::optional<Breach>> Store::breach(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto statement = connection_.prepare(
      "read breach", "SELECT " + std::string(kBreachColumns) + " FROM breaches WHERE id = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind_text(1, id);
  auto found = read_breaches(*statement);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<Breach>{};
  return std::optional<Breach>{std::move(found->front())};
}

Result<std::vector<Breach>> Store::breaches(const BreachQuery& query) {
  if (query.limit < 0 || query.offset < 0) {
    return fail("list breaches: limit and offset must not be negative");
  }
  std::lock_guard lock(mutex_);
  auto statement =
      connection_.prepare("list breaches", "SELECT " + std::string(kBreachColumns) +
                                               " FROM breaches" + breach_filter_sql(query) +
                                               " ORDER BY opened_at DESC, id LIMIT ? OFFSET ?");
  if (!statement) return std::unexpected(statement.error());
  const int next = bind_breach_filter(*statement, query);
  statement->bind_int64(next, query.limit).bind_int64(next + 1, query.offset);
  return read_breaches(*statement);
}

Result<long long> Store::count_breaches(const BreachQuery& query) {
  std::lock_guard lock(mutex_);
  auto statement = connection_.prepare("count breaches",
                                       "SELECT count(*) FROM breaches" + breach_filter_sql(query));
  if (!statement) return std::unexpected(statement.error());
  bind_breach_filter(*statement, query);
  auto row = statement->step();
  if (!row) return std::unexpected(row.error());
  return *row ? statement->column_int64(0) : 0;
}

Status Store::commit(const std::vector<Breach>& breaches, const std::vector<Event>& events) {
  CycleWrite write;
  write.breaches = breaches;
  write.events = events;
  return commit(write);
}

namespace {

// Cycles write the timeline only near their own time, after the days the rollup summed; should
// one write into a summed day all the same (the clock went back), that day and the later ones
// are dropped from the rollup and summed again by the next roll-up.
Status unsum_rewritten_days(sqlite::Connection& connection,
                            const std::vector<StoredStatusSegment>& segments) {
  auto marker = connection.query_int64(
      "read status rollup marker",
      "SELECT coalesce((SELECT through_ms FROM policy_status_rollup WHERE id = 1), -1)");
  if (!marker) return in_context("store commit", marker.error());
  if (*marker < 0) return {};
  std::optional<long long> earliest;
  for (const auto& segment : segments) {
    if (to_millis(segment.end) >= *marker + store_detail::kDayMs) continue;
    const long long day = store_detail::floor_day(to_millis(segment.start));
    earliest = std::min(earliest.value_or(day), day);
  }
  if (!earliest || *earliest >= *marker) return {};
  auto drop =
      connection.prepare("store commit", "DELETE FROM policy_status_days WHERE day_ms >= ?");
  auto move = connection.prepare("store commit",
                                 "UPDATE policy_status_rollup SET through_ms = ? WHERE id = 1");
  if (!drop) return in_context("store commit", drop.error());
  if (!move) return in_context("store commit", move.error());
  drop->bind_int64(1, *earliest);
  move->bind_int64(1, *earliest);
  if (auto done = drop->run(); !done) return in_context("store commit", done.error());
  if (auto done = move->run(); !done) return in_context("store commit", done.error());
  return {};
}

Status write_sla_bookkeeping(sqlite::Connection& connection, const CycleWrite& write) {
  if (!write.segments.empty()) {
    if (auto unsummed = unsum_rewritten_days(connection, write.segments); !unsummed) {
      return unsummed;
    }
    auto upsert = connection.prepare(
        "store status segment",
        "INSERT INTO policy_status_segments (policy_id, org, start_ms, end_ms, status) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (policy_id, start_ms) DO UPDATE SET "
        "end_ms = excluded.end_ms, status = excluded.status, org = excluded.org");
    if (!upsert) return in_context("store commit", upsert.error());
    for (const auto& segment : write.segments) {
      upsert->reset();
      upsert->bind_text(1, segment.policy_id)
          .bind_text(2, segment.org)
          .bind_int64(3, to_millis(segment.start))
          .bind_int64(4, to_millis(segment.end))
          .bind_text(5, segment.status);
      if (auto done = upsert->run(); !done) {
        return in_context("store commit: status of policy '" + segment.policy_id + "'",
                          done.error());
      }
    }
  }
  if (!write.suppressed.empty()) {
    auto insert = connection.prepare(
        "store suppressed event",
        "INSERT OR IGNORE INTO suppressed_events (id, org_id, type, policy_id, maintenance_id, "
        "occurred_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!insert) return in_context("store commit", insert.error());
    for (const auto& suppressed : write.suppressed) {
      const Event& e = suppressed.event;
      insert->reset();
      insert->bind_text(1, e.id)
          .bind_text(2, e.org_id)
          .bind_text(3, to_string(e.type))
          .bind_text(4, e.policy.id)
          .bind_text(5, suppressed.maintenance_id)
          .bind_int64(6, to_millis(e.occurred_at))
          .bind_text(7, dump_json(to_json(e)));
      if (auto done = insert->run(); !done) {
        return in_context("store commit: suppressed event", done.error());
      }
    }
  }
  if (!write.signal_states.empty()) {
    auto upsert =
        connection.prepare("store signal state",
                           "INSERT INTO policy_signal_state (policy_id, state) VALUES (?, ?) "
                           "ON CONFLICT (policy_id) DO UPDATE SET state = excluded.state");
    if (!upsert) return in_context("store commit", upsert.error());
    for (const auto& state : write.signal_states) {
      upsert->reset();
      upsert->bind_text(1, state.policy_id).bind_text(2, state.state);
      if (auto done = upsert->run(); !done) {
        return in_context("store commit: signal state", done.error());
      }
    }
  }
  return {};
}

}  // namespace

Status Store::commit(const CycleWrite& write) {
  if (write.empty()) return {};
  const auto& breaches = write.breaches;
  const auto& events = write.events;
  std::lock_guard lock(mutex_);
  // Declared before the statements so they are finalized before a rollback on an error path.
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return in_context("store commit", transaction.error());

  // On conflict only the engine-owned columns change, see store.h. In DO UPDATE SET an
  // unqualified column is the stored row's value.
  auto upsert = connection_.prepare(
      "upsert breach",
      "INSERT INTO breaches (" + std::string(kBreachColumns) +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (id) DO UPDATE SET actual = excluded.actual, "
          "threshold = excluded.threshold, deviation_percent = excluded.deviation_percent, "
          "severity = excluded.severity, peak_severity = excluded.peak_severity, "
          "last_evaluated_at = excluded.last_evaluated_at, "
          "status = CASE WHEN excluded.status = 'resolved' THEN 'resolved' ELSE status END, "
          "resolved_at = CASE WHEN excluded.status = 'resolved' "
          "THEN excluded.resolved_at ELSE resolved_at END, "
          "resolve_reason = CASE WHEN excluded.status = 'resolved' "
          "THEN excluded.resolve_reason ELSE resolve_reason END");
  if (!upsert) return in_context("store commit", upsert.error());
  for (const Breach& b : breaches) {
    upsert->reset();
    upsert->bind_text(1, b.id)
        .bind_text(2, b.org)
        .bind_text(3, b.policy_id)
        .bind_text(4, to_string(b.scope))
        .bind_optional_text(5, b.scope_id)
        .bind_optional_text(6, b.scope_name)
        .bind_text(7, to_string(b.metric))
        .bind_optional_double(8, b.actual)
        .bind_double(9, b.threshold)
        .bind_optional_double(10, b.deviation_percent)
        .bind_text(11, to_string(b.severity))
        .bind_text(12, to_string(b.peak_severity))
        .bind_text(13, to_string(b.status))
        .bind_int64(14, to_millis(b.opened_at))
        .bind_int64(15, to_millis(b.last_evaluated_at))
        .bind_optional_int64(16, to_millis(b.acknowledged_at))
        .bind_optional_text(17, b.acknowledged_by)
        .bind_optional_text(18, b.ack_notes)
        .bind_optional_int64(19, to_millis(b.resolved_at))
        .bind_optional_text(20, b.resolve_reason);
    if (auto done = upsert->run(); !done) {
      return in_context("store commit: breach '" + b.id + "'", done.error());
    }
  }

  if (auto inserted = insert_events(connection_, events, "store commit"); !inserted) {
    return inserted;
  }
  if (auto written = write_sla_bookkeeping(connection_, write); !written) return written;

  if (auto committed = transaction->commit(); !committed) {
    return in_context("store commit", committed.error());
  }
  ++data_generation_;
  return {};
}

// ---- SLA bookkeeping (SPEC §7) --------------------------------------------------------------

Result<std::vector<StoredStatusSegment>> Store::status_segments(
    const std::optional<std::string>& policy_id, WallTime from, WallTime to) {
  std::lock_guard lock(mutex_);
  // One policy: segments never overlap, so only the last one starting at or before `from` can
  // reach into the window; bounding start_ms from below keeps the read on the primary key
  // instead of scanning the policy's whole history.
  auto select =
      policy_id
          ? connection_.prepare(
                "read status segments",
                "SELECT policy_id, org, start_ms, end_ms, status FROM policy_status_segments "
                "WHERE policy_id = ?1 AND start_ms < ?3 AND end_ms > ?2 AND start_ms >= "
                "coalesce((SELECT max(start_ms) FROM policy_status_segments "
                "WHERE policy_id = ?1 AND start_ms <= ?2), ?2) "
                "ORDER BY start_ms")
          : connection_.prepare(
                "read status segments",
                "SELECT policy_id, org, start_ms, end_ms, status FROM policy_status_segments "
                "WHERE ?1 IS NULL AND start_ms < ?3 AND end_ms > ?2 ORDER BY policy_id, start_ms");
  if (!select) return std::unexpected(select.error());
  select->bind_optional_text(1, policy_id)
      .bind_int64(2, to_millis(from))
      .bind_int64(3, to_millis(to));
  std::vector<StoredStatusSegment> out;
  while (true) {
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({select->column_text(0), select->column_text(1),
                   from_millis(select->column_int64(2)), from_millis(select->column_int64(3)),
                   select->column_text(4)});
  }
  return out;
}

Result<std::optional<WallTime>> Store::first_status_time(const std::string& policy_id) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare(
      "read first status", "SELECT min(start_ms) FROM policy_status_segments WHERE policy_id = ?");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, policy_id);
  auto row = select->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || select->column_is_null(0)) return std::optional<WallTime>{};
  return std::optional<WallTime>{from_millis(select->column_int64(0))};
}

Result<std::vector<PolicySignalState>> Store::signal_states() {
  std::lock_guard lock(mutex_);
  auto select =
      connection_.prepare("read signal state", "SELECT policy_id, state FROM policy_signal_state");
  if (!select) return std::unexpected(select.error());
  std::vector<PolicySignalState> out;
  while (true) {
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({select->column_text(0), select->column_text(1)});
  }
  return out;
}

Result<std::vector<StoredMaintenance>> Store::maintenance_windows(
    const std::optional<std::string>& org) {
  std::lock_guard lock(mutex_);
  auto select =
      connection_.prepare("read maintenance windows",
                          "SELECT id, org, body, created_at, created_by FROM maintenance_windows "
                          "WHERE (?1 IS NULL OR org = ?1) ORDER BY created_at, id");
  if (!select) return std::unexpected(select.error());
  select->bind_optional_text(1, org);
  std::vector<StoredMaintenance> out;
  while (true) {
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({select->column_text(0), select->column_text(1), select->column_text(2),
                   from_millis(select->column_int64(3)), select->column_text(4)});
  }
  return out;
}

WriteResult<void> Store::insert_maintenance(const StoredMaintenance& window) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("store maintenance window", transaction.error());
  {
    auto insert = connection_.prepare(
        "store maintenance window",
        "INSERT INTO maintenance_windows (id, org, body, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id");
    if (!insert) return storage_failure("store maintenance window", insert.error());
    insert->bind_text(1, window.id)
        .bind_text(2, window.org)
        .bind_text(3, window.body)
        .bind_int64(4, to_millis(window.created_at))
        .bind_text(5, window.created_by);
    auto row = insert->step();
    if (!row) return storage_failure("store maintenance window", row.error());
    if (!*row)
      return refuse(WriteFailure::conflict, "maintenance window '" + window.id + "' exists");
    if (auto done = insert->run(); !done) {
      return storage_failure("store maintenance window", done.error());
    }
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("store maintenance window", committed.error());
  }
  ++maintenance_revision_;
  ++data_generation_;
  return {};
}

WriteResult<void> Store::delete_maintenance(const std::string& org, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("delete maintenance window", transaction.error());
  {
    auto remove = connection_.prepare(
        "delete maintenance window",
        "DELETE FROM maintenance_windows WHERE id = ? AND org = ? RETURNING id");
    if (!remove) return storage_failure("delete maintenance window", remove.error());
    remove->bind_text(1, id).bind_text(2, org);
    auto row = remove->step();
    if (!row) return storage_failure("delete maintenance window", row.error());
    if (!*row) return refuse(WriteFailure::not_found, "no maintenance window '" + id + "'");
    if (auto done = remove->run(); !done) {
      return storage_failure("delete maintenance window", done.error());
    }
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("delete maintenance window", committed.error());
  }
  ++maintenance_revision_;
  ++data_generation_;
  return {};
}

Result<std::vector<StoredSuppressedEvent>> Store::suppressed_events(
    const std::string& org, const std::optional<std::string>& maintenance_id, int limit) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare(
      "read suppressed events",
      "SELECT id, org_id, type, policy_id, maintenance_id, occurred_at, payload "
      "FROM suppressed_events WHERE org_id = ?1 AND (?2 IS NULL OR maintenance_id = ?2) "
      "ORDER BY occurred_at DESC, id LIMIT ?3");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, org).bind_optional_text(2, maintenance_id).bind_int64(3, limit);
  std::vector<StoredSuppressedEvent> out;
  while (true) {
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({select->column_text(0), select->column_text(1), select->column_text(2),
                   select->column_text(3), select->column_text(4),
                   from_millis(select->column_int64(5)), select->column_text(6)});
  }
  return out;
}

Result<long long> Store::count_suppressed_events(const std::string& org,
                                                 const std::optional<std::string>& maintenance_id) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare("count suppressed events",
                                    "SELECT count(*) FROM suppressed_events WHERE org_id = ?1 "
                                    "AND (?2 IS NULL OR maintenance_id = ?2)");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, org).bind_optional_text(2, maintenance_id);
  auto row = select->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return 0LL;
  return select->column_int64(0);
}

// ---- policies -------------------------------------------------------------------------------

Result<std::vector<StoredPolicy>> Store::policies() {
  std::lock_guard lock(mutex_);
  auto statement =
      connection_.prepare("read policies", "SELECT " + std::string(kPolicyColumns) +
                                               " FROM policies ORDER BY org, name, id");
  if (!statement) return std::unexpected(statement.error());
  return read_policies(*statement);
}

Result<std::optional<StoredPolicy>> Store::policy(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto statement = connection_.prepare(
      "read policy", "SELECT " + std::string(kPolicyColumns) + " FROM policies WHERE id = ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind_text(1, id);
  auto found = read_policies(*statement);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<StoredPolicy>{};
  return std::optional<StoredPolicy>{std::move(found->front())};
}

long long Store::policies_revision() {
  return policies_revision_.load();
}

WriteResult<StoredPolicy> Store::insert_policy(const Policy& policy, WallTime now) {
  if (auto problem = unstorable(policy)) {
    return refuse(WriteFailure::storage, "insert policy: " + *problem);
  }
  const StoredPolicy stored{as_api_policy(policy), from_millis(to_millis(now)),
                            from_millis(to_millis(now)), 1};
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("insert policy", transaction.error());
  {
    auto insert = connection_.prepare(
        "insert policy",
        "INSERT INTO policies (" + std::string(kPolicyColumns) + ") VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!insert) return storage_failure("insert policy", insert.error());
    insert->bind_text(1, policy.id)
        .bind_text(2, policy.org)
        .bind_text(3, policy.name)
        .bind_text(4, dump_json(to_json(stored.policy)))
        .bind_int64(5, to_millis(stored.created_at))
        .bind_int64(6, to_millis(stored.updated_at))
        .bind_int64(7, stored.revision);
    if (auto done = insert->run(); !done) {
      return policy_write_failure(connection_, policy, "insert policy", done.error());
    }
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("insert policy", committed.error());
  }
  ++policies_revision_;
  ++data_generation_;
  return stored;
}

WriteResult<StoredPolicy> Store::update_policy(const Policy& policy, long long expected_revision,
                                               WallTime now) {
  if (auto problem = unstorable(policy)) {
    return refuse(WriteFailure::storage, "update policy: " + *problem);
  }
  StoredPolicy stored{as_api_policy(policy), {}, from_millis(to_millis(now)), 0};
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("update policy", transaction.error());
  {
    auto current =
        connection_.prepare("read policy revision",
                            "SELECT revision, created_at FROM policies WHERE id = ? AND org = ?");
    if (!current) return storage_failure("update policy", current.error());
    current->bind_text(1, policy.id).bind_text(2, policy.org);
    auto row = current->step();
    if (!row) return storage_failure("update policy", row.error());
    if (!*row) return refuse(WriteFailure::not_found, "no policy '" + policy.id + "'");
    const long long revision = current->column_int64(0);
    if (revision != expected_revision) {
      return refuse(WriteFailure::conflict,
                    "the policy was changed concurrently (it is at revision " +
                        std::to_string(revision) + ", the change was made to revision " +
                        std::to_string(expected_revision) + ")");
    }
    stored.created_at = from_millis(current->column_int64(1));
    stored.revision = revision + 1;
  }
  {
    auto update = connection_.prepare(
        "update policy",
        "UPDATE policies SET name = ?, body = ?, updated_at = ?, revision = ? WHERE id = ?");
    if (!update) return storage_failure("update policy", update.error());
    update->bind_text(1, policy.name)
        .bind_text(2, dump_json(to_json(stored.policy)))
        .bind_int64(3, to_millis(stored.updated_at))
        .bind_int64(4, stored.revision)
        .bind_text(5, policy.id);
    if (auto done = update->run(); !done) {
      return policy_write_failure(connection_, policy, "update policy", done.error());
    }
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("update policy", committed.error());
  }
  ++policies_revision_;
  ++data_generation_;
  return stored;
}

WriteResult<void> Store::delete_policy(const std::string& org, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("delete policy", transaction.error());
  {
    auto remove = connection_.prepare("delete policy",
                                      "DELETE FROM policies WHERE id = ? AND org = ? RETURNING id");
    if (!remove) return storage_failure("delete policy", remove.error());
    remove->bind_text(1, id).bind_text(2, org);
    auto row = remove->step();
    if (!row) return storage_failure("delete policy", row.error());
    if (!*row) return refuse(WriteFailure::not_found, "no policy '" + id + "'");
    if (auto done = remove->run(); !done) return storage_failure("delete policy", done.error());
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("delete policy", committed.error());
  }
  ++policies_revision_;
  ++data_generation_;
  return {};
}

// ---- acknowledge ----------------------------------------------------------------------------

WriteResult<Breach> Store::acknowledge(const std::string& org, const std::string& breach_id,
                                       const std::string& principal,
                                       const std::optional<std::string>& notes, WallTime now,
                                       const std::function<Event(const Breach&)>& make_event_for) {
  std::lock_guard lock(mutex_);
  // IMMEDIATE: the breach is read under the write lock, so no other writer (another process on
  // this file) can change it between the status check and the update.
  auto transaction = sqlite::Transaction::begin(connection_, sqlite::Transaction::Mode::immediate);
  if (!transaction) return storage_failure("acknowledge breach", transaction.error());
  Breach breach;
  {
    auto read = connection_.prepare(
        "read breach", "SELECT " + std::string(kBreachColumns) + " FROM breaches WHERE id = ?");
    if (!read) return storage_failure("acknowledge breach", read.error());
    read->bind_text(1, breach_id);
    auto found = read_breaches(*read);
    if (!found) return storage_failure("acknowledge breach", found.error());
    // Another org's breach answers exactly as a missing one (SPEC §8).
    if (found->empty() || found->front().org != org) {
      return refuse(WriteFailure::not_found, "no breach '" + breach_id + "'");
    }
    breach = std::move(found->front());
  }
  if (breach.status != BreachStatus::active) {
    return refuse(WriteFailure::conflict,
                  "breach '" + breach_id + "' is already " + std::string(to_string(breach.status)));
  }
  breach.status = BreachStatus::acknowledged;
  breach.acknowledged_at = from_millis(to_millis(now));
  breach.acknowledged_by = principal;
  breach.ack_notes = notes;
  const Event event = make_event_for(breach);
  {
    auto update = connection_.prepare(
        "acknowledge breach",
        "UPDATE breaches SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, "
        "ack_notes = ? WHERE id = ?");
    if (!update) return storage_failure("acknowledge breach", update.error());
    update->bind_int64(1, to_millis(*breach.acknowledged_at))
        .bind_text(2, principal)
        .bind_optional_text(3, notes)
        .bind_text(4, breach_id);
    if (auto done = update->run(); !done) {
      return storage_failure("acknowledge breach", done.error());
    }
  }
  if (auto inserted = insert_events(connection_, {event}, "acknowledge breach"); !inserted) {
    return refuse(WriteFailure::storage, inserted.error().message);
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("acknowledge breach", committed.error());
  }
  ++data_generation_;
  return breach;
}

// ---- outbox ---------------------------------------------------------------------------------

Result<std::vector<StoredEvent>> Store::pending_events(int limit) {
  if (limit < 0) return fail("read pending events: limit must not be negative");
  std::lock_guard lock(mutex_);
  auto statement = connection_.prepare(
      "read pending events",
      "SELECT sequence, id, type, org_id, breach_id, payload, occurred_at FROM events "
      "WHERE delivered_at IS NULL ORDER BY sequence LIMIT ?");
  if (!statement) return std::unexpected(statement.error());
  statement->bind_int64(1, limit);
  std::vector<StoredEvent> out;
  for (;;) {
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(StoredEvent{
        .sequence = statement->column_int64(0),
        .id = statement->column_text(1),
        .type = statement->column_text(2),
        .org_id = statement->column_text(3),
        .breach_id = statement->column_text(4),
        .payload = statement->column_text(5),
        .occurred_at = from_millis(statement->column_int64(6)),
        .priority = {},
    });
  }
}

Result<long long> Store::pending_event_count() {
  std::lock_guard lock(mutex_);
  return connection_.query_int64("count pending events",
                                 "SELECT count(*) FROM events WHERE delivered_at IS NULL");
}

// ---- reports --------------------------------------------------------------------------------

namespace {

constexpr std::string_view kReportColumns =
    "id, org, title, period_start, period_end, format, policy_ids, status, error, file_name, "
    "size, sha256, created_at, created_by, finished_at";

Result<StoredReport> read_report(const sqlite::Statement& row) {
  StoredReport report;
  report.id = row.column_text(0);
  report.org = row.column_text(1);
  report.title = row.column_text(2);
  report.period_start = from_millis(row.column_int64(3));
  report.period_end = from_millis(row.column_int64(4));
  report.format = row.column_text(5);
  const auto ids = nlohmann::json::parse(row.column_text(6), nullptr, /*allow_exceptions=*/false);
  if (!ids.is_array()) return fail("report '" + report.id + "' has unreadable policy ids");
  for (const auto& id : ids) {
    if (!id.is_string()) return fail("report '" + report.id + "' has unreadable policy ids");
    report.policy_ids.push_back(id.get<std::string>());
  }
  report.status = row.column_text(7);
  report.error = row.column_optional_text(8).value_or("");
  report.file_name = row.column_optional_text(9).value_or("");
  report.size = row.column_optional_int64(10).value_or(0);
  report.sha256 = row.column_optional_text(11).value_or("");
  report.created_at = from_millis(row.column_int64(12));
  report.created_by = row.column_text(13);
  report.finished_at = from_millis(row.column_optional_int64(14));
  return report;
}

Result<std::vector<StoredReport>> read_reports(sqlite::Statement& statement) {
  std::vector<StoredReport> out;
  while (true) {
    auto row = statement.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto report = read_report(statement);
    if (!report) return in_context(statement.operation(), report.error());
    out.push_back(std::move(*report));
  }
}

}  // namespace

std::string report_file_name(const std::string& id, const std::string& format, bool breaches) {
  return breaches ? id + "-breaches.csv" : id + "." + format;
}

WriteResult<void> Store::insert_report(const StoredReport& report) {
  std::lock_guard lock(mutex_);
  if (auto inserted = insert_report_locked(report); !inserted) return inserted;
  ++data_generation_;
  return {};
}

WriteResult<void> Store::insert_report_locked(const StoredReport& report) {
  auto insert = connection_.prepare("store report",
                                    "INSERT INTO reports (" + std::string(kReportColumns) +
                                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                        "ON CONFLICT (id) DO NOTHING RETURNING id");
  if (!insert) return storage_failure("store report", insert.error());
  const auto optional_text = [](const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
  };
  insert->bind_text(1, report.id)
      .bind_text(2, report.org)
      .bind_text(3, report.title)
      .bind_int64(4, to_millis(report.period_start))
      .bind_int64(5, to_millis(report.period_end))
      .bind_text(6, report.format)
      .bind_text(7, dump_json(nlohmann::json(report.policy_ids)))
      .bind_text(8, report.status)
      .bind_optional_text(9, optional_text(report.error))
      .bind_optional_text(10, optional_text(report.file_name))
      .bind_optional_int64(11, report.status == "done" ? std::optional(report.size) : std::nullopt)
      .bind_optional_text(12, optional_text(report.sha256))
      .bind_int64(13, to_millis(report.created_at))
      .bind_text(14, report.created_by)
      .bind_optional_int64(15, to_millis(report.finished_at));
  auto row = insert->step();
  if (!row) return storage_failure("store report", row.error());
  if (!*row) return refuse(WriteFailure::conflict, "report '" + report.id + "' exists");
  if (auto done = insert->run(); !done) return storage_failure("store report", done.error());
  return {};
}

Result<std::vector<StoredReport>> Store::reports(const std::string& org, int limit, int offset) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare("read reports", "SELECT " + std::string(kReportColumns) +
                                                        " FROM reports WHERE org = ? ORDER BY "
                                                        "created_at DESC, id LIMIT ? OFFSET ?");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, org).bind_int64(2, limit).bind_int64(3, offset);
  return read_reports(*select);
}

Result<long long> Store::count_reports(const std::string& org) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare("count reports", "SELECT count(*) FROM reports WHERE org = ?");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, org);
  auto row = select->step();
  if (!row) return std::unexpected(row.error());
  return *row ? select->column_int64(0) : 0LL;
}

Result<std::optional<StoredReport>> Store::report(const std::string& org, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare("read report", "SELECT " + std::string(kReportColumns) +
                                                       " FROM reports WHERE org = ? AND id = ?");
  if (!select) return std::unexpected(select.error());
  select->bind_text(1, org).bind_text(2, id);
  auto found = read_reports(*select);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<StoredReport>();
  return std::optional<StoredReport>(std::move(found->front()));
}

Result<std::vector<StoredReport>> Store::pending_reports() {
  std::lock_guard lock(mutex_);
  auto select =
      connection_.prepare("read pending reports", "SELECT " + std::string(kReportColumns) +
                                                      " FROM reports WHERE status = 'pending' "
                                                      "ORDER BY created_at, id");
  if (!select) return std::unexpected(select.error());
  return read_reports(*select);
}

Result<std::vector<StoredReport>> Store::reports_created_before(WallTime before) {
  std::lock_guard lock(mutex_);
  auto select = connection_.prepare(
      "read expired reports", "SELECT " + std::string(kReportColumns) +
                                  " FROM reports WHERE created_at < ? ORDER BY created_at, id");
  if (!select) return std::unexpected(select.error());
  select->bind_int64(1, to_millis(before));
  return read_reports(*select);
}

WriteResult<void> Store::finish_report(const StoredReport& finished,
                                       const std::optional<StoredEvent>& event) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(connection_);
  if (!transaction) return storage_failure("finish report", transaction.error());
  auto update = connection_.prepare(
      "finish report",
      "UPDATE reports SET status = ?, error = ?, file_name = ?, size = ?, sha256 = ?, "
      "finished_at = ? WHERE id = ? AND status = 'pending' RETURNING id");
  if (!update) return storage_failure("finish report", update.error());
  const bool done = finished.status == "done";
  update->bind_text(1, finished.status)
      .bind_optional_text(2, done ? std::nullopt : std::optional(finished.error))
      .bind_optional_text(3, done ? std::optional(finished.file_name) : std::nullopt)
      .bind_optional_int64(4, done ? std::optional(finished.size) : std::nullopt)
      .bind_optional_text(5, done ? std::optional(finished.sha256) : std::nullopt)
      .bind_optional_int64(6, to_millis(finished.finished_at))
      .bind_text(7, finished.id);
  auto row = update->step();
  if (!row) return storage_failure("finish report", row.error());
  if (!*row) return refuse(WriteFailure::not_found, "no pending report '" + finished.id + "'");
  if (auto ran = update->run(); !ran) return storage_failure("finish report", ran.error());
  if (event) {
    auto insert = connection_.prepare(
        "store report event",
        "INSERT INTO events (id, type, priority, org_id, breach_id, occurred_at, payload) "
        "VALUES (?, ?, ?, ?, NULL, ?, ?)");
    if (!insert) return storage_failure("store report event", insert.error());
    insert->bind_text(1, event->id)
        .bind_text(2, event->type)
        .bind_text(3, event->priority)
        .bind_text(4, event->org_id)
        .bind_int64(5, to_millis(event->occurred_at))
        .bind_text(6, event->payload);
    if (auto done = insert->run(); !done)
      return storage_failure("store report event", done.error());
  }
  if (auto committed = transaction->commit(); !committed) {
    return storage_failure("finish report", committed.error());
  }
  ++data_generation_;
  return {};
}

WriteResult<void> Store::delete_report(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto remove =
      connection_.prepare("delete report", "DELETE FROM reports WHERE id = ? RETURNING id");
  if (!remove) return storage_failure("delete report", remove.error());
  remove->bind_text(1, id);
  auto row = remove->step();
  if (!row) return storage_failure("delete report", row.error());
  if (!*row) return refuse(WriteFailure::not_found, "no report '" + id + "'");
  if (auto ran = remove->run(); !ran) return storage_failure("delete report", ran.error());
  ++data_generation_;
  return {};
}

}  // namespace slamon
