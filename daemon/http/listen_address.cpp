#include "http/listen_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace slamon::http {

std::string ListenAddress::to_string() const {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on `":" + std::to_string(...)`.
  std::string out;
  switch (family) {
    case Family::any:
      break;
    case Family::ipv4:
      out = host;
      break;
    case Family::ipv6:
      out.append("[").append(host).append("]");
      break;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail("invalid listen address \"" + std::string(text) + "\": " + std::string(why));
  };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("expected HOST:PORT, e.g. 0.0.0.0:9877");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);

  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      port > 65535) {
    return bad("port must be a number from 0 to 65535");
  }

  ListenAddress address;
  address.port = port;
  if (host.empty()) return address;
  if (host == "localhost") {
    address.family = ListenAddress::Family::ipv4;
    address.host = "127.0.0.1";
    return address;
  }
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad("unterminated IPv6 address");
    std::string literal(host.substr(1, host.size() - 2));
    in6_addr parsed{};
    if (inet_pton(AF_INET6, literal.c_str(), &parsed) != 1) return bad("not an IPv6 address");
    address.family = ListenAddress::Family::ipv6;
    address.host = std::move(literal);
    return address;
  }
  std::string literal(host);
  in_addr parsed{};
  if (inet_pton(AF_INET, literal.c_str(), &parsed) != 1) {
    return bad("host must be an IP address, [IPv6 address], localhost or empty");
  }
  address.family = ListenAddress::Family::ipv4;
  address.host = std::move(literal);
  return address;
}

}  // namespace slamon::http
