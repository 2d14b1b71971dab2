// Authenticator (SPEC §8): bearer header parsing, static token digests, JWTs (HS256 and RS256,
// minted here with libjwt) and the checks that keep forged or stale tokens out; Principal
// permissions and site grants.
#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "auth/auth.h"
#include "common/log.h"
#include "config/loader.h"
#include "support/rsa_keys.h"
#include "support/temp_dir.h"

namespace slamon {
namespace {

constexpr std::string_view kOrg = "3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e";
constexpr std::string_view kOrgUpper = "3F7C1A52-0D4E-4B8E-9C11-2F3A4B5C6D7E";
constexpr std::string_view kSiteHq = "a1b2c3d4-0000-4000-8000-000000000001";
constexpr std::string_view kSiteLab = "a1b2c3d4-0000-4000-8000-000000000002";
constexpr std::string_view kHsSecret = "0123456789abcdef0123456789abcdef-test-secret";
constexpr double kNowSeconds = 1'800'000'000;

const WallTime kNow = from_unix_seconds(kNowSeconds);

// ---- key material and token minting -------------------------------------------------------

using testing::other_rsa_keys;
using testing::rsa_keys;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

// A compact JWT with `claims_json` as payload, signed with `alg` and `key` (`key` empty for
// alg none). `headers_json` adds header parameters.
std::string mint(jwt_alg_t alg, std::string_view key, const std::string& claims_json,
                 const std::string& headers_json = "") {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  const std::unique_ptr<jwt_t, JwtDeleter> jwt(raw);
  if (jwt_add_grants_json(jwt.get(), claims_json.c_str()) != 0) {
    throw std::runtime_error("bad claims JSON in the test: " + claims_json);
  }
  if (!headers_json.empty() && jwt_add_headers_json(jwt.get(), headers_json.c_str()) != 0) {
    throw std::runtime_error("bad headers JSON in the test: " + headers_json);
  }
  const auto* key_bytes =
      key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data());
  if (jwt_set_alg(jwt.get(), alg, key_bytes, static_cast<int>(key.size())) != 0) {
    throw std::runtime_error("jwt_set_alg failed");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) throw std::runtime_error("jwt_encode_str failed");
  std::string token(encoded);
  std::free(encoded);
  return token;
}

// Claims valid at kNow: expiring in an hour, for org kOrg with role `role`.
std::string claims(const std::string& extra = "", const std::string& role = "site_admin") {
  std::string json = R"({"sub": "alice@example.net", "org": ")" + std::string(kOrg) +
                     R"(", "role": ")" + role + R"(", "exp": )" +
                     std::to_string(static_cast<long long>(kNowSeconds) + 3600);
  if (!extra.empty()) json += ", " + extra;
  return json + "}";
}

std::string bearer(const std::string& token) {
  return "Bearer " + token;
}

JwtConfig hs_only() {
  JwtConfig jwt;
  jwt.hs256_secret = std::string(kHsSecret);
  return jwt;
}
JwtConfig rs_only() {
  JwtConfig jwt;
  jwt.rs256_public_key_pem = rsa_keys().public_pem;
  return jwt;
}
JwtConfig hs_and_rs() {
  JwtConfig jwt = rs_only();
  jwt.hs256_secret = std::string(kHsSecret);
  return jwt;
}

AuthConfig with_jwt(JwtConfig jwt) {
  AuthConfig config;
  config.jwt = std::move(jwt);
  return config;
}

TokenConfig static_token(std::string name, std::string_view token, Role role,
                         std::optional<std::vector<std::string>> sites = std::nullopt) {
  return TokenConfig{std::move(name), sha256_hex(token), std::string(kOrg), role, std::move(sites)};
}

// Asserts the one generic failure.
::testing::AssertionResult refused(const Result<Principal>& result) {
  if (result) {
    return ::testing::AssertionFailure() << "accepted as \"" << result->name << "\"";
  }
  if (result.error().message != kInvalidCredentials) {
    return ::testing::AssertionFailure()
           << "unexpected message \"" << result.error().message << "\"";
  }
  return ::testing::AssertionSuccess();
}

// ---- hashing and comparison ---------------------------------------------------------------

