// PrometheusSource against the scripted HttpStub: what it sends, and how each failure reads.
#include "prometheus/prometheus_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/http_stub.h"

namespace slamon {
namespace {

using std::chrono::milliseconds;
using testing::HttpStub;
using testing::StubResponse;

constexpr const char* kToken = "tok-3f9a1c77e2";
constexpr const char* kPassword = "pw-b81d4e0cc5";
constexpr const char* kUrlPassword = "urlpw-19c7d2";
constexpr const char* kUrlQuerySecret = "qsecret-77ab31";

const char* kVectorBody = R"({"status":"success","data":{"resultType":"vector","result":[)"
                          R"({"metric":{"site_id":"a"},"value":[1767225900,"99.5"]},)"
                          R"({"metric":{"site_id":"b"},"value":[1767225900,"NaN"]}]}})";

WallTime at_2026_01_01_0005() {
  return WallTime(std::chrono::seconds(1767225900)) + milliseconds(250);
}

SourceConfig source_for(const std::string& url) {
  SourceConfig config;
  config.name = "prom";
  config.url = url;
  config.timeout = milliseconds(5000);
  return config;
}

std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> form_fields(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    fields[url_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return fields;
}

// A port nothing listens on (bound once, then released).
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

void expect_no_secret(const std::string& message) {
  for (const char* secret : {kToken, kPassword, kUrlPassword, kUrlQuerySecret}) {
    EXPECT_EQ(message.find(secret), std::string::npos) << "secret leaked: " << message;
  }
}

TEST(PrometheusSource, PostsAnInstantQueryAndParsesTheVector) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(200, kVectorBody));
  PrometheusSource source(source_for(stub.url()));
  EXPECT_EQ(source.name(), "prom");

  const auto result =
      source.query(PromQlQuery{"avg by (site_id) (probe_success)"}, at_2026_01_01_0005());
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->samples.size(), 2u);
  EXPECT_EQ(result->samples[0].labels.at("site_id"), "a");
  EXPECT_EQ(result->samples[0].value, 99.5);
  EXPECT_TRUE(std::isnan(result->samples[1].value));
  EXPECT_GT(result->elapsed.count(), 0);

  const auto requests = stub.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/api/v1/query");
  EXPECT_EQ(requests[0].header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(requests[0].header("authorization"), "");
  const auto fields = form_fields(requests[0].body);
  EXPECT_EQ(fields.at("query"), "avg by (site_id) (probe_success)");
  EXPECT_EQ(fields.at("time"), "1767225900.250");
  EXPECT_EQ(fields.at("timeout"), "5s");
}

TEST(PrometheusSource, KeepsAPathPrefix) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(200, kVectorBody));
  PrometheusSource source(source_for(stub.url() + "/prometheus/"));
  ASSERT_TRUE(source.query(PromQlQuery{"up"}, at_2026_01_01_0005()));
  EXPECT_EQ(stub.requests().at(0).path, "/prometheus/api/v1/query");
}

TEST(PrometheusSource, ScalarResult) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(
      200, R"({"status":"success","data":{"resultType":"scalar","result":[1767225900,"+Inf"]}})"));
  PrometheusSource source(source_for(stub.url()));
  const auto result = source.query(PromQlQuery{"1/0"}, at_2026_01_01_0005());
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->samples.size(), 1u);
  EXPECT_TRUE(result->samples[0].labels.empty());
  EXPECT_TRUE(std::isinf(result->samples[0].value));
}

TEST(PrometheusSource, Http500CarriesPrometheusErrorText) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(
      500, R"({"status":"error","errorType":"internal","error":"tsdb: out of disk"})"));
  PrometheusSource source(source_for(stub.url()));
  const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "source \"prom\": POST " + stub.url() +
                                        "/api/v1/query: HTTP 500: internal: tsdb: out of disk");
}

TEST(PrometheusSource, Http400BadData) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(
      400,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error"})"));
  PrometheusSource source(source_for(stub.url()));
  const auto result = source.query(PromQlQuery{"foo("}, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find(
                "HTTP 400: bad_data: invalid parameter \"query\": 1:5: parse error"),
            std::string::npos)
      << result.error().message;
}

TEST(PrometheusSource, NonJsonErrorPageShowsOnlyTheStatus) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(502, "<html>Bad Gateway</html>", "text/html"));
  PrometheusSource source(source_for(stub.url()));
  const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message,
            "source \"prom\": POST " + stub.url() + "/api/v1/query: HTTP 502");
}

TEST(PrometheusSource, HtmlWithStatus200IsAProtocolError) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(200, "<html>login</html>", "text/html"));
  PrometheusSource source(source_for(stub.url()));
  const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("invalid Prometheus response: not JSON"), std::string::npos)
      << result.error().message;
}

TEST(PrometheusSource, PrometheusErrorWith200) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(
      200, R"({"status":"error","errorType":"timeout","error":"query timed out"})"));
  PrometheusSource source(source_for(stub.url()));
  const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("timeout: query timed out"), std::string::npos)
      << result.error().message;
}

