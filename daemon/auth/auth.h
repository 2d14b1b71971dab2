// Authentication and authorization for the REST API (SPEC §8): turns an `Authorization:
// Bearer ...` header into a Principal (org, role, site grant) from static token digests or a
// JWT (HS256 / RS256), and answers what that principal may see and do. Built from one Config
// and immutable afterwards, so thread-safe; a reload builds a new Authenticator.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/bearer_token.h"  // sha256_hex: tokens are stored and compared as digests
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace slamon {

enum class Permission { config_read, config_write };

// The one message of every authentication failure (the API answers 401 with it).
inline constexpr std::string_view kInvalidCredentials = "missing or invalid credentials";
// Tolerated clock difference between slamon and the token issuer when checking a JWT's `exp`
// and `nbf` (the customary value of JWT libraries).
inline constexpr std::chrono::seconds kJwtClockLeeway{30};
// Longer bearer tokens are rejected before any work is done on them.
inline constexpr std::size_t kMaxBearerTokenBytes = 16 * 1024;

struct Principal {
  std::string name;  // token name or JWT subject, for logs and acknowledged_by
  std::string org;   // lower-case UUID: every query is scoped to it
  Role role = Role::viewer;
  std::optional<std::set<std::string>> sites;  // nullopt = every site of the org

  bool has(Permission permission) const;
  // May this principal see / write a policy or breach whose scope is located at `site`?
  // (nullopt site = organization-wide or not located at one site: only unrestricted principals.)
  bool covers_site(const std::optional<std::string>& site) const;
};

class Authenticator {
 public:
  explicit Authenticator(const AuthConfig& config);
  // Validates the header value ("Bearer <token>": the scheme in any case, one space, an RFC 6750
  // token). A static token is looked up by digest, compared with every configured digest in
  // constant time; otherwise, when `jwt` is configured, a JWT signed HS256 (with the shared
  // secret) or RS256 (with the public key) is accepted, and only those. `now` is the time `exp`
  // and `nbf` are checked against. Every failure is one generic Error (kInvalidCredentials) so
  // nothing about the reason leaks to the caller; the reason is logged at debug level without
  // the token or any part of it.
  Result<Principal> authenticate(std::optional<std::string_view> authorization_header,
                                 WallTime now) const;

 private:
  AuthConfig config_;
};

// Compares two equal-purpose strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace slamon