TEST(Sha256Hex, MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("password"),
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("xbc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

// ---- the Authorization header ------------------------------------------------------------

class StaticTokens : public ::testing::Test {
 protected:
  StaticTokens() {
    config_.tokens.push_back(static_token("noc-viewer", "viewer-token-1", Role::viewer));
    config_.tokens.push_back(static_token("hq-admin", "hq-admin-token", Role::site_admin,
                                          std::vector<std::string>{std::string(kSiteHq)}));
    config_.tokens.push_back(static_token("org-admin", "org-admin-token", Role::org_admin));
  }
  Result<Principal> authenticate(std::optional<std::string_view> header) const {
    return Authenticator(config_).authenticate(header, kNow);
  }

  AuthConfig config_;
};

TEST_F(StaticTokens, MatchingTokenGivesItsPrincipal) {
  const auto viewer = authenticate("Bearer viewer-token-1");
  ASSERT_TRUE(viewer) << viewer.error().message;
  EXPECT_EQ(viewer->name, "noc-viewer");
  EXPECT_EQ(viewer->org, kOrg);
  EXPECT_EQ(viewer->role, Role::viewer);
  EXPECT_FALSE(viewer->sites.has_value());

  const auto admin = authenticate("Bearer hq-admin-token");
  ASSERT_TRUE(admin) << admin.error().message;
  EXPECT_EQ(admin->name, "hq-admin");
  EXPECT_EQ(admin->role, Role::site_admin);
  ASSERT_TRUE(admin->sites.has_value());
  EXPECT_EQ(*admin->sites, std::set<std::string>{std::string(kSiteHq)});

  const auto last = authenticate("Bearer org-admin-token");
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(last->name, "org-admin");
}

TEST_F(StaticTokens, SchemeIsCaseInsensitive) {
  EXPECT_TRUE(authenticate("bearer viewer-token-1"));
  EXPECT_TRUE(authenticate("BEARER viewer-token-1"));
  EXPECT_TRUE(authenticate("BeArEr viewer-token-1"));
}

TEST_F(StaticTokens, UnknownTokenIsRefused) {
  EXPECT_TRUE(refused(authenticate("Bearer viewer-token-2")));
  EXPECT_TRUE(refused(authenticate("Bearer VIEWER-TOKEN-1")));  // tokens are case-sensitive
  EXPECT_TRUE(refused(authenticate("Bearer viewer-token-1x")));
}

TEST_F(StaticTokens, MissingOrMalformedHeaderIsRefused) {
  EXPECT_TRUE(refused(authenticate(std::nullopt)));
  EXPECT_TRUE(refused(authenticate("")));
  EXPECT_TRUE(refused(authenticate("Bearer")));
  EXPECT_TRUE(refused(authenticate("Bearer ")));
  EXPECT_TRUE(refused(authenticate("viewer-token-1")));
  EXPECT_TRUE(refused(authenticate("Bearerviewer-token-1")));
  EXPECT_TRUE(refused(authenticate("Basic viewer-token-1")));
  EXPECT_TRUE(refused(authenticate("Token viewer-token-1")));
  EXPECT_TRUE(refused(authenticate("Bearer: viewer-token-1")));
}

TEST_F(StaticTokens, ExtraSpacesAreRefused) {
  EXPECT_TRUE(refused(authenticate("Bearer  viewer-token-1")));
  EXPECT_TRUE(refused(authenticate(" Bearer viewer-token-1")));
  EXPECT_TRUE(refused(authenticate("Bearer viewer-token-1 ")));
  EXPECT_TRUE(refused(authenticate("Bearer\tviewer-token-1")));
  EXPECT_TRUE(refused(authenticate("Bearer viewer token-1")));
}

TEST_F(StaticTokens, OversizedTokenIsRefused) {
  EXPECT_TRUE(refused(authenticate("Bearer " + std::string(kMaxBearerTokenBytes + 1, 'a'))));
}

TEST(NoAuthConfigured, EveryRequestIsRefused) {
  const Authenticator authenticator{AuthConfig{}};
  EXPECT_TRUE(refused(authenticator.authenticate("Bearer anything", kNow)));
  EXPECT_TRUE(
      refused(authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims())), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(std::nullopt, kNow)));
}

