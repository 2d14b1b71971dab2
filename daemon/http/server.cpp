#include "http/server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
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
#include "http/basic_auth.h"
#include "http/listen_address.h"
#include "http/tls_credentials.h"
#include "http/web_config.h"

// civetweb_openssl/: the libraries that let civetweb find OpenSSL 3 (see libssl_shim.c).
extern "C" int slamon_civetweb_libssl_shim(void);
extern "C" int slamon_civetweb_libcrypto_shim(void);

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

// Whether civetweb could load OpenSSL; it initialises once per process.
bool init_civetweb_once() {
  static std::once_flag once;
  static bool tls_ready = false;
  std::call_once(once, [] {
    // The shims must be loaded before civetweb looks for libssl.so and libcrypto.so.
    tls_ready = slamon_civetweb_libssl_shim() == 1 && slamon_civetweb_libcrypto_shim() == 1 &&
                (mg_init_library(MG_FEATURES_TLS) & MG_FEATURES_TLS) != 0;
  });
  return tls_ready;
}

// Whether a raw request path is under /api/, decided on the first segment as the router
// decodes it ("/%61pi/..." routes to /api/ too, so it is treated the same).
bool under_api(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return false;
  raw_path.remove_prefix(1);
  const std::size_t slash = raw_path.find('/');
  if (slash == std::string_view::npos) return false;
  return url_decode(raw_path.substr(0, slash), false) == "api";
}

