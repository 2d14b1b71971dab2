#include "backtest/sources.h"

#include <algorithm>
#include <variant>

#include "engine/join.h"

namespace slamon::backtest {
namespace {

void mark_all(std::vector<StepMeasurements>& steps, const PlannedQuery& query, Gap gap) {
  for (auto& step : steps) {
    for (const auto& target : query.targets) step.gaps[{target.policy_id, target.metric}] = gap;
  }
}

void describe_join_issues(const PlannedQuery& query, const JoinIssues& issues,
                          std::vector<std::string>& out) {
  const std::string source = "source \"" + query.source + "\": ";
  if (issues.extra_series > 0) {
    out.push_back(source + "a per-scope query answered several series; treated as no data");
  }
  if (issues.unlabelled > 0) {
    out.push_back(source + "series without the scope label " + query.scope_label + " ignored");
  }
  for (const auto& key : issues.ambiguous) {
    out.push_back(source + "several series carry " + query.scope_label + "=\"" + key +
                  "\"; treated as no data");
  }
}

}  // namespace

PrometheusReplaySource::PrometheusReplaySource(std::set<std::string> prometheus_sources,
                                               RangeQueryFn range_query)
    : prometheus_sources_(std::move(prometheus_sources)), range_query_(std::move(range_query)) {}

std::unique_ptr<PrometheusReplaySource> PrometheusReplaySource::for_config(const Config& config) {
  std::set<std::string> names;
  auto sources = std::make_shared<std::map<std::string, std::shared_ptr<PrometheusSource>>>();
  for (const auto& source : config.sources) {
    if (source.type != SourceType::prometheus) continue;
    names.insert(source.name);
    sources->emplace(source.name, std::make_shared<PrometheusSource>(source));
  }
  return std::make_unique<PrometheusReplaySource>(
      std::move(names),
      [sources](const std::string& source, const std::string& query, WallTime start, WallTime end,
                Duration step) -> Result<RangeQueryResult> {
        auto it = sources->find(source);
        if (it == sources->end()) return fail("no Prometheus source named \"" + source + "\"");
        return it->second->query_range(query, start, end, step);
      });
}

Result<std::vector<StepMeasurements>> PrometheusReplaySource::measure(
    const std::vector<PlannedQuery>& queries, const StepGrid& grid, std::size_t first,
    std::size_t count) {
  std::vector<StepMeasurements> steps(count);
  const WallTime start = grid.at(first);
  const WallTime end = grid.at(first + count - 1);
  std::vector<std::vector<Sample>> samples_by_step(count);
  for (const PlannedQuery& query : queries) {
    const auto* promql = std::get_if<PromQlQuery>(&query.query);
    if (promql == nullptr || !prometheus_sources_.contains(query.source)) {
      mark_all(steps, query, Gap::not_replayable);
      continue;
    }
    ++range_queries_;
    auto answer = range_query_(query.source, promql->promql, start, end, grid.step);
    if (!answer) {
      note(answer.error().message, count);
      mark_all(steps, query, Gap::source_failed);
      continue;
    }
    // Each step gets the samples Prometheus evaluated at its instant: exactly what an instant
    // query at that time answers. Only the scope label matters to the join, so only it is kept.
    for (auto& samples : samples_by_step) samples.clear();
    for (const RangeSeries& series : answer->series) {
      std::map<std::string, std::string> labels;
      if (!query.scope_label.empty()) {
        if (auto label = series.labels.find(query.scope_label); label != series.labels.end()) {
          labels.emplace(*label);
        }
      }
      for (const auto& [at, value] : series.points) {
        if (at < start || at > end) continue;
        const auto offset = std::chrono::duration_cast<Duration>(at - start);
        if (offset % grid.step != Duration::zero()) continue;  // not one of our instants
        samples_by_step[static_cast<std::size_t>(offset / grid.step)].push_back(
            Sample{labels, value});
      }
    }
    std::vector<std::string> issues;
    for (std::size_t i = 0; i < count; ++i) {
      const JoinIssues found = join_samples(query, samples_by_step[i], steps[i].values);
      if (!found.empty()) describe_join_issues(query, found, issues);
    }
    for (const auto& issue : issues) note(issue, 1);
  }
  return steps;
}

void PrometheusReplaySource::note(const std::string& problem, std::size_t steps) {
  problems_[problem] += steps;
}

std::vector<std::string> PrometheusReplaySource::problems() const {
  std::vector<std::string> out;
  for (const auto& [problem, steps] : problems_) {
    out.push_back(problem + " (" + std::to_string(steps) + (steps == 1 ? " step)" : " steps)"));
  }
  return out;
}

HistoryReplaySource::HistoryReplaySource(HistoryPointsFn points) : points_(std::move(points)) {}

Result<std::vector<StepMeasurements>> HistoryReplaySource::measure(
    const std::vector<PlannedQuery>& queries, const StepGrid& grid, std::size_t first,
    std::size_t count) {
  std::vector<StepMeasurements> steps(count);
  std::set<SeriesKey> keys;
  for (const auto& query : queries) {
    for (const auto& target : query.targets) keys.insert({target.policy_id, target.metric});
  }
  const WallTime from = grid.at(first);
  const WallTime to = grid.at(first + count - 1) + grid.step;
  std::vector<double> weighted_sum(count);
  std::vector<long long> weight(count);
  for (const auto& key : keys) {
    auto points = points_(key.first, key.second, from, to);
    if (!points) {
      return fail("cannot read the history of " + key.first + " " +
                  std::string(to_string(key.second)) + ": " + points.error().message);
    }
    std::fill(weighted_sum.begin(), weighted_sum.end(), 0.0);
    std::fill(weight.begin(), weight.end(), 0);
    for (const history::Point& point : *points) {
      const auto index = grid.index_containing(point.at);
      if (!index || *index < first || *index >= first + count || point.count <= 0) continue;
      weighted_sum[*index - first] += point.mean * point.count;
      weight[*index - first] += point.count;
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (weight[i] > 0) {
        steps[i].values[key] = weighted_sum[i] / static_cast<double>(weight[i]);
      } else {
        steps[i].gaps[key] = Gap::not_recorded;
      }
    }
  }
  return steps;
}

}  // namespace slamon::backtest
