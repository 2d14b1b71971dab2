// Reading of `auth:` (SPEC §8): static bearer tokens, kept only as SHA-256 digests, and the keys
// JWTs are verified with. No diagnostic carries a token, a digest, a secret or a key.
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <stdexcept>

#include "common/bearer_token.h"
#include "common/strings.h"
#include "config/loader_internal.h"

namespace slamon::config_detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kAuthKeys{"tokens"sv, "jwt"sv};
constexpr std::array kTokenKeys{"name"sv, "sha256"sv, "token_file"sv, "org"sv, "role"sv, "sites"sv};
constexpr std::array kJwtKeys{"hs256_secret_file"sv, "rs256_public_key_file"sv, "issuer"sv,
                              "audience"sv, "claims"sv};
constexpr std::array kClaimKeys{"org"sv, "role"sv, "sites"sv};
constexpr std::array kRoles{"viewer"sv, "site_admin"sv, "org_admin"sv};

constexpr std::size_t kSha256HexLength = 64;
// RFC 7518 §3.2: an HS256 key at least as long as the hash output; §3.3: RSA keys of 2048 bits.
constexpr std::size_t kMinHs256SecretBytes = 32;
constexpr int kMinRsaKeyBits = 2048;

// Overwrites a plaintext token or secret once it is no longer needed (best effort: the file
// reader's buffers are not covered), so that it does not linger in freed memory.
class Scrubbed {
 public:
  explicit Scrubbed(std::string value) : value_(std::move(value)) {}
  ~Scrubbed() {
    if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
  }
  Scrubbed(const Scrubbed&) = delete;
  Scrubbed& operator=(const Scrubbed&) = delete;
  const std::string& get() const { return value_; }

 private:
  std::string value_;
};

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string_view key_of(const Field& field) {
  const std::string_view path = field.path;
  const std::size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// The content of the file a `*_file` key names (relative to base_dir), trailing newlines
// removed; an unreadable or empty file is reported, naming the file and never its content.
std::optional<std::string> read_secret_file(const Reporter& r, const Field& field,
                                            const std::filesystem::path& base_dir) {
  const auto name = read_nonempty_string(r, field);
  if (!name) return std::nullopt;
  const std::filesystem::path path = resolve_path(base_dir, *name);
  auto content = read_file(path, kMaxSecretFileBytes);
  if (!content) {
    r.error(field.value_mark, field.path,
            "cannot read " + std::string(key_of(field)) + " \"" + path.string() +
                "\": " + content.error().message);
    return std::nullopt;
  }
  while (!content->empty() && (content->back() == '\n' || content->back() == '\r')) {
    content->pop_back();
  }
  if (content->empty()) {
    r.error(field.value_mark, field.path, "\"" + path.string() + "\" is empty");
    return std::nullopt;
  }
  return std::move(*content);
}

// Why `pem` cannot verify RS256 signatures, or nullopt when it can. libjwt reads the key the
// same way (PEM_read_bio_PUBKEY), so a key accepted here is one it accepts.
std::optional<std::string> rsa_public_key_problem(const std::string& pem) {
  const std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) throw std::bad_alloc();
  const std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    if (pem.find("PRIVATE KEY-----") != std::string::npos) {
      return "holds a private key; give the public key only (`openssl pkey -in KEY -pubout`)";
    }
    return "is not a PEM public key (a file starting with -----BEGIN PUBLIC KEY-----)";
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return "holds a public key that is not RSA; RS256 needs an RSA key";
  }
  if (const int bits = EVP_PKEY_get_bits(key.get()); bits < kMinRsaKeyBits) {
    return "holds a " + std::to_string(bits) + "-bit RSA key; RS256 needs at least " +
           std::to_string(kMinRsaKeyBits) + " bits (RFC 7518 section 3.3)";
  }
  return std::nullopt;
}

struct TokenTables {
  std::map<std::string, Location> names;
  std::map<std::string, std::pair<std::string, Location>> digests;  // digest -> (name, where)
};

// The token's digest, from `sha256` or `token_file` (exactly one of them).
std::optional<std::string> read_digest(const Reporter& r, const MapReader& map, const Field& item,
                                       const std::filesystem::path& base_dir) {
  const auto sha256 = map.get("sha256");
  const auto token_file = map.get("token_file");
  if (sha256 && token_file) {
    r.error(token_file->key_mark, token_file->path,
            "`sha256` and `token_file` are mutually exclusive; give only one");
    return std::nullopt;
  }
  if (sha256) {
    const auto text = read_nonempty_string(r, *sha256);
    if (!text) return std::nullopt;
    if (text->size() != kSha256HexLength || !is_hex(*text)) {
      r.error(sha256->value_mark, sha256->path,
              "must be the SHA-256 of the token: 64 hexadecimal characters, as printed by "
              "`printf %s TOKEN | sha256sum` (got " +
                  std::to_string(text->size()) + " characters)");
      return std::nullopt;
    }
    return to_lower_ascii(*text);
  }
  if (token_file) {
    auto content = read_secret_file(r, *token_file, base_dir);
    if (!content) return std::nullopt;
    const Scrubbed token(std::move(*content));
    if (!is_b64token(token.get())) {
      r.error(token_file->value_mark, token_file->path,
              "the token holds characters a bearer token cannot carry; use letters, digits and "
              "- . _ ~ + / (with = only at the end), as `openssl rand -hex 32` prints");
      return std::nullopt;
    }
    return sha256_hex(token.get());
  }
  if (map.ok()) {
    r.error(item.value_mark, join_path(item.path, "sha256"),
            "a token needs `sha256` (the hex SHA-256 of the token) or `token_file` (a file "
            "holding the token)");
  }
  return std::nullopt;
}

