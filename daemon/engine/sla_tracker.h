// SlaTracker: the engine's SLA bookkeeping between cycles (SPEC §7). After each evaluation it
// extends every policy's status timeline (up / degraded / down / unknown / maintenance),
// accumulates the current SLA period's downtime, counts outages, decides budget-level events
// (§7.4) and sliding-window escalations (§7.6), and computes what /metrics shows: compliance per
// window (§7.1), error budget remaining and burn rates (§7.5).
//
// A cycle is two steps so nothing is remembered that was not stored: prepare() computes the
// cycle's writes and figures without changing the tracker, the engine commits the writes with
// the breaches, and apply() then makes them the tracker's state. Not thread-safe: the engine
// calls it under its cycle lock.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "engine/evaluator.h"
#include "engine/snapshot.h"
#include "maintenance/maintenance.h"
#include "model/model.h"
#include "sla/accounting.h"
#include "sla/interval.h"
#include "store/store.h"

namespace slamon {

namespace history {
class History;
}

struct SlaCycleInput {
  const std::vector<Policy>* policies = nullptr;  // the cycle's policies (any status)
  const MeasuredValues* values = nullptr;
  const Evaluation* evaluation = nullptr;
  const MaintenanceCalendar* maintenance = nullptr;  // null: no windows
  // The site time zones, for policies without an sla_period; null: UTC.
  const Inventory* inventory = nullptr;
  // Policy id → the window in effect now (as given to the evaluator); null: none.
  const std::map<std::string, std::string>* in_maintenance = nullptr;
  WallTime now{};
  Duration interval{std::chrono::minutes(5)};  // the evaluation interval
};

struct SlaCycleOutput {
  std::vector<StoredStatusSegment> segments;
  std::vector<PolicySignalState> signal_states;
  std::vector<Event> events;  // budget levels and sliding-window escalations
  std::vector<std::pair<Event, std::string>> suppressed;  // ... of policies in maintenance
  std::vector<PolicySla> figures;                         // for the snapshot (/metrics)
};

class SlaTracker {
 public:
  // `store` and `history` may be null (dry runs, tests): then nothing is loaded, burn rates and
  // sliding windows have no history to read.
  SlaTracker(Store* store, history::History* history);

  // Reads the stored timelines and signal state once; later calls do nothing. Only the last
  // kTimelineMemory before `now` is read segment by segment; what is older arrives as per-status
  // totals (from the daily rollup), folded as apply() folds a running timeline.
  Status load(WallTime now);

  SlaCycleOutput prepare(const SlaCycleInput& input) const;
  void apply(const SlaCycleOutput& output);

  // Drops the state of policies that no longer exist.
  void retain_only(const std::vector<Policy>& policies);

 private:
  struct Outage {
    Metric metric = Metric::uptime_percent;
    long long duration_ms = 0;  // as of the last cycle it was seen
    bool operator==(const Outage&) const = default;
  };
  struct Signals {
    // §7.4 / §7.5: the current SLA period and what it has used.
    std::optional<WallTime> period_start;
    double downtime_ms = 0;
    bool warned = false;
    bool critical = false;
    std::map<std::string, Outage> outages;  // breaches opened in this period, by id
    // §7.6
    bool escalated = false;
    std::optional<WallTime> last_escalation;
    bool operator==(const Signals&) const = default;
  };
  struct Track {
    std::string org;
    std::vector<sla::StatusSegment> timeline;
    Signals signals;
  };

  static std::string encode(const Signals& signals);
  static Result<Signals> decode(const std::string& json);

  Store* store_;
  history::History* history_;
  bool loaded_ = false;
  std::map<std::string, Track> tracks_;
};

}  // namespace slamon