HttpResponse unauthorized() {
  HttpResponse response = HttpResponse::text(401, "Unauthorized\n");
  response.headers.emplace("WWW-Authenticate", "Basic realm=\"slamon\"");
  return response;
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

// Descriptors beside the connections: the listeners, SQLite, notifier and Prometheus clients.
constexpr rlim_t kDescriptorsBesideConnections = 256;

// Every connection a worker holds is a descriptor. Past the open-files limit accept() fails
// and a fresh scrape stays in the kernel's queue however many workers are free, so a limit
// below the worker count (`slamon run` raises the soft limit to the hard one) is worth a line.
void warn_if_too_few_descriptors(int connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  const rlim_t wanted = static_cast<rlim_t>(connections) + kDescriptorsBesideConnections;
  if (limit.rlim_cur >= wanted) return;
  log::warn("the open-files limit is below what the HTTP workers can hold",
            {{"max_connections", connections},
             {"open_files_limit", static_cast<std::size_t>(limit.rlim_cur)},
             {"wanted", static_cast<std::size_t>(wanted)},
             {"hint", "raise LimitNOFILE (systemd) or ulimit -n, or lower --web.max-connections"}});
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

RouteRegistrar HttpServer::registrar() {
  return [this](std::string_view method, std::string_view pattern, Handler handler) {
    handle(method, pattern, std::move(handler));
  };
}

Status HttpServer::start() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (running()) return fail("the HTTP server is already running");
  auto address = parse_listen_address(options_.listen_address);
  if (!address) return std::unexpected(address.error());
  if (options_.num_threads < 1) return fail("the HTTP server needs at least one thread");
  if (options_.request_timeout_ms < 1) return fail("the HTTP request timeout must be positive");
  if (options_.keep_alive_timeout_ms < 0) return fail("the HTTP keep-alive timeout is negative");
  warn_if_too_few_descriptors(options_.num_threads);
  {
    std::lock_guard lock(restart_mutex_);
    restarter_quit_ = false;
  }
  if (address->family == ListenAddress::Family::ipv6 && mg_check_feature(MG_FEATURES_IPV6) == 0) {
    return fail("cannot listen on " + address->to_string() +
                ": the installed civetweb library was built without IPv6 support");
  }
  auto started = start_listener(*address, wants_tls());
  if (!started) {
    return fail("cannot start the HTTP server on " + options_.listen_address + ": " +
                started.error().message);
  }
  running_ = true;
  log::info("HTTP server listening",
            {{"address", options_.listen_address}, {"port", port()}, {"tls", tls_enabled()}});
  return {};
}

Result<int> HttpServer::start_listener(const ListenAddress& address, bool tls) {
  const bool ipv6_supported = mg_check_feature(MG_FEATURES_IPV6) != 0;
  std::string ports;
  switch (address.family) {
    case ListenAddress::Family::any:
      // "+PORT" is civetweb for IPv4 and IPv6 on every interface.
      ports = (ipv6_supported ? "+" : "") + std::to_string(address.port);
      break;
    case ListenAddress::Family::ipv4:
      ports = address.to_string();
      break;
    case ListenAddress::Family::ipv6:  // start() checked that civetweb has IPv6
      ports = address.to_string();
      break;
  }
  if (tls) ports += 's';  // civetweb's suffix for a TLS port
  const bool tls_available = init_civetweb_once();
  if (tls && !tls_available) return fail("TLS is not available: civetweb could not load OpenSSL");

  const std::string threads = std::to_string(options_.num_threads);
  const std::string timeout = std::to_string(options_.request_timeout_ms);
  const std::string keep_alive_timeout = std::to_string(options_.keep_alive_timeout_ms);
  // clang-format off
  std::array<const char*, 19> civetweb_options{
      "listening_ports", ports.c_str(),
      "num_threads", threads.c_str(),
      "request_timeout_ms", timeout.c_str(),
      "keep_alive_timeout_ms", keep_alive_timeout.c_str(),
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

  mg_callbacks callbacks{};
  callbacks.log_message = on_log_message;
  // TLS is set up by on_init_tls and per connection by on_client_hello, never from civetweb's
  // ssl_* options: civetweb wants the key inside the certificate file and cannot swap
  // certificates while running.
  callbacks.init_ssl = &HttpServer::on_init_tls;
  mg_init_data init{&callbacks, this, civetweb_options.data()};
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
    return fail(std::move(reason));
  }

  mg_set_request_handler(context, "/", &HttpServer::on_request, this);
  std::array<mg_server_port, 4> bound{};
  int count = mg_get_server_ports(context, static_cast<int>(bound.size()), bound.data());
  if (count < 1) {
    mg_stop(context);
    return fail("no listening port after start");
  }
  context_ = context;
  port_ = bound[0].port;
  address_ = address;
  address_.port = bound[0].port;
  listener_tls_ = tls;
  return bound[0].port;
}

void HttpServer::stop() {
  stop_restarter();
  std::lock_guard lifecycle(lifecycle_mutex_);
  stop_listener();
  running_ = false;
}

void HttpServer::stop_listener() {
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

Status HttpServer::apply_web_config(const WebConfig& config) {
  std::shared_ptr<const TlsCredentials> tls;
  if (config.tls) {
    if (!config.tls->credentials) {
      return fail("the TLS settings of " + config.file + " were not loaded with load_web_config");
    }
    tls = config.tls->credentials;
  }
  std::shared_ptr<const BasicAuthenticator> users;
  if (!config.basic_auth_users.empty()) {
    users = std::make_shared<const BasicAuthenticator>(config.basic_auth_users);
  }
  {
    std::lock_guard lock(security_mutex_);
    authenticator_ = users;
    wanted_tls_ = tls;
    if (tls) handshake_tls_ = tls;
  }
  if (tls) {
    log::info("web configuration applied",
              {{"file", config.file},
               {"tls", true},
               {"certificate", tls->subject()},
               {"certificate_expires", tls->not_after()},
               {"client_auth_type", to_string(tls->policy().client_auth_type)},
               {"min_version", to_string(tls->policy().min_version)},
               {"basic_auth_users", config.basic_auth_users.size()}});
  } else {
    log::info("web configuration applied", {{"file", config.file},
                                            {"tls", false},
                                            {"basic_auth_users", config.basic_auth_users.size()}});
  }
  // A stale read is harmless: the restarter compares again under the lifecycle lock.
  if (running() && listener_tls_.load() != (tls != nullptr)) schedule_listener_restart();
  return {};
}

Status HttpServer::wait_for_listener_restart() {
  std::unique_lock lock(restart_mutex_);
  const std::uint64_t target = restarts_requested_;
  restart_changed_.wait(lock, [&] { return restarts_done_ >= target || !restarter_.joinable(); });
  return last_restart_;
}

void HttpServer::schedule_listener_restart() {
  std::lock_guard lock(restart_mutex_);
  if (restarter_quit_) return;  // stopping anyway
  ++restarts_requested_;
  if (!restarter_.joinable()) {
    try {
      restarter_ = std::thread([this] { run_restarter(); });
    } catch (const std::system_error& e) {
      restarts_done_ = restarts_requested_;
      last_restart_ = fail(std::string("cannot start the listener restart thread: ") + e.what());
      log::error("HTTP listener not restarted", {{"err", last_restart_.error().message}});
      restart_changed_.notify_all();
      return;
    }
  }
  restart_changed_.notify_all();
}

void HttpServer::run_restarter() {
  std::unique_lock lock(restart_mutex_);
  while (true) {
    restart_changed_.wait(lock,
                          [&] { return restarter_quit_ || restarts_done_ < restarts_requested_; });
    if (restarter_quit_) break;
    const std::uint64_t target = restarts_requested_;
    lock.unlock();
    Status outcome = restart_listener();
    lock.lock();
    last_restart_ = std::move(outcome);
    restarts_done_ = target;
    restart_changed_.notify_all();
  }
  restarts_done_ = restarts_requested_;  // what is left undone is moot once stopping
  restart_changed_.notify_all();
}

void HttpServer::stop_restarter() {
  std::thread restarter;
  {
    std::lock_guard lock(restart_mutex_);
    restarter_quit_ = true;
    restart_changed_.notify_all();
    restarter = std::move(restarter_);
  }
  if (restarter.joinable()) restarter.join();
  std::lock_guard lock(restart_mutex_);
  restart_changed_.notify_all();  // wake wait_for_listener_restart(): no restarter any more
}

Status HttpServer::restart_listener() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (context_ == nullptr) return {};  // stopped meanwhile
  const bool tls = wants_tls();
  const bool was_tls = listener_tls_.load();
  if (tls == was_tls) return {};
  const ListenAddress address = address_;  // with the bound port, so the port stays
  const std::string shown = address.to_string();
  log::info("restarting the HTTP listener", {{"address", shown}, {"tls", tls}});
  // civetweb abandons unsent responses once it is told to stop, and the request that asked
  // for this restart (POST /-/reload) is typically still sending its answer.
  wait_for_requests_in_flight();
  stop_listener();
  auto started = start_listener(address, tls);
  if (started) {
    if (!tls) {
      std::lock_guard lock(security_mutex_);
      if (!wanted_tls_) handshake_tls_.reset();
    }
    log::info("HTTP listener restarted", {{"address", shown}, {"tls", tls}});
    return {};
  }
  const std::string reason = started.error().message;
  log::error("cannot restart the HTTP listener; restarting it as it was",
             {{"address", shown}, {"tls", tls}, {"err", reason}});
  auto restored = start_listener(address, was_tls);
  if (!restored) {
    running_ = false;
    log::error("the HTTP listener is down",
               {{"address", shown}, {"err", restored.error().message}});
    return fail("cannot restart the HTTP listener on " + shown + " with TLS " +
                (tls ? "on" : "off") + ": " + reason +
                "; restoring the previous listener failed too: " + restored.error().message);
  }
  return fail("cannot restart the HTTP listener on " + shown + " with TLS " + (tls ? "on" : "off") +
              ": " + reason + "; it serves as before");
}

HttpServer::InFlight::InFlight(const HttpServer& server) : server_(server) {
  server_.in_flight_.fetch_add(1);
}

HttpServer::InFlight::~InFlight() {
  if (server_.in_flight_.fetch_sub(1) == 1 && server_.draining_.load()) {
    std::lock_guard lock(server_.drain_mutex_);
    server_.drained_.notify_all();
  }
}

void HttpServer::wait_for_requests_in_flight() {
  draining_ = true;
  {
    std::unique_lock lock(drain_mutex_);
    drained_.wait_for(lock, std::chrono::milliseconds(options_.request_timeout_ms),
                      [&] { return in_flight_.load() == 0; });
  }
  draining_ = false;
}

std::shared_ptr<const BasicAuthenticator> HttpServer::authenticator() const {
  std::lock_guard lock(security_mutex_);
  return authenticator_;
}

bool HttpServer::wants_tls() const {
  std::lock_guard lock(security_mutex_);
  return wanted_tls_ != nullptr;
}

int HttpServer::on_init_tls(void* ssl_context, void* server) {
  SSL_CTX* context = static_cast<SSL_CTX*>(ssl_context);
  SSL_CTX_set_client_hello_cb(context, &HttpServer::on_client_hello, server);
  // No session resumption: a resumed session skips the certificate exchange, so a session
  // from before a reload that tightened client_auth_type would get around the new policy.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_num_tickets(context, 0);
  return 1;  // civetweb loads no certificate of its own
}

int HttpServer::on_client_hello(ssl_st* connection, int* alert, void* server) {
  try {
    std::shared_ptr<const TlsCredentials> credentials;
    {
      const auto* self = static_cast<const HttpServer*>(server);
      std::lock_guard lock(self->security_mutex_);
      credentials = self->handshake_tls_;
    }
    if (credentials && credentials->configure(connection)) return SSL_CLIENT_HELLO_SUCCESS;
  } catch (...) {
    // Nothing may unwind into OpenSSL; the handshake fails below.
  }
  *alert = SSL_AD_INTERNAL_ERROR;
  return SSL_CLIENT_HELLO_ERROR;
}

int HttpServer::on_request(mg_connection* connection, void* server) {
  return static_cast<const HttpServer*>(server)->serve(connection);
}

int HttpServer::serve(mg_connection* connection) const {
  const InFlight counted(*this);
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

  // The API authenticates with its own bearer tokens in the same Authorization header (SPEC
  // §8), so basic auth guards everything else: /metrics, /-/*, the landing page.
  if (!under_api(raw_path)) {
    if (auto users = authenticator()) {
      const auto authorization = request.header("Authorization");
      if (!authorization || !users->check(*authorization)) {
        // An unread body would otherwise be parsed as the next request on this connection.
        if (info->content_length > 0 || request.header("Transfer-Encoding")) {
          mg_disable_connection_keep_alive(connection);
        }
        log::debug("basic auth refused",
                   {{"remote", request.remote_address}, {"path", request.path}});
        return unauthorized();
      }
    }
  }

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
