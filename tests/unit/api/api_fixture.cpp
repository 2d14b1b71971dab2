#include "api_fixture.h"

#include <jwt.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "auth/auth.h"
#include "common/uuid.h"
#include "config/loader.h"
#include "support/rsa_keys.h"
#include "support/sample_breach.h"
#include "support/sample_policy.h"

namespace slamon::api::testing {

namespace {

const std::string kHs256Secret = "api-test-hs256-secret-5b1e0c7d9a3f";

const char* const kMainConfig = R"(global:
  evaluation_interval: 5m
rule_files: ["rules/*.yml"]
inventory_files: ["inventory/*.yml"]
sources:
  - name: prom
    type: prometheus
    url: http://127.0.0.1:1
measurements:
  - metric: uptime_percent
    scopes: [organization, site, site_group, device_group, ssid, camera, nvr]
    source: prom
    query: uptime
    scope_label: scope
  - metric: latency_ms
    scopes: [organization, site, site_group, device_group, ssid, camera, nvr]
    source: prom
    query: latency
    scope_label: scope
notifiers:
  - {name: report-hook, type: webhook, url: "http://127.0.0.1:1/hook"}
  - {name: am, type: alertmanager, url: "http://127.0.0.1:1"}
)";

// Org A's report schedule of slamon.yml (read-only through the API).
std::string report_schedules() {
  return "report_schedules:\n"
         "  - {id: " +
         kProvisionedSchedule + ", org: " + kOrgA +
         ", name: Provisioned monthly, cron: \"0 6 1 * *\", timezone: Europe/Berlin, "
         "period: previous_month, policy_ids: [" +
         kProvA1 + "], notifiers: [" + kReportHook + "]}\n";
}

std::string inventory() {
  return "organizations:\n"
         "  - id: " +
         kOrgA + "\n" +
         "    name: Org A\n"
         "    site_groups: [{id: " +
         kSiteGroupA + ", name: Group A}]\n" +
         "    sites:\n"
         "      - {id: " +
         kSiteA1 + ", name: Site A1, site_group: " + kSiteGroupA + "}\n" +
         "      - {id: " + kSiteA2 + ", name: Site A2}\n" +
         "    device_groups: [{id: " + kDeviceGroupA + ", name: Cameras A}]\n" +
         "    devices:\n"
         "      - {id: " +
         kCameraA1 + ", name: cam-a1, kind: camera, site: " + kSiteA1 + ", device_groups: [" +
         kDeviceGroupA + "]}\n" + "      - {id: " + kNvrA2 +
         ", name: nvr-a2, kind: nvr, site: " + kSiteA2 + "}\n" + "      - {id: " + kApA1 +
         ", name: ap-a1, kind: ap, site: " + kSiteA1 + ", ssids: [" + kSsidA + "]}\n" +
         "  - id: " + kOrgB + "\n" +
         "    name: Org B\n"
         "    sites: [{id: " +
         kSiteB1 + ", name: Site B1}]\n" +
         "    devices:\n"
         "      - {id: " +
         kCameraB1 + ", name: cam-b1, kind: camera, site: " + kSiteB1 + "}\n";
}

std::string rules() {
  return "policies:\n"
         "  - {id: " +
         kProvA1 + ", org: " + kOrgA + ", name: Provisioned A1, scope: site, " +
         "scope_id: " + kSiteA1 + ", thresholds: {uptime_percent_min: 99.5}}\n" +
         "  - {id: " + kProvA2 + ", org: " + kOrgA + ", name: Provisioned A2, scope: site, " +
         "scope_id: " + kSiteA2 + ", thresholds: {latency_ms_max: 100}}\n" +
         "  - {id: " + kProvOrgA + ", org: " + kOrgA + ", name: Provisioned org A, " +
         "scope: organization, thresholds: {uptime_percent_min: 99}}\n" + "  - {id: " + kProvB1 +
         ", org: " + kOrgB + ", name: Provisioned B1, scope: site, " + "scope_id: " + kSiteB1 +
         ", thresholds: {uptime_percent_min: 99.5}}\n";
}

struct StaticToken {
  const char* name;
  const std::string* org;
  Role role;
  bool site_a1_only;
};
const StaticToken kStaticTokens[] = {
    {"a-viewer", &kOrgA, Role::viewer, false},
    {"a-viewer-a1", &kOrgA, Role::viewer, true},
    {"a-site-admin", &kOrgA, Role::site_admin, false},
    {"a-site-admin-a1", &kOrgA, Role::site_admin, true},
    {"a-org-admin", &kOrgA, Role::org_admin, false},
    {"a-org-admin-a1", &kOrgA, Role::org_admin, true},
    {"b-viewer", &kOrgB, Role::viewer, false},
    {"b-org-admin", &kOrgB, Role::org_admin, false},
};

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

}  // namespace

