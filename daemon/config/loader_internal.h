// The pieces of the configuration loader shared between its translation units: file reading,
// id spelling rules, and the readers of each section. Internal to slamon_config.
// Stateless functions; thread-safe as long as each call works on its own Config.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "config/yaml_reader.h"

namespace slamon::config_detail {

inline constexpr std::size_t kMaxConfigFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

// The whole content of a file; the error message is the system's reason (no content).
Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// The one YAML document of a file; nullopt when the file cannot be read or parsed (reported).
std::optional<YAML::Node> load_document(const Reporter& r, const std::filesystem::path& path,
                                        std::size_t max_bytes);

// `path` when absolute, else `base_dir / path`; normalized.
std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::string& path);

// A UUID in canonical lower case, or nullopt when `text` is not a UUID.
std::optional<std::string> canonical_uuid(std::string_view text);

// Whether `name` is a Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool is_label_name(std::string_view name);

// A `labels` map of strings (non-empty ones when `nonempty_values`) whose keys must be label
// names; every bad key or value is reported and left out.
std::map<std::string, std::string> read_label_map(const Reporter& r, const Field& field,
                                                  bool nonempty_values);

// "file:line" of an earlier definition, for "already defined at ..." messages.
struct Location {
  std::string file;
  int line = 0;
  std::string describe() const;
};
Location location_of(const Reporter& r, const YAML::Mark& mark);

// Every entity id of the inventory (organizations included), across all inventory files.
using EntityIds = std::unordered_map<std::string, std::pair<std::string, Location>>;

// What a secret read: its value, and where it was given (for messages about it).
struct Secret {
  std::string value;
  Field field;
};

// Reads secret `key` of `map` or its twin `key_file` (read now, relative to base_dir, trailing
// newlines stripped); nullopt when neither is given or the one given is wrong (reported). Never
// puts the secret's content into a diagnostic.
std::optional<Secret> read_secret(const Reporter& r, const MapReader& map, std::string_view key,
                                  const std::filesystem::path& base_dir);

// A `tls_config` map (ca_file, cert_file, key_file, insecure_skip_verify): files resolve against
// base_dir and are checked readable now. nullopt when the value is not a map (reported).
std::optional<TlsConfig> read_tls_config(const Reporter& r, const Field& field,
                                         const std::filesystem::path& base_dir);

// sources: of slamon.yml; secrets and TLS files resolve against base_dir. Returns the names of
// sources left out because their type was missing or wrong, so that references to them are not
// reported a second time as unknown.
std::set<std::string> read_sources(const Reporter& r, const Field& field,
                                   const std::filesystem::path& base_dir, Config& config);
// measurements: of slamon.yml (after the sources). A measurement whose metric and scopes are
// readable is kept even when other fields are wrong, so policies are not reported for it too.
void read_measurements(const Reporter& r, const Field& field, Config& config,
                       const std::set<std::string>& untyped_sources);

// The organizations of one inventory file, appended to config.inventory.organizations (the
// index is not rebuilt). config.sources must already be read: device polling names a source.
void read_inventory_file(const Reporter& r, const YAML::Node& document, Config& config,
                         const std::set<std::string>& untyped_sources, EntityIds& ids);

// References from `auth.tokens` to the inventory, checked once every inventory file is read.
struct TokenReference {
  std::size_t token = 0;     // index in config.auth.tokens
  Field org;                 // where the organization was given
  std::vector<Field> sites;  // where each site was given (in the order of token.sites)
};
using AuthReferences = std::vector<TokenReference>;

// auth: of slamon.yml (SPEC §8). Secret and key files resolve against base_dir; a token_file is
// hashed and its plaintext dropped. Returns the inventory references to check later.
AuthReferences read_auth(const Reporter& r, const Field& field,
                         const std::filesystem::path& base_dir, AuthConfig& auth);
