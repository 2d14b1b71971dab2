#include "auth/auth.h"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <expected>
#include <memory>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/bearer_token.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/uuid.h"

namespace slamon {
namespace {

using Json = nlohmann::json;

// Why a credential was refused: logged at debug level, never shown to the caller. Reasons are
// written by this file only and never quote the token.
using Refusal = std::string;
template <typename T>
using Checked = std::expected<T, Refusal>;

std::unexpected<Refusal> refuse(std::string reason) {
  return std::unexpected<Refusal>(std::move(reason));
}

Checked<std::string_view> bearer_token(std::optional<std::string_view> header) {
  if (!header) return refuse("no Authorization header");
  constexpr std::string_view kScheme = "bearer ";
  if (header->size() < kScheme.size() ||
      to_lower_ascii(header->substr(0, kScheme.size())) != kScheme) {
    return refuse("the Authorization header is not `Bearer <token>`");
  }
  const std::string_view token = header->substr(kScheme.size());
  if (token.size() > kMaxBearerTokenBytes) return refuse("the bearer token is too long");
  if (!is_b64token(token)) return refuse("the bearer token is malformed (RFC 6750)");
  return token;
}

// A compact JWS: header.payload.signature, header and payload not empty.
bool looks_like_jwt(std::string_view token) {
  if (std::count(token.begin(), token.end(), '.') != 2) return false;
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  return first > 0 && second > first + 1;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned int buffer = 0;
  int bits = 0;
  for (char c : text) {
    const std::size_t value = kAlphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned int>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct MallocDeleter {
  void operator()(char* text) const { std::free(text); }
};

struct VerificationKey {
  jwt_alg_t algorithm;
  std::string_view key;
};

// The key a token's signature must be checked with, chosen from its `alg` header. Only HS256
// (with the shared secret) and RS256 (with the public key) exist here: `none` and every other
// algorithm are refused, and the RSA public key is never offered as an HMAC secret, which is
// what a token claiming HS256 would need to be signed with the public key.
Checked<VerificationKey> verification_key(std::string_view token, const JwtConfig& config) {
  const auto header_text = base64url_decode(token.substr(0, token.find('.')));
  if (!header_text) return refuse("the JWT header is not base64url");
  const Json header = Json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    return refuse("the JWT header is not a JSON object");
  }
  if (header.contains("crit")) return refuse("the JWT header names critical extensions");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return refuse("the JWT header has no `alg`");
  const std::string& name = alg->get_ref<const std::string&>();
  if (name == "HS256") {
    if (config.hs256_secret.empty()) {
      return refuse("the JWT is signed HS256 but no hs256_secret_file is configured");
    }
    return VerificationKey{JWT_ALG_HS256, config.hs256_secret};
  }
  if (name == "RS256") {
    if (config.rs256_public_key_pem.empty()) {
      return refuse("the JWT is signed RS256 but no rs256_public_key_file is configured");
    }
    return VerificationKey{JWT_ALG_RS256, config.rs256_public_key_pem};
  }
  return refuse("the JWT algorithm is not accepted (only HS256 and RS256 are)");
}

// The verified claims (the payload) of a JWT.
Checked<Json> verified_claims(std::string_view token, const JwtConfig& config) {
  const auto key = verification_key(token, config);
  if (!key) return std::unexpected(key.error());
  const std::string terminated(token);
  jwt_t* raw = nullptr;
  const int status =
      jwt_decode(&raw, terminated.c_str(), reinterpret_cast<const unsigned char*>(key->key.data()),
                 static_cast<int>(key->key.size()));
  const JwtPtr jwt(raw);
  if (status != 0 || jwt == nullptr) {
    return refuse("the JWT signature or encoding is invalid");
  }
  if (jwt_get_alg(jwt.get()) != key->algorithm) {
    return refuse("the JWT was verified with another algorithm than its header names");
  }
  const std::unique_ptr<char, MallocDeleter> payload(jwt_get_grants_json(jwt.get(), nullptr));
  if (payload == nullptr) return refuse("the JWT has no claims");
  Json claims = Json::parse(payload.get(), nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) {
    return refuse("the JWT claims are not a JSON object");
  }
  return claims;
}

Checked<void> check_times(const Json& claims, WallTime now) {
  const double now_seconds = to_unix_seconds(now);
  const double leeway = static_cast<double>(kJwtClockLeeway.count());
  const auto exp = claims.find("exp");
  if (exp == claims.end()) return refuse("the JWT has no `exp` claim");
  if (!exp->is_number()) return refuse("the JWT `exp` claim is not a number");
  if (now_seconds >= exp->get<double>() + leeway) return refuse("the JWT has expired");
  if (const auto nbf = claims.find("nbf"); nbf != claims.end()) {
    if (!nbf->is_number()) return refuse("the JWT `nbf` claim is not a number");
    if (now_seconds + leeway < nbf->get<double>()) return refuse("the JWT is not valid yet");
  }
  return {};
}

Checked<void> check_issuer_and_audience(const Json& claims, const JwtConfig& config) {
  if (!config.issuer.empty()) {
    const auto iss = claims.find("iss");
    if (iss == claims.end() || !iss->is_string() ||
        iss->get_ref<const std::string&>() != config.issuer) {
      return refuse("the JWT `iss` claim is not the configured issuer");
    }
  }
  if (!config.audience.empty()) {
    const auto aud = claims.find("aud");
    const auto names_us = [&](const Json& value) {
      return value.is_string() && value.get_ref<const std::string&>() == config.audience;
    };
    const bool accepted =
        aud != claims.end() &&
        (names_us(*aud) || (aud->is_array() && std::any_of(aud->begin(), aud->end(), names_us)));
    if (!accepted) return refuse("the JWT `aud` claim does not name the configured audience");
  }
  return {};
}

Checked<std::string> uuid_claim(const Json& claims, const std::string& claim) {
  const auto value = claims.find(claim);
  if (value == claims.end()) return refuse("the JWT has no `" + claim + "` claim");
  if (!value->is_string() || !is_uuid(value->get_ref<const std::string&>())) {
    return refuse("the JWT `" + claim + "` claim is not a UUID");
  }
  return to_lower_ascii(value->get_ref<const std::string&>());
}

Checked<Principal> principal_from_claims(const Json& claims, const JwtConfig& config) {
  Principal principal;
  auto org = uuid_claim(claims, config.org_claim);
  if (!org) return std::unexpected(org.error());
  principal.org = std::move(*org);

  const auto role = claims.find(config.role_claim);
  if (role == claims.end()) return refuse("the JWT has no `" + config.role_claim + "` claim");
  const std::optional<Role> parsed =
      role->is_string() ? parse_role(role->get_ref<const std::string&>()) : std::nullopt;
  if (!parsed) {
    return refuse("the JWT `" + config.role_claim +
                  "` claim is not viewer, site_admin or org_admin");
  }
  principal.role = *parsed;

  if (const auto sites = claims.find(config.sites_claim); sites != claims.end()) {
    if (!sites->is_array()) {
      return refuse("the JWT `" + config.sites_claim + "` claim is not a list");
    }
    std::set<std::string> granted;
    for (const Json& site : *sites) {
      if (!site.is_string() || !is_uuid(site.get_ref<const std::string&>())) {
        return refuse("the JWT `" + config.sites_claim + "` claim holds something not a UUID");
      }
      granted.insert(to_lower_ascii(site.get_ref<const std::string&>()));
    }
    principal.sites = std::move(granted);
  }

  const auto subject = claims.find("sub");
  principal.name = subject != claims.end() && subject->is_string() &&
                           !subject->get_ref<const std::string&>().empty()
                       ? subject->get<std::string>()
                       : "jwt";
  return principal;
}

Checked<Principal> authenticate_jwt(std::string_view token, const JwtConfig& config, WallTime now) {
  const auto claims = verified_claims(token, config);
  if (!claims) return std::unexpected(claims.error());
  if (auto times = check_times(*claims, now); !times) return std::unexpected(times.error());
  if (auto peers = check_issuer_and_audience(*claims, config); !peers) {
    return std::unexpected(peers.error());
  }
  return principal_from_claims(*claims, config);
}

}  // namespace

bool Principal::has(Permission permission) const {
  switch (permission) {
    case Permission::config_read:
      return true;
    case Permission::config_write:
      return role == Role::site_admin || role == Role::org_admin;
  }
  return false;
}

bool Principal::covers_site(const std::optional<std::string>& site) const {
  if (!sites) return true;
  return site.has_value() && sites->contains(*site);
}

Authenticator::Authenticator(const AuthConfig& config) : config_(config) {}

Result<Principal> Authenticator::authenticate(std::optional<std::string_view> authorization_header,
                                              WallTime now) const {
  const auto reject = [](const Refusal& reason) {
    log::debug("API request refused: invalid credentials", {{"reason", reason}});
    return fail(std::string(kInvalidCredentials));
  };
  const auto token = bearer_token(authorization_header);
  if (!token) return reject(token.error());

  // Every digest is compared, whatever matched before, so the time taken does not say which
  // configured token (if any) is close to the one presented.
  const std::string digest = sha256_hex(*token);
  const TokenConfig* matched = nullptr;
  for (const TokenConfig& candidate : config_.tokens) {
    const bool equal = constant_time_equal(digest, candidate.sha256_hex);
    matched = equal ? &candidate : matched;
  }
  if (matched != nullptr) {
    Principal principal{matched->name, matched->org, matched->role, std::nullopt};
    if (matched->sites) principal.sites.emplace(matched->sites->begin(), matched->sites->end());
    return principal;
  }

  if (!config_.jwt) return reject("the token matches no configured token (jwt is not configured)");
  if (!looks_like_jwt(*token)) return reject("the token matches no configured token");
  auto principal = authenticate_jwt(*token, *config_.jwt, now);
  if (!principal) return reject(principal.error());
  return std::move(*principal);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    // Lengths are not secret (every digest has 64 characters); the content is never looked at.
    return false;
  }
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace slamon
