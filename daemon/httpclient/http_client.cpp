#include "httpclient/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <memory>

#include "common/strings.h"
#include "slamon/build_info.h"

namespace slamon {

namespace {

// curl_global_init must run once before any handle exists. It is deliberately never undone:
// curl_global_cleanup at exit could race with threads still finishing a request.
CURLcode ensure_curl_initialised() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code;
}

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

struct Transfer {
  std::string body;
  HttpHeaders headers;
  std::size_t max_body = 0;
  bool oversize = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->max_body) {
    transfer->oversize = true;
    return 0;  // anything but `bytes` aborts the transfer
  }
  transfer->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line = trim(std::string_view(data, bytes));
  if (line.starts_with("HTTP/")) {
    // A new status line (after an interim 1xx answer): keep only the final response's headers.
    transfer->headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    transfer->headers.emplace_back(to_lower_ascii(trim(line.substr(0, colon))),
                                   std::string(trim(line.substr(colon + 1))));
  }
  return bytes;
}

bool has_line_break(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_header_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// The parts of the URL that may hold secrets: userinfo and query.
std::vector<std::string> url_secrets(std::string_view url) {
  std::vector<std::string> secrets;
  const auto scheme_end = url.find("://");
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    secrets.emplace_back(authority.substr(0, at));
  }
  if (const auto query = url.find('?'); query != std::string_view::npos) {
    std::string_view q = url.substr(query + 1);
    q = q.substr(0, q.find('#'));
    if (!q.empty()) secrets.emplace_back(q);
  }
  return secrets;
}

// Removes every secret the request carries from a message built partly by libcurl.
std::string scrub(std::string message, const HttpRequest& request) {
  std::vector<std::string> secrets;
  if (request.url_is_secret) {
    // Longest first, so the URL is redacted whole before any shorter part of it.
    secrets.push_back(request.url);
    const std::string path = redact_url(request.url);
    if (const auto scheme_end = path.find("://"); scheme_end != std::string::npos) {
      if (const auto slash = path.find('/', scheme_end + 3);
          slash != std::string::npos && path.size() - slash > 1) {
        secrets.push_back(path);
        secrets.push_back(path.substr(slash));
      }
    }
  }
  for (auto& part : url_secrets(request.url)) secrets.push_back(std::move(part));
  secrets.push_back(request.auth.authorization_credentials);
  secrets.push_back(request.auth.basic_password);
  for (const auto& [name, value] : request.headers) {
    if (to_lower_ascii(name) == "authorization" || to_lower_ascii(name) == "cookie")
      secrets.push_back(value);
  }
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = message.find(secret); pos != std::string::npos;
         pos = message.find(secret, pos)) {
      message.replace(pos, secret.size(), "<redacted>");
      pos += 10;
    }
  }
  return message;
}

std::string where(const HttpRequest& request) {
  std::string text;
  if (!request.context.empty()) text = request.context + ": ";
  text += to_string(request.method);
  if (!request.url_is_secret) {
    text += ' ';
    text += redact_url(request.url);
  }
  return text;
}

std::unexpected<Error> request_error(const HttpRequest& request, std::string what) {
  return fail(where(request) + ": " + scrub(std::move(what), request));
}

template <typename T>
bool set(CURL* handle, CURLoption option, T value) {
  return curl_easy_setopt(handle, option, value) == CURLE_OK;
}

bool allow_only_http(CURL* handle) {
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0 replaced the bitmask options
  return set(handle, CURLOPT_PROTOCOLS_STR, "http,https") &&
         set(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  const long http_only = CURLPROTO_HTTP | CURLPROTO_HTTPS;
  return set(handle, CURLOPT_PROTOCOLS, http_only) &&
         set(handle, CURLOPT_REDIR_PROTOCOLS, http_only);
#endif
}

}  // namespace

std::string_view to_string(HttpMethod method) {
  switch (method) {
    case HttpMethod::get:
      return "GET";
    case HttpMethod::post:
      return "POST";
  }
  return "GET";
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string wanted = to_lower_ascii(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

std::string redact_url(std::string_view url) {
  std::string out;
  std::string_view rest = url;
  if (const auto scheme_end = url.find("://"); scheme_end != std::string_view::npos) {
    out = std::string(url.substr(0, scheme_end + 3));
    rest = url.substr(scheme_end + 3);
  }
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  out += authority;
  if (authority_end != std::string_view::npos) {
    const std::string_view path_and_more = rest.substr(authority_end);
    out += path_and_more.substr(0, path_and_more.find_first_of("?#"));
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  const auto encode = [](std::string& out, std::string_view text) {
    for (const unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 0x0F];
      }
    }
  };
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    encode(out, name);
    out += '=';
    encode(out, value);
  }
  return out;
}

void apply_client_config(const HttpClientConfig& config, HttpRequest& request) {
  request.auth.authorization_type = config.authorization_type;
  request.auth.authorization_credentials = config.authorization_credentials;
  request.auth.basic_username = config.basic_auth_username;
  request.auth.basic_password = config.basic_auth_password;
  if (config.tls) {
    request.tls.ca_file = config.tls->ca_file;
    request.tls.cert_file = config.tls->cert_file;
    request.tls.key_file = config.tls->key_file;
    request.tls.insecure_skip_verify = config.tls->insecure_skip_verify;
  }
}

