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
#include <vector>

#include "config/web_config_reader.h"
#include "http/server.h"
#include "http/web_config.h"
#include "support/curl_capture.h"
#include "support/temp_dir.h"
#include "test_pki.h"

namespace slamon::http {
namespace {

using slamon::testing::IssuedCertificate;
using slamon::testing::TestPki;
using ::testing::HasSubstr;

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

// One request on a fresh connection (so every call makes its own TLS handshake); the error
// is curl's when no HTTP response arrived.
std::expected<Reply, std::string> fetch(const Request& request) {
  const slamon::testing::CurlEasy handle = slamon::testing::make_curl_easy();
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
  slamon::testing::CurlReceived received;
  slamon::testing::receive_into(curl, received);
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) return std::unexpected(std::string(curl_easy_strerror(code)));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = std::move(received.body);
  reply.headers.insert(received.headers.begin(), received.headers.end());
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

// The status of the reply to `request`; 0, and a test failure with curl's error, when none came.
long status_of(const Request& request) {
  auto reply = fetch(request);
  if (!reply) {
    ADD_FAILURE() << request.method << " " << request.url << ": " << reply.error();
    return 0;
  }
  return reply->status;
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
  // Over TLS, trusting our CA, with `client` as the client certificate when given.
  Request trusted(const std::string& path, const IssuedCertificate* client = nullptr) const {
    return Request{.url = https(path), .ca_file = ca_->ca_certificate(), .client = client};
  }
  Request plain(const std::string& path, const std::string& user_password = "") const {
    return Request{.url = http(path), .user_password = user_password};
  }

  // Applies `yaml` as a new web config and waits until the listener has restarted on the
  // port it had.
  void restart_with(const std::string& yaml) {
    const int port = server_->port();
    ASSERT_TRUE(server_->apply_web_config(web_config(yaml)));
    auto restarted = server_->wait_for_listener_restart();
    ASSERT_TRUE(restarted) << restarted.error().message;
    EXPECT_EQ(server_->port(), port);
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
  auto reply = fetch(plain("/metrics"));
  EXPECT_FALSE(reply && reply->status == 200);
  // The listener keeps serving TLS afterwards.
  EXPECT_EQ(status_of(trusted("/metrics")), 200);
}

// Who gets through (and who is refused during the handshake) under each client_auth_type and
// min_version; every case asks for /metrics over TLS trusting our CA.
struct HandshakeCase {
  std::string name;
  std::string verified_client_auth;  // a client_auth_type checked against our CA; "": none
  std::string settings;              // more of tls_server_config
  struct Attempt {
    std::string client;  // "", "client" (issued by our CA) or "stranger" (by another CA)
    bool tls12_only;
    bool served;
  };
  std::vector<Attempt> attempts;
};

class TlsHandshakeTest : public TlsTest, public ::testing::WithParamInterface<HandshakeCase> {};

TEST_P(TlsHandshakeTest, ServesExactlyTheAllowedClients) {
  const HandshakeCase& c = GetParam();
  const std::string settings =
      c.verified_client_auth.empty() ? c.settings : verify_clients(c.verified_client_auth);
  start_with(tls_yaml(*first_, settings));
  for (const HandshakeCase::Attempt& attempt : c.attempts) {
    SCOPED_TRACE("client '" + attempt.client + "'" + (attempt.tls12_only ? " TLS 1.2 only" : ""));
    const IssuedCertificate* client = attempt.client == "client"     ? client_
                                      : attempt.client == "stranger" ? stranger_
                                                                     : nullptr;
    Request request = trusted("/metrics", client);
    request.tls12_only = attempt.tls12_only;
    if (attempt.served) {
      EXPECT_EQ(status_of(request), 200);
    } else {
      EXPECT_FALSE(fetch(request));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tls, TlsHandshakeTest,
    ::testing::Values(
        HandshakeCase{"require_and_verify_needs_a_certificate_from_the_client_ca",
                      "RequireAndVerifyClientCert",
                      "",
                      {{"", false, false}, {"client", false, true}, {"stranger", false, false}}},
        HandshakeCase{"verify_if_given_accepts_none_but_not_a_stranger",
                      "VerifyClientCertIfGiven",
                      "",
                      {{"", false, true}, {"stranger", false, false}, {"client", false, true}}},
        HandshakeCase{"require_any_takes_any_certificate_but_needs_one",
                      "",
                      "  client_auth_type: RequireAnyClientCert\n",
                      {{"", false, false}, {"stranger", false, true}}},
        HandshakeCase{"min_version_tls13_refuses_a_tls12_only_client",
                      "",
                      "  min_version: TLS13\n",
                      {{"", true, false}, {"", false, true}}},
        HandshakeCase{"tls12_is_served_by_default", "", "", {{"", true, true}}}),
    [](const auto& info) { return info.param.name; });

TEST_F(TlsTest, BasicAuthGuardsEverythingButTheApi) {
  start_with("basic_auth_users:\n  alice: " + *alice_hash_ + "\n");
  for (const std::string path : {"/metrics", "/", "/nowhere", "/api", "/apix/v1"}) {
    auto none = fetch(plain(path));
    ASSERT_TRUE(none) << none.error();
    EXPECT_EQ(none->status, 401) << path;
    auto challenge = none->headers.find("WWW-Authenticate");
    ASSERT_NE(challenge, none->headers.end()) << path;
    EXPECT_EQ(challenge->second, "Basic realm=\"slamon\"");
  }
  EXPECT_EQ(status_of(plain("/metrics", "alice:wrong")), 401);
  EXPECT_EQ(status_of(plain("/metrics", "bob:wonderland")), 401);
  for (int i = 0; i < 2; ++i) {  // the second is answered from the verification cache
    auto right = fetch(plain("/metrics", "alice:wonderland"));
    ASSERT_TRUE(right) << right.error();
    EXPECT_EQ(right->status, 200);
    EXPECT_EQ(right->body, "metrics\n");
  }
  // The API checks its own bearer tokens in the same header, so basic auth lets it through
  // untouched — however the first segment is spelled.
  for (const std::string path : {"/api/v1/sla/summary", "/%61pi/v1/sla/summary"}) {
    auto api = fetch(plain(path));
    ASSERT_TRUE(api) << api.error();
    EXPECT_EQ(api->status, 200) << path;
    EXPECT_EQ(api->body, "api none\n");
  }
}

TEST_F(TlsTest, BasicAuthOverTls) {
  start_with(tls_yaml(*first_) + "basic_auth_users:\n  alice: " + *alice_hash_ + "\n");
  EXPECT_EQ(status_of(trusted("/metrics")), 401);
  Request with_password = trusted("/metrics");
  with_password.user_password = "alice:wonderland";
  EXPECT_EQ(status_of(with_password), 200);
}

TEST_F(TlsTest, ApplySwapsUsersWithoutRestartingTheListener) {
  start_with("basic_auth_users:\n  alice: " + *alice_hash_ + "\n");
  EXPECT_EQ(status_of(plain("/metrics", "alice:wonderland")), 200);

  restart_with("basic_auth_users:\n  alice: " + *alice_new_hash_ + "\n");
  EXPECT_EQ(status_of(plain("/metrics", "alice:wonderland")), 401);
  EXPECT_EQ(status_of(plain("/metrics", "alice:looking-glass")), 200);

  ASSERT_TRUE(server_->apply_web_config(web_config("")));
  EXPECT_EQ(status_of(plain("/metrics")), 200);
}

TEST_F(TlsTest, ApplyRotatesTheCertificateForNewHandshakes) {
  start_with(tls_yaml(*first_));
  auto before = fetch(trusted("/metrics"));
  ASSERT_TRUE(before) << before.error();
  EXPECT_THAT(before->server_subject, HasSubstr("CN=first"));

  restart_with(tls_yaml(*second_));
  auto after = fetch(trusted("/metrics"));
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(after->status, 200);
  EXPECT_THAT(after->server_subject, HasSubstr("CN=second"));

  // Client auth tightened in place, too.
  ASSERT_TRUE(server_->apply_web_config(
      web_config(tls_yaml(*second_, verify_clients("RequireAndVerifyClientCert")))));
  EXPECT_FALSE(fetch(trusted("/metrics")));
  EXPECT_EQ(status_of(trusted("/metrics", client_)), 200);
}

TEST_F(TlsTest, TurningTlsOnAndOffRestartsTheListenerOnTheSamePort) {
  start_with("");
  EXPECT_FALSE(server_->tls_enabled());

  restart_with(tls_yaml(*first_));
  EXPECT_TRUE(server_->tls_enabled());
  EXPECT_EQ(status_of(trusted("/metrics")), 200);
  auto plain_attempt = fetch(plain("/metrics"));
  EXPECT_FALSE(plain_attempt && plain_attempt->status == 200);

  restart_with("");
  EXPECT_FALSE(server_->tls_enabled());
  EXPECT_EQ(status_of(plain("/metrics")), 200);
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
  EXPECT_EQ(status_of(trusted("/metrics")), 200);

  // And back, through the TLS listener this time.
  pending_ = web_config("");
  EXPECT_EQ(status_of(trusted("/-/reload") /* GET by default */), 405);
  Request post = trusted("/-/reload");
  post.method = "POST";
  EXPECT_EQ(status_of(post), 200);
  ASSERT_TRUE(server_->wait_for_listener_restart());
  EXPECT_EQ(status_of(plain("/metrics")), 200);
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
