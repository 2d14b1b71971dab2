// TLS and basic auth of HttpServer from a web config, end to end: a real server on
// 127.0.0.1, certificates made by a throwaway CA, libcurl (OpenSSL) as the client.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <expected>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "config/web_config_reader.h"
#include "http/server.h"
#include "http/web_config.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace slamon::http {
namespace {

using slamon::testing::IssuedCertificate;
using slamon::testing::TestPki;
using ::testing::HasSubstr;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

struct Request {
  std::string url = {};
  std::string method = "GET";
  std::string ca_file = {};  // trust this CA; empty: the system's (which knows nothing of ours)
  const IssuedCertificate* client = nullptr;
  std::string user_password = {};  // "user:password" for basic auth
  bool tls12_only = false;
};

struct Reply {
  long status = 0;
  std::string body;
  HeaderMap headers;
  std::string server_subject;  // of the certificate the server presented, without spaces
};

size_t on_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* out) {
  std::string_view line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    static_cast<HeaderMap*>(out)->emplace(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * count;
}

// One request on a fresh connection (so every call makes its own TLS handshake); the error
// is curl's when no HTTP response arrived.
std::expected<Reply, std::string> fetch(const Request& request) {
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  if (!handle) throw std::runtime_error("curl_easy_init failed");
  CURL* curl = handle.get();
  Reply reply;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  if (request.method != "GET")
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, request.ca_file.c_str());
  if (request.client != nullptr) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, request.client->certificate.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, request.client->key.c_str());
  }
  if (!request.user_password.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERPWD, request.user_password.c_str());
  }
  if (request.tls12_only) {
    curl_easy_setopt(curl, CURLOPT_SSLVERSION,
                     static_cast<long>(CURL_SSLVERSION_TLSv1_2) |
                         static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2));
  }
  curl_easy_setopt(curl, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) return std::unexpected(std::string(curl_easy_strerror(code)));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_certinfo* chain = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &chain) == CURLE_OK && chain != nullptr &&
      chain->num_of_certs > 0) {
    for (curl_slist* field = chain->certinfo[0]; field != nullptr; field = field->next) {
      const std::string_view text = field->data;
      if (!text.starts_with("Subject:")) continue;
      for (char c : text.substr(8)) {
        if (c != ' ') reply.server_subject += c;  // "CN = x" or "CN=x", by OpenSSL version
      }
    }
  }
  return reply;
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pki_dir_ = new slamon::testing::TempDir();
    ca_ = new TestPki(pki_dir_->path(), "ca");
    stranger_ca_ = new TestPki(pki_dir_->path(), "stranger");
    first_ = new IssuedCertificate(ca_->issue_server("first"));
    second_ = new IssuedCertificate(ca_->issue_server("second"));
    client_ = new IssuedCertificate(ca_->issue_client("client"));
    stranger_ = new IssuedCertificate(stranger_ca_->issue_client("stranger"));
    alice_hash_ = new std::string(slamon::testing::bcrypt_hash("wonderland"));
    alice_new_hash_ = new std::string(slamon::testing::bcrypt_hash("looking-glass"));
  }
  static void TearDownTestSuite() {
    delete alice_new_hash_;
    delete alice_hash_;
    delete stranger_;
    delete client_;
    delete second_;
    delete first_;
    delete stranger_ca_;
    delete ca_;
    delete pki_dir_;
    curl_global_cleanup();
  }

  void SetUp() override {
    server_ = std::make_unique<HttpServer>(HttpServerOptions{.listen_address = "127.0.0.1:0"});
    server_->handle("GET", "/metrics",
                    [](const HttpRequest&) { return HttpResponse::text(200, "metrics\n"); });
    server_->handle("GET", "/",
                    [](const HttpRequest&) { return HttpResponse::text(200, "home\n"); });
    server_->handle("GET", "/api/v1/sla/summary", [](const HttpRequest& request) {
      return HttpResponse::text(
          200, "api " + std::string(request.header("Authorization").value_or("none")) + "\n");
    });
    // What the daemon's POST /-/reload does: the work on a thread of its own, joined by the
    // handler, while the listener that serves this very request may have to be restarted.
    server_->handle("POST", "/-/reload", [this](const HttpRequest&) {
      Status applied;
      std::thread([&] { applied = server_->apply_web_config(pending_); }).join();
      return applied ? HttpResponse::text(200, "")
                     : HttpResponse::text(500, applied.error().message + "\n");
    });
  }

  void TearDown() override { server_.reset(); }

  // A web config loaded from `yaml` the way the daemon loads it.
  WebConfig web_config(const std::string& yaml) {
    auto loaded = load_web_config(dir_.write("web-" + std::to_string(++files_) + ".yml", yaml));
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return *loaded;
  }

  static std::string tls_yaml(const IssuedCertificate& server, const std::string& extra = "") {
    return "tls_server_config:\n  cert_file: " + server.certificate +
           "\n  key_file: " + server.key + "\n" + extra;
  }

  static std::string verify_clients(const std::string& type) {
    return "  client_auth_type: " + type + "\n  client_ca_file: " + ca_->ca_certificate() + "\n";
  }

  void start_with(const std::string& yaml) {
    ASSERT_TRUE(server_->apply_web_config(web_config(yaml)));
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().message;
  }

  std::string https(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  std::string http(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  Request trusted(const std::string& path) const {
    return Request{.url = https(path), .ca_file = ca_->ca_certificate()};
  }

  slamon::testing::TempDir dir_;
  int files_ = 0;
  std::unique_ptr<HttpServer> server_;
  WebConfig pending_;  // what POST /-/reload applies

  static inline slamon::testing::TempDir* pki_dir_ = nullptr;
  static inline TestPki* ca_ = nullptr;
  static inline TestPki* stranger_ca_ = nullptr;
  static inline IssuedCertificate* first_ = nullptr;
  static inline IssuedCertificate* second_ = nullptr;
  static inline IssuedCertificate* client_ = nullptr;
  static inline IssuedCertificate* stranger_ = nullptr;
  static inline std::string* alice_hash_ = nullptr;
  static inline std::string* alice_new_hash_ = nullptr;
};

TEST_F(TlsTest, ServesHttpsWithTheConfiguredCertificate) {
  start_with(tls_yaml(*first_));
  EXPECT_TRUE(server_->tls_enabled());
  auto reply = fetch(trusted("/metrics"));
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "metrics\n");
  EXPECT_THAT(reply->server_subject, HasSubstr("CN=first"));
  // A client that does not trust the CA refuses the server.
  EXPECT_FALSE(fetch(Request{.url = https("/metrics")}));
}

