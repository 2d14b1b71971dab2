#include "notify/text.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "common/html.h"
#include "common/strings.h"

namespace slamon::notify {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// The length of the valid UTF-8 sequence starting at `text[at]`, or 0 when it is invalid.
std::size_t sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(byte(i))) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMinimum[length] || code > 0x10FFFF) return 0;  // overlong or out of range
  if (code >= 0xD800 && code <= 0xDFFF) return 0;            // surrogate
  return length;
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = sequence_length(text, at);
    if (length == 0) {
      out += kReplacement;
      ++at;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes, bool ascii_ellipsis) {
  std::string valid = valid_utf8(text);
  if (valid.size() <= max_bytes) return valid;
  const std::string_view ellipsis = ascii_ellipsis ? "..." : "\xE2\x80\xA6";  // …
  const bool mark = max_bytes >= ellipsis.size();
  std::size_t cut = mark ? max_bytes - ellipsis.size() : max_bytes;
  while (cut > 0 && is_continuation(static_cast<unsigned char>(valid[cut]))) --cut;
  valid.resize(cut);
  if (mark) valid += ellipsis;
  return valid;
}

std::string single_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7F) ? ' ' : c;
  }
  return valid_utf8(trim(out, " "));
}

std::string slack_escape(std::string_view text) {
  // Slack's mrkdwn takes quotes literally: only its three control characters are entities.
  std::string out;
  out.reserve(text.size());
  append_html_escaped(out, text, EscapeQuotes::no);
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(std::max(written, 0)));
  return out;
}

std::string url_encode_component(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
        (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Small ratios keep more decimals than percentages and milliseconds need.
  const char* format = std::fabs(value) >= 1e6 ? "%.0f" : std::fabs(value) < 1 ? "%.6f" : "%.3f";
  std::array<char, 64> buffer{};
  const int written = std::snprintf(buffer.data(), buffer.size(), format, value);
  if (written <= 0 || static_cast<std::size_t>(written) >= buffer.size()) return "NaN";
  std::string_view text(buffer.data(), static_cast<std::size_t>(written));
  if (text.find('.') != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") return "0";
  return std::string(text);
}

}  // namespace slamon::notify