// Each token's organization must be in the inventory, and each of its sites a site of it.
void check_auth_references(const Reporter& r, const AuthReferences& references,
                           const Config& config);

// notifiers: of slamon.yml (SPEC §9.2). Secrets (url, secret, auth_password) are read from
// their `_file` twins now; no diagnostic carries one. Returns every notifier name written, the
// invalid notifiers' too, so that references to them are not reported again as unknown.
std::set<std::string> read_notifiers(const Reporter& r, const Field& field,
                                     const std::filesystem::path& base_dir,
                                     std::vector<NotifierConfig>& notifiers);
// alert_rules: of slamon.yml (SPEC §9.4), after the notifiers: every notifier a rule names must
// be in `notifier_names`. Returns where each `match.org` was given, for the inventory check.
std::vector<Field> read_alert_rules(const Reporter& r, const Field& field,
                                    const std::set<std::string>& notifier_names,
                                    std::vector<AlertRule>& rules);
// Each organization an alert rule matches on must be in the inventory.
void check_alert_rule_orgs(const Reporter& r, const std::vector<Field>& org_fields,
                           const Config& config);
// correlation: of slamon.yml (SPEC §9.4); its presence enables correlation.
void read_correlation(const Reporter& r, const Field& field, CorrelationConfig& correlation);

// --- Shared by policies and maintenance windows ---

// A slug [a-z0-9_-]{1,64}.
bool is_slug(std::string_view id);
// A number as messages print it (99.5, 1e+06).
std::string format_number(double value);
// "site group" for site_group, ...: how messages name an entity kind.
std::string kind_name(Scope scope);

// `org` of a policy or window: required, a UUID of the inventory. Sets `org` to the canonical
// UUID when it is one; returns whether the organization is known.
bool read_owner_org(const Reporter& r, const MapReader& map, const Inventory& inventory,
                    std::string& org);

// The scope of a policy or window (SPEC §3 rules): `scope`, then `scope_id` / `scope_name`.
// `subject` names the object in messages ("policy", "window"). Returns whether `scope` itself
// was read (its id may still be wrong, which is reported).
struct ScopeFields {
  Scope scope = Scope::organization;
  std::optional<std::string> scope_id;
  std::optional<std::string> scope_name;
};
bool read_scope_fields(const Reporter& r, const MapReader& map, const Inventory& inventory,
                       const std::string& org, bool org_known, std::string_view subject,
                       ScopeFields& out);

// An IANA time zone name known to the tz database; reports and returns nullopt otherwise.
std::optional<std::string> read_timezone(const Reporter& r, const Field& f);

// The SPEC §7 keys of a policy (sla_period, time_period, requirements, levels, sliding_window,
// credits), read after its scope and thresholds. `written_thresholds` holds the metrics whose
// threshold key is written (valid or not), so a wrong threshold is not reported twice.
// `scope_known`: the policy's scope was read (measurement checks need it).
void read_policy_sla_keys(const Reporter& r, const MapReader& map, const Config& config,
                          const std::set<Metric>& written_thresholds, bool scope_known,
                          Policy& policy);

// maintenance: of slamon.yml (SPEC §7.3), after the inventory is indexed. Appends the valid
// windows to config.maintenance, with generated ids "config-<n>" (n: 1-based list position)
// for those without one.
void read_maintenance(const Reporter& r, const Field& field, Config& config);
// report_schedules: of slamon.yml (SPEC §10), after the inventory and the notifiers.
void read_report_schedules(const Reporter& r, const Field& field, Config& config);
// reports: of slamon.yml (SPEC §10): retention and max_bytes.
void read_reports(const Reporter& r, const Field& field, ReportsConfig& reports);

// status_pages: of slamon.yml (SPEC §14), after the inventory is indexed (each page's org must
// be in it). Appends the valid pages to config.status_pages; slugs are unique.
void read_status_pages(const Reporter& r, const Field& field, Config& config);

}  // namespace slamon::config_detail
