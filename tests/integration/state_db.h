// Reads slamon's SQLite state file the way an operator's tool would: a read-only connection
// (sqlite3 C API), safe while the daemon runs (WAL). Lets a test check the breaches and the
// events outbox the daemon committed, independently of slamon's own Store code.
// Thread-safe (each call opens and closes its own connection).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace slamon::integration {

struct BreachRow {
  std::string id;
  std::string org;
  std::string policy_id;
  std::string metric;
  std::string severity;
  std::string status;
  std::optional<double> actual;
  double threshold = 0;
  std::optional<double> deviation_percent;
  std::optional<std::string> resolve_reason;
};

struct EventRow {
  long long sequence = 0;
  std::string id;
  std::string type;
  std::string priority;
  std::string org_id;
  std::string breach_id;
  std::string payload;
};

// Every breach, by policy id then metric.
Result<std::vector<BreachRow>> read_breaches(const std::filesystem::path& database);
// Every event of the outbox, in commit order.
Result<std::vector<EventRow>> read_events(const std::filesystem::path& database);

}  // namespace slamon::integration