// token_file: the loader hashes the file's token, and the Authenticator accepts that token.
TEST(TokenFile, LoadedTokenAuthenticates) {
  const testing::TempDir dir;
  dir.write("secrets/noc.token", "s3cr3t-token_from.file~\n");
  dir.write("inventory.yml", "organizations:\n  - id: " + std::string(kOrg) +
                                 "\n    name: ACME\n    sites: [{id: " + std::string(kSiteHq) +
                                 ", name: HQ}]\n");
  dir.write("slamon.yml",
            "inventory_files: [inventory.yml]\n"
            "auth:\n"
            "  tokens:\n"
            "    - name: from-file\n"
            "      token_file: secrets/noc.token\n"
            "      org: " +
                std::string(kOrg) +
                "\n"
                "      role: org_admin\n"
                "      sites: [" +
                std::string(kSiteHq) + "]\n");
  const LoadResult loaded = load_config((dir.path() / "slamon.yml").string());
  ASSERT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].to_string());
  ASSERT_EQ(loaded.config->auth.tokens.size(), 1u);
  EXPECT_EQ(loaded.config->auth.tokens[0].sha256_hex, sha256_hex("s3cr3t-token_from.file~"));

  const Authenticator authenticator(loaded.config->auth);
  const auto principal = authenticator.authenticate("Bearer s3cr3t-token_from.file~", kNow);
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->name, "from-file");
  EXPECT_EQ(principal->role, Role::org_admin);
  EXPECT_EQ(principal->sites, std::set<std::string>{std::string(kSiteHq)});
  // The trailing newline of the file is not part of the token.
  EXPECT_TRUE(refused(authenticator.authenticate("Bearer s3cr3t-token_from.file~\n", kNow)));
}

// ---- JWTs ---------------------------------------------------------------------------------

TEST(Jwt, ValidHs256TokenGivesItsPrincipal) {
  const Authenticator authenticator(with_jwt(hs_only()));
  const auto principal =
      authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims())), kNow);
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->name, "alice@example.net");
  EXPECT_EQ(principal->org, kOrg);
  EXPECT_EQ(principal->role, Role::site_admin);
  EXPECT_FALSE(principal->sites.has_value());
}

TEST(Jwt, ValidRs256TokenGivesItsPrincipal) {
  const Authenticator authenticator(with_jwt(rs_only()));
  const auto principal = authenticator.authenticate(
      bearer(mint(JWT_ALG_RS256, rsa_keys().private_pem, claims({}, "viewer"))), kNow);
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->org, kOrg);
  EXPECT_EQ(principal->role, Role::viewer);
}

TEST(Jwt, BothAlgorithmsWorkWhenBothKeysAreConfigured) {
  const Authenticator authenticator(with_jwt(hs_and_rs()));
  EXPECT_TRUE(authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims())), kNow));
  EXPECT_TRUE(authenticator.authenticate(
      bearer(mint(JWT_ALG_RS256, rsa_keys().private_pem, claims())), kNow));
}

TEST(Jwt, StaticTokensAndJwtsWorkSideBySide) {
  AuthConfig config = with_jwt(hs_only());
  config.tokens.push_back(static_token("ci", "ci-token", Role::viewer));
  const Authenticator authenticator(config);
  EXPECT_EQ(authenticator.authenticate("Bearer ci-token", kNow)->name, "ci");
  EXPECT_EQ(
      authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims())), kNow)->name,
      "alice@example.net");
  EXPECT_TRUE(refused(authenticator.authenticate("Bearer other-token", kNow)));
}

TEST(Jwt, ExpiryIsCheckedWithLeeway) {
  const Authenticator authenticator(with_jwt(hs_only()));
  const auto token_expiring_at = [](long long exp) {
    return bearer(mint(JWT_ALG_HS256, kHsSecret,
                       R"({"org": ")" + std::string(kOrg) + R"(", "role": "viewer", "exp": )" +
                           std::to_string(exp) + "}"));
  };
  const auto now = static_cast<long long>(kNowSeconds);
  const long long leeway = kJwtClockLeeway.count();
  EXPECT_TRUE(authenticator.authenticate(token_expiring_at(now + 1), kNow));
  EXPECT_TRUE(authenticator.authenticate(token_expiring_at(now - leeway + 1), kNow));
  EXPECT_TRUE(refused(authenticator.authenticate(token_expiring_at(now - leeway), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(token_expiring_at(now - 3600), kNow)));
  // The injected time is the one that counts, not the wall clock.
  EXPECT_TRUE(refused(authenticator.authenticate(token_expiring_at(now + 60),
                                                 from_unix_seconds(kNowSeconds + 60 + leeway))));
}

TEST(Jwt, ExpIsRequiredAndMustBeANumber) {
  const Authenticator authenticator(with_jwt(hs_only()));
  const std::string base = R"({"org": ")" + std::string(kOrg) + R"(", "role": "viewer")";
  EXPECT_TRUE(refused(
      authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, base + "}")), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_HS256, kHsSecret, base + R"(, "exp": "1900000000"})")), kNow)));
}

