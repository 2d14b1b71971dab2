// DegradedCounters: the failures the daemon works around rather than stops for (housekeeping,
// the Alertmanager refresh, reading the outbox for /metrics), counted for /metrics so that an
// operator sees what the log says (docs/metrics.md). Thread-safe: each count is an atomic, so
// the cycle thread, background tasks and HTTP workers count and read concurrently.
#pragma once

#include <atomic>
#include <cstdint>

#include "metrics/exposition.h"

namespace slamon {

struct DegradedCounters {
  std::atomic<std::uint64_t> retention_failures{0};
  std::atomic<std::uint64_t> rollup_failures{0};
  std::atomic<std::uint64_t> checkpoint_failures{0};
  std::atomic<std::uint64_t> alertmanager_refresh_skipped{0};
  std::atomic<std::uint64_t> alertmanager_refresh_failures{0};
  std::atomic<std::uint64_t> outbox_read_failures{0};

  // The counts as /metrics renders them; history_corrupt_chunks is the history's own and left 0.
  metrics::DegradedCounts read() const {
    return {.retention_failures = retention_failures.load(),
            .rollup_failures = rollup_failures.load(),
            .checkpoint_failures = checkpoint_failures.load(),
            .alertmanager_refresh_skipped = alertmanager_refresh_skipped.load(),
            .alertmanager_refresh_failures = alertmanager_refresh_failures.load(),
            .outbox_read_failures = outbox_read_failures.load(),
            .history_corrupt_chunks = 0};
  }
};

}  // namespace slamon
