// The validated configuration: global settings, sources, measurements, inventory and the
// provisioned policies (SPEC §2–§5). Built once by the loader and then shared read-only as
// std::shared_ptr<const Config>; a reload builds a new one beside it. Immutable, so
// thread-safe to share.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/model.h"

namespace slamon {

struct GlobalConfig {
  std::chrono::milliseconds evaluation_interval{std::chrono::minutes(5)};
  std::string external_url;
  std::string listen_address = "0.0.0.0:9877";
  std::string web_config_file;
  std::string storage_path = "/var/lib/slamon/slamon.db";
  std::string reports_dir = "/var/lib/slamon/reports";
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

// SPEC §10 `reports:`: how long rendered reports are kept, and how many bytes their files may
// take in total (0: no limit); beyond either the oldest go first.
struct ReportsConfig {
  std::chrono::milliseconds retention{std::chrono::days(90)};
  std::uint64_t max_bytes = 10ULL * 1024 * 1024 * 1024;
};

struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure_skip_verify = false;
};

// HTTP credentials for a source; secrets are read from their `_file` twin at load time.
struct HttpClientConfig {
  std::string authorization_type;  // "Bearer" when set
  std::string authorization_credentials;
  std::string basic_auth_username;
  std::string basic_auth_password;
  std::optional<TlsConfig> tls;
};

enum class SourceType { prometheus, snmp };
std::string_view to_string(SourceType);

struct SnmpSourceConfig {
  std::string version = "2c";  // "1" | "2c" | "3"
  std::string community;
  std::string username;
  std::string security_level;  // noAuthNoPriv | authNoPriv | authPriv
  std::string auth_protocol;
  std::string auth_password;
  std::string priv_protocol;
  std::string priv_password;
  std::string context_name;
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
  int retries = 1;
  int max_repetitions = 25;
};

struct SourceConfig {
  std::string name;
  SourceType type = SourceType::prometheus;
  std::string url;  // prometheus
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  HttpClientConfig http;
  SnmpSourceConfig snmp;
};

enum class Aggregate { avg, min, max, worst };
std::string_view to_string(Aggregate);

struct MeasurementConfig {
  Metric metric = Metric::uptime_percent;
  std::vector<Scope> scopes;
  std::string source;  // a SourceConfig name
  // Prometheus measurements
  std::string query;                    // may contain {{window}}, {{scope_id}}, {{scope_name}}
  std::string scope_label;              // result label carrying the scope key
  std::chrono::milliseconds window{0};  // 0 = the evaluation interval
  // SNMP measurements
  std::string snmp;  // reachability | response_time | if_oper_up | if_error_ratio | oid
  std::string oid;
  double scale = 1.0;
  Aggregate aggregate = Aggregate::avg;

  bool per_scope() const;  // the query names {{scope_id}} or {{scope_name}}
  bool serves(Metric m, Scope s) const;
  // The query with {{window}} (Prometheus duration syntax), {{scope_id}} and {{scope_name}}
  // replaced; pass the effective window (Config::window_of).
  std::string render_query(std::chrono::milliseconds effective_window,
                           std::string_view scope_id = {}, std::string_view scope_name = {}) const;
};

struct SiteGroup {
  std::string id, name;
};
struct Site {
  std::string id, name, site_group, timezone;
};
struct DeviceGroup {
  std::string id, name;
};
enum class DeviceKind { switch_, router, ap, camera, nvr, other };
std::string_view to_string(DeviceKind);  // "switch", "router", ...
std::optional<DeviceKind> parse_device_kind(std::string_view);
struct DeviceSnmp {
  std::string source;
  std::string address;  // always host:port ("[v6]:port" for IPv6); port 161 when not written
  std::vector<int> interfaces;
};
struct Device {
  std::string id, name;
  DeviceKind kind = DeviceKind::other;
  std::string site;
  std::vector<std::string> device_groups;
  std::vector<std::string> ssids;
  std::optional<DeviceSnmp> snmp;
};
struct Organization {
  std::string id, name;
  std::vector<SiteGroup> site_groups;
  std::vector<Site> sites;
  std::vector<DeviceGroup> device_groups;
  std::vector<Device> devices;
};

// Which entity an id names, and who owns it. Organizations are indexed too (kind
// organization); devices of kinds other than camera/nvr are not scope entities (see
// Inventory::device).
struct EntityRef {
  std::string org;
  Scope kind = Scope::site;  // organization | site | site_group | device_group | camera | nvr
  bool is_device = false;
  std::string site;  // for sites: itself; for devices: their site; else empty
  std::string name;
};

class Inventory {
 public:
  std::vector<Organization> organizations;

