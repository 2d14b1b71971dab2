#include "common/uuid.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace slamon {
namespace {

std::string format_uuid(const std::array<std::uint8_t, 16>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<std::uint8_t, 16> parse_uuid(std::string_view text) {
  std::array<std::uint8_t, 16> out{};
  std::size_t byte = 0;
  for (std::size_t i = 0; i < text.size() && byte < 16;) {
    if (text[i] == '-') {
      ++i;
      continue;
    }
    out[byte++] = static_cast<std::uint8_t>(hex_value(text[i]) << 4 | hex_value(text[i + 1]));
    i += 2;
  }
  return out;
}

}  // namespace

std::string uuid_v4() {
  std::array<std::uint8_t, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the system random generator failed");
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  return format_uuid(bytes);
}

std::string uuid_v5(std::string_view namespace_uuid, std::string_view name) {
  const auto ns = parse_uuid(namespace_uuid);
  std::string input(reinterpret_cast<const char*>(ns.data()), ns.size());
  input.append(name);
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &digest_len, EVP_sha1(), nullptr) !=
      1) {
    throw std::runtime_error("SHA-1 is unavailable");
  }
  std::array<std::uint8_t, 16> bytes{};
  std::copy_n(digest.begin(), 16, bytes.begin());
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x50);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  return format_uuid(bytes);
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : hex_value(text[i]) < 0) return false;
  }
  return true;
}

}  // namespace slamon
