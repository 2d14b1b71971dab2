// Store: slamon's durable state in SQLite (WAL, synchronous=FULL): breaches, the events
// outbox and the policies created through the API, with versioned schema migrations applied
// on open. A breach change and the events it causes are written in one transaction, so a crash
// never loses a breach nor leaves an event for a change that was not stored. Thread-safe: calls
// are serialized on one connection.
//
// Values come back as they were committed, including +/-infinity, with three exceptions that
// SQLite imposes: times are kept to the millisecond, NaN is kept as an absent value (NULL; a
// NaN threshold is refused) and -0.0 reads back as 0.0.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/model.h"
#include "store/sqlite.h"

namespace slamon {

// An event as kept in the outbox, with its delivery bookkeeping.
struct StoredEvent {
  long long sequence = 0;  // commit order
  std::string id;
  std::string type;
  std::string org_id;
  std::string breach_id;
  std::string payload;  // the SPEC §9.1 JSON
  WallTime occurred_at{};
};

struct BreachQuery {
  std::optional<std::string> org;
  std::optional<std::string> policy_id;
  std::optional<BreachStatus> status;
  // Only breaches whose scope_id (or, for ssid, scope_name) is one of these; nullopt = any.
  // Used for site filters and site grants (the API computes the scope ids at the sites). An
  // empty list matches nothing; any number of keys may be given (they are bound as one value).
  std::optional<std::vector<std::string>> scope_keys;
  // Only breaches with an open status (active or acknowledged); combined with `status`.
  bool open_only = false;
  int limit = 50;
  int offset = 0;
};

// A policy created through the API (SPEC §11), as stored: the policy and its bookkeeping.
struct StoredPolicy {
  Policy policy;  // provisioned == false
  WallTime created_at{};
  WallTime updated_at{};
  long long revision = 1;  // +1 on every update; lets writers detect a concurrent change
};

// Why a write was refused, so the API can answer 404 / 409 without parsing messages.
enum class WriteFailure { not_found, conflict, storage };
struct WriteError {
  WriteFailure kind = WriteFailure::storage;
  std::string message;
};
template <typename T>
using WriteResult = std::expected<T, WriteError>;

// SPEC §7.1: one stretch of a policy's status; `status` is up | degraded | down | unknown |
// maintenance (sla/accounting.h spells them). Keyed by (policy_id, start).
struct StoredStatusSegment {
  std::string policy_id;
  std::string org;
  WallTime start{};
  WallTime end{};
  std::string status;
};

// Time of each status (SPEC §7.1) that a policy's timeline records within a span. Time the
// timeline does not cover is in none of them: it is unknown too, but only the caller knows the
// span it asked about (and when the policy began).
struct StatusTotals {
  std::string policy_id;
  std::string org;
  Duration up{0}, degraded{0}, down{0}, unknown{0}, maintenance{0};
  Duration covered() const { return up + degraded + down + unknown + maintenance; }
};

// A policy's status totals over one UTC day, [day, day + 24h).
struct StatusDay {
  WallTime day{};
  StatusTotals totals;
};

// An event a maintenance window suppressed (SPEC §7.3), kept instead of being sent.
struct SuppressedEvent {
  Event event;
  std::string maintenance_id;
};
struct StoredSuppressedEvent {
  std::string id;
  std::string org_id;
  std::string type;
  std::string policy_id;
  std::string maintenance_id;
  WallTime occurred_at{};
  std::string payload;  // the SPEC §9.1 JSON, as it would have been sent
};

// What the engine must remember about a policy across restarts (SPEC §7.4, §7.6): a JSON
// object of its own making.
struct PolicySignalState {
  std::string policy_id;
  std::string state;
};

// A maintenance window created through the API (SPEC §7.3): `body` is its JSON.
struct StoredMaintenance {
  std::string id;
  std::string org;
  std::string body;
  WallTime created_at{};
  std::string created_by;
};

// Everything one evaluation cycle writes, committed in one transaction.
struct CycleWrite {
  std::vector<Breach> breaches;
  std::vector<Event> events;
  std::vector<StoredStatusSegment> segments;  // inserted or replaced by (policy_id, start)
  std::vector<SuppressedEvent> suppressed;
  std::vector<PolicySignalState> signal_states;  // inserted or replaced by policy_id
  bool empty() const {
    return breaches.empty() && events.empty() && segments.empty() && suppressed.empty() &&
           signal_states.empty();
  }
};

class Store {
 public:
  // Opens (creating if needed) the database at `path` and migrates it to the current schema.
  // Fails with a readable message when the file is not a slamon database, is from a newer
  // slamon, or cannot be opened.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version();