// The site grant: UUIDs in lower case, each once; the fields are kept for the inventory check.
std::optional<std::vector<std::string>> read_sites(const Reporter& r, const Field& field,
                                                   std::vector<Field>& where) {
  const auto items = read_list(r, field);
  if (!items) return std::nullopt;
  if (items->empty()) {
    r.error(field.value_mark, field.path,
            "must not be empty; leave `sites` out to grant every site of the organization");
    return std::nullopt;
  }
  std::vector<std::string> sites;
  for (const Field& item : *items) {
    const auto text = read_nonempty_string(r, item);
    if (!text) continue;
    const auto id = canonical_uuid(*text);
    if (!id) {
      r.error(item.value_mark, item.path, "must be the UUID of a site, got \"" + *text + "\"");
      continue;
    }
    if (std::find(sites.begin(), sites.end(), *id) != sites.end()) {
      r.error(item.value_mark, item.path, "duplicate site `" + *id + "`");
      continue;
    }
    sites.push_back(*id);
    where.push_back(item);
  }
  return sites;
}

void read_token(const Reporter& r, const Field& item, const std::filesystem::path& base_dir,
                AuthConfig& auth, AuthReferences& references, TokenTables& tables) {
  if (!item.value.IsDefined() || item.value.IsNull()) {
    r.error(item.value_mark, item.path, "expected a token (a map), got nothing");
    return;
  }
  const MapReader map(r, item, kTokenKeys);
  if (!map.ok()) return;
  TokenConfig token;
  if (auto f = map.require("name")) {
    if (auto name = read_nonempty_string(r, *f)) {
      const auto [existing, inserted] = tables.names.emplace(*name, location_of(r, f->value_mark));
      if (!inserted) {
        r.error(f->value_mark, f->path,
                "duplicate token name \"" + *name + "\" (already used at " +
                    existing->second.describe() + ")");
      }
      token.name = std::move(*name);
    }
  }

  if (auto digest = read_digest(r, map, item, base_dir)) {
    const Field at = map.has("sha256") ? *map.get("sha256") : *map.get("token_file");
    const auto [existing, inserted] =
        tables.digests.emplace(*digest, std::pair{token.name, location_of(r, at.value_mark)});
    if (!inserted) {
      // Appended piece by piece: GCC 12 warns falsely (-Wdangling-pointer) on the `+` chain.
      std::string message = "this is the same token as \"";
      message.append(existing->second.first).append("\" (at ");
      message.append(existing->second.second.describe()).append("); every token must be different");
      r.error(at.value_mark, at.path, message);
    }
    token.sha256_hex = std::move(*digest);
  }

  std::optional<Field> org_field;
  if (auto f = map.require("org")) {
    if (auto text = read_nonempty_string(r, *f)) {
      if (auto org = canonical_uuid(*text)) {
        token.org = *org;
        org_field = *f;
      } else {
        r.error(f->value_mark, f->path,
                "must be the UUID of an organization, got \"" + *text + "\"");
      }
    }
  }

  if (auto f = map.require("role")) {
    if (auto role = read_choice(r, *f, kRoles)) token.role = *parse_role(*role);
  }

  std::vector<Field> site_fields;
  if (auto f = map.get("sites")) token.sites = read_sites(r, *f, site_fields);

  if (org_field) {
    references.push_back(
        TokenReference{auth.tokens.size(), std::move(*org_field), std::move(site_fields)});
  }
  auth.tokens.push_back(std::move(token));
}

void read_claims(const Reporter& r, const Field& field, JwtConfig& jwt) {
  const MapReader map(r, field, kClaimKeys);
  std::map<std::string, std::string> claimed;  // claim name -> the key that named it first
  const auto read_claim = [&](std::string_view key, std::string& out) {
    const auto f = map.get(key);
    if (!f) return;
    auto name = read_nonempty_string(r, *f);
    if (!name) return;
    const auto [existing, inserted] = claimed.emplace(*name, std::string(key));
    if (!inserted) {
      r.error(f->value_mark, f->path,
              "claim \"" + *name + "\" is already read for `" + existing->second +
                  "`; each of org, role and sites needs its own claim");
      return;
    }
    out = std::move(*name);
  };
  read_claim("org", jwt.org_claim);
  read_claim("role", jwt.role_claim);
  read_claim("sites", jwt.sites_claim);
  // Defaults take part in the clash check too: {role: org} would read `org` twice.
  for (const auto& [key, name] :
       {std::pair{"org"sv, &jwt.org_claim}, std::pair{"role"sv, &jwt.role_claim},
        std::pair{"sites"sv, &jwt.sites_claim}}) {
    if (map.has(key)) continue;
    if (const auto clash = claimed.find(*name); clash != claimed.end()) {
      const Field f = *map.get(clash->second);
      r.error(f.value_mark, f.path,
              "claim \"" + *name + "\" is the default claim of `" + std::string(key) +
                  "`; set claims." + std::string(key) + " to another claim as well");
    }
  }
}

