// Reading of `notifiers:` (SPEC §9.2), `alert_rules:` and `correlation:` (SPEC §9.4). A
// notifier's URL, signing secret, password and header values are secrets: no diagnostic
// carries one, whatever is wrong with it.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "common/strings.h"
#include "config/loader_internal.h"

namespace slamon::config_detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kNotifierKeys{
    "name"sv,        "type"sv,          "url"sv,           "url_file"sv,           "secret"sv,
    "secret_file"sv, "headers"sv,       "format"sv,        "smarthost"sv,          "from"sv,
    "to"sv,          "auth_username"sv, "auth_password"sv, "auth_password_file"sv, "require_tls"sv,
    "hello"sv,       "tls_config"sv,    "timeout"sv,       "rate_limit"sv,         "max_age"sv};
constexpr std::array kNotifierTypeNames{"slack"sv, "teams"sv, "webhook"sv, "smtp"sv,
                                        "alertmanager"sv};
constexpr std::array kTeamsFormats{"adaptive_card"sv, "message_card"sv};

constexpr std::array kAllNotifierTypes{NotifierType::slack, NotifierType::teams,
                                       NotifierType::webhook, NotifierType::smtp,
                                       NotifierType::alertmanager};

constexpr unsigned bit(NotifierType type) {
  return 1U << static_cast<unsigned>(type);
}

// The types a key is valid for; keys not listed here are valid for every type.
struct TypedKey {
  std::string_view key;
  unsigned types;  // bit() of each type
};
constexpr unsigned kUrlTypes = bit(NotifierType::slack) | bit(NotifierType::teams) |
                               bit(NotifierType::webhook) | bit(NotifierType::alertmanager);
constexpr unsigned kWebhook = bit(NotifierType::webhook);
constexpr unsigned kSmtp = bit(NotifierType::smtp);
constexpr std::array kTypedKeys{
    TypedKey{"url", kUrlTypes},
    TypedKey{"url_file", kUrlTypes},
    TypedKey{"secret", kWebhook},
    TypedKey{"secret_file", kWebhook},
    TypedKey{"headers", kWebhook},
    TypedKey{"format", bit(NotifierType::teams)},
    TypedKey{"smarthost", kSmtp},
    TypedKey{"from", kSmtp},
    TypedKey{"to", kSmtp},
    TypedKey{"auth_username", kSmtp},
    TypedKey{"auth_password", kSmtp},
    TypedKey{"auth_password_file", kSmtp},
    TypedKey{"require_tls", kSmtp},
    TypedKey{"hello", kSmtp},
};

// Headers slamon writes itself: the body's framing, the target, and the Standard Webhooks
// signature headers, which a configured value must not replace.
constexpr std::array kReservedHeaders{
    "content-type"sv, "content-length"sv,    "host"sv,
    "webhook-id"sv,   "webhook-timestamp"sv, "webhook-signature"sv};

constexpr std::array kAlertRuleKeys{"name"sv, "events"sv, "match"sv, "notifiers"sv};
constexpr std::array kMatchKeys{"severity"sv, "org"sv, "scope"sv, "policy"sv, "labels"sv};
// SPEC §9.1 / §9.4: breach events, incident events, and the policy-level signals of SPEC §7.4
// (budget levels) and §7.6 (sliding window), which carry no breach.
constexpr std::array kEventTypes{
    "sla.breach.created"sv,  "sla.breach.escalated"sv, "sla.breach.acknowledged"sv,
    "sla.breach.resolved"sv, "sla.incident.opened"sv,  "sla.incident.resolved"sv,
    "sla.budget.warning"sv,  "sla.budget.critical"sv,  "sla.escalate"sv,
    "sla.deescalate"sv};
constexpr std::array kSeverities{"warning"sv, "critical"sv};

constexpr std::array kCorrelationKeys{"window"sv, "group_by"sv};
constexpr std::array kGroupKeys{"org"sv,      "site"sv,   "site_group"sv, "scope"sv,
                                "scope_id"sv, "policy"sv, "metric"sv};

bool is_name_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

