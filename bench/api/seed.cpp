// slamon_bench_api_seed: writes everything the REST API benchmark (bench/README.md,
// scripts/bench-api.sh) starts the real daemon on: slamon.yml, an inventory, rule files with the
// provisioned policies, a static org_admin token and a SQLite database holding the API policies
// and a year of breaches with their events, all written through the real Store.
//
// The fleet, by default: one organization with 5,000 sites (2 devices each) and 10,000 policies,
// two per site (tiers gold and silver), each with 3 thresholds (uptime, latency, packet loss).
// Half the policies are provisioned (rule files), half were "created through the API" (stored
// with Store::insert_policy). 100,000 breaches spread over the 30,000 policy × metric pairs:
// 10 % open, on distinct pairs, opened in the last 14 days; 90 % resolved, opened over the past
// year; a quarter of both were acknowledged. Every breach has its events in the outbox
// (created, acknowledged when acknowledged, resolved when resolved). Breaches are committed
// with Store::commit in batches (one transaction per batch).
//
// The configured Prometheus source points at a loopback port nobody listens on (or at
// --source-url): the daemon's cycles then fail to fetch, which opens and resolves nothing, and
// the evaluation interval is an hour, so the cycles leave the stored breaches as seeded.
//
// Everything random is drawn from one seeded generator, except the breach and event ids and
// the token (random per run), so two runs with the same options store the same fleet, with
// times relative to the moment of seeding.

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/uuid.h"
#include "model/model.h"
#include "store/store.h"