TEST(PrometheusSource, TimeoutSaysItTimedOut) {
  HttpStub stub;
  stub.enqueue(StubResponse::hang_for(milliseconds(10000)));
  auto config = source_for(stub.url());
  config.timeout = milliseconds(200);
  PrometheusSource source(config);
  const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("source \"prom\""), std::string::npos);
  EXPECT_NE(result.error().message.find("timed out after 0.2 s"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(form_fields(stub.requests().at(0).body).at("timeout"), "200ms");
}

TEST(PrometheusSource, ConnectionRefused) {
  const int port = closed_port();
  PrometheusSource source(source_for("http://127.0.0.1:" + std::to_string(port)));
  const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("source \"prom\": POST http://127.0.0.1:" +
                                        std::to_string(port) + "/api/v1/query: "),
            std::string::npos)
      << result.error().message;
}

TEST(PrometheusSource, InvalidUrl) {
  PrometheusSource source(source_for("not a url"));
  const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("source \"prom\""), std::string::npos);
}

TEST(PrometheusSource, SendsBearerToken) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(200, kVectorBody));
  auto config = source_for(stub.url());
  config.http.authorization_type = "Bearer";
  config.http.authorization_credentials = kToken;
  PrometheusSource source(config);
  ASSERT_TRUE(source.query(PromQlQuery{"up"}, at_2026_01_01_0005()));
  EXPECT_EQ(stub.requests().at(0).header("authorization"), std::string("Bearer ") + kToken);
}

TEST(PrometheusSource, SendsBasicAuth) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(200, kVectorBody));
  auto config = source_for(stub.url());
  config.http.basic_auth_username = "slamon";
  config.http.basic_auth_password = "s3cret:pw";
  PrometheusSource source(config);
  ASSERT_TRUE(source.query(PromQlQuery{"up"}, at_2026_01_01_0005()));
  // base64("slamon:s3cret:pw")
  EXPECT_EQ(stub.requests().at(0).header("authorization"), "Basic c2xhbW9uOnMzY3JldDpwdw==");
}

TEST(PrometheusSource, ServesConcurrentQueries) {
  HttpStub stub;
  stub.set_fallback(StubResponse::json(200, kVectorBody));
  PrometheusSource source(source_for(stub.url()));
  constexpr int kThreads = 6;
  constexpr int kQueriesEach = 5;
  std::vector<int> successes(kThreads, 0);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&source, &successes, t] {
        for (int i = 0; i < kQueriesEach; ++i) {
          const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
          if (result && result->samples.size() == 2) ++successes[t];
        }
      });
    }
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(successes[t], kQueriesEach) << "thread " << t;
  EXPECT_EQ(stub.request_count(), static_cast<std::size_t>(kThreads * kQueriesEach));
}

// Every failure mode, with every kind of credential configured: no message carries one.
TEST(PrometheusSource, NoCredentialInAnyErrorMessage) {
  HttpStub stub;
  const std::string with_url_secrets = "http://user:" + std::string(kUrlPassword) +
                                       "@127.0.0.1:" + std::to_string(stub.port()) +
                                       "/?x=" + kUrlQuerySecret;
  const std::string refused = "http://user:" + std::string(kUrlPassword) +
                              "@127.0.0.1:" + std::to_string(closed_port()) +
                              "/?x=" + kUrlQuerySecret;

  for (const bool basic : {false, true}) {
    stub.enqueue(
        StubResponse::json(500, R"({"status":"error","errorType":"internal","error":"x"})"));
    stub.enqueue(StubResponse::text(401, "Unauthorized"));
    stub.enqueue(StubResponse::text(200, "garbage"));
    stub.enqueue(StubResponse::drop());
    stub.enqueue(StubResponse::hang_for(milliseconds(10000)));

    auto config = source_for(with_url_secrets);
    config.timeout = milliseconds(300);
    if (basic) {
      config.http.basic_auth_username = "u";
      config.http.basic_auth_password = kPassword;
    } else {
      config.http.authorization_type = "Bearer";
      config.http.authorization_credentials = kToken;
    }
    PrometheusSource source(config);
    for (int i = 0; i < 5; ++i) {
      const auto result = source.query(PromQlQuery{"up"}, at_2026_01_01_0005());
      ASSERT_FALSE(result) << "case " << i;
      expect_no_secret(result.error().message);
      EXPECT_NE(result.error().message.find("http://127.0.0.1:" + std::to_string(stub.port()) +
                                            "/api/v1/query"),
                std::string::npos)
          << result.error().message;
    }

    config.url = refused;
    PrometheusSource unreachable(config);
    const auto result = unreachable.query(PromQlQuery{"up"}, at_2026_01_01_0005());
    ASSERT_FALSE(result);
    expect_no_secret(result.error().message);
  }
  // The query string of the configured URL is kept on the wire.
  EXPECT_EQ(stub.requests().at(0).target, std::string("/api/v1/query?x=") + kUrlQuerySecret);
}

TEST(PrometheusSource, RefusesAnSnmpQueryWithoutAsking) {
  HttpStub stub;
  const auto source = make_prometheus_source(source_for(stub.url()));
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->name(), "prom");
  SnmpQuery reachability;
  reachability.builtin = "reachability";
  const auto result = source->query(reachability, at_2026_01_01_0005());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "a Prometheus source answers PromQL queries only");
  EXPECT_TRUE(stub.requests().empty());
}

}  // namespace
}  // namespace slamon
