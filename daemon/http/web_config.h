// WebConfig: what --web.config.file asks of slamon's whole HTTP listener — TLS and/or basic
// auth (SPEC §1, §8) — as plain values: config/web_config_reader.h reads and checks the file
// and loads the credentials it names; the HTTP server only applies the result.
// Plain values (the loaded credentials are immutable and shared); thread-safe as values are.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace slamon::http {

class TlsCredentials;

// Go's crypto/tls client authentication policies, spelled as exporter-toolkit spells them.
enum class ClientAuthType {
  no_client_cert,                 // NoClientCert (default)
  request_client_cert,            // RequestClientCert: asked for, neither required nor verified
  require_any_client_cert,        // RequireAnyClientCert: required, not verified
  verify_client_cert_if_given,    // VerifyClientCertIfGiven
  require_and_verify_client_cert  // RequireAndVerifyClientCert
};
std::string_view to_string(ClientAuthType type);  // "RequireAndVerifyClientCert", ...

enum class TlsVersion { tls10, tls11, tls12, tls13 };
std::string_view to_string(TlsVersion version);  // "TLS12", ...

struct TlsServerConfig {
  std::string cert_file;  // absolute: relative paths resolve against the web config's folder
  std::string key_file;
  ClientAuthType client_auth_type = ClientAuthType::no_client_cert;
  std::string client_ca_file;  // empty when not given
  TlsVersion min_version = TlsVersion::tls12;
  TlsVersion max_version = TlsVersion::tls13;
  // The files above, read, parsed and checked against each other by load_web_config
  // (config/web_config_reader.h).
  std::shared_ptr<const TlsCredentials> credentials;
};

struct WebConfig {
  std::string file;                    // where it was read from; empty for the default
  std::optional<TlsServerConfig> tls;  // nullopt: plain HTTP
  // Username → bcrypt hash ($2a$/$2b$/$2y$). Empty: no basic auth.
  std::map<std::string, std::string, std::less<>> basic_auth_users;
};

// Whether `hash` has the form of a bcrypt hash slamon can verify: $2a$, $2b$ or $2y$, a cost
// of 04..31 and 53 characters of salt and digest.
bool is_bcrypt_hash(std::string_view hash);

}  // namespace slamon::http
