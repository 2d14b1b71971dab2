// A small, generic HTTP(S) client over libcurl for sources and notifiers: one request per
// call (its own easy handle, so calls are thread-safe and share nothing), total and connect
// timeouts, Authorization header or basic auth, TLS files, a response size cap, no redirects,
// http/https only. Failures are Errors that name who asked (`context`), the method and the URL
// without userinfo, query or fragment (no URL at all when `url_is_secret`), and never carry a
// credential.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace slamon {

enum class HttpMethod { get, post };

std::string_view to_string(HttpMethod method);

struct HttpAuth {
  // Sent as `Authorization: <type> <credentials>` when credentials are set; type defaults to
  // Bearer (the Prometheus `authorization:` block).
  std::string authorization_type;
  std::string authorization_credentials;
  // HTTP basic auth when the username is set.
  std::string basic_username;
  std::string basic_password;
};

struct HttpTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure_skip_verify = false;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::size_t kDefaultMaxResponseBytes = 64u * 1024u * 1024u;

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;
  HttpHeaders headers;  // extra request headers; values must not contain line breaks
  std::string body;     // sent for POST
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};          // whole request
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};  // capped at `timeout`
  HttpAuth auth;
  HttpTls tls;
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;
  // Who is asking, prefixed to error messages, e.g. `source "prom"`. Must hold no secret.
  std::string context;
  // The whole URL is a secret (a Slack or Teams webhook carries its token in the path): error
  // messages then name no URL at all, and any part of it libcurl echoes is redacted.
  bool url_is_secret = false;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  HttpHeaders headers;  // names lower-cased, in the order received
  std::chrono::steady_clock::duration elapsed{};

  // The first header named `name` (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

// Performs one request. Any HTTP status is a response; only transport failures (refused,
// unresolvable, TLS, timeout, oversize body, bad URL) are Errors.
Result<HttpResponse> http_send(const HttpRequest& request);

// `url` reduced to scheme://host[:port]/path: no userinfo, query or fragment. Safe to log.
std::string redact_url(std::string_view url);

// application/x-www-form-urlencoded encoding of `fields`.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// Copies a configured client's credentials and TLS settings into a request.
void apply_client_config(const HttpClientConfig& config, HttpRequest& request);

// A duration in seconds as people write it: 0.2, 30, 1.5.
std::string format_seconds(std::chrono::milliseconds d);

}  // namespace slamon
