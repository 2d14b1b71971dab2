// HttpRequest / HttpResponse: the plain values a route handler receives and returns, so
// handlers never see civetweb. Also the URL decoding and the SPEC §11 error body every
// endpoint shares. Plain values; thread-safe as values are.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace slamon::http {

// Orders header names ASCII-case-insensitively, as HTTP compares them.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// Header name → value; a name may repeat (e.g. several Set-Cookie or Accept lines).
using HeaderMap = std::multimap<std::string, std::string, CaseInsensitiveLess>;
// Decoded query parameter name → value; a name may repeat (?status=a&status=b).
using QueryParams = std::multimap<std::string, std::string, std::less<>>;
using PathParams = std::map<std::string, std::string, std::less<>>;

struct HttpRequest {
  std::string method;      // as sent, e.g. "GET"
  std::string path;        // percent-decoded, without the query string
  PathParams path_params;  // the `{name}` segments of the matched route, percent-decoded
  QueryParams query_params;
  HeaderMap headers;
  std::string body;
  std::string remote_address;  // the peer's IP address
  int remote_port = 0;

  // The first value of a header or query parameter, if present.
  std::optional<std::string_view> header(std::string_view name) const;
  std::optional<std::string_view> query(std::string_view name) const;
  // The value of a `{name}` segment; empty when the route has no such parameter.
  std::string_view path_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HeaderMap headers;  // Content-Length is set by the server; a handler's value is ignored
  std::string body;

  static HttpResponse text(int status, std::string body,
                           std::string_view content_type = "text/plain; charset=utf-8");
  static HttpResponse json(int status, std::string body);
  // The SPEC §11 error shape: {"error":{"code":...,"message":...}}.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";

// Percent-decodes `text`. With `plus_is_space` (query strings, forms) '+' becomes ' '.
// A malformed escape such as "%zz" or a trailing "%" is kept literally.
std::string url_decode(std::string_view text, bool plus_is_space);

// Splits "a=1&b=x%20y&flag" into decoded pairs; a name without '=' gets an empty value and
// empty pieces (from "&&") are skipped.
QueryParams parse_query_string(std::string_view query);

}  // namespace slamon::http
