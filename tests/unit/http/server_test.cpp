#include "http/server.h"

#include <civetweb.h>
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "support/curl_capture.h"

namespace slamon::http {
namespace {

using nlohmann::json;

struct Reply {
  long status = 0;
  HeaderMap headers;
  std::string body;
  long new_connections = 0;  // 0 when curl reused a kept-alive connection
};

// One libcurl easy handle; reusing it across requests reuses the connection (keep-alive).
class Client {
 public:
  Client() : curl_(slamon::testing::make_curl_easy()) {}

  Reply send(const std::string& method, const std::string& url, const std::string* body = nullptr,
             const std::vector<std::string>& headers = {}) {
    Reply reply;
    CURL* curl = curl_.get();
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    if (body) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    slamon::testing::CurlHeaderList header_list;
    for (const std::string& header : headers) slamon::testing::append_header(header_list, header);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
    slamon::testing::CurlReceived received;
    slamon::testing::receive_into(curl, received);
    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) throw std::runtime_error(curl_easy_strerror(code));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    reply.body = std::move(received.body);
    reply.headers.insert(received.headers.begin(), received.headers.end());
    return reply;
  }

  Reply get(const std::string& url) { return send("GET", url); }

  // Sends `body` with chunked transfer encoding (no Content-Length).
  Reply post_chunked(const std::string& url, const std::string& body) {
    return send("POST", url, &body, {"Transfer-Encoding: chunked"});
  }

 private:
  slamon::testing::CurlEasy curl_;
};

json request_as_json(const HttpRequest& request) {
  json query = json::array();
  for (const auto& [name, value] : request.query_params) query.push_back({name, value});
  json params = json::object();
  for (const auto& [name, value] : request.path_params) params[name] = value;
  return {{"method", request.method},
          {"path", request.path},
          {"params", params},
          {"query", query},
          {"body", request.body},
          {"remote", request.remote_address},
          {"custom", request.header("x-custom-header").value_or("")}};
}

constexpr std::size_t kBodyLimit = 1024;

class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  static void TearDownTestSuite() { curl_global_cleanup(); }

  void SetUp() override {
    server_ = std::make_unique<HttpServer>(
        HttpServerOptions{.listen_address = "127.0.0.1:0", .max_body_bytes = kBodyLimit});
    auto echo = [](const HttpRequest& request) {
      return HttpResponse::json(200, request_as_json(request).dump());
    };
    server_->handle("GET", "/hello", [](const HttpRequest&) {
      HttpResponse response = HttpResponse::text(200, "hello");
      response.headers.emplace("X-Answer", "42");
      return response;
    });
    server_->handle("POST", "/hello", echo);
    server_->handle("GET", "/items/{item_id}/parts/{part}", echo);
    server_->handle("GET", "/items/special/parts/{part}",
                    [](const HttpRequest&) { return HttpResponse::text(200, "special"); });
    server_->handle("GET", "/echo", echo);
    server_->handle("POST", "/echo", echo);
    server_->handle("GET", "/boom", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("SELECT secret FROM tokens");
    });
    server_->handle("GET", "/bad-header", [](const HttpRequest&) {
      HttpResponse response = HttpResponse::text(200, "x");
      response.headers.emplace("X-Injected", "a\r\nSet-Cookie: evil=1");
      return response;
    });
    server_->handle("GET", "/together", [this](const HttpRequest&) {
      // Answers only once kConcurrent requests are inside handlers at the same time, which
      // proves they run in parallel; gives up (503) rather than hang if they never do.
      std::unique_lock lock(together_mutex_);
      ++together_arrived_;
      together_cv_.notify_all();
      bool all_here = together_cv_.wait_for(lock, std::chrono::seconds(20),
                                            [this] { return together_arrived_ >= kConcurrent; });
      return HttpResponse::text(all_here ? 200 : 503, "");
    });
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().message;
    ASSERT_GT(server_->port(), 0);
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  static constexpr int kConcurrent = 6;
  std::unique_ptr<HttpServer> server_;
  Client client_;
  std::mutex together_mutex_;
  std::condition_variable together_cv_;
  int together_arrived_ = 0;
};

