#include "store/schema.h"

#include <sqlite3.h>

#include <array>
#include <stdexcept>

#include "common/log.h"

namespace slamon::store_schema {
namespace {

// Times are integer milliseconds since the Unix epoch (UTC). Enum columns hold the canonical
// spellings of model.h. `deviation_percent` may be +infinity (a violated threshold of 0):
// SQLite REAL keeps IEEE infinities as they are.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE breaches (
  id                TEXT    NOT NULL PRIMARY KEY,
  org               TEXT    NOT NULL,
  policy_id         TEXT    NOT NULL,
  scope             TEXT    NOT NULL,
  scope_id          TEXT,
  scope_name        TEXT,
  metric            TEXT    NOT NULL,
  actual            REAL,
  threshold         REAL    NOT NULL,
  deviation_percent REAL,
  severity          TEXT    NOT NULL,
  peak_severity     TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  opened_at         INTEGER NOT NULL,
  last_evaluated_at INTEGER NOT NULL,
  acknowledged_at   INTEGER,
  acknowledged_by   TEXT,
  ack_notes         TEXT,
  resolved_at       INTEGER,
  resolve_reason    TEXT
);
-- SPEC 6.3: at most one open breach per (policy, metric), enforced by the database itself.
CREATE UNIQUE INDEX breaches_one_open_per_policy_metric
  ON breaches (policy_id, metric) WHERE status != 'resolved';
CREATE INDEX breaches_by_org_status_opened ON breaches (org, status, opened_at);
CREATE INDEX breaches_by_opened ON breaches (opened_at);
CREATE INDEX breaches_by_policy ON breaches (policy_id, opened_at);

-- The outbox (SPEC 9.1): events are written in the transaction of the change that caused them
-- and delivered later, in sequence order.
CREATE TABLE events (
  sequence     INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT    NOT NULL UNIQUE,
  type         TEXT    NOT NULL,
  priority     TEXT    NOT NULL,
  org_id       TEXT    NOT NULL,
  breach_id    TEXT,
  occurred_at  INTEGER NOT NULL,
  payload      TEXT    NOT NULL,
  delivered_at INTEGER,
  attempts     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_pending ON events (sequence) WHERE delivered_at IS NULL;
)sql";

// Policies created through the API (SPEC §11). `body` is the policy's JSON
// (model/policy_json.h); id, org and name are columns too so the database enforces that ids are
// unique and names unique within an org. The UNIQUE (org, name) index also serves lookups by
// org. `revision` counts updates, for optimistic concurrency.
//
// Breach lists filtered by site (SPEC §8 site grants, `?site_id=`) select on the scope key, the
// same expression the queries use, so the planner can use this index.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE policies (
  id         TEXT    NOT NULL PRIMARY KEY,
  org        TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revision   INTEGER NOT NULL,
  UNIQUE (org, name)
);
CREATE INDEX breaches_by_org_scope_key
  ON breaches (org, COALESCE(scope_id, scope_name), opened_at);
)sql";

// Pages of open breaches, newest first (the API's summary reads every open breach of an org;
// lists use open_only). Without it SQLite takes breaches_by_org_scope_key for `org = ?` and
// sorts every breach of the org, open or resolved, for each page: 0.3 s per page with 100,000
// breaches in one org (bench/README.md). Partial, so it holds only the open breaches; its WHERE
// is the open_only filter's expression, which SQLite requires to use a partial index.
constexpr std::string_view kSchemaV3 = R"sql(
CREATE INDEX breaches_open_by_org_opened
  ON breaches (org, opened_at DESC, id) WHERE status != 'resolved';
)sql";

