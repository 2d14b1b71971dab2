// TlsCredentials: the server certificate chain, private key, client CA and policy of a
// tls_server_config, parsed once into OpenSSL objects and applied to each TLS connection as
// its ClientHello arrives. Configuring connections one by one is what lets a reload rotate the
// certificate or change the client-auth policy without restarting the listener: a handshake
// uses whichever credentials were current when it began.
// Immutable after load; thread-safe (OpenSSL's certificate, key and store objects are
// reference-counted and safe to share between connections).
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "http/web_config.h"

struct ssl_st;  // OpenSSL's SSL

namespace slamon::http {

class TlsCredentials {
 public:
  struct Policy {
    ClientAuthType client_auth_type = ClientAuthType::no_client_cert;
    TlsVersion min_version = TlsVersion::tls12;
    TlsVersion max_version = TlsVersion::tls13;
  };
  // Which input a load failure is about, so the caller can point at the right setting.
  enum class Part { certificate, key, client_ca };
  struct LoadError {
    Part part;
    std::string message;
  };

  // `certificate_pem`: the server certificate followed by any intermediates; `key_pem`: its
  // unencrypted private key; `client_ca_pem`: empty, or the CA certificates client
  // certificates are verified against (and named in the certificate request). Checks that
  // the key matches the certificate and that OpenSSL accepts both for a connection.
  static std::expected<std::shared_ptr<const TlsCredentials>, LoadError> load(
      std::string_view certificate_pem, std::string_view key_pem, std::string_view client_ca_pem,
      Policy policy);

  ~TlsCredentials();
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;

  // Sets the certificate, key, protocol versions and client verification of one server-side
  // connection; meant for OpenSSL's ClientHello callback, which runs before the version is
  // chosen. False when OpenSSL refuses a setting (the handshake must then fail).
  bool configure(ssl_st* connection) const;

  const Policy& policy() const { return policy_; }
  // The server certificate's subject and expiry, for logs.
  const std::string& subject() const { return subject_; }
  const std::string& not_after() const { return not_after_; }

 private:
  struct OpenSsl;
  TlsCredentials(std::unique_ptr<OpenSsl> objects, Policy policy);

  std::unique_ptr<OpenSsl> objects_;
  Policy policy_;
  std::string subject_;
  std::string not_after_;
};

}  // namespace slamon::http
