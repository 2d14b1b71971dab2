// The synthetic fleet of the cycle benchmark: organizations with sites, two policies per site
// (gold and silver tiers, three thresholds each), the measured level of every site × metric
// (a chosen share degraded so that both of its policies breach), and everything derived from
// it: the OpenMetrics history Prometheus is backfilled with, the in-process Config (batched or
// per-scope measurements) and the YAML files the real daemon loads. Deterministic for a given
// seed. Plain values; thread-safe as values are.
#pragma once

#include <array>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "sources/metric_source.h"

namespace slamon::bench {

struct FleetOptions {
  int sites = 5000;
  int organizations = 5;
  double degraded_share = 0.05;  // share of site × metric pairs whose level breaches every tier
  unsigned long long seed = 20260101;
};

// The three metrics every policy has a threshold for, in Prometheus metric-name order.
inline constexpr std::array kFleetMetrics{Metric::uptime_percent, Metric::latency_ms,
                                          Metric::packet_loss_percent};

struct FleetSite {
  std::string org;
  std::string id;
  std::array<double, kFleetMetrics.size()> level{};  // the value the history hovers around
  std::array<bool, kFleetMetrics.size()> degraded{};
};

struct Fleet {
  std::vector<FleetSite> sites;
  Inventory inventory;  // indexed
  std::vector<Policy> policies;
  int expected_breaches = 0;  // policy × threshold pairs in breach with this history
};

Fleet make_fleet(const FleetOptions& options);

// The Prometheus series name that carries `metric` for a site (label site_id).
std::string series_name(Metric metric);

// OpenMetrics text for every site × metric from `from` to `to` (inclusive) at `step`: one
// series per site and metric, values jittering around the site's level without crossing a
// threshold. Written straight into one string: this is close to a million lines.
std::string openmetrics_history(const Fleet& fleet, WallTime from, WallTime to,
                                std::chrono::seconds step);

enum class QueryMode { batched, per_scope };
std::string_view to_string(QueryMode mode);

inline constexpr std::chrono::minutes kMeasurementWindow{5};

// The configuration the engine runs with: the fleet's inventory and policies, one Prometheus
// source at `prometheus_url`, and one measurement per metric written for `mode`.
ConfigPtr make_config(const Fleet& fleet, const std::string& prometheus_url, QueryMode mode);

// An in-process source for the batched measurements of make_config: answers each query with
// one sample per site at the site's level, so a cycle's figures are slamon's own work and its
// SQLite contention, not a Prometheus's. Thread-safe (reads the fleet only); `fleet` must
// outlive it.
class FleetSource final : public MetricSource {
 public:
  explicit FleetSource(const Fleet& fleet) : fleet_(fleet) {}
  const std::string& name() const override { return name_; }
  Result<QueryResult> query(const MetricQuery& metric_query, WallTime at) override;

 private:
  const Fleet& fleet_;
  const std::string name_ = "prom";
};

struct DaemonFiles {
  std::filesystem::path config_file;
  std::filesystem::path storage_file;
};

// How the policies are spread over rule files. It matters for memory: the loader's peak follows
// the largest rule file, whose yaml-cpp tree is some 40 times the size of the file.
enum class RuleLayout { per_organization, single_file };

// Writes slamon.yml, inventory/fleet.yml and rules/*.yml into `dir` for the real daemon: the
// same fleet and batched measurements, listening on 127.0.0.1 on a port the kernel picks.
DaemonFiles write_daemon_files(const Fleet& fleet, const std::string& prometheus_url,
                               std::chrono::seconds evaluation_interval, RuleLayout layout,
                               const std::filesystem::path& dir);

}  // namespace slamon::bench