// Notification delivery (SPEC 9.3, exporters/delivery). The router reads events whose routed_at
// is NULL in sequence order and, in one transaction, writes one `deliveries` row per notifier
// the alert rules name (none: the event is finished at once, delivered_at set) and stamps
// routed_at. events.delivered_at keeps meaning "finished": set when every delivery of the
// event is delivered or dead, cleared again when a dead letter is retried. events.attempts
// (v1) is no longer used: attempts are counted per delivery.
//
// deliveries.id is a random UUID (it is the dead-letter id of the API, so it must not be
// guessable); ordering_key is the breach id (the incident id for incident events): a notifier
// sends the deliveries of one key strictly in sequence order. retried_at is set when a dead
// letter is retried by hand; the notifier's max_age then counts from it rather than from the
// event's occurred_at. correlator_state holds the incident correlator's saved state (one row).
//
// Events already in the outbox were written by a slamon that had no notifiers: they are
// marked routed and finished, with no deliveries, so an upgrade does not send a flood of
// stale notifications.
constexpr std::string_view kSchemaV4 = R"sql(
ALTER TABLE events ADD COLUMN routed_at INTEGER;
UPDATE events SET
  routed_at = CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER),
  delivered_at = coalesce(delivered_at,
                          CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
CREATE INDEX events_unrouted ON events (sequence) WHERE routed_at IS NULL;
CREATE INDEX events_pending_by_occurred ON events (occurred_at) WHERE delivered_at IS NULL;

CREATE TABLE deliveries (
  id              TEXT    NOT NULL PRIMARY KEY,
  event_sequence  INTEGER NOT NULL REFERENCES events (sequence),
  notifier        TEXT    NOT NULL,
  org             TEXT    NOT NULL,
  ordering_key    TEXT    NOT NULL,
  state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  retried_at      INTEGER,
  UNIQUE (event_sequence, notifier)
);
-- Due deliveries of a notifier in sequence order; also counts the pending ones.
CREATE INDEX deliveries_pending ON deliveries (notifier, event_sequence) WHERE state = 'pending';
-- "Is an earlier delivery of the same breach still pending for this notifier?"
CREATE INDEX deliveries_pending_by_key
  ON deliveries (notifier, ordering_key, event_sequence) WHERE state = 'pending';
-- Dead letters of an org, newest first.
CREATE INDEX deliveries_dead_by_org ON deliveries (org, finished_at DESC, id) WHERE state = 'dead';

CREATE TABLE correlator_state (
  id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  state    TEXT    NOT NULL,
  saved_at INTEGER NOT NULL
);
)sql";

// SLA semantics (SPEC 7). policy_status_segments is each policy's status over time, run-length
// encoded: a row is a stretch of one status (up, degraded, down, unknown, maintenance) from
// start_ms to end_ms; time covered by no row is unknown (slamon was not running). The engine
// extends the newest row of a policy while its status holds, so a steady policy costs one row.
//
// maintenance_windows holds the windows created through the API (SPEC 7.3; `body` is the
// window's JSON); windows from the config file are not stored. suppressed_events keeps every
// event a maintenance window suppressed (SPEC 7.3: "recorded as suppressed"), with the window
// that suppressed it. policy_signal_state is what the engine must remember across restarts
// for SPEC 7.4 and 7.6: the budget levels already published in the current period and the
// sliding window's escalation state, as JSON per policy.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE TABLE policy_status_segments (
  policy_id TEXT    NOT NULL,
  org       TEXT    NOT NULL,
  start_ms  INTEGER NOT NULL,
  end_ms    INTEGER NOT NULL,
  status    TEXT    NOT NULL
            CHECK (status IN ('up', 'degraded', 'down', 'unknown', 'maintenance')),
  PRIMARY KEY (policy_id, start_ms)
) WITHOUT ROWID;

CREATE TABLE maintenance_windows (
  id         TEXT    NOT NULL PRIMARY KEY,
  org        TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT    NOT NULL
);
CREATE INDEX maintenance_windows_by_org ON maintenance_windows (org, created_at);

CREATE TABLE suppressed_events (
  id             TEXT    NOT NULL PRIMARY KEY,
  org_id         TEXT    NOT NULL,
  type           TEXT    NOT NULL,
  policy_id      TEXT    NOT NULL,
  maintenance_id TEXT    NOT NULL,
  occurred_at    INTEGER NOT NULL,
  payload        TEXT    NOT NULL
);
CREATE INDEX suppressed_events_by_org ON suppressed_events (org_id, occurred_at DESC);

CREATE TABLE policy_signal_state (
  policy_id TEXT NOT NULL PRIMARY KEY,
  state     TEXT NOT NULL
);
)sql";

// policy_status_days is the status timeline summed per policy and UTC day (milliseconds of
// each status; time no segment covers is in none of them), so answers over months read one
// row per policy-day instead of every status change (SPEC 7.1, reports). The rollup covers
// every day before policy_status_rollup.through_ms; later days are summed from the segments
// when read. Rows are derived data: they can be deleted and rolled up again at any time.
constexpr std::string_view kSchemaV6 = R"sql(
CREATE TABLE policy_status_days (
  day_ms         INTEGER NOT NULL,
  policy_id      TEXT    NOT NULL,
  org            TEXT    NOT NULL,
  up_ms          INTEGER NOT NULL,
  degraded_ms    INTEGER NOT NULL,
  down_ms        INTEGER NOT NULL,
  unknown_ms     INTEGER NOT NULL,
  maintenance_ms INTEGER NOT NULL,
  PRIMARY KEY (day_ms, policy_id)
) WITHOUT ROWID;

