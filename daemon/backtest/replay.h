// Replay: `slamon backtest`'s core (SPEC §1, §7.1). It steps through a past interval at fixed
// instants, asks a ReplaySource what the planned queries measured at each step, and runs the
// engine's pure evaluator on it, keeping the breaches in memory: nothing is stored, no event is
// sent. The result lists every breach that would have opened and closed, with its severities.
// replay() is pure apart from its ReplaySource; ReplaySource implementations need not be
// thread-safe (one replay uses one source from one thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "engine/evaluator.h"
#include "engine/planner.h"
#include "model/model.h"

namespace slamon::backtest {

// Limits that keep a backtest's memory and its load on Prometheus bounded.
inline constexpr std::size_t kMaxSteps = 100'000;
inline constexpr std::chrono::days kMaxInterval{400};

// The instants a backtest evaluates at: from, from + step, ... up to and including `to` when it
// falls on a step. Step i stands for the interval [at(i), at(i) + step).
struct StepGrid {
  WallTime from{};
  WallTime to{};
  Duration step{0};
  std::size_t count = 0;

  WallTime at(std::size_t i) const { return from + step * static_cast<long long>(i); }
  WallTime last() const { return at(count - 1); }
  // The step whose interval holds `t`, or nullopt when `t` lies outside every step.
  std::optional<std::size_t> index_containing(WallTime t) const;
};

// Checks the interval (from < to, at most kMaxInterval, step > 0, at most kMaxSteps steps) and
// lays out its steps. Errors are meant for the command line as they are.
Result<StepGrid> make_grid(WallTime from, WallTime to, Duration step);

using SeriesKey = std::pair<std::string, Metric>;  // (policy id, metric)

// Why a policy × metric has no value at a step although the policy is evaluated. Each of these
// changes no breach (as a failed source does in the engine, docs/decisions.md), unlike the
// plain "no data" of a source that answered without a value, which follows the policy's
// `no_data` mode.
enum class Gap : std::uint8_t {
  source_failed,   // the query failed (Prometheus unreachable, an error answer)
  not_replayable,  // the measurement cannot be replayed from this source (SNMP from Prometheus)
  not_recorded,    // slamon's history holds no point for the step
};
std::string_view to_string(Gap gap);

// What the planned queries measured at one step.
struct StepMeasurements {
  MeasuredValues values;          // as the engine's cycle would have joined them
  std::map<SeriesKey, Gap> gaps;  // keys without a value for a reason other than no data
};

class ReplaySource {
 public:
  virtual ~ReplaySource() = default;
  // How many steps one measure() call may cover (Prometheus answers at most 11,000 points per
  // series); the replay asks for consecutive runs of at most this many.
  virtual std::size_t max_steps_per_call() const = 0;
  // The measurements of steps [first, first + count) of `grid` for `queries`, one per step.
  // A failure of one query is a Gap at its steps, not an Error; an Error stops the backtest.
  virtual Result<std::vector<StepMeasurements>> measure(const std::vector<PlannedQuery>& queries,
                                                        const StepGrid& grid, std::size_t first,
                                                        std::size_t count) = 0;
  // Problems met so far (a failed query, an ambiguous series), each once, safe to print.
  virtual std::vector<std::string> problems() const = 0;
};

// A breach as the replay saw it live.
struct ReplayedBreach {
  std::string org;
  std::string policy_id;
  std::string policy_name;
  Scope scope = Scope::organization;
  std::string scope_key;  // scope_id, or scope_name for ssid, or empty for organization
  Metric metric = Metric::uptime_percent;
  double threshold = 0;
  std::size_t opened_step = 0;
  WallTime opened_at{};
  std::optional<std::size_t> closed_step;  // nullopt: still open at the last step
  std::optional<WallTime> closed_at;
  std::string close_reason;  // "recovered", "no data" (no_data: resolve); empty while open
  Severity opening_severity = Severity::warning;
  Severity peak_severity = Severity::warning;
  Severity last_severity = Severity::warning;  // at close, or at the last step when still open
  std::optional<double> opening_actual;        // nullopt when opened by no_data: breach
  std::optional<double> last_actual;           // the last violating value
  int escalations = 0;                         // warning → critical transitions

  bool still_open() const { return !closed_at.has_value(); }
  // closed_at − opened_at; for a breach still open, up to the last step (a lower bound).
  Duration duration(const StepGrid& grid) const;
};

// How the steps of one policy × metric went.
struct SeriesCoverage {
  std::string policy_id;
  Metric metric = Metric::uptime_percent;
  std::size_t with_data = 0;
  std::size_t no_data = 0;  // the source answered without a value (the policy's no_data mode)
  std::size_t source_failed = 0;
  std::size_t not_replayable = 0;
  std::size_t not_recorded = 0;
};

struct ReplayReport {
  StepGrid grid;
  std::size_t policies_evaluated = 0;    // active policies
  std::vector<ReplayedBreach> breaches;  // by opened_at, then policy id, then metric
  std::vector<SeriesCoverage> coverage;  // by policy id, then metric
  std::vector<std::string> problems;     // from the source
};

// Replays `policies` (every status; only active ones are evaluated) over `grid`, starting with
// no open breach: the queries are planned once from `config`, measured through `source` and
// evaluated step by step with the engine's evaluator.
Result<ReplayReport> replay(const Config& config, const std::vector<Policy>& policies,
                            const StepGrid& grid, ReplaySource& source);

}  // namespace slamon::backtest