TEST(Jwt, NotBeforeIsCheckedWithLeeway) {
  const Authenticator authenticator(with_jwt(hs_only()));
  const auto token_valid_from = [](long long nbf) {
    return bearer(mint(JWT_ALG_HS256, kHsSecret, claims(R"("nbf": )" + std::to_string(nbf))));
  };
  const auto now = static_cast<long long>(kNowSeconds);
  const long long leeway = kJwtClockLeeway.count();
  EXPECT_TRUE(authenticator.authenticate(token_valid_from(now - 10), kNow));
  EXPECT_TRUE(authenticator.authenticate(token_valid_from(now + leeway), kNow));
  EXPECT_TRUE(refused(authenticator.authenticate(token_valid_from(now + leeway + 1), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(token_valid_from(now + 3600), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_HS256, kHsSecret, claims(R"("nbf": "soon")"))), kNow)));
}

TEST(Jwt, IssuerMustMatchWhenConfigured) {
  JwtConfig jwt = hs_only();
  jwt.issuer = "https://idp.example";
  const Authenticator authenticator(with_jwt(jwt));
  EXPECT_TRUE(authenticator.authenticate(
      bearer(mint(JWT_ALG_HS256, kHsSecret, claims(R"("iss": "https://idp.example")"))), kNow));
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_HS256, kHsSecret, claims(R"("iss": "https://evil.example")"))), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_HS256, kHsSecret, claims(R"("iss": "https://idp.example/")"))), kNow)));
  EXPECT_TRUE(
      refused(authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims())), kNow)));
}

TEST(Jwt, AnyIssuerAndAudienceWhenNotConfigured) {
  const Authenticator authenticator(with_jwt(hs_only()));
  EXPECT_TRUE(authenticator.authenticate(
      bearer(mint(JWT_ALG_HS256, kHsSecret,
                  claims(R"("iss": "https://anyone.example", "aud": "someone")"))),
      kNow));
}

TEST(Jwt, AudienceMustBeNamedWhenConfigured) {
  JwtConfig jwt = hs_only();
  jwt.audience = "slamon";
  const Authenticator authenticator(with_jwt(jwt));
  const auto with_audience = [](const std::string& aud) {
    return bearer(mint(JWT_ALG_HS256, kHsSecret, claims(R"("aud": )" + aud)));
  };
  EXPECT_TRUE(authenticator.authenticate(with_audience(R"("slamon")"), kNow));
  EXPECT_TRUE(authenticator.authenticate(with_audience(R"(["grafana", "slamon"])"), kNow));
  EXPECT_TRUE(refused(authenticator.authenticate(with_audience(R"("grafana")"), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(with_audience(R"(["grafana", "sla"])"), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(with_audience(R"([])"), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(with_audience(R"("SLAMON")"), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(with_audience(R"({"slamon": true})"), kNow)));
  EXPECT_TRUE(
      refused(authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims())), kNow)));
}

TEST(Jwt, BadSignatureIsRefused) {
  const Authenticator authenticator(with_jwt(hs_and_rs()));
  // Signed with other keys.
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_HS256, "another-secret-of-at-least-32-bytes!!", claims())), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_RS256, other_rsa_keys().private_pem, claims())), kNow)));

  // A signature changed in the middle.
  for (const std::string& token : {mint(JWT_ALG_HS256, kHsSecret, claims()),
                                   mint(JWT_ALG_RS256, rsa_keys().private_pem, claims())}) {
    std::string tampered = token;
    const std::size_t middle = tampered.rfind('.') + 10;
    tampered[middle] = tampered[middle] == 'A' ? 'B' : 'A';
    EXPECT_TRUE(refused(authenticator.authenticate(bearer(tampered), kNow)));
    // A signature removed.
    EXPECT_TRUE(
        refused(authenticator.authenticate(bearer(token.substr(0, token.rfind('.') + 1)), kNow)));
  }
}