bool valid_port(std::string_view port) {
  if (!all_digits(port) || port.size() > 5) return false;
  const int value = std::stoi(std::string(port));
  return value >= 1 && value <= 65535;
}

// host, [v6] or host:port / [v6]:port, as the authority of a URL carries it.
bool valid_host_and_port(std::string_view authority, bool port_required) {
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    host = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      has_port = true;
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
    if (host.find(':') != std::string_view::npos) return false;
  }
  if (host.empty()) return false;
  if (has_port && !valid_port(port)) return false;
  return has_port || !port_required;
}

// An absolute http(s) URL naming a host (userinfo and port allowed), without whitespace or
// control characters.
bool is_http_url_with_host(std::string_view url) {
  if (std::any_of(url.begin(), url.end(), [](char c) { return c == ' ' || is_control(c); })) {
    return false;
  }
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return valid_host_and_port(authority, false);
}

// RFC 9110 §5.6.2 token characters.
bool is_header_name(std::string_view name) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           kSymbols.find(c) != std::string_view::npos;
  });
}

// A bare address (local@domain); display names and quoted local parts are not accepted.
bool is_mail_address(std::string_view address) {
  constexpr std::string_view kForbidden = "<>()[],;:\\\"";
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  if (std::any_of(address.begin(), address.end(), [&](char c) {
        return c == ' ' || is_control(c) || kForbidden.find(c) != std::string_view::npos;
      })) {
    return false;
  }
  const std::string_view domain = address.substr(at + 1);
  return !domain.starts_with('.') && !domain.ends_with('.') &&
         domain.find("..") == std::string_view::npos;
}

