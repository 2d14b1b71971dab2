// HttpServer: slamon's embedded web server (civetweb underneath) serving /metrics, the
// operational endpoints and the API through a Router. It owns the listening socket and the
// worker threads: start() binds, the destructor (or stop()) closes and joins. Every request
// goes through one dispatch point that turns civetweb's connection into an HttpRequest,
// checks basic auth, enforces the body limit, routes, and turns handler failures into a
// generic 500. TLS and basic auth come from --web.config.file (apply_web_config).
//
// Thread-safety: handlers run concurrently on civetweb worker threads and must be
// thread-safe themselves. Routes are registered before start() and never change while the
// server runs, so dispatch reads the router without locking. handle()/start()/stop() belong
// to one owning thread; stop() must not be called from a handler (it joins the workers).
// apply_web_config() may be called from any thread, a handler's included, while the server
// runs: it swaps the TLS credentials and users under a lock and never waits for the listener.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"
#include "http/listen_address.h"
#include "http/message.h"
#include "http/router.h"

struct mg_context;
struct mg_connection;
struct ssl_st;

namespace slamon::http {

struct WebConfig;
class TlsCredentials;
class BasicAuthenticator;

// civetweb serves each open connection on a worker thread of its own, from accept until the
// connection closes, so a client that sends half a request and waits (slowloris) holds a
// worker. The guarantee that /metrics and /-/healthy stay answered is therefore: more workers
// than connections anyone holds open, each half-open or idle one cut after a bounded time.
struct HttpServerOptions {
  std::string listen_address = "0.0.0.0:9877";  // see parse_listen_address
  // Connections served at once; a further one waits in the accept queue for a free worker.
  int num_threads = 8;
  // Bounds reading a request's header, counted from the connection's accept (a trickle of
  // header lines does not extend it; civetweb then answers 400 and closes), and each read of
  // the body and each write without progress.
  int request_timeout_ms = 10'000;
  // How long a kept-alive connection may wait for its next request; it holds a worker meanwhile.
  int keep_alive_timeout_ms = 500;
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
  // handle() as a RouteRegistrar, for components that install their routes on any registrar.
  // The server must outlive the registrar.
  RouteRegistrar registrar();

  // Binds and starts serving. Fails with a message naming the address for a malformed
  // address, an address this build cannot listen on, a port in use, or bad options.
  Status start();
  // Stops accepting, lets in-flight requests finish and joins the workers. Idempotent.
  void stop();

  // Applies a --web.config.file configuration. Before start(): sets what start() listens
  // with. While running: basic-auth users and TLS credentials (certificate, key, client auth,
  // versions) take effect from the next request and the next TLS handshake, without touching
  // the listener or open connections. Turning TLS on or off needs a new listener: it is
  // restarted on the same host:port by a thread of the server's own, after this call has
  // returned — the caller may be serving a request of this very server (POST /-/reload),
  // and stopping the listener waits for every request in flight. If the new listener cannot
  // start, the old one is started again; wait_for_listener_restart() tells how it went.
  // Fails, changing nothing, for a TLS config without loaded credentials.
  Status apply_web_config(const WebConfig& config);
  // Blocks until the listener restarts requested so far have run; returns the outcome of
  // the last one (success when none was needed). Not from a handler.
  Status wait_for_listener_restart();

  bool running() const { return running_.load(); }
  // Whether the listener serves TLS now (it lags apply_web_config until a restart has run).
  bool tls_enabled() const { return listener_tls_.load(); }
  // The bound port (the kernel's choice when the address asked for port 0); 0 when stopped.
  int port() const { return port_.load(); }
  const HttpServerOptions& options() const { return options_; }

 private:
  // civetweb's request callback; `server` is this object.
  static int on_request(mg_connection* connection, void* server);
  // civetweb's TLS context hook and OpenSSL's ClientHello hook; `server` is this object.
  static int on_init_tls(void* ssl_context, void* server);
  static int on_client_hello(ssl_st* connection, int* alert, void* server);
  int serve(mg_connection* connection) const;
  HttpResponse dispatch(mg_connection* connection, HttpRequest& request) const;

  std::shared_ptr<const BasicAuthenticator> authenticator() const;
  bool wants_tls() const;

  // Counts a request while serve() handles it, so a listener restart can let it finish.
  class InFlight {
   public:
    explicit InFlight(const HttpServer& server);
    ~InFlight();
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    const HttpServer& server_;
  };
  // Waits until no request is being served, at most the request timeout (requests keep
  // arriving on a busy server; civetweb would cut a slower one off anyway).
  void wait_for_requests_in_flight();

  // Listener lifecycle; callers hold lifecycle_mutex_. start_listener returns civetweb's
  // reason on failure.
  Result<int> start_listener(const ListenAddress& address, bool tls);
  void stop_listener();
  Status restart_listener();
  void schedule_listener_restart();
  void run_restarter();
  void stop_restarter();

  HttpServerOptions options_;
  Router router_;

  std::mutex lifecycle_mutex_;  // context_ and address_; held while starting and stopping
  mg_context* context_ = nullptr;
  ListenAddress address_;  // as listening, with the bound port
  std::atomic<int> port_{0};
  std::atomic<bool> running_{false};
  std::atomic<bool> listener_tls_{false};

  // What apply_web_config installed; read by every request and handshake.
  mutable std::mutex security_mutex_;
  std::shared_ptr<const BasicAuthenticator> authenticator_;  // null: no basic auth
  std::shared_ptr<const TlsCredentials> wanted_tls_;         // null: plain HTTP wanted
  // The credentials handshakes use: wanted_tls_, or the last ones while a TLS listener waits
  // for its restart into plain HTTP.
  std::shared_ptr<const TlsCredentials> handshake_tls_;

  mutable std::atomic<int> in_flight_{0};
  mutable std::atomic<bool> draining_{false};
  mutable std::mutex drain_mutex_;
  mutable std::condition_variable drained_;

  // The restarter thread (started on first need) and what it has done.
  std::mutex restart_mutex_;
  std::condition_variable restart_changed_;
  std::thread restarter_;
  bool restarter_quit_ = false;
  std::uint64_t restarts_requested_ = 0;
  std::uint64_t restarts_done_ = 0;
  Status last_restart_;
};

}  // namespace slamon::http