TEST_F(HttpServerTest, RoutesToTheHandler) {
  Reply reply = client_.get(url("/hello"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "hello");
  EXPECT_EQ(reply.headers.find("x-answer")->second, "42");
  EXPECT_EQ(reply.headers.find("content-type")->second, "text/plain; charset=utf-8");
  EXPECT_EQ(reply.headers.find("content-length")->second, "5");
}

TEST_F(HttpServerTest, PassesMethodBodyHeadersAndRemoteAddress) {
  std::string body = R"({"notes":"x"})";
  Reply reply = client_.send("POST", url("/hello"), &body, {"X-Custom-Header: yes"});
  ASSERT_EQ(reply.status, 200);
  json echoed = json::parse(reply.body);
  EXPECT_EQ(echoed["method"], "POST");
  EXPECT_EQ(echoed["path"], "/hello");
  EXPECT_EQ(echoed["body"], body);
  EXPECT_EQ(echoed["custom"], "yes");
  EXPECT_EQ(echoed["remote"], "127.0.0.1");
}

TEST_F(HttpServerTest, ExtractsPathParams) {
  Reply reply = client_.get(url("/items/a%2Fb/parts/x%20y"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  json echoed = json::parse(reply.body);
  EXPECT_EQ(echoed["params"], (json{{"item_id", "a/b"}, {"part", "x y"}}));
  EXPECT_EQ(echoed["path"], "/items/a/b/parts/x y");

  EXPECT_EQ(client_.get(url("/items/special/parts/p")).body, "special");
}

TEST_F(HttpServerTest, DecodesQueryParams) {
  Reply reply = client_.get(url("/echo?q=a%20b&plus=c+d&s=1&s=2&flag&u=%C3%BC"));
  ASSERT_EQ(reply.status, 200);
  json echoed = json::parse(reply.body);
  EXPECT_EQ(echoed["query"], json::parse(R"([["flag",""],["plus","c d"],["q","a b"],["s","1"],)"
                                         R"(["s","2"],["u","\u00fc"]])"));
  EXPECT_EQ(echoed["path"], "/echo");
}

TEST_F(HttpServerTest, UnknownPathIs404Json) {
  Reply reply = client_.get(url("/nope"));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.headers.find("content-type")->second, "application/json; charset=utf-8");
  EXPECT_EQ(reply.body, R"({"error":{"code":"not_found","message":"no such endpoint: /nope"}})");
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  Reply reply = client_.send("DELETE", url("/hello"));
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.headers.find("allow")->second, "GET, HEAD, POST");
  json error = json::parse(reply.body)["error"];
  EXPECT_EQ(error["code"], "method_not_allowed");
  EXPECT_EQ(error["message"], "method DELETE is not allowed for /hello");
}

TEST_F(HttpServerTest, HeadAnswersLikeGetWithoutBody) {
  Reply reply = client_.send("HEAD", url("/hello"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(reply.headers.find("content-length")->second, "5");
}

TEST_F(HttpServerTest, BodyUpToTheLimitIsAccepted) {
  std::string body(kBodyLimit, 'x');
  Reply reply = client_.send("POST", url("/echo"), &body);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body)["body"], body);

  Reply chunked = client_.post_chunked(url("/echo"), body);
  ASSERT_EQ(chunked.status, 200);
  EXPECT_EQ(json::parse(chunked.body)["body"], body);
}

TEST_F(HttpServerTest, TooLargeBodyIs413) {
  std::string body(kBodyLimit + 1, 'x');
  Reply reply = client_.send("POST", url("/echo"), &body);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(
      reply.body,
      R"({"error":{"code":"payload_too_large","message":"request body exceeds 1024 bytes"}})");

  Reply chunked = client_.post_chunked(url("/echo"), std::string(10 * kBodyLimit, 'y'));
  EXPECT_EQ(chunked.status, 413);
  EXPECT_EQ(json::parse(chunked.body)["error"]["code"], "payload_too_large");
}

TEST_F(HttpServerTest, HugeBodyIsRefusedWithoutBeingRead) {
  // 64 MiB announced; the answer must come from the Content-Length alone. curl sends
  // "Expect: 100-continue" and stops at the final 413, so the body never crosses the wire.
  std::string body(64 * 1024 * 1024, 'z');
  Reply reply = client_.send("POST", url("/echo"), &body);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.headers.find("connection")->second, "close");
}

TEST_F(HttpServerTest, HandlerExceptionIs500WithoutDetail) {
  Reply reply = client_.get(url("/boom"));
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body, R"({"error":{"code":"internal","message":"internal server error"}})");
  EXPECT_EQ(reply.body.find("secret"), std::string::npos);
  EXPECT_EQ(client_.get(url("/hello")).status, 200);  // the server carries on
}

TEST_F(HttpServerTest, HeaderWithLineBreakBecomes500) {
  Reply reply = client_.get(url("/bad-header"));
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.headers.count("set-cookie"), 0u);
}

TEST_F(HttpServerTest, KeepsConnectionsAlive) {
  EXPECT_EQ(client_.get(url("/hello")).new_connections, 1);
  EXPECT_EQ(client_.get(url("/hello")).new_connections, 0);
  EXPECT_EQ(client_.get(url("/nope")).new_connections, 0);
  EXPECT_EQ(client_.get(url("/hello")).new_connections, 0);
}