CREATE TABLE policy_status_rollup (
  id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  through_ms INTEGER NOT NULL
);
)sql";

// The tables of the metric history (daemon/history) and of the SNMP sample history
// (daemon/snmp/sample_history), which their owners created themselves before this version:
// IF NOT EXISTS, so a database they already hold them in migrates unchanged.
//
// History (SPEC 7.1, at most 2 KB per series-day):
// - history_series: a small integer key per policy x metric.
// - history_head: the points of the days not yet compacted, one row per point, keyed by time
//   first so a cycle's rows go to the tail of the B-tree and a compacted day is a prefix.
// - history_raw / history_hourly: one row per series per UTC day, its points (chunk_codec) and
//   its hourly aggregates. The row id is day << 24 | series key: rowid tables keep a ~2 KB blob
//   inside the leaf page (a WITHOUT ROWID table would spill it to a mostly empty overflow page),
//   compacting a day appends at the end of the B-tree (full pages), and retention deletes a
//   prefix.
// - history_meta: `compacted_until_day`, the first day whose points are still in the head.
//
// SNMP samples are keyed by time first: a poll round's rows go to the tail of the B-tree (a
// few pages) instead of one leaf page per device, and pruning by time deletes a prefix. A
// device is a small integer key (snmp_devices) rather than its id on every row, which halves
// the file.
constexpr std::string_view kSchemaV7 = R"sql(
CREATE TABLE IF NOT EXISTS history_series (
  series_key INTEGER PRIMARY KEY, policy_id TEXT NOT NULL, metric TEXT NOT NULL,
  UNIQUE (policy_id, metric));
CREATE TABLE IF NOT EXISTS history_head (
  at INTEGER NOT NULL, series_key INTEGER NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (at, series_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history_raw (chunk_id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS history_hourly (chunk_id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS history_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)
  WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS snmp_devices (
  device_key INTEGER PRIMARY KEY, device_id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS snmp_samples (
  at_ms INTEGER NOT NULL, device_key INTEGER NOT NULL, answered INTEGER NOT NULL,
  round_trip_ms REAL, all_up INTEGER, error_delta REAL, packet_delta REAL, oid_values TEXT,
  PRIMARY KEY (at_ms, device_key)) WITHOUT ROWID;
)sql";

// Reports (SPEC 10): a row per requested report, written by the API as `pending` and finished
// by the report worker (`done` with the generated file's name, size and digest, or `failed`
// with the error). policy_ids is a JSON array of the policies it covers.
constexpr std::string_view kSchemaV8 = R"sql(
CREATE TABLE reports (
  id           TEXT    NOT NULL PRIMARY KEY,
  org          TEXT    NOT NULL,
  title        TEXT    NOT NULL,
  period_start INTEGER NOT NULL,
  period_end   INTEGER NOT NULL,
  format       TEXT    NOT NULL CHECK (format IN ('pdf', 'csv')),
  policy_ids   TEXT    NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  error        TEXT,
  file_name    TEXT,
  size         INTEGER,
  sha256       TEXT,
  created_at   INTEGER NOT NULL,
  created_by   TEXT    NOT NULL,
  finished_at  INTEGER
);
CREATE INDEX reports_by_org_created ON reports (org, created_at DESC);
CREATE INDEX reports_pending ON reports (created_at) WHERE status = 'pending';
)sql";

// Report schedules (SPEC 10): the API's schedules (body: their JSON), when the scheduler began
// counting each schedule's occurrences (API and config schedules alike), and one row per run:
// the occurrence it was for and the report it queued, recorded with that report before
// anything is delivered, so an occurrence runs once however often slamon restarts.
constexpr std::string_view kSchemaV9 = R"sql(
CREATE TABLE report_schedules (
  id         TEXT    NOT NULL PRIMARY KEY,
  org        TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (org, name)
);
CREATE TABLE report_schedule_state (
  schedule_id TEXT    NOT NULL PRIMARY KEY,
  since       INTEGER NOT NULL
);
CREATE TABLE report_schedule_runs (
  schedule_id   TEXT    NOT NULL,
  due_at        INTEGER NOT NULL,
  org           TEXT    NOT NULL,
  schedule_name TEXT    NOT NULL,
  report_id     TEXT    NOT NULL UNIQUE,
  notifiers     TEXT    NOT NULL,
  timezone      TEXT    NOT NULL,
  recorded_at   INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, due_at)
);
)sql";