TEST_F(TlsTest, PlainHttpToTheTlsPortGetsNoResponse) {
  start_with(tls_yaml(*first_));
  auto reply = fetch(Request{.url = http("/metrics")});
  EXPECT_FALSE(reply && reply->status == 200);
  // The listener keeps serving TLS afterwards.
  auto after = fetch(trusted("/metrics"));
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(after->status, 200);
}

TEST_F(TlsTest, RequireAndVerifyClientCertNeedsACertificateFromTheClientCa) {
  start_with(tls_yaml(*first_, verify_clients("RequireAndVerifyClientCert")));
  EXPECT_FALSE(fetch(trusted("/metrics")));
  Request with_client = trusted("/metrics");
  with_client.client = client_;
  auto reply = fetch(with_client);
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(reply->status, 200);
  with_client.client = stranger_;
  EXPECT_FALSE(fetch(with_client));
}

TEST_F(TlsTest, VerifyClientCertIfGivenAcceptsNoneButNotAStranger) {
  start_with(tls_yaml(*first_, verify_clients("VerifyClientCertIfGiven")));
  auto without = fetch(trusted("/metrics"));
  ASSERT_TRUE(without) << without.error();
  EXPECT_EQ(without->status, 200);
  Request stranger = trusted("/metrics");
  stranger.client = stranger_;
  EXPECT_FALSE(fetch(stranger));
  Request known = trusted("/metrics");
  known.client = client_;
  auto with = fetch(known);
  ASSERT_TRUE(with) << with.error();
  EXPECT_EQ(with->status, 200);
}

TEST_F(TlsTest, RequireAnyClientCertTakesAnyCertificateButNeedsOne) {
  start_with(tls_yaml(*first_, "  client_auth_type: RequireAnyClientCert\n"));
  EXPECT_FALSE(fetch(trusted("/metrics")));
  Request stranger = trusted("/metrics");
  stranger.client = stranger_;
  auto reply = fetch(stranger);
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(reply->status, 200);
}

