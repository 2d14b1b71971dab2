// Where a backtest's measurements come from (SPEC §7.1): Prometheus range queries, one per
// planned query per run of at most 10,000 steps, split into steps and joined to policies as the
// engine joins an instant answer; or slamon's own history, one read per policy × metric. Not
// thread-safe: one replay uses one source from one thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "backtest/replay.h"
#include "config/config.h"
#include "history/history.h"
#include "prometheus/prometheus_source.h"

namespace slamon::backtest {

// One range query against the Prometheus source named `source` (injected so tests can fake it).
using RangeQueryFn =
    std::function<Result<RangeQueryResult>(const std::string& source, const std::string& query,
                                           WallTime start, WallTime end, Duration step)>;

// Below Prometheus' 11,000 points per series, with room for a step of rounding.
inline constexpr std::size_t kStepsPerRangeQuery = 10'000;

class PrometheusReplaySource final : public ReplaySource {
 public:
  // Queries of the sources named in `prometheus_sources` go through `range_query`; those of any
  // other source (SNMP) cannot be replayed from Prometheus: Gap::not_replayable.
  PrometheusReplaySource(std::set<std::string> prometheus_sources, RangeQueryFn range_query);
  // The production form: a PrometheusSource per Prometheus source of `config`.
  static std::unique_ptr<PrometheusReplaySource> for_config(const Config& config);

  std::size_t max_steps_per_call() const override { return kStepsPerRangeQuery; }
  Result<std::vector<StepMeasurements>> measure(const std::vector<PlannedQuery>& queries,
                                                const StepGrid& grid, std::size_t first,
                                                std::size_t count) override;
  std::vector<std::string> problems() const override;

  // Range queries sent so far (for tests and the report).
  std::size_t range_queries() const { return range_queries_; }

 private:
  void note(const std::string& problem, std::size_t steps);

  std::set<std::string> prometheus_sources_;
  RangeQueryFn range_query_;
  std::size_t range_queries_ = 0;
  std::map<std::string, std::size_t> problems_;  // problem → steps it touched
};

// Reads one series of slamon's history (history::History::points).
using HistoryPointsFn = std::function<Result<std::vector<history::Point>>(
    const std::string& policy_id, Metric metric, WallTime from, WallTime to)>;

// A point at t applies to the step whose interval [at(i), at(i) + step) holds t; several points
// in one step are averaged (weighted by their count, so hourly aggregates weigh what they hold).
// A step without a point is Gap::not_recorded: the history cannot tell "no data" from "slamon
// was not running", so it changes no breach.
class HistoryReplaySource final : public ReplaySource {
 public:
  explicit HistoryReplaySource(HistoryPointsFn points);

  std::size_t max_steps_per_call() const override { return kStepsPerRangeQuery; }
  Result<std::vector<StepMeasurements>> measure(const std::vector<PlannedQuery>& queries,
                                                const StepGrid& grid, std::size_t first,
                                                std::size_t count) override;
  std::vector<std::string> problems() const override { return {}; }

 private:
  HistoryPointsFn points_;
};

}  // namespace slamon::backtest
