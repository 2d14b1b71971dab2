// Reading of `sources:` (SPEC §2) and `measurements:` (SPEC §4).
#include <algorithm>
#include <array>
#include <set>

#include "common/log.h"
#include "config/loader_internal.h"

namespace slamon::config_detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kSourceKeys{"name"sv,
                                 "type"sv,
                                 "timeout"sv,
                                 "url"sv,
                                 "authorization"sv,
                                 "basic_auth"sv,
                                 "tls_config"sv,
                                 "version"sv,
                                 "community"sv,
                                 "community_file"sv,
                                 "username"sv,
                                 "security_level"sv,
                                 "auth_protocol"sv,
                                 "auth_password"sv,
                                 "auth_password_file"sv,
                                 "priv_protocol"sv,
                                 "priv_password"sv,
                                 "priv_password_file"sv,
                                 "context_name"sv,
                                 "interval"sv,
                                 "retries"sv,
                                 "max_repetitions"sv};
constexpr std::array kPrometheusOnlyKeys{"url"sv, "authorization"sv, "basic_auth"sv,
                                         "tls_config"sv};
constexpr std::array kSnmpOnlyKeys{
    "version"sv,        "community"sv,     "community_file"sv,     "username"sv,
    "security_level"sv, "auth_protocol"sv, "auth_password"sv,      "auth_password_file"sv,
    "priv_protocol"sv,  "priv_password"sv, "priv_password_file"sv, "context_name"sv,
    "interval"sv,       "retries"sv,       "max_repetitions"sv};
constexpr std::array kSnmpV3OnlyKeys{"username"sv,      "security_level"sv,     "auth_protocol"sv,
                                     "auth_password"sv, "auth_password_file"sv, "priv_protocol"sv,
                                     "priv_password"sv, "priv_password_file"sv, "context_name"sv};
constexpr std::array kCommunityKeys{"community"sv, "community_file"sv};
constexpr std::array kSourceTypes{"prometheus"sv, "snmp"sv};
constexpr std::array kSnmpVersions{"1"sv, "2c"sv, "3"sv};
constexpr std::array kSecurityLevels{"noAuthNoPriv"sv, "authNoPriv"sv, "authPriv"sv};
constexpr std::array kAuthProtocols{"MD5"sv,     "SHA"sv,     "SHA-224"sv,
                                    "SHA-256"sv, "SHA-384"sv, "SHA-512"sv};
constexpr std::array kPrivProtocols{"DES"sv, "AES"sv, "AES-192"sv, "AES-256"sv};
constexpr std::array kAuthorizationKeys{"type"sv, "credentials"sv, "credentials_file"sv};
constexpr std::array kBasicAuthKeys{"username"sv, "password"sv, "password_file"sv};
constexpr std::array kTlsKeys{"ca_file"sv, "cert_file"sv, "key_file"sv, "insecure_skip_verify"sv};

constexpr std::array kMeasurementKeys{"metric"sv,      "scopes"sv,   "source"sv, "query"sv,
                                      "scope_label"sv, "window"sv,   "snmp"sv,   "oid"sv,
                                      "scale"sv,       "aggregate"sv};
constexpr std::array kPrometheusMeasurementKeys{"query"sv, "scope_label"sv};
constexpr std::array kSnmpMeasurementKeys{"snmp"sv, "oid"sv, "scale"sv, "aggregate"sv};
constexpr std::array kSnmpBuiltins{"reachability"sv, "response_time"sv, "if_oper_up"sv,
                                   "if_error_ratio"sv, "oid"sv};
constexpr std::array kAggregates{"avg"sv, "min"sv, "max"sv, "worst"sv};
constexpr std::array kPlaceholders{"window"sv, "scope_id"sv, "scope_name"sv};

// SNMPv3 (RFC 3414 USM) rejects pass phrases shorter than 8 characters.
constexpr std::size_t kMinUsmPasswordLength = 8;