  // Rebuilds the lookup index; the loader calls it once after filling `organizations`.
  void index();
  const Organization* organization(const std::string& id) const;
  const EntityRef* entity(const std::string& id) const;
  // Any device by id, whatever its kind; nullptr when unknown.
  const Device* device(const std::string& id) const;
  // The organization that owns device `id`; nullptr when unknown.
  const Organization* device_owner(const std::string& id) const;
  // Does `id` name an entity of `scope` kind owned by `org`? (camera/nvr: device of that kind;
  // organization: id == org; ssid: an AP of `org` carries the SSID named `id`)
  bool owns(const std::string& org, Scope scope, const std::string& id) const;
  // The devices of a scope (SPEC §5). For ssid, `scope_key` is the SSID *name* (pass
  // policy.scope_name when the policy also has a scope_id). The pointers stay valid as long as
  // this Inventory is neither modified nor destroyed.
  std::vector<const Device*> devices_of(const std::string& org, Scope scope,
                                        const std::string& scope_key) const;
  // The site a policy's scope is located at, when it has one (site, device, camera, nvr).
  std::optional<std::string> site_of(Scope scope, const std::string& scope_id) const;
  // The IANA time zone a scope's local times are read in when none is written (SPEC §7.2,
  // §7.3): the `timezone` of the site the scope is located at, else "UTC".
  std::string timezone_of(Scope scope, const std::optional<std::string>& scope_id) const;