TEST_F(HttpServerTest, ServesConcurrentRequests) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kConcurrent; ++i) {
    threads.emplace_back([&] {
      Client client;
      if (client.get(url("/together")).status == 200) ++ok;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kConcurrent);
}

TEST_F(HttpServerTest, ManyClientsGetTheirOwnAnswers) {
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  constexpr int kThreads = 8;
  constexpr int kRequests = 25;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client client;
      for (int i = 0; i < kRequests; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        Reply reply = client.get(url("/items/" + id + "/parts/p"));
        if (reply.status == 200 && json::parse(reply.body)["params"]["item_id"] == id) ++correct;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(correct.load(), kThreads * kRequests);
}

TEST_F(HttpServerTest, RoutesAreFrozenWhileRunning) {
  EXPECT_THROW(server_->handle("GET", "/late", [](const HttpRequest&) { return HttpResponse{}; }),
               std::logic_error);
}

TEST_F(HttpServerTest, StopClosesTheListener) {
  const std::string address = url("/hello");
  server_->stop();
  EXPECT_FALSE(server_->running());
  EXPECT_EQ(server_->port(), 0);
  Client fresh;
  EXPECT_THROW(fresh.get(address), std::runtime_error);
  server_->stop();  // idempotent
}

TEST_F(HttpServerTest, PortInUseIsAClearError) {
  const std::string address = "127.0.0.1:" + std::to_string(server_->port());
  HttpServer second(HttpServerOptions{.listen_address = address});
  auto started = second.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find(address), std::string::npos) << started.error().message;
  EXPECT_NE(started.error().message.find("Address already in use"), std::string::npos)
      << started.error().message;
  EXPECT_FALSE(second.running());
}

TEST(HttpServerStart, MalformedAddressIsAnError) {
  HttpServer server(HttpServerOptions{.listen_address = "127.0.0.1"});
  auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("invalid listen address \"127.0.0.1\""), std::string::npos)
      << started.error().message;
}

TEST(HttpServerStart, UnassignableAddressIsAnError) {
  // TEST-NET-1 is never configured on a local interface, so bind() fails.
  HttpServer server(HttpServerOptions{.listen_address = "192.0.2.1:0"});
  auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("192.0.2.1:0"), std::string::npos);
  EXPECT_NE(started.error().message.find("Cannot assign requested address"), std::string::npos)
      << started.error().message;
}

TEST(HttpServerStart, BadOptionsAreErrors) {
  HttpServer no_threads(HttpServerOptions{.listen_address = "127.0.0.1:0", .num_threads = 0});
  EXPECT_FALSE(no_threads.start());
  HttpServer no_timeout(
      HttpServerOptions{.listen_address = "127.0.0.1:0", .request_timeout_ms = 0});
  EXPECT_FALSE(no_timeout.start());
  HttpServer negative_keep_alive(
      HttpServerOptions{.listen_address = "127.0.0.1:0", .keep_alive_timeout_ms = -1});
  EXPECT_FALSE(negative_keep_alive.start());
}

TEST(HttpServerStart, Ipv6LoopbackDependsOnCivetwebBuild) {
  HttpServer server(HttpServerOptions{.listen_address = "[::1]:0"});
  auto started = server.start();
  if (mg_check_feature(MG_FEATURES_IPV6) != 0) {
    ASSERT_TRUE(started) << started.error().message;
    EXPECT_GT(server.port(), 0);
  } else {
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().message.find("without IPv6 support"), std::string::npos)
        << started.error().message;
  }
}

TEST(HttpServerStart, AllInterfacesWithPortZero) {
  HttpServer server(HttpServerOptions{.listen_address = ":0"});
  auto started = server.start();
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_GT(server.port(), 0);
}

TEST(HttpServerStart, DestructorStopsTheServer) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::string address;
  {
    HttpServer server(HttpServerOptions{.listen_address = "127.0.0.1:0"});
    server.handle("GET", "/", [](const HttpRequest&) { return HttpResponse::text(200, "up"); });
    ASSERT_TRUE(server.start());
    address = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
    Client client;
    EXPECT_EQ(client.get(address).body, "up");
  }
  Client client;
  EXPECT_THROW(client.get(address), std::runtime_error);
  curl_global_cleanup();
}

