// MetricSource: the seam between where measured values come from (SPEC §4) and the engine. A
// source answers a typed instant query (PromQL or SNMP) with labelled samples; the engine joins
// them to policies by label. The engine knows no concrete source: the app registers each
// source library's factory in a SourceRegistry and hands the engine the composed factory.
// Implementations must be safe to call from several threads at once (the engine fetches
// measurements in parallel); SourceRegistry is immutable once built and then thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace slamon {

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;  // may be NaN or ±Inf exactly as the source reported it
};

struct QueryResult {
  std::vector<Sample> samples;
  std::chrono::steady_clock::duration elapsed{};  // time spent waiting on the source
};

// A PromQL instant query, {{window}} / {{scope_id}} / {{scope_name}} already substituted.
struct PromQlQuery {
  std::string promql;
};

// One scope an SNMP query aggregates: its answer is one sample labelled kSnmpScopeLabel = key,
// the scope's devices' values combined (SPEC §4 `aggregate`), or none when no device has one.
struct SnmpScope {
  std::string key;
  std::vector<std::string> device_ids;  // the scope's devices polled by the queried source
};

// An SNMP measurement over a window of the polled samples (SPEC §4), per scope.
struct SnmpQuery {
  std::string builtin;  // reachability | response_time | if_oper_up | if_error_ratio | oid
  std::string oid;      // for builtin == "oid"
  double scale = 1.0;   // for builtin == "oid"
  std::chrono::milliseconds window{0};
  Aggregate aggregate = Aggregate::avg;
  Metric metric = Metric::uptime_percent;  // which way `worst` points
  std::vector<SnmpScope> scopes;
};

// The label carrying an SnmpScope's key on an SNMP source's samples.
inline constexpr const char* kSnmpScopeLabel = "snmp_scope";

using MetricQuery = std::variant<PromQlQuery, SnmpQuery>;

class MetricSource {
 public:
  virtual ~MetricSource() = default;
  virtual const std::string& name() const = 0;
  // Evaluates `query` at instant `at`. A transport, HTTP, timeout or protocol failure, or a
  // query of a kind the source does not answer, is an Error whose message is safe to log
  // (never a credential or a secret URL part).
  virtual Result<QueryResult> query(const MetricQuery& query, WallTime at) = 0;
};

using MetricSourcePtr = std::shared_ptr<MetricSource>;

// Creates the MetricSource for a configured source; nullptr when it cannot be served.
using SourceFactory = std::function<MetricSourcePtr(const SourceConfig&)>;

// The factories of the source libraries, by source type.
class SourceRegistry {
 public:
  SourceRegistry& add(SourceType type, SourceFactory factory);
  // The source for `config` from its type's factory; nullptr when no factory serves the type.
  MetricSourcePtr create(const SourceConfig& config) const;
  // This registry as one factory (copied: later add() calls do not change it).
  SourceFactory factory() const;

 private:
  std::map<SourceType, SourceFactory> factories_;
};

}  // namespace slamon
