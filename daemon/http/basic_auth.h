// BasicAuthenticator: checks HTTP basic-auth credentials against the bcrypt hashes of a web
// config's basic_auth_users (exporter-toolkit semantics). bcrypt is slow on purpose (~0.1 s
// at cost 10), so a successful check is remembered, keyed by SHA-256 of "user:password", and
// the next request with the same credentials costs a hash lookup. A new set of users is a new
// authenticator, so a reload that changes a password forgets what the old one verified.
// Thread-safe: check() may run on every worker at once (the cache has its own lock).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace slamon::http {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// The credentials of an `Authorization: Basic <base64(user:password)>` header value; nullopt
// for another scheme or malformed base64 / missing colon.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header_value);

// bcrypt-checks `password` against `hash` with crypt(3); false for a wrong password or a hash
// crypt cannot use. Compares in constant time.
bool bcrypt_matches(std::string_view password, const std::string& hash);

class BasicAuthenticator {
 public:
  // `users`: username → bcrypt hash, as in WebConfig::basic_auth_users (not empty).
  explicit BasicAuthenticator(std::map<std::string, std::string, std::less<>> users);

  // Whether an Authorization header value carries a configured user's credentials.
  bool check(std::string_view authorization_header) const;
  bool verify(std::string_view user, std::string_view password) const;

  std::size_t users() const { return users_.size(); }

 private:
  // Successful checks remembered at most; the cache is emptied when it is full. Only right
  // passwords get in, but bcrypt ignores bytes after the 72nd, so variants of one password
  // could otherwise grow it without bound.
  static constexpr std::size_t kMaxCached = 1024;

  std::map<std::string, std::string, std::less<>> users_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::string> verified_;  // digest → the hash it met
};

}  // namespace slamon::http
