// Joining a Prometheus query's answer to the policies it feeds (SPEC §4): each target takes the
// value of the series whose scope label carries its scope key. Shared by the engine's cycle
// (one instant vector per query) and `slamon backtest` (one step of a range query's matrix), so
// both decide alike. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/evaluator.h"
#include "engine/planner.h"
#include "sources/metric_source.h"

namespace slamon {

// What a join had to leave out, for the caller to log (once per cycle, or once per backtest).
struct JoinIssues {
  std::size_t unlabelled = 0;          // series without the scope label: ignored
  std::vector<std::string> ambiguous;  // scope keys several series carry: no data for them
  std::size_t extra_series = 0;        // a per-scope query without scope label answered this many
                                       // series instead of one: no data
  bool empty() const { return unlabelled == 0 && ambiguous.empty() && extra_series == 0; }
};

// Sets values[{policy, metric}] for every target of `query` whose scope has exactly one series
// in `samples`. A scope key that appears in more than one series is ambiguous: no data (see
// docs/decisions.md) instead of an arbitrary pick.
JoinIssues join_samples(const PlannedQuery& query, const std::vector<Sample>& samples,
                        MeasuredValues& values);

// Logs `issues` as warnings naming the query's source and scope label.
void log_join_issues(const PlannedQuery& query, const JoinIssues& issues);

}  // namespace slamon
