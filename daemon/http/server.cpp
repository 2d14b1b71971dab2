#include "http/server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "common/log.h"
#include "http/listen_address.h"

namespace slamon::http {

namespace {

// civetweb reports why a start failed (e.g. "cannot bind to ...: Address already in use")
// only through its log callback, on the thread calling mg_start2; start() points this at a
// buffer for the duration of the call so the reason ends up in the returned error.
thread_local std::string* start_messages = nullptr;

int on_log_message(const mg_connection* /*connection*/, const char* message) {
  try {
    if (start_messages != nullptr) {
      if (start_messages->empty()) *start_messages = message;
    } else {
      log::warn("web server", {{"detail", message}});
    }
  } catch (...) {
    // Out of memory while logging; nothing may unwind into civetweb.
  }
  return 1;
}

void init_civetweb_once() {
  static std::once_flag once;
  // No feature bits: TLS is initialised when --web.config.file support arrives.
  std::call_once(once, [] { mg_init_library(0); });
}

HttpResponse internal_error() {
  return HttpResponse::error(500, "internal", "internal server error");
}

bool iequals(std::string_view a, std::string_view b) {
  CaseInsensitiveLess less;
  return !less(a, b) && !less(b, a);
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A handler that puts CR/LF into a header would let a client-influenced value split the
// response; such a response is a bug and is replaced by a 500.
bool valid_response(const HttpResponse& response) {
  if (response.status < 100 || response.status > 599) return false;
  return std::all_of(response.headers.begin(), response.headers.end(), [](const auto& header) {
    const auto& [name, value] = header;
    return !name.empty() && std::all_of(name.begin(), name.end(), is_token_char) &&
           value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
  });
}

void send_response(mg_connection* connection, const HttpResponse& response, bool head_only) {
  mg_response_header_start(connection, response.status);
  for (const auto& [name, value] : response.headers) {
    if (!iequals(name, "Content-Length")) {
      mg_response_header_add(connection, name.c_str(), value.c_str(),
                             static_cast<int>(value.size()));
    }
  }
  const std::string length = std::to_string(response.body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(),
                         static_cast<int>(length.size()));
  mg_response_header_send(connection);
  if (!head_only && !response.body.empty()) {
    mg_write(connection, response.body.data(), response.body.size());
  }
}

// Opens and closes one connection to the server's own listener. civetweb's master thread
// checks its stop flag only between poll() calls of up to 2 s (SOCKET_TIMEOUT_QUANTUM); an
// incoming connection ends the poll at once, so stop() takes milliseconds instead.
void poke_listener(const ListenAddress& address) {
  const bool ipv6 = address.family == ListenAddress::Family::ipv6;
  int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  timeval timeout{0, 100'000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (ipv6) {
    sockaddr_in6 peer{};
    peer.sin6_family = AF_INET6;
    peer.sin6_port = htons(static_cast<uint16_t>(address.port));
    ::inet_pton(AF_INET6, address.host == "::" ? "::1" : address.host.c_str(), &peer.sin6_addr);
    ::connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof peer);
  } else {
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(static_cast<uint16_t>(address.port));
    const bool wildcard = address.family == ListenAddress::Family::any || address.host == "0.0.0.0";
    ::inet_pton(AF_INET, wildcard ? "127.0.0.1" : address.host.c_str(), &peer.sin_addr);
    ::connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof peer);
  }
  ::close(fd);
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::handle(std::string_view method, std::string_view path_pattern, Handler handler) {
  if (running()) throw std::logic_error("routes cannot be added while the HTTP server runs");
  router_.handle(method, path_pattern, std::move(handler));
}

Status HttpServer::start() {
  if (running()) return fail("the HTTP server is already running");
  auto address = parse_listen_address(options_.listen_address);
  if (!address) return std::unexpected(address.error());
  if (options_.num_threads < 1) return fail("the HTTP server needs at least one thread");
  if (options_.request_timeout_ms < 1) return fail("the HTTP request timeout must be positive");

  const bool ipv6_supported = mg_check_feature(MG_FEATURES_IPV6) != 0;
  std::string ports;
  switch (address->family) {
    case ListenAddress::Family::any:
      // "+PORT" is civetweb for IPv4 and IPv6 on every interface.
      ports = (ipv6_supported ? "+" : "") + std::to_string(address->port);
      break;
    case ListenAddress::Family::ipv4:
      ports = address->to_string();
      break;
    case ListenAddress::Family::ipv6:
      if (!ipv6_supported) {
        return fail("cannot listen on " + address->to_string() +
                    ": the installed civetweb library was built without IPv6 support");
      }
      ports = address->to_string();
      break;
  }

  const std::string threads = std::to_string(options_.num_threads);
  const std::string timeout = std::to_string(options_.request_timeout_ms);
  // clang-format off
  std::array<const char*, 17> civetweb_options{
      "listening_ports", ports.c_str(),
      "num_threads", threads.c_str(),
      "request_timeout_ms", timeout.c_str(),
      "enable_keep_alive", "yes",
      // civetweb sends each header line with its own send(); with Nagle's algorithm the body
      // then waits for the peer's delayed ACK (~40 ms) on every kept-alive response.
      "tcp_nodelay", "1",
      "enable_directory_listing", "no",
      // Routes see the raw path so an encoded "/" stays inside a path parameter.
      "decode_url", "no",
      // No cross-origin access to the API unless a later option asks for it.
      "access_control_allow_origin", "",
      nullptr};
  // clang-format on

  init_civetweb_once();
  mg_callbacks callbacks{};
  callbacks.log_message = on_log_message;
  mg_init_data init{&callbacks, nullptr, civetweb_options.data()};
  std::array<char, 256> error_text{};
  unsigned error_code = 0;
  mg_error_data error{&error_code, error_text.data(), error_text.size()};

  std::string first_message;
  start_messages = &first_message;
  mg_context* context = mg_start2(&init, &error);
  start_messages = nullptr;
  if (context == nullptr) {
    std::string reason = !first_message.empty() ? first_message : std::string(error_text.data());
    if (reason.empty()) reason = "unknown error";
    return fail("cannot start the HTTP server on " + options_.listen_address + ": " + reason);
  }

  mg_set_request_handler(context, "/", &HttpServer::on_request, this);
  std::array<mg_server_port, 4> bound{};
  int count = mg_get_server_ports(context, static_cast<int>(bound.size()), bound.data());
  if (count < 1) {
    mg_stop(context);
    return fail("cannot start the HTTP server on " + options_.listen_address +
                ": no listening port after start");
  }
  context_ = context;
  port_ = bound[0].port;
  address_ = *address;
  address_.port = port_;
  log::info("HTTP server listening", {{"address", options_.listen_address}, {"port", port_}});
  return {};
}

void HttpServer::stop() {
  if (context_ == nullptr) return;
  mg_context* context = std::exchange(context_, nullptr);
  std::future<void> stopped;
  try {
    stopped = std::async(std::launch::async, [context] { mg_stop(context); });
  } catch (const std::system_error&) {
    mg_stop(context);  // no thread to spare: stop the slow way
  }
  // Poked until mg_stop returns: a poke that lands before mg_stop has raised its flag only
  // restarts the master thread's poll, so one poke is not always enough.
  while (stopped.valid() &&
         stopped.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
    poke_listener(address_);
  }
  port_ = 0;
}

int HttpServer::on_request(mg_connection* connection, void* server) {
  return static_cast<const HttpServer*>(server)->serve(connection);
}

int HttpServer::serve(mg_connection* connection) const {
  // Nothing may escape into civetweb's C frames.
  try {
    HttpRequest request;
    HttpResponse response;
    try {
      response = dispatch(connection, request);
      if (!valid_response(response)) {
        log::error(
            "HTTP handler returned an invalid response",
            {{"method", request.method}, {"path", request.path}, {"status", response.status}});
        response = internal_error();
      }
    } catch (const std::exception& e) {
      log::error("HTTP handler failed",
                 {{"method", request.method}, {"path", request.path}, {"error", e.what()}});
      response = internal_error();
    } catch (...) {
      log::error(
          "HTTP handler failed",
          {{"method", request.method}, {"path", request.path}, {"error", "unknown exception"}});
      response = internal_error();
    }
    send_response(connection, response, request.method == "HEAD");
    return response.status;
  } catch (...) {
    // Out of memory while building or sending: drop the connection rather than hang it.
    mg_disable_connection_keep_alive(connection);
    return 500;
  }
}

HttpResponse HttpServer::dispatch(mg_connection* connection, HttpRequest& request) const {
  const mg_request_info* info = mg_get_request_info(connection);
  request.method = info->request_method != nullptr ? info->request_method : "";
  const char* raw = info->local_uri_raw != nullptr ? info->local_uri_raw : info->request_uri;
  const std::string_view raw_path = raw != nullptr ? raw : "";
  request.path = url_decode(raw_path, false);
  if (info->query_string != nullptr) request.query_params = parse_query_string(info->query_string);
  for (int i = 0; i < info->num_headers; ++i) {
    const mg_header& header = info->http_headers[i];
    if (header.name != nullptr)
      request.headers.emplace(header.name, header.value ? header.value : "");
  }
  request.remote_address = info->remote_addr;
  request.remote_port = info->remote_port;

  auto too_large = [&] {
    return HttpResponse::error(
        413, "payload_too_large",
        "request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
  };
  // Refused before reading a byte of it; closing the connection spares civetweb from
  // draining the unread body to keep the connection alive.
  if (info->content_length > 0 &&
      static_cast<unsigned long long>(info->content_length) > options_.max_body_bytes) {
    mg_disable_connection_keep_alive(connection);
    return too_large();
  }

  Router::Match match = router_.match(request.method, raw_path);
  if (std::holds_alternative<Router::NotFound>(match)) {
    return HttpResponse::error(404, "not_found", "no such endpoint: " + request.path);
  }
  if (auto* not_allowed = std::get_if<Router::MethodNotAllowed>(&match)) {
    HttpResponse response =
        HttpResponse::error(405, "method_not_allowed",
                            "method " + request.method + " is not allowed for " + request.path);
    response.headers.emplace("Allow", not_allowed->allow);
    return response;
  }
  auto& found = std::get<Router::Found>(match);

  // Without a Content-Length (chunked upload) the size is known only while reading.
  std::array<char, 16 * 1024> buffer;
  if (info->content_length > 0)
    request.body.reserve(static_cast<std::size_t>(info->content_length));
  while (true) {
    int n = mg_read(connection, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      mg_disable_connection_keep_alive(connection);
      return HttpResponse::error(400, "bad_request", "the request body could not be read");
    }
    if (request.body.size() + static_cast<std::size_t>(n) > options_.max_body_bytes) {
      mg_disable_connection_keep_alive(connection);
      return too_large();
    }
    request.body.append(buffer.data(), static_cast<std::size_t>(n));
  }

  request.path_params = std::move(found.path_params);
  return (*found.handler)(request);
}

}  // namespace slamon::http