std::string describe_names(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

const TypedKey* typed_key(std::string_view key) {
  const auto found = std::find_if(kTypedKeys.begin(), kTypedKeys.end(),
                                  [&](const TypedKey& typed) { return typed.key == key; });
  return found == kTypedKeys.end() ? nullptr : &*found;
}

bool key_applies(std::string_view key, NotifierType type) {
  const TypedKey* typed = typed_key(key);
  return typed == nullptr || (typed->types & bit(type)) != 0;
}

// A secret that must hold something: an empty `_file` is reported (without its content).
std::optional<Secret> read_nonempty_secret(const Reporter& r, const MapReader& map,
                                           std::string_view key,
                                           const std::filesystem::path& base_dir) {
  auto secret = read_secret(r, map, key, base_dir);
  if (secret && secret->value.empty()) {
    r.error(secret->field.value_mark, secret->field.path, "the file is empty");
    return std::nullopt;
  }
  return secret;
}

std::optional<std::chrono::milliseconds> read_positive_duration(const Reporter& r, const Field& f) {
  const auto duration = read_duration(r, f);
  if (!duration) return std::nullopt;
  if (duration->count() <= 0) {
    r.error(f.value_mark, f.path, "must be greater than 0");
    return std::nullopt;
  }
  return duration;
}

class NotifierReader {
 public:
  NotifierReader(const Reporter& r, const MapReader& map, const std::filesystem::path& base_dir,
                 std::optional<NotifierType> type, NotifierConfig& notifier)
      : r_(r), map_(map), base_dir_(base_dir), type_(type), notifier_(notifier) {}

  void read() {
    read_common();
    read_url();
    read_webhook();
    if (auto f = get("format")) {
      if (auto format = read_choice(r_, *f, kTeamsFormats)) {
        notifier_.teams_format =
            *format == "message_card" ? TeamsFormat::message_card : TeamsFormat::adaptive_card;
      }
    }
    read_smtp();
  }

 private:
  bool is(NotifierType type) const { return type_ == type; }
  std::string type_name() const { return type_ ? std::string(to_string(*type_)) : ""; }

  // A key given and valid for this notifier's type (foreign keys are reported apart).
  std::optional<Field> get(std::string_view key) const {
    if (type_ && !key_applies(key, *type_)) return std::nullopt;
    return map_.get(key);
  }
  bool given(std::string_view key) const { return get(key).has_value(); }
  void require_one_of(std::string_view key, std::string_view twin) const {
    if (!type_ || given(key) || given(twin)) return;
    r_.error(map_.self().value_mark, join_path(map_.self().path, key),
             std::string(is(NotifierType::alertmanager) ? "an " : "a ") + type_name() +
                 " notifier needs `" + std::string(key) + "` or `" + std::string(twin) + "`");
  }

  void read_common() {
    if (auto f = get("timeout")) {
      if (auto timeout = read_positive_duration(r_, *f)) notifier_.timeout = *timeout;
    }
    if (auto f = get("max_age")) {
      if (auto max_age = read_positive_duration(r_, *f)) notifier_.max_age = *max_age;
    }
    if (auto f = get("rate_limit")) {
      if (auto rate = read_number(r_, *f)) {
        if (*rate <= 0) {
          r_.error(f->value_mark, f->path, "must be greater than 0 (sends per second)");
        } else {
          notifier_.rate_limit = *rate;
        }
      }
    }
    if (auto f = get("tls_config")) notifier_.tls = read_tls_config(r_, *f, base_dir_);
  }

  void read_url() {
    if (given("url") || given("url_file")) {
      // A URL written as the file name would be echoed by "cannot read <file>": caught first.
      if (const auto file = get("url_file");
          file && file->value.IsScalar() && file->value.Scalar().find("://") != std::string::npos) {
        r_.error(file->value_mark, file->path,
                 "must name a file holding the URL, not the URL itself (use `url` for that)");
        return;
      }
      if (auto url = read_secret(r_, map_, "url", base_dir_)) {
        if (is_http_url_with_host(url->value)) {
          notifier_.url = std::move(url->value);
        } else {
          // The URL is a secret (a Slack or Teams webhook URL carries its token): not echoed.
          r_.error(url->field.value_mark, url->field.path,
                   url->field.path.ends_with("_file")
                       ? "the file must hold an http or https URL with a host"
                       : "must be an http or https URL with a host");
        }
      }
      return;
    }
    if (type_ && key_applies("url", *type_)) require_one_of("url", "url_file");
  }

  void read_webhook() {
    if (given("secret") || given("secret_file")) {
      if (auto secret = read_nonempty_secret(r_, map_, "secret", base_dir_)) {
        notifier_.secret = std::move(secret->value);
      }
    }
    if (auto f = get("headers")) read_headers(*f);
  }

  void read_headers(const Field& field) {
    const MapReader headers(r_, field, std::array{kAnyKey});
    std::map<std::string, std::string> seen;  // lower-case name -> as first written
    for (const auto& [name, f] : headers.entries()) {
      if (!is_header_name(name)) {
        r_.error(f.key_mark, f.path,
                 "invalid header name: use letters, digits and ! # $ % & ' * + - . ^ _ ` | ~");
        continue;
      }
      const std::string lower = to_lower_ascii(name);
      if (std::find(kReservedHeaders.begin(), kReservedHeaders.end(), lower) !=
          kReservedHeaders.end()) {
        r_.error(f.key_mark, f.path,
                 "header `" + name + "` is set by slamon itself and cannot be configured");
        continue;
      }
      if (const auto [first, inserted] = seen.emplace(lower, name); !inserted) {
        r_.error(f.key_mark, f.path,
                 "duplicate header `" + name + "` (same as `" + first->second +
                     "`: header names are case-insensitive)");
        continue;
      }
      const auto value = read_nonempty_string(r_, f);
      if (!value) continue;
      if (std::any_of(value->begin(), value->end(),
                      [](char c) { return is_control(c) && c != '\t'; })) {
        r_.error(f.value_mark, f.path,
                 "a header value must not contain line breaks (CR, LF) or other control "
                 "characters");
        continue;
      }
      notifier_.headers.emplace_back(name, *value);
    }
  }

  std::optional<std::string> read_address(const Field& f) const {
    const auto address = read_nonempty_string(r_, f);
    if (!address) return std::nullopt;
    if (!is_mail_address(*address)) {
      r_.error(f.value_mark, f.path,
               "must be an e-mail address such as noc@example.net, got \"" + *address + "\"");
      return std::nullopt;
    }
    return address;
  }

  void read_smtp() {
    SmtpConfig& smtp = notifier_.smtp;
    const bool required = is(NotifierType::smtp);
    const auto field = [&](std::string_view key) {
      return required ? (map_.has(key) ? map_.get(key) : map_.require(key)) : get(key);
    };
    if (auto f = field("smarthost")) {
      if (auto host = read_nonempty_string(r_, *f)) {
        if (valid_host_and_port(*host, true) &&
            std::none_of(host->begin(), host->end(), [](char c) {
              return c == ' ' || c == '/' || c == '@' || is_control(c);
            })) {
          smtp.smarthost = *host;
        } else {
          r_.error(f->value_mark, f->path,
                   "must be host:port such as mail.example.net:587, got \"" + *host + "\"");
        }
      }
    }
    if (auto f = field("from")) smtp.from = read_address(*f).value_or("");
    if (auto f = field("to")) {
      if (auto items = read_list(r_, *f)) {
        if (items->empty()) {
          r_.error(f->value_mark, f->path, "must list at least one e-mail address");
        }
        for (const Field& item : *items) {
          auto address = read_address(item);
          if (!address) continue;
          if (std::find(smtp.to.begin(), smtp.to.end(), *address) != smtp.to.end()) {
            r_.error(item.value_mark, item.path, "\"" + *address + "\" is listed twice");
            continue;
          }
          smtp.to.push_back(std::move(*address));
        }
      }
    }
    const auto username = get("auth_username");
    if (username) smtp.auth_username = read_nonempty_string(r_, *username).value_or("");
    const auto password_key =
        given("auth_password") ? get("auth_password") : get("auth_password_file");
    if (password_key) {
      if (auto password = read_nonempty_secret(r_, map_, "auth_password", base_dir_)) {
        smtp.auth_password = std::move(password->value);
      }
      if (!username) {
        const std::string key = password_key->path.substr(password_key->path.rfind('.') + 1);
        r_.error(password_key->key_mark, password_key->path, "`" + key + "` needs `auth_username`");
      }
    } else if (username) {
      r_.error(username->key_mark, username->path,
               "`auth_username` needs `auth_password` or `auth_password_file`");
    }
    if (auto f = get("require_tls")) smtp.require_tls = read_bool(r_, *f).value_or(true);
    if (auto f = get("hello")) {
      if (auto hello = read_nonempty_string(r_, *f)) {
        if (std::any_of(hello->begin(), hello->end(),
                        [](char c) { return c == ' ' || is_control(c); })) {
          r_.error(f->value_mark, f->path,
                   "must be a host name such as slamon.example.net, without spaces");
        } else {
          smtp.hello = *hello;
        }
      }
    }
  }

  const Reporter& r_;
  const MapReader& map_;
  const std::filesystem::path& base_dir_;
  std::optional<NotifierType> type_;
  NotifierConfig& notifier_;
};

void read_notifier(const Reporter& r, const Field& item, const std::filesystem::path& base_dir,
                   std::vector<NotifierConfig>& notifiers, std::map<std::string, Location>& names,
                   std::set<std::string>& written) {
  if (!item.value.IsDefined() || item.value.IsNull()) {
    r.error(item.value_mark, item.path, "expected a notifier (a map), got nothing");
    return;
  }
  const MapReader map(r, item, kNotifierKeys);
  if (!map.ok()) return;
  NotifierConfig notifier;
  if (auto f = map.require("name")) {
    if (auto name = read_nonempty_string(r, *f)) {
      if (!std::all_of(name->begin(), name->end(), is_name_character)) {
        r.error(
            f->value_mark, f->path,
            "invalid notifier name \"" + *name + "\": use letters, digits, `_`, `.` and `-` only");
      } else if (const auto [existing, inserted] =
                     names.emplace(*name, location_of(r, f->value_mark));
                 !inserted) {
        r.error(f->value_mark, f->path,
                "duplicate notifier name `" + *name + "` (already defined at " +
                    existing->second.describe() + ")");
      }
      written.insert(*name);
      notifier.name = std::move(*name);
    }
  }
  std::optional<NotifierType> type;
  if (auto f = map.require("type")) {
    if (auto text = read_choice(r, *f, kNotifierTypeNames)) type = parse_notifier_type(*text);
  }
  if (type) {
    notifier.type = *type;
    for (const auto& [key, field] : map.entries()) {
      const TypedKey* typed = typed_key(key);
      if (typed == nullptr || key_applies(key, *type)) continue;
      std::vector<std::string_view> types;
      for (NotifierType t : kAllNotifierTypes) {
        if ((typed->types & bit(t)) != 0) types.push_back(to_string(t));
      }
      r.error(field.key_mark, field.path,
              "`" + key + "` applies only to " + list_words(types) +
                  " notifiers (this notifier is " + std::string(to_string(*type)) + ")");
    }
  }
  NotifierReader(r, map, base_dir, type, notifier).read();
  notifiers.push_back(std::move(notifier));
}

// A value or a list of values: severity: critical, or severity: [warning, critical].
std::optional<std::vector<Field>> read_one_or_list(const Reporter& r, const Field& f) {
  if (f.value.IsDefined() && f.value.IsScalar() && !f.value.IsNull()) return std::vector{f};
  if (f.value.IsDefined() && f.value.IsSequence()) {
    auto items = read_list(r, f);
    if (items && items->empty()) {
      r.error(f.value_mark, f.path, "must not be an empty list; leave the key out to match any");
      return std::nullopt;
    }
    return items;
  }
  r.error(f.value_mark, f.path, "expected a value or a list of values, got " + describe(f.value));
  return std::nullopt;
}

template <typename T>
bool add_once(const Reporter& r, const Field& f, std::vector<T>& values, T value,
              std::string_view shown) {
  if (std::find(values.begin(), values.end(), value) != values.end()) {
    r.error(f.value_mark, f.path, "`" + std::string(shown) + "` is listed twice");
    return false;
  }
  values.push_back(std::move(value));
  return true;
}

void read_match(const Reporter& r, const Field& field, AlertRuleMatch& match,
                std::vector<Field>& org_fields) {
  const MapReader map(r, field, kMatchKeys);
  if (auto f = map.get("severity")) {
    for (const Field& item : read_one_or_list(r, *f).value_or(std::vector<Field>{})) {
      if (auto text = read_choice(r, item, kSeverities)) {
        add_once(r, item, match.severities, *parse_severity(*text), *text);
      }
    }
  }
  if (auto f = map.get("org")) {
    for (const Field& item : read_one_or_list(r, *f).value_or(std::vector<Field>{})) {
      const auto text = read_nonempty_string(r, item);
      if (!text) continue;
      auto org = canonical_uuid(*text);
      if (!org) {
        r.error(item.value_mark, item.path,
                "must be the UUID of an organization, got \"" + *text + "\"");
        continue;
      }
      if (add_once(r, item, match.orgs, *org, *org)) org_fields.push_back(item);
    }
  }
  if (auto f = map.get("scope")) {
    std::vector<std::string_view> scope_names;
    for (Scope s : kAllScopes) scope_names.push_back(to_string(s));
    for (const Field& item : read_one_or_list(r, *f).value_or(std::vector<Field>{})) {
      if (auto text = read_choice(r, item, scope_names)) {
        add_once(r, item, match.scopes, *parse_scope(*text), *text);
      }
    }
  }
  if (auto f = map.get("policy")) {
    for (const Field& item : read_one_or_list(r, *f).value_or(std::vector<Field>{})) {
      if (auto text = read_nonempty_string(r, item))
        add_once(r, item, match.policies, *text, *text);
    }
  }
  if (auto f = map.get("labels")) match.labels = read_label_map(r, *f, /*nonempty_values=*/false);
}

void read_alert_rule(const Reporter& r, const Field& item,
                     const std::set<std::string>& notifier_names, std::vector<AlertRule>& rules,
                     std::map<std::string, Location>& names, std::vector<Field>& org_fields) {
  if (!item.value.IsDefined() || item.value.IsNull()) {
    r.error(item.value_mark, item.path, "expected an alert rule (a map), got nothing");
    return;
  }
  const MapReader map(r, item, kAlertRuleKeys);
  if (!map.ok()) return;
  AlertRule rule;
  if (auto f = map.require("name")) {
    if (auto name = read_nonempty_string(r, *f)) {
      if (const auto [existing, inserted] = names.emplace(*name, location_of(r, f->value_mark));
          !inserted) {
        r.error(f->value_mark, f->path,
                "duplicate alert rule name \"" + *name + "\" (already defined at " +
                    existing->second.describe() + ")");
      }
      rule.name = std::move(*name);
    }
  }
  if (auto f = map.require("events")) {
    if (auto items = read_list(r, *f)) {
      if (items->empty()) {
        r.error(f->value_mark, f->path,
                "must list at least one event type: " + list_words(kEventTypes));
      }
      for (const Field& event : *items) {
        if (auto text = read_choice(r, event, kEventTypes)) {
          add_once(r, event, rule.events, *text, *text);
        }
      }
    }
  }
  if (auto f = map.get("match")) read_match(r, *f, rule.match, org_fields);
  if (auto f = map.require("notifiers")) {
    if (auto items = read_list(r, *f)) {
      if (items->empty()) r.error(f->value_mark, f->path, "must list at least one notifier");
      for (const Field& reference : *items) {
        auto name = read_nonempty_string(r, reference);
        if (!name) continue;
        if (!notifier_names.contains(*name)) {
          r.error(reference.value_mark, reference.path,
                  "unknown notifier `" + *name + "`" +
                      (notifier_names.empty()
                           ? std::string("; no notifiers are configured")
                           : "; configured notifiers: " + describe_names(notifier_names)));
          continue;
        }
        add_once(r, reference, rule.notifiers, *name, *name);
      }
    }
  }
  rules.push_back(std::move(rule));
}

}  // namespace

