// MetricsText: the samples of a Prometheus text exposition (format 0.0.4) as served by
// slamon's /metrics, parsed strictly enough that a malformed line fails the test: a sample line
// is `name{label="value",...} value`, label values unescaped (\\, \", \n). Lets a test ask for
// the value of a series by name and a subset of its labels. Immutable after parse; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace slamon::integration {

using LabelSet = std::map<std::string, std::string>;

struct MetricSample {
  std::string name;
  LabelSet labels;
  double value = 0;
};

class MetricsText {
 public:
  static Result<MetricsText> parse(const std::string& text);

  // Samples named `name` whose labels include every pair of `labels`.
  std::vector<MetricSample> find(const std::string& name, const LabelSet& labels = {}) const;
  // The value of the one sample matching; nullopt when none or several match.
  std::optional<double> value(const std::string& name, const LabelSet& labels = {}) const;
  const std::vector<MetricSample>& samples() const { return samples_; }

 private:
  std::vector<MetricSample> samples_;
};

}  // namespace slamon::integration
