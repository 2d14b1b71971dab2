// PrometheusSource: a MetricSource over Prometheus' HTTP API (`/api/v1/query`), with the
// timeout, bearer / basic auth and TLS options of SPEC §2. Thread-safe: each call uses its
// own curl handle.
#pragma once

#include <memory>

#include "config/config.h"
#include "sources/metric_source.h"

namespace slamon {

class PrometheusSource final : public MetricSource {
 public:
  explicit PrometheusSource(SourceConfig config);
  const std::string& name() const override { return config_.name; }
  Result<QueryResult> query(const std::string& query, WallTime at) override;

 private:
  SourceConfig config_;
};

// Parses a Prometheus `/api/v1/query` answer (vector or scalar result) into samples.
// Exposed for tests and fuzzing.
Result<std::vector<Sample>> parse_prometheus_response(std::string_view body);

}  // namespace slamon
