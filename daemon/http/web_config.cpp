#include "http/web_config.h"

#include <algorithm>

namespace slamon::http {

std::string_view to_string(ClientAuthType type) {
  switch (type) {
    case ClientAuthType::no_client_cert:
      return "NoClientCert";
    case ClientAuthType::request_client_cert:
      return "RequestClientCert";
    case ClientAuthType::require_any_client_cert:
      return "RequireAnyClientCert";
    case ClientAuthType::verify_client_cert_if_given:
      return "VerifyClientCertIfGiven";
    case ClientAuthType::require_and_verify_client_cert:
      return "RequireAndVerifyClientCert";
  }
  return "NoClientCert";
}

std::string_view to_string(TlsVersion version) {
  switch (version) {
    case TlsVersion::tls10:
      return "TLS10";
    case TlsVersion::tls11:
      return "TLS11";
    case TlsVersion::tls12:
      return "TLS12";
    case TlsVersion::tls13:
      return "TLS13";
  }
  return "TLS12";
}

bool is_bcrypt_hash(std::string_view hash) {
  // $2b$10$ + 22 characters of salt + 31 of digest.
  if (hash.size() != 60 || hash.substr(0, 2) != "$2" || hash[3] != '$' || hash[6] != '$') {
    return false;
  }
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(hash[4]) || !digit(hash[5])) return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return std::all_of(hash.begin() + 7, hash.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '/';
  });
}

}  // namespace slamon::http