TEST(Jwt, PayloadSwappedUnderAValidSignatureIsRefused) {
  const Authenticator authenticator(with_jwt(hs_only()));
  const std::string viewer = mint(JWT_ALG_HS256, kHsSecret, claims({}, "viewer"));
  const std::string admin =
      mint(JWT_ALG_HS256, "an-attacker-secret-of-32-bytes-or-more", claims({}, "org_admin"));
  const auto part = [](const std::string& token, int index) {
    const std::size_t first = token.find('.');
    const std::size_t second = token.find('.', first + 1);
    if (index == 0) return token.substr(0, first);
    if (index == 1) return token.substr(first + 1, second - first - 1);
    return token.substr(second + 1);
  };
  const std::string forged = part(viewer, 0) + "." + part(admin, 1) + "." + part(viewer, 2);
  EXPECT_TRUE(refused(authenticator.authenticate(bearer(forged), kNow)));
}

TEST(Jwt, AlgNoneIsRefused) {
  const std::string unsigned_token = mint(JWT_ALG_NONE, {}, claims({}, "org_admin"));
  ASSERT_TRUE(unsigned_token.ends_with("."));
  for (const JwtConfig& jwt : {hs_only(), rs_only(), hs_and_rs()}) {
    const Authenticator authenticator(with_jwt(jwt));
    EXPECT_TRUE(refused(authenticator.authenticate(bearer(unsigned_token), kNow)));
    // Not even with a signature appended.
    EXPECT_TRUE(refused(authenticator.authenticate(bearer(unsigned_token + "c2lnbmF0dXJl"), kNow)));
  }
}

TEST(Jwt, OtherAlgorithmsAreRefused) {
  const Authenticator authenticator(with_jwt(hs_and_rs()));
  EXPECT_TRUE(
      refused(authenticator.authenticate(bearer(mint(JWT_ALG_HS512, kHsSecret, claims())), kNow)));
  EXPECT_TRUE(
      refused(authenticator.authenticate(bearer(mint(JWT_ALG_HS384, kHsSecret, claims())), kNow)));
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_RS512, rsa_keys().private_pem, claims())), kNow)));
}

TEST(Jwt, Hs256TokenIsRefusedWhenOnlyRs256IsConfigured) {
  const Authenticator authenticator(with_jwt(rs_only()));
  EXPECT_TRUE(
      refused(authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims())), kNow)));
}

TEST(Jwt, Rs256TokenIsRefusedWhenOnlyHs256IsConfigured) {
  const Authenticator authenticator(with_jwt(hs_only()));
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_RS256, rsa_keys().private_pem, claims())), kNow)));
}

// The classic confusion: an attacker knows the RSA public key and signs an HS256 token with it
// as the HMAC secret, hoping the verifier hands the same key to HMAC.
TEST(Jwt, HmacSignedWithThePublicKeyIsRefused) {
  const std::string& public_pem = rsa_keys().public_pem;
  const std::string forged = mint(JWT_ALG_HS256, public_pem, claims({}, "org_admin"));
  EXPECT_TRUE(refused(Authenticator(with_jwt(rs_only())).authenticate(bearer(forged), kNow)));
  EXPECT_TRUE(refused(Authenticator(with_jwt(hs_and_rs())).authenticate(bearer(forged), kNow)));
  // The same with the key's trailing newline removed, as a careless verifier might strip it.
  const std::string trimmed = public_pem.substr(0, public_pem.find_last_not_of('\n') + 1);
  const std::string forged_trimmed = mint(JWT_ALG_HS256, trimmed, claims({}, "org_admin"));
  EXPECT_TRUE(
      refused(Authenticator(with_jwt(hs_and_rs())).authenticate(bearer(forged_trimmed), kNow)));
}

TEST(Jwt, CriticalHeaderExtensionsAreRefused) {
  const Authenticator authenticator(with_jwt(hs_only()));
  EXPECT_TRUE(refused(authenticator.authenticate(
      bearer(mint(JWT_ALG_HS256, kHsSecret, claims(), R"({"crit": ["exp"]})")), kNow)));
}

TEST(Jwt, GarbageIsRefused) {
  const Authenticator authenticator(with_jwt(hs_and_rs()));
  for (const char* garbage : {"a.b.c", "abc", "a.b", "a..c", ".b.c", "a.b.c.d",
                              "eyJhbGciOiJIUzI1NiJ9.e30.", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
                              "bm90IGpzb24.e30.c2ln", "W10.e30.c2ln" /* header [] */,
                              "e30.e30.c2ln" /* header {} */, "eyJhbGciOjF9.e30.c2ln" /* alg 1 */,
                              "eyJhbGciOiJIUzI1NiJ9.e30.c2ln====", "====.====.===="}) {
    EXPECT_TRUE(refused(authenticator.authenticate(bearer(garbage), kNow))) << garbage;
  }
}

