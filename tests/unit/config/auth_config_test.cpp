// The `auth:` section of slamon.yml (SPEC §8): static tokens (digests, token files, inventory
// references), JWT keys and claim names, each rule with its exact position; no diagnostic
// carries a token, a digest or a secret.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "config_fixture.h"

namespace slamon {
namespace {

using testing::ConfigFixture;
using testing::dump;
using testing::has_diagnostic;
using testing::has_only_diagnostic;
using testing::kOrgA;
using testing::kSiteHq;
using testing::kSiteLab;

constexpr std::string_view kNocTokenDigest =
    "e6d1eb763b783c3d9ccca522bd86540649633e219c610bfdf523ee2dd9c1e2d3";  // of "noc-token-1"
constexpr std::string_view kCiTokenDigest =
    "948b8c2427cd29047839b8e4a27a08763f8befbafa86be5cce8e46217d75e58a";  // of "ci-token"
constexpr std::string_view kHsSecret = "an-hs256-secret-of-forty-bytes-or-so-123";

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// PEM texts of generated keys: the public and private halves of an RSA key of `bits`, or of an
// EC P-256 key when bits is 0.
struct KeyPems {
  std::string public_pem;
  std::string private_pem;
};

KeyPems generate_key(std::size_t bits) {
  const std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      bits == 0 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
  if (key == nullptr) throw std::runtime_error("key generation failed");
  const auto text = [](BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
  };
  const std::unique_ptr<BIO, BioDeleter> public_bio(BIO_new(BIO_s_mem()));
  const std::unique_ptr<BIO, BioDeleter> private_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(public_bio.get(), key.get()) != 1 ||
      PEM_write_bio_PrivateKey(private_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    throw std::runtime_error("PEM export failed");
  }
  return {text(public_bio.get()), text(private_bio.get())};
}

const KeyPems& rsa_2048() {
  static const KeyPems keys = generate_key(2048);
  return keys;
}
const KeyPems& rsa_1024() {
  static const KeyPems keys = generate_key(1024);
  return keys;
}
const KeyPems& ec_p256() {
  static const KeyPems keys = generate_key(0);
  return keys;
}

class AuthConfigFixture : public ConfigFixture {
 protected:
  void SetUp() override {
    write("inventory.yml", testing::standard_inventory());
    dir_.write("secrets/noc.token", "noc-token-1\n");
    dir_.write("secrets/ci.token", "ci-token\r\n");
    dir_.write("secrets/empty.token", "\n");
    dir_.write("secrets/spaced.token", "two words\n");
    dir_.write("secrets/hs.key", std::string(kHsSecret) + "\n");
    dir_.write("secrets/short.key", "too-short-secret\n");
    dir_.write("keys/public.pem", rsa_2048().public_pem);
    dir_.write("keys/private.pem", rsa_2048().private_pem);
    dir_.write("keys/rsa1024.pem", rsa_1024().public_pem);
    dir_.write("keys/ec.pem", ec_p256().public_pem);
    dir_.write("keys/garbage.pem", "not a key at all\n");
    dir_.write("secrets/pem-as-secret.key", rsa_2048().public_pem);
  }

  // slamon.yml: the inventory, `auth_yaml` (which starts on line 2) and the source the
  // inventory's devices are polled through.
  LoadResult load_auth(const std::string& auth_yaml) const {
    write("slamon.yml", "inventory_files: [inventory.yml]\n" + auth_yaml + std::string(kSources));
    return load();
  }