std::set<std::string> read_notifiers(const Reporter& r, const Field& field,
                                     const std::filesystem::path& base_dir,
                                     std::vector<NotifierConfig>& notifiers) {
  std::set<std::string> written;
  const auto items = read_list(r, field);
  if (!items) return written;
  std::map<std::string, Location> names;
  for (const Field& item : *items) read_notifier(r, item, base_dir, notifiers, names, written);
  return written;
}

std::vector<Field> read_alert_rules(const Reporter& r, const Field& field,
                                    const std::set<std::string>& notifier_names,
                                    std::vector<AlertRule>& rules) {
  std::vector<Field> org_fields;
  const auto items = read_list(r, field);
  if (!items) return org_fields;
  std::map<std::string, Location> names;
  for (const Field& item : *items) {
    read_alert_rule(r, item, notifier_names, rules, names, org_fields);
  }
  return org_fields;
}

void check_alert_rule_orgs(const Reporter& r, const std::vector<Field>& org_fields,
                           const Config& config) {
  for (const Field& field : org_fields) {
    const std::string org = canonical_uuid(field.value.Scalar()).value_or(field.value.Scalar());
    if (config.inventory.organization(org) == nullptr) {
      r.error(field.value_mark, field.path,
              "unknown organization `" + org + "`: it is not defined in any inventory file");
    }
  }
}

void read_correlation(const Reporter& r, const Field& field, CorrelationConfig& correlation) {
  const MapReader map(r, field, kCorrelationKeys);
  if (!map.ok()) return;
  correlation.enabled = true;
  if (auto f = map.get("window")) {
    if (auto window = read_positive_duration(r, *f)) correlation.window = *window;
  }
  if (auto f = map.get("group_by")) {
    if (auto items = read_list(r, *f)) {
      if (items->empty()) {
        r.error(f->value_mark, f->path,
                "must list at least one of " + list_words(kGroupKeys) +
                    "; leave `group_by` out for the default [org, site]");
      }
      std::vector<std::string> group_by;
      for (const Field& item : *items) {
        if (auto key = read_choice(r, item, kGroupKeys)) add_once(r, item, group_by, *key, *key);
      }
      if (!items->empty()) correlation.group_by = std::move(group_by);
    }
  }
}

}  // namespace slamon::config_detail
