// ListenAddress: a --web.listen-address value ("0.0.0.0:9877", "127.0.0.1:0", "[::1]:9877",
// ":9877", "localhost:9877") checked and split before it reaches the web server, so a typo
// is reported as such rather than as a bind failure. Plain values; thread-safe as values are.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace slamon::http {

struct ListenAddress {
  enum class Family { any, ipv4, ipv6 };
  Family family = Family::any;  // any = every interface (":9877")
  std::string host;             // numeric address without brackets; empty for `any`
  int port = 0;                 // 0 = let the kernel choose

  // "127.0.0.1:9877", "[::1]:9877", ":9877".
  std::string to_string() const;
};

// Accepts HOST:PORT where HOST is empty, an IPv4 literal, a bracketed IPv6 literal or
// "localhost" (taken as 127.0.0.1), and PORT is 0..65535.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace slamon::http
