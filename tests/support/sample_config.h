// Hand-built Config pieces for the engine, planner and backtest tests: a Prometheus source, an
// SNMP source and a Prometheus measurement, with the values those tests share as defaults.
// Header-only, stateless; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace slamon::testing {

inline SourceConfig prometheus_source(std::string url, std::string name = "prom") {
  SourceConfig source;
  source.name = std::move(name);
  source.type = SourceType::prometheus;
  source.url = std::move(url);
  return source;
}

inline SourceConfig snmp_source(std::string name = "switches") {
  SourceConfig source;
  source.name = std::move(name);
  source.type = SourceType::snmp;
  return source;
}

// A measurement of `metric` for `scopes` by a PromQL query whose series name their scope in
// the label `scope_label`; a zero window is the evaluation interval.
inline MeasurementConfig measurement_config(
    Metric metric, std::vector<Scope> scopes, std::string query, std::string scope_label,
    std::chrono::milliseconds window = std::chrono::milliseconds(0), std::string source = "prom") {
  MeasurementConfig m;
  m.metric = metric;
  m.scopes = std::move(scopes);
  m.source = std::move(source);
  m.query = std::move(query);
  m.scope_label = std::move(scope_label);
  m.window = window;
  return m;
}

}  // namespace slamon::testing
