#include "config/web_config_reader.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <vector>

#include "config/loader.h"
#include "config/loader_internal.h"
#include "config/yaml_reader.h"
#include "http/tls_credentials.h"

namespace slamon {

namespace {

using namespace std::string_view_literals;
using config_detail::Field;
using config_detail::MapReader;
using config_detail::Reporter;
using http::ClientAuthType;
using http::TlsCredentials;
using http::TlsServerConfig;
using http::TlsVersion;
using http::WebConfig;

constexpr std::size_t kMaxWebConfigBytes = 1024 * 1024;
constexpr std::size_t kMaxPemBytes = 1024 * 1024;

constexpr std::array kTopKeys{"tls_server_config"sv, "basic_auth_users"sv};
constexpr std::array kTlsKeys{"cert_file"sv,      "key_file"sv,    "client_auth_type"sv,
                              "client_ca_file"sv, "min_version"sv, "max_version"sv};
constexpr std::array kClientAuthTypes{"NoClientCert"sv, "RequestClientCert"sv,
                                      "RequireAnyClientCert"sv, "VerifyClientCertIfGiven"sv,
                                      "RequireAndVerifyClientCert"sv};
constexpr std::array kTlsVersions{"TLS10"sv, "TLS11"sv, "TLS12"sv, "TLS13"sv};

// exporter-toolkit keys slamon knows but does not implement, and what to do instead. They are
// refused rather than ignored: a setting that silently does nothing is a security surprise.
struct Unsupported {
  std::string_view key;
  std::string_view advice;
};
constexpr std::array kUnsupportedTopKeys{
    Unsupported{"http_server_config", "slamon sets its own response headers and serves HTTP/1.1"},
    Unsupported{"rate_limit", "put a reverse proxy in front of slamon to limit request rates"},
};
constexpr std::array kUnsupportedTlsKeys{
    Unsupported{"cert", "put the certificate in a file and name it in cert_file"},
    Unsupported{"key", "put the key in a file and name it in key_file"},
    Unsupported{"client_ca", "put the CA certificates in a file and name it in client_ca_file"},
    Unsupported{"cipher_suites", "OpenSSL's default cipher suites are used"},
    Unsupported{"curve_preferences", "OpenSSL's default groups are used"},
    Unsupported{"prefer_server_cipher_suites", "OpenSSL's default preference is used"},
    Unsupported{"client_allowed_sans",
                "restrict clients through the CA that signs their certificates"},
};

template <std::size_t N>
const Unsupported* find_unsupported(const std::array<Unsupported, N>& table, std::string_view key) {
  const auto found = std::find_if(table.begin(), table.end(),
                                  [&](const Unsupported& entry) { return entry.key == key; });
  return found != table.end() ? &*found : nullptr;
}

// Reports every key outside `supported`: the known-but-unsupported ones with advice, the rest
// as unknown. Returns whether all keys were supported.
template <std::size_t N, std::size_t M>
bool check_keys(const Reporter& r, const MapReader& map,
                const std::array<std::string_view, N>& supported,
                const std::array<Unsupported, M>& unsupported) {
  bool ok = true;
  for (const auto& [key, field] : map.entries()) {
    if (std::find(supported.begin(), supported.end(), key) != supported.end()) continue;
    ok = false;
    if (const Unsupported* known = find_unsupported(unsupported, key)) {
      r.error(field.key_mark, field.path,
              "`" + key + "` is not supported by slamon; " + std::string(known->advice));
    } else {
      r.error(field.key_mark, field.path,
              "unknown key `" + key + "`; allowed keys: " +
                  config_detail::list_words(std::span<const std::string_view>(supported)));
    }
  }
  return ok;
}

ClientAuthType parse_client_auth_type(std::string_view text) {
  for (ClientAuthType type :
       {ClientAuthType::no_client_cert, ClientAuthType::request_client_cert,
        ClientAuthType::require_any_client_cert, ClientAuthType::verify_client_cert_if_given,
        ClientAuthType::require_and_verify_client_cert}) {
    if (to_string(type) == text) return type;
  }
  return ClientAuthType::no_client_cert;
}

TlsVersion parse_tls_version(std::string_view text) {
  for (TlsVersion version :
       {TlsVersion::tls10, TlsVersion::tls11, TlsVersion::tls12, TlsVersion::tls13}) {
    if (to_string(version) == text) return version;
  }
  return TlsVersion::tls12;
}

bool verifies_client_certificates(ClientAuthType type) {
  return type == ClientAuthType::verify_client_cert_if_given ||
         type == ClientAuthType::require_and_verify_client_cert;
}

// A PEM file named by `field`; reported there when it cannot be read.
std::optional<std::string> read_pem(const Reporter& r, const Field& field, const std::string& path,
                                    std::string_view what) {
  auto content = config_detail::read_file(path, kMaxPemBytes);
  if (!content) {
    r.error(
        field.value_mark, field.path,
        "cannot read the " + std::string(what) + " \"" + path + "\": " + content.error().message);
    return std::nullopt;
  }
  return std::move(*content);
}

std::optional<TlsServerConfig> read_tls(const Reporter& r, const Field& field,
                                        const std::filesystem::path& base_dir) {
  const MapReader map(r, field, std::array{config_detail::kAnyKey});
  if (!map.ok()) return std::nullopt;
  bool ok = check_keys(r, map, kTlsKeys, kUnsupportedTlsKeys);
  // As in exporter-toolkit, an empty tls_server_config means plain HTTP.
  if (map.entries().empty()) return std::nullopt;

  TlsServerConfig tls;
  auto read_path = [&](std::string_view key, std::string& out, bool required) {
    auto f = required ? map.require(key) : map.get(key);
    if (!f) {
      if (required) ok = false;
      return f;
    }
    if (auto text = config_detail::read_nonempty_string(r, *f)) {
      out = config_detail::resolve_path(base_dir, *text).string();
    } else {
      ok = false;
      return std::optional<Field>();
    }
    return f;
  };
  const auto cert_field = read_path("cert_file", tls.cert_file, true);
  const auto key_field = read_path("key_file", tls.key_file, true);
  const auto ca_field = read_path("client_ca_file", tls.client_ca_file, false);

  const auto auth_field = map.get("client_auth_type");
  if (auth_field) {
    if (auto text = config_detail::read_choice(r, *auth_field, kClientAuthTypes)) {
      tls.client_auth_type = parse_client_auth_type(*text);
    } else {
      ok = false;
    }
  }
  const auto min_field = map.get("min_version");
  if (min_field) {
    if (auto text = config_detail::read_choice(r, *min_field, kTlsVersions)) {
      tls.min_version = parse_tls_version(*text);
    } else {
      ok = false;
    }
  }
  const auto max_field = map.get("max_version");
  if (max_field) {
    if (auto text = config_detail::read_choice(r, *max_field, kTlsVersions)) {
      tls.max_version = parse_tls_version(*text);
    } else {
      ok = false;
    }
  }
  if (ok && tls.min_version > tls.max_version) {
    const Field& at = min_field ? *min_field : *max_field;
    r.error(at.value_mark, at.path,
            "min_version " + std::string(to_string(tls.min_version)) + " is above max_version " +
                std::string(to_string(tls.max_version)));
    ok = false;
  }
  if (ok && ca_field && tls.client_auth_type == ClientAuthType::no_client_cert) {
    r.error(ca_field->key_mark, ca_field->path,
            "client CAs are given but client_auth_type is NoClientCert; set client_auth_type to "
            "RequireAndVerifyClientCert or VerifyClientCertIfGiven");
    ok = false;
  }
  if (ok && !ca_field && verifies_client_certificates(tls.client_auth_type)) {
    r.error(auth_field->value_mark, auth_field->path,
            std::string(to_string(tls.client_auth_type)) +
                " verifies client certificates and needs client_ca_file");
    ok = false;
  }

  // The files are read even when other settings are wrong, so that every problem is reported.
  std::optional<std::string> certificate, key, client_ca = std::string();
  if (cert_field) certificate = read_pem(r, *cert_field, tls.cert_file, "certificate file");
  if (key_field) key = read_pem(r, *key_field, tls.key_file, "key file");
  if (ca_field) client_ca = read_pem(r, *ca_field, tls.client_ca_file, "client CA file");
  if (!ok || !certificate || !key || !client_ca) return std::nullopt;

  auto credentials = TlsCredentials::load(
      *certificate, *key, *client_ca,
      TlsCredentials::Policy{tls.client_auth_type, tls.min_version, tls.max_version});
  if (!credentials) {
    const TlsCredentials::LoadError& error = credentials.error();
    const Field& at = error.part == TlsCredentials::Part::certificate ? *cert_field
                      : error.part == TlsCredentials::Part::key       ? *key_field
                                                                      : *ca_field;
    const std::string& path = error.part == TlsCredentials::Part::certificate ? tls.cert_file
                              : error.part == TlsCredentials::Part::key       ? tls.key_file
                                                                              : tls.client_ca_file;
    r.error(at.value_mark, at.path, "\"" + path + "\" " + error.message);
    return std::nullopt;
  }
  tls.credentials = std::move(*credentials);
  return tls;
}

void read_users(const Reporter& r, const Field& field, WebConfig& web) {
  const MapReader map(r, field, std::array{config_detail::kAnyKey});
  if (!map.ok()) return;
  for (const auto& [user, f] : map.entries()) {
    if (user.empty() || user.find(':') != std::string::npos ||
        std::any_of(user.begin(), user.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      r.error(f.key_mark, f.path,
              "user names must be non-empty and hold no colon or control character");
      continue;
    }
    auto hash = config_detail::read_nonempty_string(r, f);
    if (!hash) continue;
    if (!http::is_bcrypt_hash(*hash)) {
      // The value is left out of the message: a plaintext password put here by mistake must
      // not reach a log.
      r.error(f.value_mark, f.path,
              "expected a bcrypt hash ($2y$, $2b$ or $2a$, such as `htpasswd -nBC 10 " + user +
                  "` prints after the colon); the value is not one");
      continue;
    }
    web.basic_auth_users.emplace(user, std::move(*hash));
  }
}

}  // namespace

Result<http::WebConfig> load_web_config(const std::string& path) {
  const std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  std::vector<Diagnostic> diagnostics;
  const Reporter r(absolute.string(), diagnostics);
  WebConfig web;
  web.file = absolute.string();

  if (const auto document = config_detail::load_document(r, absolute, kMaxWebConfigBytes)) {
    const MapReader top(r, Field::root(*document), std::array{config_detail::kAnyKey});
    if (top.ok()) {
      check_keys(r, top, kTopKeys, kUnsupportedTopKeys);
      if (auto f = top.get("tls_server_config")) web.tls = read_tls(r, *f, absolute.parent_path());
      if (auto f = top.get("basic_auth_users")) read_users(r, *f, web);
    }
  }
  if (!diagnostics.empty()) {
    std::string message;
    for (const Diagnostic& d : diagnostics) {
      if (!message.empty()) message += '\n';
      message += d.to_string();
    }
    return fail(std::move(message));
  }
  return web;
}

}  // namespace slamon