TEST_F(TlsTest, MinVersionTls13RefusesATls12OnlyClient) {
  start_with(tls_yaml(*first_, "  min_version: TLS13\n"));
  Request old_client = trusted("/metrics");
  old_client.tls12_only = true;
  EXPECT_FALSE(fetch(old_client));
  auto reply = fetch(trusted("/metrics"));
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(reply->status, 200);
}

TEST_F(TlsTest, Tls12IsServedByDefault) {
  start_with(tls_yaml(*first_));
  Request old_client = trusted("/metrics");
  old_client.tls12_only = true;
  auto reply = fetch(old_client);
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(reply->status, 200);
}

TEST_F(TlsTest, BasicAuthGuardsEverythingButTheApi) {
  start_with("basic_auth_users:\n  alice: " + *alice_hash_ + "\n");
  for (const std::string path : {"/metrics", "/", "/nowhere", "/api", "/apix/v1"}) {
    auto none = fetch(Request{.url = http(path)});
    ASSERT_TRUE(none) << none.error();
    EXPECT_EQ(none->status, 401) << path;
    auto challenge = none->headers.find("WWW-Authenticate");
    ASSERT_NE(challenge, none->headers.end()) << path;
    EXPECT_EQ(challenge->second, "Basic realm=\"slamon\"");
  }
  auto wrong = fetch(Request{.url = http("/metrics"), .user_password = "alice:wrong"});
  ASSERT_TRUE(wrong) << wrong.error();
  EXPECT_EQ(wrong->status, 401);
  auto unknown = fetch(Request{.url = http("/metrics"), .user_password = "bob:wonderland"});
  ASSERT_TRUE(unknown) << unknown.error();
  EXPECT_EQ(unknown->status, 401);
  for (int i = 0; i < 2; ++i) {  // the second is answered from the verification cache
    auto right = fetch(Request{.url = http("/metrics"), .user_password = "alice:wonderland"});
    ASSERT_TRUE(right) << right.error();
    EXPECT_EQ(right->status, 200);
    EXPECT_EQ(right->body, "metrics\n");
  }
  // The API checks its own bearer tokens in the same header, so basic auth lets it through
  // untouched — however the first segment is spelled.
  for (const std::string path : {"/api/v1/sla/summary", "/%61pi/v1/sla/summary"}) {
    auto api = fetch(Request{.url = http(path)});
    ASSERT_TRUE(api) << api.error();
    EXPECT_EQ(api->status, 200) << path;
    EXPECT_EQ(api->body, "api none\n");
  }
}

TEST_F(TlsTest, BasicAuthOverTls) {
  start_with(tls_yaml(*first_) + "basic_auth_users:\n  alice: " + *alice_hash_ + "\n");
  auto none = fetch(trusted("/metrics"));
  ASSERT_TRUE(none) << none.error();
  EXPECT_EQ(none->status, 401);
  Request with_password = trusted("/metrics");
  with_password.user_password = "alice:wonderland";
  auto reply = fetch(with_password);
  ASSERT_TRUE(reply) << reply.error();
  EXPECT_EQ(reply->status, 200);
}

TEST_F(TlsTest, ApplySwapsUsersWithoutRestartingTheListener) {
  start_with("basic_auth_users:\n  alice: " + *alice_hash_ + "\n");
  const int port = server_->port();
  auto before = fetch(Request{.url = http("/metrics"), .user_password = "alice:wonderland"});
  ASSERT_TRUE(before) << before.error();
  EXPECT_EQ(before->status, 200);

  ASSERT_TRUE(server_->apply_web_config(
      web_config("basic_auth_users:\n  alice: " + *alice_new_hash_ + "\n")));
  ASSERT_TRUE(server_->wait_for_listener_restart());
  EXPECT_EQ(server_->port(), port);
  auto old_password = fetch(Request{.url = http("/metrics"), .user_password = "alice:wonderland"});
  ASSERT_TRUE(old_password) << old_password.error();
  EXPECT_EQ(old_password->status, 401);
  auto new_password =
      fetch(Request{.url = http("/metrics"), .user_password = "alice:looking-glass"});
  ASSERT_TRUE(new_password) << new_password.error();
  EXPECT_EQ(new_password->status, 200);

  ASSERT_TRUE(server_->apply_web_config(web_config("")));
  auto open = fetch(Request{.url = http("/metrics")});
  ASSERT_TRUE(open) << open.error();
  EXPECT_EQ(open->status, 200);
}