  // Every breach whose status is active or acknowledged, oldest first (opened_at, then id).
  Result<std::vector<Breach>> open_breaches();
  Result<std::optional<Breach>> breach(const std::string& id);
  // Newest first (opened_at DESC, then id), filtered and paged by `query`.
  Result<std::vector<Breach>> breaches(const BreachQuery& query);
  // How many breaches match the filters of `query` (its limit and offset are ignored).
  Result<long long> count_breaches(const BreachQuery& query);

  // The engine's write: inserts or updates `breaches` (by id, in order) and appends `events` to
  // the outbox, in one transaction: on any failure nothing is written and the error is
  // returned. The database refuses a second open breach for the same (policy, metric); to
  // replace one in a single commit, list the resolved breach before the new one.
  //
  // An update writes only what the engine owns: actual, threshold, deviation, severity, peak
  // severity, last_evaluated_at, and, when the new status is resolved, status, resolved_at and
  // resolve_reason. It never changes a stored acknowledgement nor turns an acknowledged breach
  // back to active, so an acknowledge() made while a cycle ran survives that cycle's commit of
  // the breach as the cycle read it. (The identity columns, org to opened_at, never change.)
  Status commit(const std::vector<Breach>& breaches, const std::vector<Event>& events);
  // The same, with the cycle's SLA bookkeeping (status segments, suppressed events, signal
  // state) in the same transaction.
  Status commit(const CycleWrite& write);

  // SPEC §7.1 status timelines. Segments of `policy_id` (every policy when nullopt) that
  // overlap [from, to), ordered by policy, start.
  Result<std::vector<StoredStatusSegment>> status_segments(
      const std::optional<std::string>& policy_id, WallTime from, WallTime to);
  // The time of the policy's first segment (nullopt: never evaluated).
  Result<std::optional<WallTime>> first_status_time(const std::string& policy_id);
  Result<std::vector<PolicySignalState>> signal_states();

  // Daily rollup of the status timelines, so month-long answers for every policy read one row
  // per policy-day. Sums every whole UTC day that ends at or before `closed_before` and was not
  // summed yet into policy_status_days, a batch of policies per transaction (the lock is
  // released between batches). The caller must pass a time no cycle will write before any
  // more: cycles only change the timeline after (cycle time - evaluation interval), so the
  // daemon passes now - max(1 day, interval). Should a commit still write into a summed day
  // (the clock went back), that day and the later ones are summed again. Returns the number
  // of days summed.
  Result<int> roll_up_status_days(WallTime closed_before);
  // Each policy's status totals over [from, to), for every policy with timeline in it (those of
  // `org` only when given), ordered by policy id. Whole summed days come from the rollup; the
  // rest, from the segments.
  Result<std::vector<StatusTotals>> status_totals(const std::optional<std::string>& org,
                                                  WallTime from, WallTime to);
  // Per policy and UTC day overlapping [from, to) (whole days, even at the edges), the
  // status totals: one row per policy-day with any timeline, ordered by policy id, day.
  // Filtered to `org` and to `policy_id` when given.
  Result<std::vector<StatusDay>> status_days(const std::optional<std::string>& org,
                                             const std::optional<std::string>& policy_id,
                                             WallTime from, WallTime to);

  // SPEC §7.3 windows created through the API, of `org` (every org when nullopt), oldest first.
  Result<std::vector<StoredMaintenance>> maintenance_windows(const std::optional<std::string>& org);
  // conflict: the id exists.
  WriteResult<void> insert_maintenance(const StoredMaintenance& window);
  // not_found: no such window in `org`.
  WriteResult<void> delete_maintenance(const std::string& org, const std::string& id);
  // Changes after every maintenance write made through this Store. Never 0.
  long long maintenance_revision() const { return maintenance_revision_.load(); }
  // Suppressed events of `org`, newest first; only those of `maintenance_id` when given.
  Result<std::vector<StoredSuppressedEvent>> suppressed_events(
      const std::string& org, const std::optional<std::string>& maintenance_id, int limit);
  Result<long long> count_suppressed_events(const std::string& org,
                                            const std::optional<std::string>& maintenance_id);