bool contains(std::span<const std::string_view> keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::vector<std::string_view> names_of(std::span<const std::string_view> from) {
  return {from.begin(), from.end()};
}

bool is_http_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// A file the source opens later (CA, certificate, key): resolved now and checked readable.
std::optional<std::string> read_file_reference(const Reporter& r, const Field& field,
                                               const std::filesystem::path& base_dir) {
  const auto name = read_nonempty_string(r, field);
  if (!name) return std::nullopt;
  const std::filesystem::path path = resolve_path(base_dir, *name);
  if (auto content = read_file(path, kMaxConfigFileBytes); !content) {
    r.error(field.value_mark, field.path,
            "cannot read \"" + path.string() + "\": " + content.error().message);
    return std::nullopt;
  }
  return path.string();
}

void read_http_client(const Reporter& r, const MapReader& source,
                      const std::filesystem::path& base_dir, HttpClientConfig& http) {
  const auto authorization = source.get("authorization");
  const auto basic_auth = source.get("basic_auth");
  if (authorization && basic_auth) {
    r.error(basic_auth->key_mark, basic_auth->path,
            "`authorization` and `basic_auth` are mutually exclusive; give only one");
  }
  if (authorization) {
    MapReader map(r, *authorization, kAuthorizationKeys);
    http.authorization_type = "Bearer";
    if (auto type = map.get("type")) {
      if (auto value = read_nonempty_string(r, *type)) http.authorization_type = *value;
    }
    if (auto secret = read_secret(r, map, "credentials", base_dir)) {
      http.authorization_credentials = std::move(secret->value);
    } else if (map.ok() && !map.has("credentials") && !map.has("credentials_file")) {
      r.error(authorization->value_mark, join_path(authorization->path, "credentials"),
              "authorization needs `credentials` or `credentials_file`");
    }
  }
  if (basic_auth) {
    MapReader map(r, *basic_auth, kBasicAuthKeys);
    if (auto username = map.require("username")) {
      if (auto value = read_nonempty_string(r, *username)) http.basic_auth_username = *value;
    }
    if (auto secret = read_secret(r, map, "password", base_dir)) {
      http.basic_auth_password = std::move(secret->value);
    }
  }
  if (auto tls = source.get("tls_config")) http.tls = read_tls_config(r, *tls, base_dir);
}

void read_snmp(const Reporter& r, const MapReader& source, const std::filesystem::path& base_dir,
               SnmpSourceConfig& snmp) {
  bool version_known = true;
  if (auto f = source.get("version")) {
    auto version = read_choice(r, *f, kSnmpVersions);
    if (version) snmp.version = *version;
    version_known = version.has_value();
  }
  if (auto f = source.get("interval")) {
    if (auto interval = read_duration(r, *f)) {
      if (interval->count() <= 0) {
        r.error(f->value_mark, f->path, "must be greater than 0");
      } else {
        snmp.interval = *interval;
      }
    }
  }
  if (auto f = source.get("retries")) {
    if (auto retries = read_integer(r, *f)) {
      if (*retries < 0 || *retries > 100) {
        r.error(f->value_mark, f->path, "must be between 0 and 100");
      } else {
        snmp.retries = static_cast<int>(*retries);
      }
    }
  }
  if (auto f = source.get("max_repetitions")) {
    if (auto repetitions = read_integer(r, *f)) {
      if (*repetitions < 1 || *repetitions > 65535) {
        r.error(f->value_mark, f->path, "must be between 1 and 65535");
      } else {
        snmp.max_repetitions = static_cast<int>(*repetitions);
      }
    }
  }

  if (!version_known) {
    // Which keys are required or foreign depends on the version; still report unreadable
    // secret files, which are wrong whatever the version.
    for (std::string_view secret : {"community"sv, "auth_password"sv, "priv_password"sv}) {
      read_secret(r, source, secret, base_dir);
    }
    return;
  }
  const bool v3 = snmp.version == "3";
  const std::span<const std::string_view> foreign =
      v3 ? std::span<const std::string_view>(kCommunityKeys)
         : std::span<const std::string_view>(kSnmpV3OnlyKeys);
  for (const auto& [key, field] : source.entries()) {
    if (contains(foreign, key)) {
      r.error(field.key_mark, field.path,
              "`" + key + "` applies only to snmp version " + (v3 ? "1 and 2c" : "3") +
                  " (this source uses version " + snmp.version + ")");
    }
  }
  if (!v3) {
    if (auto community = read_secret(r, source, "community", base_dir)) {
      snmp.community = std::move(community->value);
    } else if (!source.has("community") && !source.has("community_file")) {
      r.error(source.self().value_mark, join_path(source.self().path, "community"),
              "snmp version " + snmp.version + " needs `community` or `community_file`");
    }
    return;
  }

  if (auto f = source.require("username")) snmp.username = read_nonempty_string(r, *f).value_or("");
  if (auto f = source.get("context_name")) snmp.context_name = read_string(r, *f).value_or("");
  const auto level_field = source.require("security_level");
  if (!level_field) return;
  const auto level = read_choice(r, *level_field, kSecurityLevels);
  if (!level) return;
  snmp.security_level = *level;
  const bool auth = *level != "noAuthNoPriv";
  const bool priv = *level == "authPriv";

  const auto check_password = [&](const std::optional<Secret>& secret, std::string& out) {
    if (!secret) return;
    if (secret->value.size() < kMinUsmPasswordLength) {
      r.error(secret->field.value_mark, secret->field.path,
              "an SNMPv3 password must be at least 8 characters long");
      return;
    }
    out = secret->value;
  };
  const auto reject = [&](std::initializer_list<std::string_view> keys, std::string_view needs) {
    for (std::string_view key : keys) {
      if (auto f = source.get(key)) {
        // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on the `+` chain.
        std::string message = "`";
        message.append(key).append("` needs security_level ").append(needs);
        message.append(" (this source uses ").append(*level).append(")");
        r.error(f->key_mark, f->path, message);
      }
    }
  };
  const auto require_secret = [&](std::string_view key, std::string& out) {
    const auto secret = read_secret(r, source, key, base_dir);
    if (!secret && !source.has(key) && !source.has(std::string(key) + "_file")) {
      r.error(source.self().value_mark, join_path(source.self().path, key),
              "security_level " + *level + " needs `" + std::string(key) + "` or `" +
                  std::string(key) + "_file`");
    }
    check_password(secret, out);
  };

  if (auth) {
    if (auto f = source.require("auth_protocol")) {
      snmp.auth_protocol = read_choice(r, *f, kAuthProtocols).value_or("");
    }
    require_secret("auth_password", snmp.auth_password);
  } else {
    reject({"auth_protocol", "auth_password", "auth_password_file"}, "authNoPriv or authPriv");
  }
  if (priv) {
    if (auto f = source.require("priv_protocol")) {
      snmp.priv_protocol = read_choice(r, *f, kPrivProtocols).value_or("");
    }
    require_secret("priv_password", snmp.priv_password);
  } else {
    reject({"priv_protocol", "priv_password", "priv_password_file"}, "authPriv");
  }
}

void read_source(const Reporter& r, const Field& item, const std::filesystem::path& base_dir,
                 Config& config, std::unordered_map<std::string, Location>& names,
                 std::set<std::string>& untyped) {
  MapReader map(r, item, kSourceKeys);
  if (!map.ok()) return;
  SourceConfig source;
  if (auto f = map.require("name")) {
    if (auto name = read_nonempty_string(r, *f)) {
      const auto [existing, inserted] = names.emplace(*name, location_of(r, f->value_mark));
      if (!inserted) {
        r.error(f->value_mark, f->path,
                "duplicate source name `" + *name + "` (already defined at " +
                    existing->second.describe() + ")");
      }
      source.name = *name;
    }
  }
  std::optional<SourceType> type;
  if (auto f = map.require("type")) {
    if (auto text = read_choice(r, *f, kSourceTypes)) {
      type = *text == "snmp" ? SourceType::snmp : SourceType::prometheus;
    }
  }
  if (type) {
    source.type = *type;
    const auto& foreign =
        *type == SourceType::prometheus ? names_of(kSnmpOnlyKeys) : names_of(kPrometheusOnlyKeys);
    for (const auto& [key, field] : map.entries()) {
      if (contains(foreign, key)) {
        r.error(field.key_mark, field.path,
                "`" + key + "` applies only to " +
                    (*type == SourceType::prometheus ? "snmp" : "prometheus") +
                    " sources (this source is " + std::string(to_string(*type)) + ")");
      }
    }
  }
  if (!type) {
    // Reported already; remembered so that references to it do not add "unknown source".
    if (!source.name.empty()) untyped.insert(source.name);
    return;
  }
  if (type == SourceType::snmp) source.timeout = std::chrono::seconds(2);
  if (auto f = map.get("timeout")) {
    if (auto timeout = read_duration(r, *f)) {
      if (timeout->count() <= 0) {
        r.error(f->value_mark, f->path, "must be greater than 0");
      } else {
        source.timeout = *timeout;
      }
    }
  }
  if (type == SourceType::prometheus) {
    if (auto f = map.require("url")) {
      if (auto url = read_nonempty_string(r, *f)) {
        if (!is_http_url(*url)) {
          r.error(f->value_mark, f->path,
                  "must be an http:// or https:// URL such as http://127.0.0.1:9090, got \"" +
                      *url + "\"");
        } else {
          source.url = *url;
        }
      }
    }
    read_http_client(r, map, base_dir, source.http);
  } else if (type == SourceType::snmp) {
    read_snmp(r, map, base_dir, source.snmp);
  }
  config.sources.push_back(std::move(source));
}

// Placeholders are {{window}}, {{scope_id}} and {{scope_name}}; anything else is a typo.
void check_placeholders(const Reporter& r, const Field& field, const std::string& query) {
  for (std::size_t open = query.find("{{"); open != std::string::npos;
       open = query.find("{{", open + 2)) {
    const std::size_t close = query.find("}}", open + 2);
    if (close == std::string::npos) break;
    const std::string_view name = std::string_view(query).substr(open + 2, close - open - 2);
    if (!contains(kPlaceholders, name)) {
      r.error(field.value_mark, field.path,
              "unknown placeholder `{{" + std::string(name) +
                  "}}`; the query may use {{window}}, {{scope_id}} and {{scope_name}}");
    }
  }
}

bool is_numeric_oid(std::string_view oid) {
  if (oid.starts_with('.')) oid.remove_prefix(1);
  std::size_t components = 0;
  std::size_t start = 0;
  while (start <= oid.size()) {
    const std::size_t dot = std::min(oid.find('.', start), oid.size());
    const std::string_view part = oid.substr(start, dot - start);
    if (part.empty() || part.size() > 10 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    ++components;
    start = dot + 1;
  }
  return components >= 2;
}

void read_measurement(const Reporter& r, const Field& item, Config& config,
                      const std::set<std::string>& untyped_sources) {
  MapReader map(r, item, kMeasurementKeys);
  if (!map.ok()) return;
  MeasurementConfig measurement;
  bool usable =
      true;  // metric and scopes known: policies can rely on it even if other parts are wrong
  if (auto f = map.require("metric")) {
    std::vector<std::string_view> metrics;
    for (Metric m : kAllMetrics) metrics.push_back(to_string(m));
    if (auto text = read_choice(r, *f, metrics)) {
      measurement.metric = *parse_metric(*text);
    } else {
      usable = false;
    }
  } else {
    usable = false;
  }
  if (auto f = map.require("scopes")) {
    std::vector<std::string_view> scope_names;
    for (Scope s : kAllScopes) scope_names.push_back(to_string(s));
    if (auto items = read_list(r, *f)) {
      if (items->empty()) {
        r.error(f->value_mark, f->path, "must list at least one scope: " + list_words(scope_names));
      }
      for (const Field& scope_item : *items) {
        if (auto text = read_choice(r, scope_item, scope_names)) {
          const Scope scope = *parse_scope(*text);
          if (measurement.serves(measurement.metric, scope)) {
            r.error(scope_item.value_mark, scope_item.path,
                    "scope `" + *text + "` is listed twice");
          } else {
            measurement.scopes.push_back(scope);
          }
        }
      }
    }
  }
  if (measurement.scopes.empty()) usable = false;

  const SourceConfig* source = nullptr;
  if (auto f = map.require("source")) {
    if (auto name = read_nonempty_string(r, *f)) {
      measurement.source = *name;
      source = config.source(*name);
      if (source == nullptr && !untyped_sources.contains(*name)) {
        std::string known;
        for (const SourceConfig& s : config.sources) known += (known.empty() ? "" : ", ") + s.name;
        r.error(
            f->value_mark, f->path,
            "unknown source `" + *name + "`" +
                (known.empty() ? "; no sources are configured" : "; configured sources: " + known));
      }
    }
  }
  if (auto f = map.get("window")) {
    if (auto window = read_duration(r, *f)) measurement.window = *window;
  }

  if (source != nullptr) {
    const bool prometheus = source->type == SourceType::prometheus;
    const auto& foreign =
        prometheus ? names_of(kSnmpMeasurementKeys) : names_of(kPrometheusMeasurementKeys);
    for (const auto& [key, field] : map.entries()) {
      if (contains(foreign, key)) {
        r.error(field.key_mark, field.path,
                "`" + key + "` applies only to measurements from " +
                    (prometheus ? "an snmp" : "a prometheus") + " source (source `" + source->name +
                    "` is " + std::string(to_string(source->type)) + ")");
      }
    }
    if (prometheus) {
      if (auto f = map.require("query")) {
        if (auto query = read_nonempty_string(r, *f)) {
          measurement.query = *query;
          check_placeholders(r, *f, *query);
        }
      }
      if (auto f = map.get("scope_label")) {
        if (auto label = read_nonempty_string(r, *f)) measurement.scope_label = *label;
      } else if (map.has("query") && !measurement.query.empty() && !measurement.per_scope()) {
        r.error(map.self().value_mark, join_path(map.self().path, "scope_label"),
                "missing required key `scope_label`: a batched query (one without {{scope_id}} or "
                "{{scope_name}}) must say which result label carries the scope id");
      }
    } else {
      if (auto f = map.require("snmp")) {
        if (auto builtin = read_choice(r, *f, kSnmpBuiltins)) measurement.snmp = *builtin;
      }
      if (auto f = map.get("oid")) {
        if (map.has("snmp") && measurement.snmp != "oid" && !measurement.snmp.empty()) {
          r.error(f->key_mark, f->path, "`oid` applies only to `snmp: oid`");
        } else if (auto oid = read_nonempty_string(r, *f)) {
          if (!is_numeric_oid(*oid)) {
            r.error(f->value_mark, f->path,
                    "must be a numeric OID such as 1.3.6.1.2.1.1.3.0, got \"" + *oid + "\"");
          } else {
            measurement.oid = oid->starts_with('.') ? oid->substr(1) : *oid;
          }
        }
      } else if (measurement.snmp == "oid") {
        r.error(map.self().value_mark, join_path(map.self().path, "oid"),
                "missing required key `oid`: `snmp: oid` needs the OID to read");
      }
      if (auto f = map.get("scale")) {
        if (auto scale = read_number(r, *f)) {
          if (*scale == 0) {
            r.error(f->value_mark, f->path, "must not be 0");
          } else {
            measurement.scale = *scale;
          }
        }
      }
      if (auto f = map.get("aggregate")) {
        if (auto text = read_choice(r, *f, kAggregates)) {
          measurement.aggregate = *text == "min"     ? Aggregate::min
                                  : *text == "max"   ? Aggregate::max
                                  : *text == "worst" ? Aggregate::worst
                                                     : Aggregate::avg;
        }
      }
    }
  }
  if (!usable) return;
  for (Scope scope : measurement.scopes) {
    if (config.measurement_for(measurement.metric, scope) != nullptr) {
      log::warn("measurement is shadowed by an earlier one for the same metric and scope",
                {{"file", r.file()},
                 {"path", item.path},
                 {"metric", to_string(measurement.metric)},
                 {"scope", to_string(scope)}});
    }
  }
  config.measurements.push_back(std::move(measurement));
}

}  // namespace

std::optional<Secret> read_secret(const Reporter& r, const MapReader& map, std::string_view key,
                                  const std::filesystem::path& base_dir) {
  const std::string file_key = std::string(key) + "_file";
  const auto inline_field = map.get(key);
  const auto file_field = map.get(file_key);
  if (inline_field && file_field) {
    r.error(
        file_field->key_mark, file_field->path,
        "`" + std::string(key) + "` and `" + file_key + "` are mutually exclusive; give only one");
    return std::nullopt;
  }
  if (inline_field) {
    auto value = read_nonempty_string(r, *inline_field);
    if (!value) return std::nullopt;
    return Secret{std::move(*value), *inline_field};
  }
  if (!file_field) return std::nullopt;
  const auto name = read_nonempty_string(r, *file_field);
  if (!name) return std::nullopt;
  const std::filesystem::path path = resolve_path(base_dir, *name);
  auto content = read_file(path, kMaxSecretFileBytes);
  if (!content) {
    r.error(file_field->value_mark, file_field->path,
            "cannot read " + file_key + " \"" + path.string() + "\": " + content.error().message);
    return std::nullopt;
  }
  while (!content->empty() && (content->back() == '\n' || content->back() == '\r')) {
    content->pop_back();
  }
  return Secret{std::move(*content), *file_field};
}

std::optional<TlsConfig> read_tls_config(const Reporter& r, const Field& field,
                                         const std::filesystem::path& base_dir) {
  MapReader map(r, field, kTlsKeys);
  if (!map.ok()) return std::nullopt;
  TlsConfig config;
  if (auto f = map.get("ca_file")) {
    config.ca_file = read_file_reference(r, *f, base_dir).value_or("");
  }
  if (auto f = map.get("cert_file")) {
    config.cert_file = read_file_reference(r, *f, base_dir).value_or("");
  }
  if (auto f = map.get("key_file")) {
    config.key_file = read_file_reference(r, *f, base_dir).value_or("");
  }
  if (auto f = map.get("insecure_skip_verify")) {
    config.insecure_skip_verify = read_bool(r, *f).value_or(false);
  }
  const auto cert = map.get("cert_file");
  const auto key = map.get("key_file");
  if (cert.has_value() != key.has_value()) {
    const Field& given = cert ? *cert : *key;
    r.error(given.key_mark, given.path,
            "`cert_file` and `key_file` go together: a client certificate needs its key");
  }
  return config;
}

std::set<std::string> read_sources(const Reporter& r, const Field& field,
                                   const std::filesystem::path& base_dir, Config& config) {
  std::set<std::string> untyped;
  const auto items = read_list(r, field);
  if (!items) return untyped;
  std::unordered_map<std::string, Location> names;
  for (const Field& item : *items) read_source(r, item, base_dir, config, names, untyped);
  return untyped;
}

void read_measurements(const Reporter& r, const Field& field, Config& config,
                       const std::set<std::string>& untyped_sources) {
  const auto items = read_list(r, field);
  if (!items) return;
  for (const Field& item : *items) read_measurement(r, item, config, untyped_sources);
}

}  // namespace slamon::config_detail
