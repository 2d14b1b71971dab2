// The /metrics exposition (SPEC §12): renders the latest evaluation snapshot and the process
// counters as Prometheus text format 0.0.4. The text is built fresh from its input on every
// scrape (no registry keeps old series), so a policy, verdict or breach that leaves the
// snapshot stops being exported at once. A pure function of its input: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "engine/engine.h"
#include "engine/snapshot.h"
#include "snmp/snmp_service.h"

namespace slamon::metrics {

inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Outcome of configuration reloads; the initial load counts as the first one.
struct ReloadStatus {
  bool last_successful = true;
  std::optional<WallTime> last_success;
};

// The delivery worker's figures (SPEC §9.3, §12).
struct NotifierDeliveryCounts {
  std::string notifier;
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;
  std::uint64_t dead = 0;
  // Until when a receiver's Retry-After pauses the notifier's lane (Unix seconds); 0: not paused.
  double paused_until_timestamp_seconds = 0;
};
struct OutboxStatus {
  std::vector<NotifierDeliveryCounts> notifiers;  // every configured notifier
  long long pending = 0;                          // deliveries pending + events not yet routed
  double oldest_pending_age_seconds = 0;          // 0 when nothing is pending
};

// Failures the daemon survived by degrading, counted since start; each is also logged.
struct DegradedCounts {
  // Housekeeping after a cycle (slamon_housekeeping_failures_total{task}).
  std::uint64_t retention_failures = 0;             // history retention and downsampling
  std::uint64_t rollup_failures = 0;                // the daily status timeline rollup
  std::uint64_t checkpoint_failures = 0;            // the state database's WAL checkpoint
  std::uint64_t alertmanager_refresh_skipped = 0;   // the previous refresh still ran
  std::uint64_t alertmanager_refresh_failures = 0;  // per Alertmanager notifier and refresh
  std::uint64_t outbox_read_failures = 0;           // scrapes without the outbox families
  std::uint64_t history_corrupt_chunks = 0;         // history reads that met a corrupt chunk
};

// The report worker's figures (SPEC §10, §12).
struct ReportRenderCount {
  std::string format;  // pdf | csv
  std::string result;  // success | failure
  std::uint64_t count = 0;
};
// One report schedule (SPEC §10) in force.
struct ReportScheduleMetrics {
  std::string schedule;                    // its id
  std::optional<double> last_run_seconds;  // unix time of its latest run; nullopt: never ran
  std::uint64_t failures = 0;              // runs not recorded, or whose report failed, since start
};
struct ReportStatus {
  std::vector<ReportRenderCount> renders;
  double duration_seconds_sum = 0;  // wall time of every render
  std::uint64_t durations = 0;
  std::vector<ReportScheduleMetrics> schedules;
};

struct ExpositionInput {
  SnapshotPtr snapshot;  // null before the first cycle finished
  EngineCounters counters;
  ReloadStatus reload;
  std::string version;
  std::string revision;
  std::optional<OutboxStatus> outbox;    // nullopt: not known (the outbox could not be read)
  std::optional<snmp::SnmpStatus> snmp;  // nullopt: no SNMP service running
  DegradedCounts degraded;
  std::optional<ReportStatus> reports;  // nullopt: no report worker running
};

// Families whose input is empty (no policies, no sources, no breaches opened yet, no
// successful cycle yet) are left out entirely rather than exported with only HELP/TYPE.
std::string render_metrics(const ExpositionInput& input);

}  // namespace slamon::metrics