constexpr std::array kMigrations{
    Migration{1, kSchemaV1}, Migration{2, kSchemaV2}, Migration{3, kSchemaV3},
    Migration{4, kSchemaV4}, Migration{5, kSchemaV5}, Migration{6, kSchemaV6},
    Migration{7, kSchemaV7}, Migration{8, kSchemaV8}, Migration{9, kSchemaV9},
};

void require_ordered(std::span<const Migration> list) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].version != static_cast<int>(i) + 1) {
      throw std::invalid_argument("schema migrations must be numbered 1, 2, 3, ... in order");
    }
  }
}

std::string with_path(const std::string& path, const Error& error) {
  return "database '" + path + "': " + error.message;
}

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int latest_version() {
  return kMigrations.back().version;
}

Status check_is_slamon_database(sqlite::Connection& connection, const std::string& path) {
  // The first read of the file is where SQLite notices that it is not a database at all.
  auto application_id = connection.query_int64("read application id", "PRAGMA application_id");
  if (!application_id) {
    const int code = connection.last_error_code();
    if (code == SQLITE_NOTADB) {
      return fail("'" + path + "' is not a slamon database (it is not a SQLite database file)");
    }
    return fail(with_path(path, application_id.error()));
  }
  if (*application_id == kApplicationId) return {};

  auto objects =
      connection.query_int64("count schema objects", "SELECT count(*) FROM sqlite_schema");
  if (!objects) return fail(with_path(path, objects.error()));
  if (*application_id == 0 && *objects == 0) return {};  // a new, empty database
  return fail("'" + path +
              "' is not a slamon database (it is a SQLite database of another application)");
}

Result<int> schema_version(sqlite::Connection& connection) {
  auto has_versions =
      connection.query_int64("look for schema versions",
                             "SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'");
  if (!has_versions) return std::unexpected(has_versions.error());
  if (*has_versions == 0) return 0;
  auto version = connection.query_int64("read schema version",
                                        "SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!version) return std::unexpected(version.error());
  return static_cast<int>(*version);
}

Result<int> migrate(sqlite::Connection& connection, std::span<const Migration> list,
                    const std::string& path) {
  require_ordered(list);
  const int known = list.empty() ? 0 : list.back().version;

  auto transaction = sqlite::Transaction::begin(connection);
  if (!transaction) return fail(with_path(path, transaction.error()));

  if (auto created = connection.exec("create schema_migrations",
                                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                     "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
      !created) {
    return fail(with_path(path, created.error()));
  }
  auto current = connection.query_int64("read schema version",
                                        "SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!current) return fail(with_path(path, current.error()));
  if (*current > known) {
    return fail("database '" + path + "' has schema version " + std::to_string(*current) +
                ", newer than this slamon knows (" + std::to_string(known) +
                "): it was written by a newer slamon; refusing to start");
  }

  auto record = connection.prepare("record schema migration",
                                   "INSERT INTO schema_migrations (version, applied_at) "
                                   "VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
  if (!record) return fail(with_path(path, record.error()));

  for (const Migration& migration : list) {
    if (migration.version <= *current) continue;
    const std::string operation = "schema migration " + std::to_string(migration.version);
    if (auto applied = connection.exec(operation, std::string(migration.sql)); !applied) {
      return fail(with_path(path, applied.error()));
    }
    record->reset();
    if (auto recorded = record->bind_int64(1, migration.version).run(); !recorded) {
      return fail(with_path(path, recorded.error()));
    }
  }
  // The application id lives in the file header, which is written transactionally too.
  if (auto marked = connection.exec("set application id",
                                    "PRAGMA application_id = " + std::to_string(kApplicationId));
      !marked) {
    return fail(with_path(path, marked.error()));
  }
  if (auto committed = transaction->commit(); !committed) {
    return fail(with_path(path, committed.error()));
  }
  if (known > *current) {
    log::info(
        "database schema migrated",
        {{"database", path}, {"from_version", static_cast<int>(*current)}, {"to_version", known}});
  }
  return known;
}

}  // namespace slamon::store_schema
