// PrometheusSource: a MetricSource over Prometheus' HTTP API (`/api/v1/query`, and
// `/api/v1/query_range` for `slamon backtest`), with the timeout, bearer / basic auth and TLS
// options of SPEC §2; make_prometheus_source is the factory the app registers for
// `type: prometheus`. Thread-safe: each call uses its own curl handle.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "sources/metric_source.h"

namespace slamon {

struct HttpResponse;

// One series of a range query's answer (a matrix): its labels and its points, oldest first.
// Values may be NaN or ±Inf exactly as Prometheus reported them.
struct RangeSeries {
  std::map<std::string, std::string> labels;
  std::vector<std::pair<WallTime, double>> points;
};

struct RangeQueryResult {
  std::vector<RangeSeries> series;
  std::chrono::steady_clock::duration elapsed{};  // time spent waiting on Prometheus
};

// Prometheus refuses a range query of more points per series than this
// (`exceeded maximum resolution of 11,000 points per timeseries`): split longer ones.
inline constexpr std::size_t kMaxRangeQueryPoints = 11'000;

class PrometheusSource final : public MetricSource {
 public:
  explicit PrometheusSource(SourceConfig config);
  const std::string& name() const override { return config_.name; }
  // Answers a PromQlQuery (an SnmpQuery is an Error) with instant_query().
  Result<QueryResult> query(const MetricQuery& query, WallTime at) override;
  // Evaluates the PromQL `query` at instant `at` (`/api/v1/query`).
  Result<QueryResult> instant_query(const std::string& query, WallTime at);
  // Evaluates `query` at start, start + step, ... up to and including end (when it falls on a
  // step), as an instant query would at each of those instants (`/api/v1/query_range`).
  Result<RangeQueryResult> query_range(const std::string& query, WallTime start, WallTime end,
                                       std::chrono::milliseconds step);

 private:
  // POSTs `form` (plus the source's timeout) to `api_path`; a non-2xx answer is an Error with
  // Prometheus' own error text. `where` names the request for later errors.
  Result<HttpResponse> post(std::string_view api_path,
                            std::vector<std::pair<std::string, std::string>> form,
                            std::string& where) const;

  SourceConfig config_;
};

// The factory of `type: prometheus` sources (SourceRegistry).
MetricSourcePtr make_prometheus_source(const SourceConfig& config);

// Parses a Prometheus `/api/v1/query` answer (vector or scalar result) into samples.
// Exposed for tests and fuzzing.
Result<std::vector<Sample>> parse_prometheus_response(std::string_view body);

// Parses a Prometheus `/api/v1/query_range` answer (matrix result) into series. Exposed for
// tests and fuzzing.
Result<std::vector<RangeSeries>> parse_prometheus_range_response(std::string_view body);

}  // namespace slamon
