// MetricSource: where measured values come from (SPEC §4). A source answers an instant query
// with labelled samples; the engine joins them to policies. Implementations must be safe to
// call from several threads at once (the engine fetches measurements in parallel).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace slamon {

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;  // may be NaN or ±Inf exactly as the source reported it
};

struct QueryResult {
  std::vector<Sample> samples;
  std::chrono::steady_clock::duration elapsed{};  // time spent waiting on the source
};

class MetricSource {
 public:
  virtual ~MetricSource() = default;
  virtual const std::string& name() const = 0;
  // Evaluates `query` at instant `at`. A transport, HTTP, timeout or protocol failure is an
  // Error whose message is safe to log (never a credential or a secret URL part).
  virtual Result<QueryResult> query(const std::string& query, WallTime at) = 0;
};

using MetricSourcePtr = std::shared_ptr<MetricSource>;

}  // namespace slamon
