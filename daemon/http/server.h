// HttpServer: slamon's embedded web server (civetweb underneath) serving /metrics, the
// operational endpoints and the API through a Router. It owns the listening socket and the
// worker threads: start() binds, the destructor (or stop()) closes and joins. Every request
// goes through one dispatch point that turns civetweb's connection into an HttpRequest,
// enforces the body limit, routes, and turns handler failures into a generic 500 — the place
// where TLS and basic auth from --web.config.file will plug in.
//
// Thread-safety: handlers run concurrently on civetweb worker threads and must be
// thread-safe themselves. Routes are registered before start() and never change while the
// server runs, so dispatch reads the router without locking. handle()/start()/stop() belong
// to one owning thread; stop() must not be called from a handler (it joins the workers).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/listen_address.h"
#include "http/message.h"
#include "http/router.h"

struct mg_context;
struct mg_connection;

namespace slamon::http {

struct HttpServerOptions {
  std::string listen_address = "0.0.0.0:9877";  // see parse_listen_address
  int num_threads = 8;
  int request_timeout_ms = 30'000;
  std::size_t max_body_bytes = 1024 * 1024;  // larger bodies get 413, unread
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route (see Router::handle). Throws std::logic_error while the server is running.
  void handle(std::string_view method, std::string_view path_pattern, Handler handler);

  // Binds and starts serving. Fails with a message naming the address for a malformed
  // address, an address this build cannot listen on, a port in use, or bad options.
  Status start();
  // Stops accepting, lets in-flight requests finish and joins the workers. Idempotent.
  void stop();

  bool running() const { return context_ != nullptr; }
  // The bound port (the kernel's choice when the address asked for port 0); 0 when stopped.
  int port() const { return port_; }
  const HttpServerOptions& options() const { return options_; }

 private:
  // civetweb's request callback; `server` is this object.
  static int on_request(mg_connection* connection, void* server);
  int serve(mg_connection* connection) const;
  HttpResponse dispatch(mg_connection* connection, HttpRequest& request) const;

  HttpServerOptions options_;
  Router router_;
  mg_context* context_ = nullptr;
  ListenAddress address_;  // as listening, with the bound port
  int port_ = 0;
};

}  // namespace slamon::http