TEST(HttpServerStart, CanRestartAfterStop) {
  HttpServer server(HttpServerOptions{.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(server.start());
  EXPECT_FALSE(server.start());  // already running
  server.stop();
  server.handle("GET", "/", [](const HttpRequest&) { return HttpResponse::text(200, "up"); });
  ASSERT_TRUE(server.start());
  EXPECT_GT(server.port(), 0);
}

// Issue 16, defect 3: connections that send half a request and wait (slowloris) each hold a
// civetweb worker; they must neither keep it for ever nor leave a fresh scrape unanswered.
class HalfOpenConnections : public ::testing::Test {
 protected:
  // A plain TCP connection to the server on loopback; closed when the object goes.
  class RawConnection {
   public:
    explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
      if (fd_ < 0) throw std::runtime_error("socket() failed");
      sockaddr_in peer{};
      peer.sin_family = AF_INET;
      peer.sin_port = htons(static_cast<uint16_t>(port));
      peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd_, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0) {
        ::close(fd_);
        throw std::runtime_error("connect() failed");
      }
    }
    ~RawConnection() { ::close(fd_); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void send(std::string_view bytes) const { ASSERT_TRUE(try_send(bytes)); }
    bool try_send(std::string_view bytes) const {
      return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
             static_cast<ssize_t>(bytes.size());
    }
    // Reads until the server closes the connection; nullopt when it is still open after
    // `deadline` (a bound for a broken server, not an expected wait).
    std::optional<std::string> read_until_closed(std::chrono::milliseconds deadline) const {
      timeval timeout{static_cast<time_t>(deadline.count() / 1000),
                      static_cast<suseconds_t>(deadline.count() % 1000 * 1000)};
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      std::string received;
      std::array<char, 4096> buffer;
      while (true) {
        const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (n == 0) return received;
        if (n < 0) return errno == ECONNRESET ? std::optional(received) : std::nullopt;
        received.append(buffer.data(), static_cast<std::size_t>(n));
      }
    }

   private:
    int fd_;
  };

  void start(HttpServerOptions options) {
    options.listen_address = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(options);
    server_->handle("GET", "/-/healthy",
                    [](const HttpRequest&) { return HttpResponse::text(200, "Healthy\n"); });
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().message;
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  static constexpr std::string_view kHalfRequest = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HalfOpenConnections, DoNotStarveAFreshRequestWhileWorkersAreLeft) {
  // A request timeout far beyond the test: the answer must come from a free worker, not
  // from civetweb giving up on the half-open connections.
  start({.num_threads = 48, .request_timeout_ms = 60'000});
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 40; ++i) {
    held.push_back(std::make_unique<RawConnection>(server_->port()));
    held.back()->send(kHalfRequest);
  }
  Client client;
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(client.get(url("/-/healthy")).status, 200);
  EXPECT_EQ(client.get(url("/-/healthy")).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(2));
}

TEST_F(HalfOpenConnections, AreCutAfterTheRequestTimeout) {
  start({.num_threads = 2, .request_timeout_ms = 300});
  RawConnection slow(server_->port());
  slow.send(kHalfRequest);
  const auto began = std::chrono::steady_clock::now();
  const auto answer = slow.read_until_closed(std::chrono::seconds(10));
  ASSERT_TRUE(answer) << "the half-open connection was still open after 10 s";
  EXPECT_GE(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(250));
  EXPECT_TRUE(answer->empty() || answer->starts_with("HTTP/1.1 400") ||
              answer->starts_with("HTTP/1.0 400"))
      << *answer;
  Client client;
  EXPECT_EQ(client.get(url("/-/healthy")).status, 200);
}

TEST_F(HalfOpenConnections, TricklingHeaderLinesDoNotExtendTheTimeout) {
  start({.num_threads = 2, .request_timeout_ms = 300});
  RawConnection slow(server_->port());
  slow.send(kHalfRequest);
  // Header lines keep arriving; the timeout counts from the accept all the same.
  const auto began = std::chrono::steady_clock::now();
  std::optional<std::string> answer;
  for (int line = 0; line < 200 && !answer; ++line) {
    if (!slow.try_send("X-Trickle: 1\r\n")) break;  // closed by the server meanwhile
    answer = slow.read_until_closed(std::chrono::milliseconds(50));
  }
  if (!answer) answer = slow.read_until_closed(std::chrono::seconds(1));
  ASSERT_TRUE(answer) << "header lines every 50 ms kept the connection open for 10 s";
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
}

TEST_F(HalfOpenConnections, IdleKeptAliveConnectionIsClosedAfterTheKeepAliveTimeout) {
  start({.num_threads = 2, .keep_alive_timeout_ms = 200});
  RawConnection idle(server_->port());
  idle.send("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto answer = idle.read_until_closed(std::chrono::seconds(10));
  ASSERT_TRUE(answer) << "the idle kept-alive connection was still open after 10 s";
  EXPECT_TRUE(answer->starts_with("HTTP/1.1 200")) << *answer;
}

}  // namespace
}  // namespace slamon::http
