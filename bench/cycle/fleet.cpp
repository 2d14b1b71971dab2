#include "fleet.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <variant>

namespace slamon::bench {
namespace {

struct Tier {
  std::string_view name;
  std::array<double, kFleetMetrics.size()> thresholds;  // uptime min, latency max, loss max
};

constexpr std::array kTiers{Tier{"gold", {99.9, 50, 0.5}}, Tier{"silver", {99.5, 100, 1.0}}};

// Where a site's level is drawn from, and how far single samples stray from it. Healthy
// samples stay within every tier's threshold and degraded ones beyond every tier's, so the
// 5-minute average decides the same verdict in every cycle and the breach count is known.
struct LevelRange {
  double low, high, jitter;
};
constexpr std::array<LevelRange, kFleetMetrics.size()> kHealthy{
    LevelRange{99.96, 100.0, 0.03}, LevelRange{5, 40, 5}, LevelRange{0.0, 0.35, 0.1}};
constexpr std::array<LevelRange, kFleetMetrics.size()> kDegraded{
    LevelRange{96.0, 99.4, 0.05}, LevelRange{105, 180, 3}, LevelRange{1.1, 3.0, 0.05}};
constexpr std::array<std::pair<double, double>, kFleetMetrics.size()> kValueBounds{
    std::pair{0.0, 100.0}, std::pair{0.0, 1e9}, std::pair{0.0, 100.0}};

// SplitMix64: tiny, fast and good enough to scatter levels and jitter reproducibly.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double unit_interval(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;  // [0, 1)
}

std::string numbered_uuid(char kind, int number) {
  char text[37];
  std::snprintf(text, sizeof(text), "0%c000000-0000-4000-8000-%012d", kind, number);
  return text;
}

std::string padded(int number) {
  char text[16];
  std::snprintf(text, sizeof(text), "%06d", number);
  return text;
}

void append_number(std::string& out, double value, int precision) {
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, precision);
  if (ec != std::errc()) throw std::logic_error("number does not fit");
  out.append(buffer, end);
}

std::string shortest(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) throw std::logic_error("number does not fit");
  return std::string(buffer, end);
}

std::string batched_query(Metric metric) {
  return "avg by (site_id) (avg_over_time(" + series_name(metric) + "[{{window}}]))";
}