  static constexpr std::string_view kSources =
      "sources:\n  - {name: switches, type: snmp, community: c}\n";
};

// ---- accepted configurations ---------------------------------------------------------------

TEST_F(AuthConfigFixture, NoAuthSectionIsValidAndEmpty) {
  const LoadResult result = load_auth("");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  EXPECT_TRUE(result.config->auth.tokens.empty());
  EXPECT_FALSE(result.config->auth.jwt.has_value());
}

TEST_F(AuthConfigFixture, EmptyAuthSectionIsValid) {
  for (const char* yaml : {"auth:\n", "auth: {}\n", "auth:\n  tokens: []\n"}) {
    const LoadResult result = load_auth(yaml);
    ASSERT_TRUE(result.ok()) << yaml << "\n" << dump(result.diagnostics);
    EXPECT_TRUE(result.config->auth.tokens.empty());
    EXPECT_FALSE(result.config->auth.jwt.has_value());
  }
}

TEST_F(AuthConfigFixture, FullSectionIsRead) {
  const LoadResult result = load_auth(R"(auth:
  tokens:
    - name: noc-viewer
      sha256: E6D1EB763B783C3D9CCCA522BD86540649633E219C610BFDF523EE2DD9C1E2D3
      org: 3F7C1A52-0D4E-4B8E-9C11-2F3A4B5C6D7E
      role: viewer
    - name: hq-admin
      token_file: secrets/ci.token
      org: $ORG_A
      role: site_admin
      sites: [$SITE_HQ, A1B2C3D4-0000-4000-8000-000000000002]
    - name: boss
      sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
      org: $ORG_B
      role: org_admin
  jwt:
    hs256_secret_file: secrets/hs.key
    rs256_public_key_file: keys/public.pem
    issuer: https://idp.example
    audience: slamon
    claims: {org: org_id, role: slamon_role, sites: site_ids}
)");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  const AuthConfig& auth = result.config->auth;
  ASSERT_EQ(auth.tokens.size(), 3u);

  EXPECT_EQ(auth.tokens[0].name, "noc-viewer");
  EXPECT_EQ(auth.tokens[0].sha256_hex, kNocTokenDigest);  // lower-cased
  EXPECT_EQ(auth.tokens[0].org, kOrgA);                   // lower-cased
  EXPECT_EQ(auth.tokens[0].role, Role::viewer);
  EXPECT_FALSE(auth.tokens[0].sites.has_value());

  EXPECT_EQ(auth.tokens[1].name, "hq-admin");
  EXPECT_EQ(auth.tokens[1].sha256_hex, kCiTokenDigest);  // the file's token, \r\n removed
  EXPECT_EQ(auth.tokens[1].role, Role::site_admin);
  ASSERT_TRUE(auth.tokens[1].sites.has_value());
  EXPECT_EQ(*auth.tokens[1].sites,
            (std::vector<std::string>{std::string(kSiteHq), std::string(kSiteLab)}));

  EXPECT_EQ(auth.tokens[2].role, Role::org_admin);
  EXPECT_EQ(auth.tokens[2].org, testing::kOrgB);

  ASSERT_TRUE(auth.jwt.has_value());
  EXPECT_EQ(auth.jwt->hs256_secret, kHsSecret);  // trailing newline removed
  EXPECT_EQ(auth.jwt->rs256_public_key_pem.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
  EXPECT_EQ(auth.jwt->issuer, "https://idp.example");
  EXPECT_EQ(auth.jwt->audience, "slamon");
  EXPECT_EQ(auth.jwt->org_claim, "org_id");
  EXPECT_EQ(auth.jwt->role_claim, "slamon_role");
  EXPECT_EQ(auth.jwt->sites_claim, "site_ids");
}

TEST_F(AuthConfigFixture, JwtDefaultsAndSingleKey) {
  const LoadResult result =
      load_auth("auth:\n  jwt:\n    rs256_public_key_file: keys/public.pem\n");
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  const auto& jwt = result.config->auth.jwt;
  ASSERT_TRUE(jwt.has_value());
  EXPECT_TRUE(jwt->hs256_secret.empty());
  EXPECT_FALSE(jwt->rs256_public_key_pem.empty());
  EXPECT_TRUE(jwt->issuer.empty());
  EXPECT_TRUE(jwt->audience.empty());
  EXPECT_EQ(jwt->org_claim, "org");
  EXPECT_EQ(jwt->role_claim, "role");
  EXPECT_EQ(jwt->sites_claim, "sites");

  const LoadResult hs = load_auth("auth:\n  jwt:\n    hs256_secret_file: secrets/hs.key\n");
  ASSERT_TRUE(hs.ok()) << dump(hs.diagnostics);
  EXPECT_TRUE(hs.config->auth.jwt->rs256_public_key_pem.empty());
}

TEST_F(AuthConfigFixture, FilePathsAreRelativeToTheConfigFolder) {
  write("conf/inventory.yml", testing::standard_inventory());
  write("conf/slamon.yml", R"(inventory_files: [inventory.yml]
auth:
  tokens:
    - {name: a, token_file: ../secrets/noc.token, org: $ORG_A, role: viewer}
  jwt:
    hs256_secret_file: ../secrets/hs.key
    rs256_public_key_file: ../keys/public.pem
sources:
  - {name: switches, type: snmp, community: c}
)");
  const LoadResult result = load_config(path("conf/slamon.yml"));
  ASSERT_TRUE(result.ok()) << dump(result.diagnostics);
  EXPECT_EQ(result.config->auth.tokens.at(0).sha256_hex, kNocTokenDigest);
  EXPECT_EQ(result.config->auth.jwt->hs256_secret, kHsSecret);
}

// ---- rejected configurations, each at its position ------------------------------------------

struct AuthCase {
  std::string name;
  std::string yaml;  // starts on line 2
  int line;
  int column;
  std::string fragment;
};

void PrintTo(const AuthCase& c, std::ostream* os) {
  *os << c.name;
}

class AuthRule : public AuthConfigFixture, public ::testing::WithParamInterface<AuthCase> {};

// Builders for the tokens of a case: the lines every case of a kind shares, then the lines that
// make the case. Line numbers are those of slamon.yml (the yaml starts on line 2).

// Token `a` (lines 2-4), then its `keys` from line 5.
std::string token_a(const std::string& keys) {
  return "auth:\n  tokens:\n    - name: a\n" + keys;
}
const std::string kDigestKey = "      sha256: " + std::string(kNocTokenDigest) + "\n";
const std::string kTokenFileKey = "      token_file: secrets/noc.token\n";
const std::string kViewerOfAcme = "      org: $ORG_A\n      role: viewer\n";
// Token `a` from its file, a viewer of ACME (lines 2-7), then `rest` from line 8.
std::string viewer_token_with(const std::string& rest) {
  return token_a(kTokenFileKey + kViewerOfAcme + rest);
}

TEST_P(AuthRule, ReportsExactPositionAndMessage) {
  EXPECT_TRUE(has_only_diagnostic(load_auth(GetParam().yaml), "slamon.yml", GetParam().line,
                                  GetParam().column, GetParam().fragment));
}

INSTANTIATE_TEST_SUITE_P(
    Section, AuthRule,
    ::testing::Values(AuthCase{"unknown_key", "auth:\n  users: []\n", 3, 3,
                               "unknown key `users`; allowed keys: tokens, jwt"},
                      AuthCase{"not_a_map", "auth: [a]\n", 2, 7, "expected a map, got a list"},
                      AuthCase{"tokens_not_a_list", "auth:\n  tokens: {name: a}\n", 3, 11,
                               "expected a list, got a map"},
                      AuthCase{"duplicate_key", "auth:\n  tokens: []\n  tokens: []\n", 4, 3,
                               "duplicate key `tokens`"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Tokens, AuthRule,
    ::testing::Values(
        AuthCase{"token_is_empty", "auth:\n  tokens:\n    - ~\n", 4, 5,
                 "expected a token (a map), got nothing"},
        AuthCase{"token_not_a_map", "auth:\n  tokens:\n    - noc\n", 4, 7,
                 "expected a map, got `noc`"},
        AuthCase{"unknown_token_key",
                 token_a(kDigestKey + kViewerOfAcme + "      scopes: [site]\n"), 8, 7,
                 "unknown key `scopes`; allowed keys: name, sha256, token_file, org, role, sites"},
        AuthCase{"missing_name", R"(auth:
  tokens:
    - sha256: e6d1eb763b783c3d9ccca522bd86540649633e219c610bfdf523ee2dd9c1e2d3
      org: $ORG_A
      role: viewer
)",
                 4, 7, "missing required key `name`"},
        AuthCase{"empty_name", R"(auth:
  tokens:
    - name: ""
      sha256: e6d1eb763b783c3d9ccca522bd86540649633e219c610bfdf523ee2dd9c1e2d3
      org: $ORG_A
      role: viewer
)",
                 4, 13, "must not be empty"},
        AuthCase{"missing_org", token_a(kDigestKey + "      role: viewer\n"), 4, 7,
                 "missing required key `org`"},
        AuthCase{"missing_role", token_a(kDigestKey + "      org: $ORG_A\n"), 4, 7,
                 "missing required key `role`"},
        AuthCase{"unknown_role", token_a(kDigestKey + "      org: $ORG_A\n      role: admin\n"), 7,
                 13, "must be one of viewer, site_admin or org_admin, got `admin`"},
        AuthCase{"neither_digest_nor_file", token_a(kViewerOfAcme), 4, 7,
                 "a token needs `sha256` (the hex SHA-256 of the token) or `token_file`"},
        AuthCase{"digest_and_file", token_a(kDigestKey + kTokenFileKey + kViewerOfAcme), 6, 7,
                 "`sha256` and `token_file` are mutually exclusive; give only one"},
        AuthCase{"digest_too_short", token_a("      sha256: 5e88\n" + kViewerOfAcme), 5, 15,
                 "must be the SHA-256 of the token: 64 hexadecimal characters"},
        AuthCase{"digest_not_hex", R"(auth:
  tokens:
    - name: a
      sha256: z6d1eb763b783c3d9ccca522bd86540649633e219c610bfdf523ee2dd9c1e2d3
      org: $ORG_A
      role: viewer
)",
                 5, 15, "(got 64 characters)"},
        AuthCase{"token_file_missing",
                 token_a("      token_file: secrets/missing.token\n" + kViewerOfAcme), 5, 19,
                 "secrets/missing.token\": No such file or directory"},
        AuthCase{"token_file_empty",
                 token_a("      token_file: secrets/empty.token\n" + kViewerOfAcme), 5, 19,
                 "secrets/empty.token\" is empty"},
        AuthCase{"token_file_not_a_bearer_token",
                 token_a("      token_file: secrets/spaced.token\n" + kViewerOfAcme), 5, 19,
                 "the token holds characters a bearer token cannot carry"},
        AuthCase{"duplicate_name", R"(auth:
  tokens:
    - {name: a, sha256: e6d1eb763b783c3d9ccca522bd86540649633e219c610bfdf523ee2dd9c1e2d3, org: $ORG_A, role: viewer}
    - {name: a, token_file: secrets/ci.token, org: $ORG_A, role: viewer}
)",
                 5, 14, "duplicate token name \"a\" (already used at "},
        AuthCase{"same_token_twice", R"(auth:
  tokens:
    - name: by-digest
      sha256: E6D1EB763B783C3D9CCCA522BD86540649633E219C610BFDF523EE2DD9C1E2D3
      org: $ORG_A
      role: viewer
    - name: by-file
      token_file: secrets/noc.token
      org: $ORG_A
      role: org_admin
)",
                 9, 19, "this is the same token as \"by-digest\" (at "},
        AuthCase{"org_not_uuid", token_a(kTokenFileKey + "      org: acme\n      role: viewer\n"),
                 6, 12, "must be the UUID of an organization, got \"acme\""},
        AuthCase{"org_not_in_inventory",
                 token_a(kTokenFileKey +
                         "      org: 11111111-2222-4333-8444-555555555555\n      role: viewer\n"),
                 6, 12,
                 "unknown organization `11111111-2222-4333-8444-555555555555`: it is not defined "
                 "in any inventory file"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Sites, AuthRule,
    ::testing::Values(
        AuthCase{"sites_empty", R"(auth:
  tokens:
    - {name: a, token_file: secrets/noc.token, org: $ORG_A, role: viewer, sites: []}
)",
                 4, 112, "must not be empty; leave `sites` out to grant every site"},
        AuthCase{"sites_not_a_list", viewer_token_with("      sites: $SITE_HQ\n"), 8, 14,
                 "expected a list, got `a1b2c3d4-0000-4000-8000-000000000001`"},
        AuthCase{"site_not_uuid", viewer_token_with("      sites: [$SITE_HQ, hq]\n"), 8, 53,
                 "must be the UUID of a site, got \"hq\""},
        AuthCase{"site_twice",
                 viewer_token_with("      sites:\n        - $SITE_HQ\n        - "
                                   "A1B2C3D4-0000-4000-8000-000000000001\n"),
                 10, 11, "duplicate site `a1b2c3d4-0000-4000-8000-000000000001`"},
        AuthCase{"site_of_another_org",
                 viewer_token_with("      sites:\n        - $SITE_HQ\n        - $SITE_B\n"), 10, 11,
                 "`b1b2c3d4-0000-4000-8000-000000000001` is not a site of organization `ACME` (it "
                 "is a site of organization `Globex`)"},
        AuthCase{"site_is_a_device", viewer_token_with("      sites: [$SWITCH]\n"), 8, 15,
                 "`a1b2c3d4-0000-4000-8000-000000000101` is not a site of organization `ACME` (it "
                 "is a device of kind switch)"},
        AuthCase{"site_is_a_site_group", viewer_token_with("      sites: [$SITE_GROUP_EMEA]\n"), 8,
                 15, "is not a site of organization `ACME` (it is a site group)"},
        AuthCase{"site_unknown",
                 viewer_token_with("      sites: [c0000000-0000-4000-8000-000000000000]\n"), 8, 15,
                 "`c0000000-0000-4000-8000-000000000000` is not a site of organization `ACME`: no "
                 "inventory file defines it"}),
    testing::kCaseName);

INSTANTIATE_TEST_SUITE_P(
    Jwt, AuthRule,
    ::testing::Values(
        AuthCase{"no_key", "auth:\n  jwt:\n    issuer: https://idp.example\n", 4, 5,
                 "jwt needs `hs256_secret_file`, `rs256_public_key_file` or both"},
        AuthCase{"empty", "auth:\n  jwt:\n", 3, 3,
                 "jwt needs `hs256_secret_file`, `rs256_public_key_file` or both"},
        AuthCase{"unknown_key",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/hs.key\n    jwks_url: x\n", 5, 5,
                 "unknown key `jwks_url`; allowed keys: hs256_secret_file, rs256_public_key_file, "
                 "issuer, audience, claims"},
        AuthCase{"inline_secret_is_not_a_key",
                 "auth:\n  jwt:\n    hs256_secret: abc\n    hs256_secret_file: secrets/hs.key\n", 4,
                 5, "unknown key `hs256_secret`"},
        AuthCase{"hs256_file_missing", "auth:\n  jwt:\n    hs256_secret_file: secrets/nope.key\n",
                 4, 24, "cannot read hs256_secret_file \""},
        AuthCase{"hs256_file_empty", "auth:\n  jwt:\n    hs256_secret_file: secrets/empty.token\n",
                 4, 24, "is empty"},
        AuthCase{"hs256_secret_too_short",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/short.key\n", 4, 24,
                 "the secret has 16 bytes; HS256 needs at least 32 (RFC 7518 section 3.2)"},
        AuthCase{"hs256_secret_is_a_pem_key",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/pem-as-secret.key\n", 4, 24,
                 "holds a PEM key; an HS256 secret is random bytes"},
        AuthCase{"rs256_file_missing", "auth:\n  jwt:\n    rs256_public_key_file: keys/nope.pem\n",
                 4, 28, "cannot read rs256_public_key_file \""},
        AuthCase{"rs256_private_key",
                 "auth:\n  jwt:\n    rs256_public_key_file: keys/private.pem\n", 4, 28,
                 "holds a private key; give the public key only"},
        AuthCase{"rs256_not_pem", "auth:\n  jwt:\n    rs256_public_key_file: keys/garbage.pem\n", 4,
                 28, "is not a PEM public key (a file starting with -----BEGIN PUBLIC KEY-----)"},
        AuthCase{"rs256_not_rsa", "auth:\n  jwt:\n    rs256_public_key_file: keys/ec.pem\n", 4, 28,
                 "holds a public key that is not RSA; RS256 needs an RSA key"},
        AuthCase{"rs256_key_too_small",
                 "auth:\n  jwt:\n    rs256_public_key_file: keys/rsa1024.pem\n", 4, 28,
                 "holds a 1024-bit RSA key; RS256 needs at least 2048 bits"},
        AuthCase{"issuer_empty",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/hs.key\n    issuer: \"\"\n", 5, 13,
                 "must not be empty"},
        AuthCase{"audience_list",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/hs.key\n    audience: [a, b]\n", 5,
                 15, "expected a string, got a list"},
        AuthCase{"claims_unknown_key",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/hs.key\n    claims: {org: o, "
                 "name: n}\n",
                 5, 22, "unknown key `name`; allowed keys: org, role, sites"},
        AuthCase{"claims_empty_name",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/hs.key\n    claims: {role: \"\"}\n",
                 5, 20, "must not be empty"},
        AuthCase{"claims_same_claim_twice",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/hs.key\n    claims: {org: tenant, "
                 "role: tenant}\n",
                 5, 33,
                 "claim \"tenant\" is already read for `org`; each of org, role and sites needs "
                 "its own claim"},
        AuthCase{"claims_clash_with_a_default",
                 "auth:\n  jwt:\n    hs256_secret_file: secrets/hs.key\n    claims: {sites: org}\n",
                 5, 21,
                 "claim \"org\" is the default claim of `org`; set claims.org to another claim as "
                 "well"}),
    testing::kCaseName);

TEST_F(AuthConfigFixture, SameTokenTwiceNamesTheFirstPlace) {
  const LoadResult result = load_auth(R"(auth:
  tokens:
    - {name: first, token_file: secrets/noc.token, org: $ORG_A, role: viewer}
    - {name: second, sha256: e6d1eb763b783c3d9ccca522bd86540649633e219c610bfdf523ee2dd9c1e2d3, org: $ORG_A, role: viewer}
)");
  ASSERT_EQ(result.diagnostics.size(), 1u) << dump(result.diagnostics);
  EXPECT_TRUE(std::string_view(result.diagnostics[0].message)
                  .ends_with("slamon.yml:4); every token must be different"))
      << dump(result.diagnostics);
  EXPECT_TRUE(has_diagnostic(result, "slamon.yml", 5, 30, "the same token as \"first\""));
}

// ---- secrets stay secret ---------------------------------------------------------------------

TEST_F(AuthConfigFixture, DiagnosticsNeverShowTokensDigestsOrSecrets) {
  dir_.write("secrets/bad.token", "super secret token\n");
  dir_.write("secrets/weak.key", "weak-hs-secret\n");
  const LoadResult result = load_auth(R"(auth:
  tokens:
    - name: a
      sha256: e6d1eb763b783c3d9ccca522bd86540649633e219c610bfdf523ee2dd9c1e2d3
      org: $ORG_A
      role: viewer
    - name: b
      token_file: secrets/noc.token
      org: $ORG_A
      role: viewer
    - name: c
      token_file: secrets/bad.token
      org: $ORG_A
      role: viewer
    - name: d
      sha256: e6d1eb763b783c3d9ccca522bd86540649633e219c610bfdf523ee2dd9c1e2d
      org: $ORG_A
      role: viewer
  jwt:
    hs256_secret_file: secrets/weak.key
)");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.diagnostics.size(), 4u) << dump(result.diagnostics);
  for (const Diagnostic& d : result.diagnostics) {
    const std::string text = d.to_string();
    for (std::string_view secret :
         {std::string_view("e6d1eb76"), kNocTokenDigest.substr(20, 20),
          std::string_view("noc-token-1"), std::string_view("super secret"),
          std::string_view("weak-hs-secret")}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace slamon