std::string format_seconds(std::chrono::milliseconds d) {
  std::array<char, 32> buffer{};
  const double seconds = static_cast<double>(d.count()) / 1000.0;
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), seconds);
  if (ec != std::errc()) return std::to_string(seconds);
  return std::string(buffer.data(), end);
}

Result<HttpResponse> http_send(const HttpRequest& request) {
  if (ensure_curl_initialised() != CURLE_OK) {
    return request_error(request, "libcurl could not be initialised");
  }
  if (request.url.empty()) return request_error(request, "no URL");

  HeaderList headers;
  const auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) return false;
    static_cast<void>(headers.release());
    headers.reset(grown);
    return true;
  };
  for (const auto& [name, value] : request.headers) {
    if (!is_header_name(name)) return request_error(request, "invalid header name");
    if (has_line_break(value)) {
      return request_error(request, "header " + name + " contains a line break");
    }
    if (!add_header(name + ": " + value)) return request_error(request, "out of memory");
  }
  const bool use_authorization = !request.auth.authorization_credentials.empty();
  if (use_authorization) {
    const std::string type =
        request.auth.authorization_type.empty() ? "Bearer" : request.auth.authorization_type;
    if (!is_header_name(type) || has_line_break(request.auth.authorization_credentials)) {
      return request_error(request, "authorization type or credentials contain invalid characters");
    }
    if (!add_header("Authorization: " + type + " " + request.auth.authorization_credentials)) {
      return request_error(request, "out of memory");
    }
  }
  // curl would otherwise send `Expect: 100-continue` for larger bodies and wait for it.
  if (!add_header("Expect:")) return request_error(request, "out of memory");

  EasyHandle handle(curl_easy_init());
  if (!handle) return request_error(request, "libcurl could not create a handle");
  CURL* h = handle.get();

  Transfer transfer;
  transfer.max_body = request.max_response_bytes;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  const long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));
  const long connect_ms =
      std::clamp<long>(static_cast<long>(request.connect_timeout.count()), 1, timeout_ms);
  const std::string user_agent = std::string("slamon/") + build::kVersion;

  bool configured =
      set(h, CURLOPT_URL, request.url.c_str()) && allow_only_http(h) &&
      set(h, CURLOPT_FOLLOWLOCATION, 0L) && set(h, CURLOPT_NOSIGNAL, 1L) &&
      set(h, CURLOPT_TIMEOUT_MS, timeout_ms) && set(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) &&
      // Like Prometheus' own clients: no proxy unless configured (none is).
      set(h, CURLOPT_PROXY, "") && set(h, CURLOPT_ERRORBUFFER, error_buffer.data()) &&
      set(h, CURLOPT_WRITEFUNCTION, on_body) &&
      set(h, CURLOPT_WRITEDATA, static_cast<void*>(&transfer)) &&
      set(h, CURLOPT_HEADERFUNCTION, on_header) &&
      set(h, CURLOPT_HEADERDATA, static_cast<void*>(&transfer)) &&
      set(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_response_bytes)) &&
      set(h, CURLOPT_ACCEPT_ENCODING, "") && set(h, CURLOPT_USERAGENT, user_agent.c_str()) &&
      set(h, CURLOPT_HTTPHEADER, headers.get());
  if (configured && request.method == HttpMethod::post) {
    configured =
        set(h, CURLOPT_POST, 1L) &&
        set(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size())) &&
        set(h, CURLOPT_POSTFIELDS, request.body.data());
  }
  if (configured && !use_authorization && !request.auth.basic_username.empty()) {
    configured = set(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC)) &&
                 set(h, CURLOPT_USERNAME, request.auth.basic_username.c_str()) &&
                 set(h, CURLOPT_PASSWORD, request.auth.basic_password.c_str());
  }
  if (configured && !request.tls.ca_file.empty()) {
    configured = set(h, CURLOPT_CAINFO, request.tls.ca_file.c_str());
  }
  if (configured && !request.tls.cert_file.empty()) {
    configured = set(h, CURLOPT_SSLCERT, request.tls.cert_file.c_str());
  }
  if (configured && !request.tls.key_file.empty()) {
    configured = set(h, CURLOPT_SSLKEY, request.tls.key_file.c_str());
  }
  if (configured && request.tls.insecure_skip_verify) {
    configured = set(h, CURLOPT_SSL_VERIFYPEER, 0L) && set(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!configured) return request_error(request, "libcurl rejected an option");

  const auto started = std::chrono::steady_clock::now();
  const CURLcode code = curl_easy_perform(h);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  if (code != CURLE_OK) {
    if (transfer.oversize || code == CURLE_FILESIZE_EXCEEDED) {
      return request_error(request, "response body larger than " +
                                        std::to_string(request.max_response_bytes) + " bytes");
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
      curl_off_t connect_time = 0;
      curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_time);
      if (connect_time == 0 && connect_ms < timeout_ms) {
        return request_error(request, "timed out after " +
                                          format_seconds(std::chrono::milliseconds(connect_ms)) +
                                          " s while connecting");
      }
      return request_error(
          request,
          "timed out after " + format_seconds(std::chrono::milliseconds(timeout_ms)) + " s");
    }
    std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer.data())
                                                 : std::string(curl_easy_strerror(code));
    return request_error(request, std::string(trim(detail)));
  }

  HttpResponse response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(transfer.body);
  response.headers = std::move(transfer.headers);
  response.elapsed = elapsed;
  return response;
}

}  // namespace slamon