void read_jwt(const Reporter& r, const Field& field, const std::filesystem::path& base_dir,
              AuthConfig& auth) {
  const MapReader map(r, field, kJwtKeys);
  if (!map.ok()) return;
  JwtConfig jwt;
  const auto hs256 = map.get("hs256_secret_file");
  const auto rs256 = map.get("rs256_public_key_file");
  if (!hs256 && !rs256) {
    r.error(field.value_mark, field.path,
            "jwt needs `hs256_secret_file`, `rs256_public_key_file` or both: the keys tokens are "
            "verified with");
  }
  if (hs256) {
    if (auto secret = read_secret_file(r, *hs256, base_dir)) {
      const Scrubbed scrubbed(std::move(*secret));
      if (scrubbed.get().find("-----BEGIN") != std::string::npos) {
        r.error(hs256->value_mark, hs256->path,
                "holds a PEM key; an HS256 secret is random bytes known only to slamon and the "
                "token issuer (an RSA public key goes to `rs256_public_key_file`)");
      } else if (scrubbed.get().size() < kMinHs256SecretBytes) {
        r.error(hs256->value_mark, hs256->path,
                "the secret has " + std::to_string(scrubbed.get().size()) +
                    " bytes; HS256 needs at least " + std::to_string(kMinHs256SecretBytes) +
                    " (RFC 7518 section 3.2), such as `openssl rand -hex 32` prints");
      } else {
        jwt.hs256_secret = scrubbed.get();
      }
    }
  }
  if (rs256) {
    if (auto pem = read_secret_file(r, *rs256, base_dir)) {
      if (auto problem = rsa_public_key_problem(*pem)) {
        r.error(rs256->value_mark, rs256->path, std::move(*problem));
      } else {
        jwt.rs256_public_key_pem = std::move(*pem);
      }
    }
  }
  if (auto f = map.get("issuer")) jwt.issuer = read_nonempty_string(r, *f).value_or("");
  if (auto f = map.get("audience")) jwt.audience = read_nonempty_string(r, *f).value_or("");
  if (auto f = map.get("claims")) read_claims(r, *f, jwt);
  auth.jwt = std::move(jwt);
}

std::string organization_name(const Inventory& inventory, const std::string& id) {
  const Organization* org = inventory.organization(id);
  return org != nullptr ? org->name : id;
}

}  // namespace

AuthReferences read_auth(const Reporter& r, const Field& field,
                         const std::filesystem::path& base_dir, AuthConfig& auth) {
  AuthReferences references;
  const MapReader map(r, field, kAuthKeys);
  if (!map.ok()) return references;
  if (auto f = map.get("tokens")) {
    if (auto items = read_list(r, *f)) {
      TokenTables tables;
      for (const Field& item : *items) read_token(r, item, base_dir, auth, references, tables);
    }
  }
  if (auto f = map.get("jwt")) read_jwt(r, *f, base_dir, auth);
  return references;
}

void check_auth_references(const Reporter& r, const AuthReferences& references,
                           const Config& config) {
  const Inventory& inventory = config.inventory;
  for (const TokenReference& reference : references) {
    const TokenConfig& token = config.auth.tokens.at(reference.token);
    if (inventory.organization(token.org) == nullptr) {
      r.error(reference.org.value_mark, reference.org.path,
              "unknown organization `" + token.org + "`: it is not defined in any inventory file");
      continue;
    }
    if (!token.sites) continue;
    for (std::size_t i = 0; i < reference.sites.size() && i < token.sites->size(); ++i) {
      const std::string& site = (*token.sites)[i];
      const EntityRef* entity = inventory.entity(site);
      if (entity != nullptr && entity->kind == Scope::site && entity->org == token.org) continue;
      std::string message = "`" + site + "` is not a site of organization `" +
                            organization_name(inventory, token.org) + "`";
      if (entity != nullptr && entity->kind == Scope::site) {
        message +=
            " (it is a site of organization `" + organization_name(inventory, entity->org) + "`)";
      } else if (const Device* device = inventory.device(site); device != nullptr) {
        message += " (it is a device of kind " + std::string(to_string(device->kind)) + ")";
      } else if (entity != nullptr) {
        message += " (it is " + std::string(entity->kind == Scope::organization ? "an " : "a ") +
                   kind_name(entity->kind) + ")";
      } else {
        message += ": no inventory file defines it";
      }
      r.error(reference.sites[i].value_mark, reference.sites[i].path, std::move(message));
    }
  }
}

}  // namespace slamon::config_detail