std::string per_scope_query(Metric metric) {
  return "avg_over_time(" + series_name(metric) + "{site_id=\"{{scope_id}}\"}[{{window}}])";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::string series_name(Metric metric) {
  return "site_" + std::string(to_string(metric));
}

Result<QueryResult> FleetSource::query(const MetricQuery& metric_query, WallTime) {
  const auto* promql = std::get_if<PromQlQuery>(&metric_query);
  if (promql == nullptr) return fail("unexpected SNMP query");
  const std::string& query = promql->promql;
  for (std::size_t m = 0; m < kFleetMetrics.size(); ++m) {
    if (query.find(series_name(kFleetMetrics[m]) + "[") == std::string::npos) continue;
    QueryResult result;
    result.samples.reserve(fleet_.sites.size());
    for (const FleetSite& site : fleet_.sites) {
      result.samples.push_back(Sample{{{"site_id", site.id}}, site.level[m]});
    }
    return result;
  }
  return fail("unexpected query: " + query);
}

std::string_view to_string(QueryMode mode) {
  return mode == QueryMode::batched ? "batched" : "per-scope";
}

Fleet make_fleet(const FleetOptions& options) {
  if (options.sites < 1 || options.organizations < 1 || options.organizations > options.sites) {
    throw std::invalid_argument("a fleet needs at least one site per organization");
  }
  Fleet fleet;
  for (int o = 1; o <= options.organizations; ++o) {
    Organization org;
    org.id = numbered_uuid('a', o);
    org.name = "Org " + std::to_string(o);
    fleet.inventory.organizations.push_back(std::move(org));
  }
  std::uint64_t state = options.seed;
  auto draw = [&state] { return unit_interval(mix(state++)); };

  fleet.sites.reserve(static_cast<std::size_t>(options.sites));
  fleet.policies.reserve(static_cast<std::size_t>(options.sites) * kTiers.size());
  for (int s = 1; s <= options.sites; ++s) {
    Organization& org =
        fleet.inventory.organizations[static_cast<std::size_t>((s - 1) % options.organizations)];
    FleetSite site;
    site.org = org.id;
    site.id = numbered_uuid('b', s);
    for (std::size_t m = 0; m < kFleetMetrics.size(); ++m) {
      site.degraded[m] = draw() < options.degraded_share;
      const LevelRange& range = site.degraded[m] ? kDegraded[m] : kHealthy[m];
      site.level[m] = range.low + (range.high - range.low) * draw();
      if (site.degraded[m]) fleet.expected_breaches += static_cast<int>(kTiers.size());
    }
    org.sites.push_back(Site{site.id, "site-" + padded(s), "", "UTC"});

    for (const Tier& tier : kTiers) {
      Policy policy;
      policy.id = "site-" + padded(s) + "-" + std::string(tier.name);
      policy.org = org.id;
      policy.name = "Site " + padded(s) + " " + std::string(tier.name);
      policy.scope = Scope::site;
      policy.scope_id = site.id;
      policy.labels = {{"tier", std::string(tier.name)}};
      for (std::size_t m = 0; m < kFleetMetrics.size(); ++m) {
        policy.thresholds[static_cast<std::size_t>(kFleetMetrics[m])] = tier.thresholds[m];
      }
      policy.provisioned = true;
      fleet.policies.push_back(std::move(policy));
    }
    fleet.sites.push_back(std::move(site));
  }
  fleet.inventory.index();
  return fleet;
}

std::string openmetrics_history(const Fleet& fleet, WallTime from, WallTime to,
                                std::chrono::seconds step) {
  if (step.count() <= 0 || to < from) throw std::invalid_argument("bad history interval");
  const auto first = std::chrono::floor<std::chrono::seconds>(from.time_since_epoch()).count();
  const auto last = std::chrono::floor<std::chrono::seconds>(to.time_since_epoch()).count();
  const std::size_t samples = static_cast<std::size_t>((last - first) / step.count() + 1);

  std::string text;
  text.reserve(fleet.sites.size() * kFleetMetrics.size() * samples * 80 + 4096);
  for (std::size_t m = 0; m < kFleetMetrics.size(); ++m) {
    const std::string name = series_name(kFleetMetrics[m]);
    text += "# TYPE " + name + " gauge\n";
    const auto [lowest, highest] = kValueBounds[m];
    for (std::size_t s = 0; s < fleet.sites.size(); ++s) {
      const FleetSite& site = fleet.sites[s];
      const std::string series = name + "{site_id=\"" + site.id + "\"} ";
      const double jitter = (site.degraded[m] ? kDegraded[m] : kHealthy[m]).jitter;
      const std::uint64_t series_seed = mix((static_cast<std::uint64_t>(s) << 8) | m);
      for (std::size_t i = 0; i < samples; ++i) {
        const double noise = 2 * unit_interval(mix(series_seed + i)) - 1;  // [-1, 1)
        const double value = std::clamp(site.level[m] + jitter * noise, lowest, highest);
        text += series;
        append_number(text, value, 4);
        text += ' ';
        text += std::to_string(first + static_cast<long long>(i) * step.count());
        text += '\n';
      }
    }
  }
  text += "# EOF\n";
  return text;
}

ConfigPtr make_config(const Fleet& fleet, const std::string& prometheus_url, QueryMode mode) {
  auto config = std::make_shared<Config>();
  config->file = "(generated by slamon_bench_cycle)";
  SourceConfig source;
  source.name = "prom";
  source.type = SourceType::prometheus;
  source.url = prometheus_url;
  source.timeout = std::chrono::seconds(60);
  config->sources.push_back(source);
  for (const Metric metric : kFleetMetrics) {
    MeasurementConfig measurement;
    measurement.metric = metric;
    measurement.scopes = {Scope::site};
    measurement.source = source.name;
    measurement.window = kMeasurementWindow;
    if (mode == QueryMode::batched) {
      measurement.query = batched_query(metric);
      measurement.scope_label = "site_id";
    } else {
      measurement.query = per_scope_query(metric);
    }
    config->measurements.push_back(std::move(measurement));
  }
  config->inventory = fleet.inventory;
  config->inventory.index();
  config->policies = fleet.policies;
  return config;
}

DaemonFiles write_daemon_files(const Fleet& fleet, const std::string& prometheus_url,
                               std::chrono::seconds evaluation_interval, RuleLayout layout,
                               const std::filesystem::path& dir) {
  DaemonFiles files{dir / "slamon.yml", dir / "slamon.db"};

  std::string config =
      "global:\n  evaluation_interval: " + std::to_string(evaluation_interval.count()) +
      "s\n"
      "  listen_address: 127.0.0.1:0\n"
      "  storage_path: " +
      files.storage_file.string() + "\n  reports_dir: " + (dir / "reports").string() +
      "\n  log_level: info\n"
      "rule_files: [\"rules/*.yml\"]\n"
      "inventory_files: [\"inventory/*.yml\"]\n"
      "sources:\n"
      "  - name: prom\n"
      "    type: prometheus\n"
      "    url: " +
      prometheus_url +
      "\n"
      "    timeout: 60s\n"
      "measurements:\n";
  for (const Metric metric : kFleetMetrics) {
    config +=
        "  - metric: " + std::string(to_string(metric)) +
        "\n    scopes: [site]\n    source: prom\n    query: '" + batched_query(metric) +
        "'\n    scope_label: site_id\n    window: " + std::to_string(kMeasurementWindow.count()) +
        "m\n";
  }
  write_file(files.config_file, config);

  std::string inventory = "organizations:\n";
  for (const auto& org : fleet.inventory.organizations) {
    inventory += "  - id: " + org.id + "\n    name: " + org.name + "\n    sites:\n";
    for (const auto& site : org.sites) {
      inventory += "      - {id: " + site.id + ", name: " + site.name +
                   ", timezone: " + site.timezone + "}\n";
    }
  }
  write_file(dir / "inventory" / "fleet.yml", inventory);

  std::map<std::string, std::string> rule_files;  // file name -> text
  for (const Policy& policy : fleet.policies) {
    std::string& rules =
        rule_files[layout == RuleLayout::single_file ? "fleet.yml" : "org-" + policy.org + ".yml"];
    if (rules.empty()) rules = "policies:\n";
    rules += "  - id: " + policy.id + "\n    org: " + policy.org + "\n    name: " + policy.name +
             "\n    scope: site\n    scope_id: " + policy.scope_id.value_or("") +
             "\n    labels: {tier: " + policy.labels.at("tier") + "}\n    thresholds: {";
    for (std::size_t m = 0; m < kFleetMetrics.size(); ++m) {
      if (m > 0) rules += ", ";
      rules += std::string(threshold_spec(kFleetMetrics[m]).key) + ": " +
               shortest(*policy.threshold(kFleetMetrics[m]));
    }
    rules += "}\n";
  }
  for (const auto& [name, text] : rule_files) write_file(dir / "rules" / name, text);
  return files;
}

}  // namespace slamon::bench
