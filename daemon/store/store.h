// Store: slamon's durable state in SQLite (WAL, synchronous=FULL): breaches and the events
// outbox, with versioned schema migrations applied on open. A breach change and the events it
// causes are written in one transaction, so a crash never loses a breach nor leaves an event
// for a change that was not stored. Thread-safe: calls are serialized on one connection.
//
// Values come back as they were committed, including +/-infinity, with three exceptions that
// SQLite imposes: times are kept to the millisecond, NaN is kept as an absent value (NULL; a
// NaN threshold is refused) and -0.0 reads back as 0.0.
#pragma once

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
  int limit = 50;
  int offset = 0;
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

  // Inserts or updates `breaches` (by id, in order) and appends `events` to the outbox, in one
  // transaction: on any failure nothing is written and the error is returned. The database
  // refuses a second open breach for the same (policy, metric); to replace one in a single
  // commit, list the resolved breach before the new one.
  Status commit(const std::vector<Breach>& breaches, const std::vector<Event>& events);

  // Outbox, oldest first, not yet marked delivered.
  Result<std::vector<StoredEvent>> pending_events(int limit);
  Result<long long> pending_event_count();

 private:
  Store(sqlite::Connection connection, int schema_version);
  std::mutex mutex_;
  sqlite::Connection connection_;
  int schema_version_;
};

}  // namespace slamon