 private:
  std::unordered_map<std::string, EntityRef> entities_;
  std::unordered_map<std::string, std::size_t> org_index_;
  // device id -> (organization index, device index): indices, so copies of an Inventory stay valid
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> device_index_;
};

// SPEC §8. Static bearer tokens are kept only as SHA-256 digests (a `token_file` is hashed at
// load time and its plaintext dropped).
enum class Role { viewer, site_admin, org_admin };
std::string_view to_string(Role);
std::optional<Role> parse_role(std::string_view);

struct TokenConfig {
  std::string name;
  std::string sha256_hex;  // lower-case hex digest of the bearer token
  std::string org;
  Role role = Role::viewer;
  std::optional<std::vector<std::string>> sites;  // a site grant; nullopt = every site of the org
};

struct JwtConfig {
  std::string hs256_secret;          // read from hs256_secret_file
  std::string rs256_public_key_pem;  // read from rs256_public_key_file
  std::string issuer;                // required `iss` when set
  std::string audience;              // required in `aud` when set
  std::string org_claim = "org";     // claims: {org: ..., role: ..., sites: ...}
  std::string role_claim = "role";
  std::string sites_claim = "sites";
};

struct AuthConfig {
  std::vector<TokenConfig> tokens;
  std::optional<JwtConfig> jwt;
};

// SPEC §9.2. Every secret (url, secret, auth_password) is read from its `_file` twin at load
// time when that is used; a notifier's URL is a secret and never appears in a log or error.
enum class NotifierType { slack, teams, webhook, smtp, alertmanager };
std::string_view to_string(NotifierType);
std::optional<NotifierType> parse_notifier_type(std::string_view);

enum class TeamsFormat { adaptive_card, message_card };
std::string_view to_string(TeamsFormat);

struct SmtpConfig {
  std::string smarthost;  // host:port
  std::string from;
  std::vector<std::string> to;
  std::string auth_username;
  std::string auth_password;
  bool require_tls = true;  // STARTTLS required (smtps:// when the port is 465)
  std::string hello;        // EHLO name; empty = libcurl's default
};

struct NotifierConfig {
  std::string name;
  NotifierType type = NotifierType::webhook;
  std::string url;     // slack, teams, webhook, alertmanager (base URL for alertmanager)
  std::string secret;  // webhook: the Standard Webhooks signing secret ("whsec_<base64>" or raw)
  std::vector<std::pair<std::string, std::string>> headers;  // webhook: extra headers
  TeamsFormat teams_format = TeamsFormat::adaptive_card;
  SmtpConfig smtp;
  std::optional<TlsConfig> tls;                                 // tls_config for https endpoints
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // one delivery attempt
  // Sends per second at most; 0 = the type's default (slack 1, teams 4, others 10).
  double rate_limit = 0;
  // An event not delivered this long after it occurred goes to the dead letters.
  std::chrono::milliseconds max_age{std::chrono::hours(24)};
};

// SPEC §9.4. An event is sent to the notifiers of every rule it matches (each notifier once);
// an event matching no rule is kept in the outbox and sent nowhere.
struct AlertRuleMatch {
  std::vector<Severity> severities;           // empty = any
  std::vector<std::string> orgs;              // empty = any
  std::vector<Scope> scopes;                  // empty = any
  std::vector<std::string> policies;          // policy ids or names; empty = any
  std::map<std::string, std::string> labels;  // every one must equal the policy's label
};

struct AlertRule {
  std::string name;
  std::vector<std::string> events;  // event types, e.g. sla.breach.created, sla.incident.opened
  AlertRuleMatch match;
  std::vector<std::string> notifiers;  // NotifierConfig names
};

// SPEC §9.4: breaches opened within `window` of an incident's first breach that share the
// `group_by` keys (org, site, site_group, scope, scope_id, policy, metric) form one incident.
struct CorrelationConfig {
  bool enabled = false;  // true when the `correlation` block is present
  std::chrono::milliseconds window{std::chrono::minutes(2)};
  std::vector<std::string> group_by{"org", "site"};
};

// SPEC §14: an organization's status page at /status/{slug}. Public pages need no token;
// private ones a token of `org` with config:read.
struct StatusPage {
  std::string slug;  // [a-z0-9-]{1,64}, unique
  std::string org;   // canonical UUID of an inventory organization
  std::string title;
  bool public_page = false;  // `public:`; false (the default) keeps the page private
  // `policies: {labels: {...}}`: the org's policies carrying every one of these labels;
  // empty = all of the org's policies.
  std::map<std::string, std::string> policy_labels;
};

struct Config {
  std::string file;  // absolute path of slamon.yml
  GlobalConfig global;
  std::vector<SourceConfig> sources;
  std::vector<MeasurementConfig> measurements;
  Inventory inventory;
  AuthConfig auth;
  std::vector<NotifierConfig> notifiers;
  std::vector<AlertRule> alert_rules;
  CorrelationConfig correlation;
  std::vector<Policy> policies;  // provisioned, from rule files
  // SPEC §7.3 `maintenance:` of slamon.yml (provisioned); the API's windows live in the store.
  std::vector<MaintenanceWindow> maintenance;
  std::vector<StatusPage> status_pages;  // SPEC §14 `status_pages:`
  // SPEC §10 `report_schedules:` (provisioned); the API's schedules live in the store.
  std::vector<ReportSchedule> report_schedules;
  ReportsConfig reports;
  std::vector<std::string> rule_files;       // resolved paths, for logs
  std::vector<std::string> inventory_files;  // resolved paths

  const SourceConfig* source(const std::string& name) const;
  // The first measurement (in file order) that serves metric m for scope s, or nullptr.
  const MeasurementConfig* measurement_for(Metric m, Scope s) const;
  // The window a measurement covers: its `window`, or the evaluation interval when 0.
  std::chrono::milliseconds window_of(const MeasurementConfig& measurement) const;
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace slamon