Result<QueryResult> FakeSource::query(const MetricQuery& query, WallTime /*at*/) {
  std::lock_guard lock(mutex_);
  ++calls_;
  QueryResult result;
  const auto* promql = std::get_if<PromQlQuery>(&query);
  if (promql == nullptr) return fail("the fake source answers PromQL only");
  if (auto it = values_.find(promql->promql); it != values_.end()) {
    for (const auto& [key, value] : it->second) result.samples.push_back({{{"scope", key}}, value});
  }
  return result;
}

void FakeSource::set(const std::string& query, const std::string& scope_key, double value) {
  std::lock_guard lock(mutex_);
  values_[query][scope_key] = value;
}

void FakeSource::clear() {
  std::lock_guard lock(mutex_);
  values_.clear();
}

int FakeSource::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

ApiWorld::ApiWorld(ApiOptions options) {
  const std::string config_path =
      dir_.write("slamon.yml", std::string(kMainConfig) + report_schedules());
  dir_.write("inventory/orgs.yml", inventory());
  dir_.write("rules/provisioned.yml", rules());
  LoadResult loaded = load_config(config_path);
  if (!loaded.ok()) {
    std::string problems;
    for (const auto& d : loaded.diagnostics) problems += d.to_string() + "\n";
    throw std::runtime_error("test configuration rejected:\n" + problems);
  }
  auto config = std::make_shared<Config>(*loaded.config);
  for (const StaticToken& t : kStaticTokens) {
    TokenConfig token;
    token.name = t.name;
    token.sha256_hex = sha256_hex(ApiWorld::token(t.name));
    token.org = *t.org;
    token.role = t.role;
    if (t.site_a1_only) token.sites = std::vector<std::string>{kSiteA1};
    config->auth.tokens.push_back(token);
  }
  JwtConfig jwt;
  jwt.hs256_secret = kHs256Secret;
  jwt.rs256_public_key_pem = slamon::testing::rsa_keys().public_pem;
  jwt.issuer = "https://idp.test";
  jwt.audience = "slamon";
  config->auth.jwt = jwt;
  config->global.reports_dir = (dir_.path() / "reports").string();
  loaded_ = config;
  config_ = config;

  auto store = Store::open((dir_.path() / "state.db").string());
  if (!store) throw std::runtime_error("store: " + store.error().message);
  store_ = std::move(*store);
  source_ = std::make_shared<FakeSource>();
  engine_ = std::make_unique<Engine>(clock_, store_.get(),
                                     [source = source_](const SourceConfig&) { return source; });

  http::HttpServerOptions server_options;
  server_options.listen_address = "127.0.0.1:0";
  server_ = std::make_unique<http::HttpServer>(server_options);
  // Dead letters come from a notifier that refuses every event (see make_dead_letter).
  delivery::DeliverySetup setup;
  NotifierConfig refusing;
  refusing.name = kRefusingNotifier;
  refusing.type = NotifierType::webhook;
  refusing.rate_limit = 1e9;  // tests make many dead letters without moving the clock
  setup.notifiers.push_back({refusing, std::make_shared<RefusingNotifier>()});
  setup.select = [](const nlohmann::json&) { return std::vector<std::string>{kRefusingNotifier}; };
  auto delivery = delivery::DeliveryService::open((dir_.path() / "state.db").string(), clock_,
                                                  std::move(setup));
  if (!delivery) throw std::runtime_error("delivery: " + delivery.error().message);
  delivery_ = std::move(*delivery);

  // Tests drive the report worker with run_once(); its thread is never started.
  report_jobs_ = std::make_unique<reports::ReportJobs>(
      [this] { return this->config(); }, *store_, nullptr, clock_,
      reports::ReportJobsOptions{dir_.path() / "reports"});

  ApiContext context;
  context.config = [this] { return this->config(); };
  context.store = store_.get();
  context.run_cycle = [this](const ConfigPtr& config, const CycleOptions& cycle_options) {
    const auto yield = delivery_->yield_to_cycle();
    return engine_->run_cycle(config, cycle_options);
  };
  context.clock = &clock_;
  context.dead_letters = delivery_.get();
  context.events_committed = [this] { delivery_->wake(); };
  context.schedules_changed = [this] { ++schedule_changes_; };
  context.report_data = [this](const Config& config, const StoredReport& report) {
    return reports::report_json(config, *store_, nullptr, report, clock_.now());
  };
  context.options = options;
  install_routes(
      [this](std::string_view method, std::string_view pattern, http::Handler handler) {
        registered_.emplace_back(method, pattern);
        server_->handle(method, pattern, std::move(handler));
      },
      context);
  if (auto started = server_->start(); !started) {
    throw std::runtime_error("server: " + started.error().message);
  }
}

ApiWorld::~ApiWorld() {
  server_->stop();
}

std::string ApiWorld::token(const std::string& name) {
  return "tok-" + name + "-8d41f0";
}