TEST(Jwt, ClaimsAreMappedThroughConfiguredNames) {
  JwtConfig jwt = hs_only();
  jwt.org_claim = "org_id";
  jwt.role_claim = "slamon_role";
  jwt.sites_claim = "site_ids";
  const Authenticator authenticator(with_jwt(jwt));
  const std::string payload =
      R"({"sub": "bob", "org_id": ")" + std::string(kOrgUpper) +
      R"(", "slamon_role": "site_admin", "site_ids": [")" + std::string(kSiteLab) +
      R"(", "A1B2C3D4-0000-4000-8000-000000000001"], "org": "not-used", "role": "viewer", "exp": )" +
      std::to_string(static_cast<long long>(kNowSeconds) + 60) + "}";
  const auto principal =
      authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, payload)), kNow);
  ASSERT_TRUE(principal) << principal.error().message;
  EXPECT_EQ(principal->name, "bob");
  EXPECT_EQ(principal->org, kOrg);  // lower-cased
  EXPECT_EQ(principal->role, Role::site_admin);
  EXPECT_EQ(principal->sites, (std::set<std::string>{std::string(kSiteHq), std::string(kSiteLab)}));

  // The default names no longer count.
  EXPECT_TRUE(
      refused(authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims())), kNow)));
}

TEST(Jwt, RoleAndSitesAreMapped) {
  const Authenticator authenticator(with_jwt(hs_only()));
  const auto principal_for = [&](const std::string& extra, const std::string& role) {
    return authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, claims(extra, role))),
                                      kNow);
  };
  EXPECT_EQ(principal_for("", "viewer")->role, Role::viewer);
  EXPECT_EQ(principal_for("", "site_admin")->role, Role::site_admin);
  EXPECT_EQ(principal_for("", "org_admin")->role, Role::org_admin);
  EXPECT_TRUE(refused(principal_for("", "admin")));
  EXPECT_TRUE(refused(principal_for("", "Viewer")));

  const auto granted = principal_for(R"("sites": [")" + std::string(kSiteHq) + R"("])", "viewer");
  ASSERT_TRUE(granted);
  EXPECT_EQ(granted->sites, std::set<std::string>{std::string(kSiteHq)});
  // An empty list grants no site at all (never every site).
  const auto none = principal_for(R"("sites": [])", "viewer");
  ASSERT_TRUE(none);
  ASSERT_TRUE(none->sites.has_value());
  EXPECT_TRUE(none->sites->empty());
  EXPECT_FALSE(none->covers_site(std::string(kSiteHq)));

  EXPECT_TRUE(refused(principal_for(R"("sites": ")" + std::string(kSiteHq) + R"(")", "viewer")));
  EXPECT_TRUE(refused(principal_for(R"("sites": [1])", "viewer")));
  EXPECT_TRUE(refused(principal_for(R"("sites": ["hq"])", "viewer")));
  EXPECT_TRUE(refused(principal_for(R"("sites": null)", "viewer")));
}

TEST(Jwt, OrgAndRoleAreRequired) {
  const Authenticator authenticator(with_jwt(hs_only()));
  const std::string exp = R"("exp": )" + std::to_string(static_cast<long long>(kNowSeconds) + 60);
  const auto check = [&](const std::string& body) {
    return authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, "{" + body + "}")),
                                      kNow);
  };
  const std::string org = R"("org": ")" + std::string(kOrg) + R"(")";
  EXPECT_TRUE(check(org + R"(, "role": "viewer", )" + exp));
  EXPECT_TRUE(refused(check(R"("role": "viewer", )" + exp)));
  EXPECT_TRUE(refused(check(org + ", " + exp)));
  EXPECT_TRUE(refused(check(R"("org": "acme", "role": "viewer", )" + exp)));
  EXPECT_TRUE(refused(check(R"("org": 42, "role": "viewer", )" + exp)));
  EXPECT_TRUE(refused(check(org + R"(, "role": ["viewer"], )" + exp)));
}