TEST_F(TlsTest, ApplyRotatesTheCertificateForNewHandshakes) {
  start_with(tls_yaml(*first_));
  const int port = server_->port();
  auto before = fetch(trusted("/metrics"));
  ASSERT_TRUE(before) << before.error();
  EXPECT_THAT(before->server_subject, HasSubstr("CN=first"));

  ASSERT_TRUE(server_->apply_web_config(web_config(tls_yaml(*second_))));
  ASSERT_TRUE(server_->wait_for_listener_restart());
  EXPECT_EQ(server_->port(), port);
  auto after = fetch(trusted("/metrics"));
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(after->status, 200);
  EXPECT_THAT(after->server_subject, HasSubstr("CN=second"));

  // Client auth tightened in place, too.
  ASSERT_TRUE(server_->apply_web_config(
      web_config(tls_yaml(*second_, verify_clients("RequireAndVerifyClientCert")))));
  EXPECT_FALSE(fetch(trusted("/metrics")));
  Request with_client = trusted("/metrics");
  with_client.client = client_;
  auto verified = fetch(with_client);
  ASSERT_TRUE(verified) << verified.error();
  EXPECT_EQ(verified->status, 200);
}

TEST_F(TlsTest, TurningTlsOnAndOffRestartsTheListenerOnTheSamePort) {
  start_with("");
  const int port = server_->port();
  EXPECT_FALSE(server_->tls_enabled());

  ASSERT_TRUE(server_->apply_web_config(web_config(tls_yaml(*first_))));
  auto restarted = server_->wait_for_listener_restart();
  ASSERT_TRUE(restarted) << restarted.error().message;
  EXPECT_TRUE(server_->tls_enabled());
  EXPECT_EQ(server_->port(), port);
  auto secure = fetch(trusted("/metrics"));
  ASSERT_TRUE(secure) << secure.error();
  EXPECT_EQ(secure->status, 200);
  auto plain_attempt = fetch(Request{.url = http("/metrics")});
  EXPECT_FALSE(plain_attempt && plain_attempt->status == 200);

  ASSERT_TRUE(server_->apply_web_config(web_config("")));
  restarted = server_->wait_for_listener_restart();
  ASSERT_TRUE(restarted) << restarted.error().message;
  EXPECT_FALSE(server_->tls_enabled());
  EXPECT_EQ(server_->port(), port);
  auto plain = fetch(Request{.url = http("/metrics")});
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->status, 200);
}

TEST_F(TlsTest, ReloadThroughARequestOfTheSameListenerDoesNotDeadlock) {
  start_with("");
  const int port = server_->port();
  pending_ = web_config(tls_yaml(*first_));
  auto reload = fetch(Request{.url = http("/-/reload"), .method = "POST"});
  ASSERT_TRUE(reload) << reload.error();
  EXPECT_EQ(reload->status, 200) << reload->body;

  auto restarted = server_->wait_for_listener_restart();
  ASSERT_TRUE(restarted) << restarted.error().message;
  EXPECT_EQ(server_->port(), port);
  auto secure = fetch(trusted("/metrics"));
  ASSERT_TRUE(secure) << secure.error();
  EXPECT_EQ(secure->status, 200);

  // And back, through the TLS listener this time.
  pending_ = web_config("");
  auto back = fetch(trusted("/-/reload") /* GET by default */);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->status, 405);
  Request post = trusted("/-/reload");
  post.method = "POST";
  auto reloaded = fetch(post);
  ASSERT_TRUE(reloaded) << reloaded.error();
  EXPECT_EQ(reloaded->status, 200);
  ASSERT_TRUE(server_->wait_for_listener_restart());
  auto plain = fetch(Request{.url = http("/metrics")});
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->status, 200);
}

TEST_F(TlsTest, ApplyRefusesTlsSettingsThatWereNotLoaded) {
  WebConfig config;
  config.tls = TlsServerConfig{};
  auto applied = server_->apply_web_config(config);
  ASSERT_FALSE(applied);
  EXPECT_THAT(applied.error().message, HasSubstr("not loaded"));
  start_with("");
  EXPECT_FALSE(server_->tls_enabled());
}

}  // namespace
}  // namespace slamon::http
