// Store: slamon's durable state in SQLite (WAL, synchronous=FULL): breaches and the events
// outbox, with versioned schema migrations applied on open. A breach change and the events it
// causes are written in one transaction, so a crash never loses a breach nor leaves an event
// for a change that was not stored. Thread-safe: calls are serialized on one connection.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/model.h"

struct sqlite3;

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

  // Every breach whose status is active or acknowledged.
  Result<std::vector<Breach>> open_breaches();
  Result<std::optional<Breach>> breach(const std::string& id);
  Result<std::vector<Breach>> breaches(const BreachQuery& query);

  // Inserts or updates `breaches` (by id) and appends `events` to the outbox, atomically.
  Status commit(const std::vector<Breach>& breaches, const std::vector<Event>& events);

  // Outbox, oldest first, not yet marked delivered.
  Result<std::vector<StoredEvent>> pending_events(int limit);
  Result<long long> pending_event_count();

 private:
  explicit Store(sqlite3* db);
  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace slamon
