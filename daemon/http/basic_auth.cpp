#include "http/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <utility>

#include "common/strings.h"

namespace slamon::http {

namespace {

// RFC 4648 base64 with padding, as RFC 7617 sends it; nullopt for anything else.
std::optional<std::string> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::array<int, 4> values{};
    for (std::size_t j = 0; j < 4; ++j) {
      const bool pad = last && j >= 4 - padding;
      values[j] = pad ? 0 : value_of(text[i + j]);
      if (values[j] < 0) return std::nullopt;
    }
    const unsigned bits =
        (static_cast<unsigned>(values[0]) << 18) | (static_cast<unsigned>(values[1]) << 12) |
        (static_cast<unsigned>(values[2]) << 6) | static_cast<unsigned>(values[3]);
    out.push_back(static_cast<char>((bits >> 16) & 0xff));
    if (!(last && padding >= 2)) out.push_back(static_cast<char>((bits >> 8) & 0xff));
    if (!(last && padding >= 1)) out.push_back(static_cast<char>(bits & 0xff));
  }
  return out;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// SHA-256 of "user:password" (a user name holds no colon, so the pair is unambiguous).
std::string credentials_digest(std::string_view user, std::string_view password) {
  std::string input;
  input.reserve(user.size() + 1 + password.size());
  input.append(user).append(":").append(password);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  const bool hashed =
      EVP_Digest(input.data(), input.size(), digest.data(), &size, EVP_sha256(), nullptr) == 1;
  OPENSSL_cleanse(input.data(), input.size());
  if (!hashed) return {};
  return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

}  // namespace

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header_value) {
  auto trim = [](std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
  };
  header_value = trim(header_value);
  const std::size_t space = header_value.find_first_of(" \t");
  if (space == std::string_view::npos) return std::nullopt;
  if (!iequals_ascii(header_value.substr(0, space), "Basic")) return std::nullopt;
  auto decoded = decode_base64(trim(header_value.substr(space)));
  if (!decoded) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) {
    OPENSSL_cleanse(decoded->data(), decoded->size());
    return std::nullopt;
  }
  BasicCredentials credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return credentials;
}

bool bcrypt_matches(std::string_view password, const std::string& hash) {
  // crypt(3) reads a C string: a password with a NUL in it would be checked as its prefix.
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string phrase(password);
  // struct crypt_data is 32 KiB: too big for a worker's stack. Zeroed, as crypt_rn requires.
  auto data = std::make_unique<crypt_data>();
  const char* result = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  const bool matches = result != nullptr && equal_in_constant_time(result, hash);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return matches;
}

BasicAuthenticator::BasicAuthenticator(std::map<std::string, std::string, std::less<>> users)
    : users_(std::move(users)) {}

bool BasicAuthenticator::check(std::string_view authorization_header) const {
  auto credentials = parse_basic_authorization(authorization_header);
  if (!credentials) return false;
  const bool verified = verify(credentials->user, credentials->password);
  OPENSSL_cleanse(credentials->password.data(), credentials->password.size());
  return verified;
}

bool BasicAuthenticator::verify(std::string_view user, std::string_view password) const {
  if (users_.empty()) return false;
  const auto found = users_.find(user);
  if (found == users_.end()) {
    // An unknown user costs one bcrypt too, so response times do not tell which users exist.
    (void)bcrypt_matches(password, users_.begin()->second);
    return false;
  }
  const std::string& hash = found->second;
  const std::string digest = credentials_digest(user, password);
  if (!digest.empty()) {
    std::lock_guard lock(cache_mutex_);
    const auto cached = verified_.find(digest);
    if (cached != verified_.end() && equal_in_constant_time(cached->second, hash)) return true;
  }
  if (!bcrypt_matches(password, hash)) return false;
  if (!digest.empty()) {
    std::lock_guard lock(cache_mutex_);
    if (verified_.size() >= kMaxCached) verified_.clear();
    verified_.insert_or_assign(digest, hash);
  }
  return true;
}

}  // namespace slamon::http