std::string ApiWorld::jwt(const JwtClaims& claims, JwtSigning signing) const {
  nlohmann::json grants = {
      {"org", claims.org},
      {"role", claims.role},
      {"sub", claims.subject},
      {"iss", claims.issuer},
      {"aud", claims.audience},
      {"exp", static_cast<long long>(to_unix_seconds(clock_.now())) + claims.expires_in.count()},
  };
  if (claims.sites) grants["sites"] = *claims.sites;
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  const std::unique_ptr<jwt_t, JwtDeleter> token(raw);
  if (jwt_add_grants_json(token.get(), grants.dump().c_str()) != 0) {
    throw std::runtime_error("jwt_add_grants_json failed");
  }
  std::string key;
  jwt_alg_t alg = JWT_ALG_HS256;
  switch (signing) {
    case JwtSigning::hs256:
      key = kHs256Secret;
      break;
    case JwtSigning::hs256_wrong_secret:
      key = kHs256Secret + "-not";
      break;
    case JwtSigning::rs256:
      alg = JWT_ALG_RS256;
      key = slamon::testing::rsa_keys().private_pem;
      break;
    case JwtSigning::rs256_wrong_key:
      alg = JWT_ALG_RS256;
      key = slamon::testing::other_rsa_keys().private_pem;
      break;
  }
  if (jwt_set_alg(token.get(), alg, reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())) != 0) {
    throw std::runtime_error("jwt_set_alg failed");
  }
  char* encoded = jwt_encode_str(token.get());
  if (encoded == nullptr) throw std::runtime_error("jwt_encode_str failed");
  std::string text(encoded);
  free(encoded);  // NOLINT: libjwt allocates with malloc
  return text;
}

ConfigPtr ApiWorld::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

void ApiWorld::set_config(ConfigPtr config) {
  std::lock_guard lock(config_mutex_);
  config_ = std::move(config);
}

ConfigPtr ApiWorld::config_with(const std::function<void(Config&)>& changed) const {
  auto copy = std::make_shared<Config>(*loaded_);
  changed(*copy);
  return copy;
}

Breach ApiWorld::commit_breach(const std::string& org, const std::string& policy_id, Scope scope,
                               std::optional<std::string> scope_id, Metric metric,
                               Severity severity) {
  // An SSID is known by its name, every other scope by its id.
  const bool by_name = scope == Scope::ssid;
  const Breach b = slamon::testing::sample_breach(
      {.id = uuid_v4(),
       .org = org,
       .policy_id = policy_id,
       .scope = scope,
       .scope_id = by_name ? std::nullopt : scope_id,
       .scope_name = by_name ? scope_id : std::nullopt,
       .metric = metric,
       .actual = 90,
       .threshold = 99.5,
       .deviation_percent = severity == Severity::critical ? 30.0 : 9.5,
       .severity = severity,
       .opened_at = clock_.now()});
  if (auto committed = store_->commit({b}, {}); !committed) {
    throw std::runtime_error("commit: " + committed.error().message);
  }
  return b;
}

std::string ApiWorld::make_dead_letter(const std::string& org, const std::string& site) {
  Breach b = commit_breach(org, "dead-letter-" + uuid_v4(), Scope::site, site);
  PolicyRef ref;
  ref.id = b.policy_id;
  ref.name = "Dead letter policy";
  ref.scope = Scope::site;
  ref.scope_id = site;
  const Event event = make_event(EventType::breach_created, b, ref, clock_.now());
  b.last_evaluated_at = clock_.now();
  if (auto committed = store_->commit({b}, {event}); !committed) {
    throw std::runtime_error("commit: " + committed.error().message);
  }
  if (auto routed = delivery_->route_once(clock_.now()); !routed) {
    throw std::runtime_error("route: " + routed.error().message);
  }
  if (auto delivered = delivery_->deliver_once(kRefusingNotifier, clock_.now()); !delivered) {
    throw std::runtime_error("deliver: " + delivered.error().message);
  }
  for (int offset = 0;; offset += 200) {
    auto page = delivery_->dead_letters(org, 200, offset);
    if (!page) throw std::runtime_error("dead letters: " + page.error().message);
    for (const auto& letter : page->items) {
      if (letter.event_id == event.id) return letter.id;
    }
    if (page->items.size() < 200) break;
  }
  throw std::runtime_error("the refused event did not become a dead letter");
}

StoredPolicy ApiWorld::insert_policy(const Policy& policy) {
  auto stored = store_->insert_policy(policy, clock_.now());
  if (!stored) throw std::runtime_error("insert_policy: " + stored.error().message);
  return *stored;
}

Policy ApiWorld::site_policy(const std::string& id, const std::string& org, const std::string& site,
                             const std::string& name) {
  return slamon::testing::site_policy({.id = id,
                                       .org = org,
                                       .name = name,
                                       .site = site,
                                       .thresholds = {{Metric::uptime_percent, 99.5}}});
}

std::vector<StoredEvent> ApiWorld::events(const std::string& type, const std::string& breach_id) {
  auto pending = store_->pending_events(100'000);
  if (!pending) throw std::runtime_error("pending_events: " + pending.error().message);
  std::vector<StoredEvent> matching;
  for (StoredEvent& event : *pending) {
    if (event.type == type && event.breach_id == breach_id) matching.push_back(std::move(event));
  }
  return matching;
}

}  // namespace slamon::api::testing