  // Policies created through the API, of every org, ordered by org, name. A stored policy that
  // cannot be read back fails the whole read (naming it) rather than being skipped, since the
  // engine would take a skipped policy for a deleted one and resolve its breaches.
  Result<std::vector<StoredPolicy>> policies();
  // The policy with this id, of any org: the caller compares policy.org with its own.
  Result<std::optional<StoredPolicy>> policy(const std::string& id);
  // Changes (never to a value seen before) after every successful policy write made through
  // this Store, so the engine re-reads the policies only when needed. Never 0.
  long long policies_revision();
  // Stores `policy` (its org, id and name are taken as given; provisioned is stored as false)
  // at revision 1 with created_at = updated_at = now. conflict: the id exists (in any org:
  // policy ids are global, as breaches and events name them), or the name is taken in the org.
  // A policy with an empty id, org or name, or a non-finite threshold, is refused (storage).
  WriteResult<StoredPolicy> insert_policy(const Policy& policy, WallTime now);
  // Replaces the policy with id `policy.id` of org `policy.org` (org and created_at are kept),
  // bumping its revision and updated_at. not_found: no such policy in that org; conflict:
  // `expected_revision` is not the stored revision ("changed concurrently"), or the new name is
  // taken in the org.
  WriteResult<StoredPolicy> update_policy(const Policy& policy, long long expected_revision,
                                          WallTime now);
  // not_found: no such policy in `org`. The policy's open breaches are left to the engine,
  // which resolves them ("policy deleted") on its next cycle.
  WriteResult<void> delete_policy(const std::string& org, const std::string& id);

  // SPEC §6.3 acknowledge, atomically with its sla.breach.acknowledged event (built by
  // `make_event_for`, given the acknowledged breach). not_found: no breach with that id in
  // `org`; conflict: the breach is not active (already acknowledged, or resolved). Returns the
  // breach as stored (acknowledged_at is `now` to the millisecond).
  WriteResult<Breach> acknowledge(const std::string& org, const std::string& breach_id,
                                  const std::string& principal,
                                  const std::optional<std::string>& notes, WallTime now,
                                  const std::function<Event(const Breach&)>& make_event_for);

  // Changes after every successful write to the database, once it is visible to readers: the
  // writes made through this Store (breaches, events, acknowledgements, policies), and commits
  // by any other connection or process to the same file (SQLite's data_version), such as
  // `slamon eval --once` or the delivery worker. A reader that reads it before querying can
  // tell later whether its answer may be stale. 0 when the database cannot be asked (never a
  // generation a reader may keep answers under).
  std::uint64_t data_generation();

  // Copies the write-ahead log back into the database as far as no reader needs it (a PASSIVE
  // checkpoint: it never waits for readers or writers). This connection does not checkpoint by
  // itself inside a commit; the daemon calls this after each cycle.
  Status checkpoint();

  // Outbox, oldest first, not yet marked delivered.
  Result<std::vector<StoredEvent>> pending_events(int limit);
  Result<long long> pending_event_count();

 private:
  Store(sqlite::Connection connection, int schema_version);
  // The rollup's marker (days before it are summed); nullopt: nothing summed yet. Call with
  // mutex_ held.
  Result<std::optional<long long>> rolled_through_locked();
  // The next policy id after `after` with any timeline ("" for the first). Lock held.
  Result<std::optional<std::string>> next_timeline_policy_locked(const std::string& after);
  // Calls `visit` for each policy with a timeline in id order (only `only`, when given), with a
  // statement prepared for kPolicySegmentsSql. Takes mutex_ itself, a batch of policies at a time.
  Status for_each_timeline_policy(
      const std::optional<std::string>& only,
      const std::function<Status(const std::string&, sqlite::Statement&)>& visit);
  std::mutex mutex_;
  sqlite::Connection connection_;
  int schema_version_;
  // Bumped under mutex_ after each committed policy write; read without it.
  std::atomic<long long> policies_revision_{1};
  std::atomic<long long> maintenance_revision_{1};
  std::atomic<std::uint64_t> data_generation_{1};
};

}  // namespace slamon