TEST(Jwt, NameIsTheSubjectOrJwt) {
  const Authenticator authenticator(with_jwt(hs_only()));
  const std::string body = R"({"org": ")" + std::string(kOrg) + R"(", "role": "viewer", "exp": )" +
                           std::to_string(static_cast<long long>(kNowSeconds) + 60);
  EXPECT_EQ(
      authenticator
          .authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, body + R"(, "sub": "carol"})")), kNow)
          ->name,
      "carol");
  EXPECT_EQ(
      authenticator.authenticate(bearer(mint(JWT_ALG_HS256, kHsSecret, body + "}")), kNow)->name,
      "jwt");
}

// ---- what the caller and the log learn ------------------------------------------------------

TEST(Failures, NeverRevealTheTokenInMessageOrLog) {
  JwtConfig jwt = hs_only();
  jwt.issuer = "https://idp.example";
  jwt.audience = "slamon";
  AuthConfig config = with_jwt(jwt);
  config.tokens.push_back(static_token("ci", "ci-token", Role::viewer));
  const Authenticator authenticator(config);

  const std::vector<std::string> tokens{
      "ci-tokenX",
      mint(JWT_ALG_HS256, kHsSecret, claims(R"("iss": "https://evil.example", "aud": "slamon")")),
      mint(JWT_ALG_HS256, kHsSecret, claims(R"("iss": "https://idp.example", "aud": "other")")),
      mint(JWT_ALG_HS256, "wrong-secret-wrong-secret-wrong-secret", claims()),
      mint(JWT_ALG_NONE, {}, claims()),
      mint(JWT_ALG_RS256, rsa_keys().private_pem, claims()),
  };
  log::configure(log::Level::debug, log::Format::logfmt);
  ::testing::internal::CaptureStderr();
  std::vector<Result<Principal>> results;
  for (const std::string& token : tokens) {
    results.push_back(authenticator.authenticate(bearer(token), kNow));
  }
  const std::string logged = ::testing::internal::GetCapturedStderr();
  log::configure(log::Level::info, log::Format::logfmt);

  EXPECT_NE(logged.find("reason="), std::string::npos) << logged;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    ASSERT_FALSE(results[i]) << i;
    EXPECT_EQ(results[i].error().message, kInvalidCredentials);
    std::size_t start = 0;
    // Neither the token nor any of its parts appears.
    for (std::size_t end = 0; end <= tokens[i].size(); ++end) {
      if (end == tokens[i].size() || tokens[i][end] == '.') {
        const std::string part = tokens[i].substr(start, end - start);
        if (part.size() >= 8) {
          EXPECT_EQ(logged.find(part), std::string::npos) << part;
        }
        start = end + 1;
      }
    }
  }
}

// ---- Principal ----------------------------------------------------------------------------

TEST(Principal, PermissionsFollowTheRole) {
  Principal principal{"p", std::string(kOrg), Role::viewer, std::nullopt};
  EXPECT_TRUE(principal.has(Permission::config_read));
  EXPECT_FALSE(principal.has(Permission::config_write));
  principal.role = Role::site_admin;
  EXPECT_TRUE(principal.has(Permission::config_read));
  EXPECT_TRUE(principal.has(Permission::config_write));
  principal.role = Role::org_admin;
  EXPECT_TRUE(principal.has(Permission::config_read));
  EXPECT_TRUE(principal.has(Permission::config_write));
}

TEST(Principal, UnrestrictedPrincipalCoversEverySite) {
  const Principal principal{"p", std::string(kOrg), Role::viewer, std::nullopt};
  EXPECT_TRUE(principal.covers_site(std::string(kSiteHq)));
  EXPECT_TRUE(principal.covers_site(std::string("any")));
  EXPECT_TRUE(principal.covers_site(std::nullopt));
}

TEST(Principal, SiteGrantCoversOnlyItsSites) {
  const Principal principal{"p", std::string(kOrg), Role::site_admin,
                            std::set<std::string>{std::string(kSiteHq)}};
  EXPECT_TRUE(principal.covers_site(std::string(kSiteHq)));
  EXPECT_FALSE(principal.covers_site(std::string(kSiteLab)));
  EXPECT_FALSE(principal.covers_site(std::nullopt));
}

TEST(Role, SpellingsRoundTrip) {
  for (Role role : {Role::viewer, Role::site_admin, Role::org_admin}) {
    EXPECT_EQ(parse_role(to_string(role)), role);
  }
  EXPECT_EQ(to_string(Role::site_admin), "site_admin");
  EXPECT_FALSE(parse_role("admin"));
  EXPECT_FALSE(parse_role("Viewer"));
  EXPECT_FALSE(parse_role(""));
}

}  // namespace
}  // namespace slamon
