// Engine: runs evaluation cycles (SPEC §6.1): plan the measurements the active policies need,
// fetch them (batched, in parallel), evaluate, commit breach changes and their events in one
// transaction, and publish a new Snapshot. At most one cycle runs at a time; a cycle asked for
// while another runs is skipped and counted. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "engine/sla_tracker.h"
#include "engine/snapshot.h"
#include "maintenance/maintenance.h"
#include "sources/metric_source.h"

namespace slamon {

class Store;

namespace history {
class History;
}

struct CycleOptions {
  bool dry_run = false;            // evaluate only: persist nothing, publish nothing
  std::optional<std::string> org;  // only this org's policies (API /evaluate)
  // Wait for a running cycle to finish instead of skipping (API /evaluate asks for a cycle
  // now; the scheduler must never queue up behind itself).
  bool wait_if_running = false;
};

struct CycleReport {
  SnapshotPtr snapshot;
  int policies_evaluated = 0;
  int breaches_opened = 0;
  int breaches_escalated = 0;
  int breaches_resolved = 0;
  int no_data = 0;
  int queries = 0;
  int sla_events = 0;         // budget levels and sliding-window escalations published
  int suppressed_events = 0;  // events a maintenance window suppressed
  // Where the cycle's wall time went (steady clock), for logs and benchmarks.
  double fetch_seconds = 0;     // waiting on sources (queries run in parallel)
  double evaluate_seconds = 0;  // planning, joining and evaluating
  double commit_seconds = 0;    // the store transaction
};

// Counters since start, read by /metrics.
struct EngineCounters {
  long long evaluations_total = 0;
  long long evaluation_failures_total = 0;
  long long evaluations_skipped_total = 0;
  // Degraded cycles: the cycle went on without the history or the stored maintenance windows.
  long long history_append_failures_total = 0;    // measured values not added to the history
  long long maintenance_read_failures_total = 0;  // only the config's windows applied
  std::optional<WallTime> last_success;
  std::map<std::pair<std::string, Severity>, long long> breaches_opened_total;  // (org, severity)
};

class Engine {
 public:
  // `store` may be null only for dry runs.
  // `sources` creates the MetricSource of each configured source (the app composes it from the
  // source libraries' factories, see SourceRegistry; tests inject fakes).
  Engine(Clock& clock, Store* store, SourceFactory sources);

  // Runs one cycle now with `config`, unless one is already running: then returns an Error
  // "skipped" and counts the skip.
  Result<CycleReport> run_cycle(const ConfigPtr& config, const CycleOptions& options = {});

  // Counts a cycle that was due while another was still running (SPEC §6.1).
  void count_skipped();

  // The history each cycle's measured values are appended to and burn rates and sliding
  // windows read (SPEC §7.1); must outlive the engine. Set before the first cycle.
  void set_history(history::History* history);

  // The maintenance windows in effect for `config` (its own and the store's), rebuilt when
  // either changes. Never null: on a failed read, the config's windows only.
  std::shared_ptr<const MaintenanceCalendar> maintenance_calendar(const ConfigPtr& config);

  SnapshotPtr snapshot() const;
  EngineCounters counters() const;
  bool cycle_running() const { return running_.load(); }

 private:
  // The policies of a cycle: the provisioned ones of `config` and the store's API policies
  // (a provisioned policy wins an id collision), limited to `org` when given.
  Result<std::vector<Policy>> cycle_policies(const Config& config,
                                             const std::optional<std::string>& org);
  // Re-reads the store's API policies when its policies_revision() moved.
  Status refresh_api_policies();

  Clock& clock_;
  Store* store_;
  history::History* history_ = nullptr;
  SlaTracker sla_;  // guarded by cycle_mutex_
  std::mutex calendar_mutex_;
  std::shared_ptr<const MaintenanceCalendar> calendar_;
  const Config* calendar_config_ = nullptr;
  ConfigPtr calendar_config_owner_;  // keeps the inventory the calendar points into alive
  long long calendar_revision_ = 0;
  SourceFactory source_factory_;
  std::atomic<bool> running_{false};
  mutable std::mutex state_mutex_;  // guards snapshot_ and counters_
  SnapshotPtr snapshot_;
  EngineCounters counters_;
  std::mutex cycle_mutex_;  // held for the whole of a cycle
  // Guarded by cycle_mutex_: the store's API policies as of api_policies_revision_, and the
  // ids already warned about for colliding with a provisioned policy.
  std::optional<long long> api_policies_revision_;
  std::vector<Policy> api_policies_;
  std::set<std::string> warned_shadowed_ids_;
};

}  // namespace slamon