namespace {

using namespace slamon;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Options {
  std::string out;
  int orgs = 1;
  int sites = 5000;
  int devices_per_site = 2;
  int policies = 10000;
  double api_policy_share = 0.5;
  int breaches = 100000;
  double open_share = 0.1;
  double acknowledged_share = 0.25;
  int batch = 1000;
  std::string source_url = "http://127.0.0.1:1";
  std::string evaluation_interval = "1h";
  unsigned long long seed = 1;
};

constexpr std::array kMetrics{Metric::uptime_percent, Metric::latency_ms,
                              Metric::packet_loss_percent};

struct Tier {
  std::string_view name;
  double uptime_min;
  double latency_max;
  double loss_max;
};
constexpr std::array kTiers{Tier{"gold", 99.9, 50, 0.5}, Tier{"silver", 99.5, 100, 1.0},
                            Tier{"bronze", 99.0, 200, 2.0}};

// Ids are valid UUIDs that say what they name: b0… orgs, b1… sites, b2… devices.
std::string org_id(int org) {
  return fmt::format("b0000000-0000-4000-8000-{:012}", org + 1);
}
std::string site_id(int site) {
  return fmt::format("b1000000-0000-4000-8000-{:012}", site + 1);
}
std::string device_id(int site, int device) {
  return fmt::format("b2000000-0000-4000-{:04}-{:012}", 8000 + device, site + 1);
}

int org_of_site(const Options& options, int site) {
  return site % options.orgs;
}

struct Fleet {
  std::vector<Policy> policies;  // provisioned ones first
  int provisioned = 0;
};

Fleet make_fleet(const Options& options) {
  Fleet fleet;
  const int api = static_cast<int>(std::lround(options.policies * options.api_policy_share));
  fleet.provisioned = options.policies - api;
  for (int k = 0; k < options.policies; ++k) {
    const int site = k % options.sites;
    const Tier& tier = kTiers[static_cast<std::size_t>(k / options.sites) % kTiers.size()];
    const int round = k / options.sites;  // > 0 only with more policies than sites
    Policy p;
    p.org = org_id(org_of_site(options, site));
    p.name = fmt::format("Site {:05} {}{}", site + 1, tier.name,
                         round < static_cast<int>(kTiers.size()) ? "" : fmt::format(" {}", round));
    p.provisioned = k < fleet.provisioned;
    // Rule files use readable slugs; the API derives UUIDv5 ids from org and name.
    p.id = p.provisioned ? fmt::format("site-{:05}-{}-{}", site + 1, tier.name, round)
                         : uuid_v5(kPolicyIdNamespace, p.org + "/" + p.name);
    p.description = "Availability, latency and loss of the site's network";
    p.scope = Scope::site;
    p.scope_id = site_id(site);
    p.labels = {{"tier", std::string(tier.name)}};
    p.thresholds[static_cast<std::size_t>(Metric::uptime_percent)] = tier.uptime_min;
    p.thresholds[static_cast<std::size_t>(Metric::latency_ms)] = tier.latency_max;
    p.thresholds[static_cast<std::size_t>(Metric::packet_loss_percent)] = tier.loss_max;
    fleet.policies.push_back(std::move(p));
  }
  return fleet;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string config_yaml(const Options& options) {
  std::string yaml = fmt::format(
      "# Written by slamon_bench_api_seed (bench/README.md). The source points at a port nobody\n"
      "# listens on: cycles fetch nothing, which changes no breach.\n"
      "global:\n"
      "  evaluation_interval: {}\n"
      "  storage_path: slamon.db\n"
      "  reports_dir: reports\n"
      "  log_level: info\n"
      "rule_files: [\"rules/*.yml\"]\n"
      "inventory_files: [\"inventory/*.yml\"]\n"
      "sources:\n"
      "  - name: prom\n"
      "    type: prometheus\n"
      "    url: {}\n"
      "    timeout: 5s\n"
      "measurements:\n",
      options.evaluation_interval, options.source_url);
  constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kQueries{{
      {"uptime_percent", "100 * avg by (site_id) (avg_over_time(probe_success[{{window}}]))"},
      {"latency_ms", "1000 * avg by (site_id) (avg_over_time(probe_latency_seconds[{{window}}]))"},
      {"packet_loss_percent",
       "100 * avg by (site_id) (avg_over_time(probe_packet_loss_ratio[{{window}}]))"},
  }};
  for (const auto& [metric, query] : kQueries) {
    yaml += fmt::format(
        "  - metric: {}\n    scopes: [site]\n    source: prom\n    query: '{}'\n"
        "    scope_label: site_id\n    window: 5m\n",
        metric, query);
  }
  yaml += fmt::format(
      "auth:\n  tokens:\n    - name: bench-admin\n      token_file: token\n      org: {}\n"
      "      role: org_admin\n",
      org_id(0));
  return yaml;
}

std::string inventory_yaml(const Options& options) {
  std::string yaml = "organizations:\n";
  for (int org = 0; org < options.orgs; ++org) {
    yaml += fmt::format("  - id: {}\n    name: Bench org {}\n    sites:\n", org_id(org), org + 1);
    for (int site = org; site < options.sites; site += options.orgs) {
      yaml += fmt::format("      - {{id: {}, name: Site {:05}, timezone: UTC}}\n", site_id(site),
                          site + 1);
    }
    if (options.devices_per_site == 0) continue;
    yaml += "    devices:\n";
    for (int site = org; site < options.sites; site += options.orgs) {
      for (int d = 0; d < options.devices_per_site; ++d) {
        yaml += fmt::format("      - {{id: {}, name: s{:05}-{}, kind: {}, site: {}}}\n",
                            device_id(site, d), site + 1, d == 0 ? "sw" : fmt::format("ap{}", d),
                            d == 0 ? "switch" : "ap", site_id(site));
      }
    }
  }
  return yaml;
}

// One rule file per organization, with that org's provisioned policies.
std::vector<std::string> rule_files_yaml(const Options& options, const Fleet& fleet) {
  std::vector<std::string> files(static_cast<std::size_t>(options.orgs), "policies:\n");
  for (int k = 0; k < fleet.provisioned; ++k) {
    const Policy& p = fleet.policies[static_cast<std::size_t>(k)];
    const int org = org_of_site(options, k % options.sites);
    files[static_cast<std::size_t>(org)] += fmt::format(
        "  - id: {}\n    org: {}\n    name: {}\n    description: {}\n    scope: site\n"
        "    scope_id: {}\n    labels: {{tier: {}}}\n    thresholds:\n"
        "      uptime_percent_min: {}\n      latency_ms_max: {}\n"
        "      packet_loss_percent_max: {}\n",
        p.id, p.org, p.name, p.description, *p.scope_id, p.labels.at("tier"),
        *p.threshold(Metric::uptime_percent), *p.threshold(Metric::latency_ms),
        *p.threshold(Metric::packet_loss_percent));
  }
  return files;
}

std::string random_token() {
  std::random_device device;
  std::string token;
  for (int i = 0; i < 8; ++i) token += fmt::format("{:08x}", device());
  return token;
}

// A breach of `policy` on `metric` whose actual value deviates by `deviation` percent.
Breach make_breach(const Policy& policy, Metric metric, double deviation) {
  Breach b;
  b.id = uuid_v4();
  b.org = policy.org;
  b.policy_id = policy.id;
  b.scope = policy.scope;
  b.scope_id = policy.scope_id;
  b.metric = metric;
  b.threshold = *policy.threshold(metric);
  b.deviation_percent = deviation;
  const bool below = threshold_spec(metric).bound == Bound::min;
  b.actual = b.threshold * (below ? 1 - deviation / 100 : 1 + deviation / 100);
  b.severity = deviation > 20 ? Severity::critical : Severity::warning;
  b.peak_severity = b.severity;
  return b;
}

struct Seeded {
  long long open = 0;
  long long active = 0;
  long long acknowledged = 0;
  long long resolved = 0;
  long long events = 0;
};

class BreachSeeder {
 public:
  BreachSeeder(const Options& options, const Fleet& fleet, Store& store, WallTime now)
      : options_(options), fleet_(fleet), store_(store), now_(now), random_(options.seed) {}

  Seeded run() {
    const long long pairs = static_cast<long long>(fleet_.policies.size()) * kMetrics.size();
    const auto open = std::llround(options_.breaches * options_.open_share);
    if (open > pairs) {
      throw std::runtime_error(fmt::format(
          "{} open breaches do not fit on {} policy × metric pairs (at most one open each)", open,
          pairs));
    }
    std::vector<long long> order(static_cast<std::size_t>(pairs));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), random_);
    std::uniform_int_distribution<long long> any_pair(0, pairs - 1);
    for (long long i = 0; i < options_.breaches; ++i) {
      if (i < open) {
        add(order[static_cast<std::size_t>(i)], /*open=*/true);
      } else {
        add(any_pair(random_), /*open=*/false);
      }
      if (batch_.size() >= static_cast<std::size_t>(options_.batch)) flush();
    }
    flush();
    return seeded_;
  }

 private:
  double uniform(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(random_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(random_); }
  // A duration drawn log-uniformly between `low` and `high`.
  std::chrono::milliseconds span(std::chrono::milliseconds low, std::chrono::milliseconds high) {
    const double log_ms = uniform(std::log(static_cast<double>(low.count())),
                                  std::log(static_cast<double>(high.count())));
    return std::chrono::milliseconds(static_cast<long long>(std::exp(log_ms)));
  }

  void add(long long pair, bool open) {
    const Policy& policy = fleet_.policies[static_cast<std::size_t>(pair / kMetrics.size())];
    const Metric metric = kMetrics[static_cast<std::size_t>(pair % kMetrics.size())];
    // Seven in ten breaches are warnings (deviation up to 20 %), the others critical.
    const double deviation = chance(0.7) ? uniform(0.5, 20) : uniform(20.5, 80);
    Breach b = make_breach(policy, metric, deviation);
    if (b.severity == Severity::warning && chance(0.15)) b.peak_severity = Severity::critical;

    const WallTime window_end = open ? now_ - 1min : now_ - 1h;
    const WallTime window_start = open ? now_ - 24h * 14 : now_ - 24h * 365;
    const auto window =
        std::chrono::duration_cast<std::chrono::milliseconds>(window_end - window_start);
    b.opened_at = std::chrono::floor<std::chrono::milliseconds>(
        window_start + std::chrono::milliseconds(static_cast<long long>(
                           uniform(0, static_cast<double>(window.count())))));
    b.last_evaluated_at = b.opened_at;
    const PolicyRef ref = policy_ref(policy);
    Breach created = b;
    events_.push_back(make_event(EventType::breach_created, created, ref, b.opened_at));

    const WallTime ends = open ? now_ : b.opened_at + span(5min, 12h);
    if (chance(options_.acknowledged_share)) {
      b.status = BreachStatus::acknowledged;
      b.acknowledged_at =
          std::chrono::floor<std::chrono::milliseconds>(b.opened_at + (ends - b.opened_at) / 4);
      b.acknowledged_by = "bench-admin";
      b.ack_notes = "Carrier ticket opened";
      events_.push_back(make_event(EventType::breach_acknowledged, b, ref, *b.acknowledged_at));
    }
    if (open) {
      b.last_evaluated_at = now_ - 1min;
      ++seeded_.open;
      ++(b.status == BreachStatus::acknowledged ? seeded_.acknowledged : seeded_.active);
    } else {
      b.status = BreachStatus::resolved;
      b.resolved_at = std::chrono::floor<std::chrono::milliseconds>(ends);
      b.resolve_reason = "recovered";
      b.last_evaluated_at = *b.resolved_at;
      events_.push_back(make_event(EventType::breach_resolved, b, ref, *b.resolved_at));
      ++seeded_.resolved;
    }
    batch_.push_back(std::move(b));
  }

  void flush() {
    if (batch_.empty()) return;
    if (auto committed = store_.commit(batch_, events_); !committed) {
      throw std::runtime_error("store commit: " + committed.error().message);
    }
    seeded_.events += static_cast<long long>(events_.size());
    batch_.clear();
    events_.clear();
  }

  const Options& options_;
  const Fleet& fleet_;
  Store& store_;
  WallTime now_;
  std::mt19937_64 random_;
  std::vector<Breach> batch_;
  std::vector<Event> events_;
  Seeded seeded_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run(const Options& options) {
  const fs::path out(options.out);
  const fs::path db = out / "slamon.db";
  if (fs::exists(db)) {
    throw std::runtime_error(db.string() + " exists: seed into an empty folder");
  }
  fs::create_directories(out / "rules");
  fs::create_directories(out / "inventory");
  fs::create_directories(out / "reports");

  auto started = std::chrono::steady_clock::now();
  const Fleet fleet = make_fleet(options);
  write_file(out / "slamon.yml", config_yaml(options));
  write_file(out / "inventory" / "fleet.yml", inventory_yaml(options));
  const auto rules = rule_files_yaml(options, fleet);
  for (std::size_t org = 0; org < rules.size(); ++org) {
    write_file(out / "rules" / fmt::format("org-{}.yml", org + 1), rules[org]);
  }
  write_file(out / "token", random_token() + "\n");
  fs::permissions(out / "token", fs::perms::owner_read | fs::perms::owner_write);
  std::cerr << fmt::format("config, inventory, rules, token: {:.1f} s\n", seconds_since(started));

  auto store = Store::open(db.string());
  if (!store) throw std::runtime_error(store.error().message);
  const WallTime now = RealClock().now();

  started = std::chrono::steady_clock::now();
  for (std::size_t k = static_cast<std::size_t>(fleet.provisioned); k < fleet.policies.size();
       ++k) {
    if (auto inserted = (*store)->insert_policy(fleet.policies[k], now - 24h * 400); !inserted) {
      throw std::runtime_error("insert policy: " + inserted.error().message);
    }
  }
  const auto api_policies = fleet.policies.size() - static_cast<std::size_t>(fleet.provisioned);
  std::cerr << fmt::format("{} API policies (one transaction each): {:.1f} s\n", api_policies,
                           seconds_since(started));

  started = std::chrono::steady_clock::now();
  const Seeded seeded = BreachSeeder(options, fleet, **store, now).run();
  std::cerr << fmt::format("{} breaches, {} events (batches of {}): {:.1f} s\n", options.breaches,
                           seeded.events, options.batch, seconds_since(started));
  store->reset();

  // key=value lines on stdout, for scripts/bench-api.sh.
  std::cout << fmt::format(
      "config={}\ntoken_file={}\ndatabase={}\norg={}\norgs={}\nsites={}\ndevices={}\n"
      "policies={}\nprovisioned_policies={}\napi_policies={}\nbreaches={}\nopen={}\n"
      "active={}\nacknowledged={}\nresolved={}\nevents={}\ndatabase_bytes={}\n",
      (out / "slamon.yml").string(), (out / "token").string(), db.string(), org_id(0), options.orgs,
      options.sites, static_cast<long long>(options.sites) * options.devices_per_site,
      fleet.policies.size(), fleet.provisioned, api_policies, options.breaches, seeded.open,
      seeded.active, seeded.acknowledged, seeded.resolved, seeded.events, fs::file_size(db));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "Seeds a slamon configuration and database for the REST API benchmark "
      "(bench/README.md): inventory, provisioned and API policies, breaches and their events."};
  app.add_option("--out", options.out, "empty or new folder to write into")->required();
  app.add_option("--orgs", options.orgs, "organizations (sites are dealt round-robin)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--sites", options.sites, "sites")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--devices-per-site", options.devices_per_site, "devices per site")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  app.add_option("--policies", options.policies,
                 "policies (site-scoped, 3 thresholds each; sites × tiers)")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  app.add_option("--api-policy-share", options.api_policy_share,
                 "share of the policies stored as API policies (the rest are in rule files)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--breaches", options.breaches, "breaches")
      ->check(CLI::Range(0, 100000000))
      ->capture_default_str();
  app.add_option("--open-share", options.open_share, "share of the breaches that are open")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--acknowledged-share", options.acknowledged_share,
                 "share of the breaches that were acknowledged")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--batch", options.batch, "breaches per Store::commit transaction")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--source-url", options.source_url, "the Prometheus source's URL")
      ->capture_default_str();
  app.add_option("--evaluation-interval", options.evaluation_interval, "global.evaluation_interval")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "random seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "slamon_bench_api_seed: " << e.what() << "\n";
    return 1;
  }
}
