// http_send and its helpers, against the scripted HttpStub.
#include "httpclient/http_client.h"

#include <gtest/gtest.h>

#include <string>

#include "support/http_stub.h"

namespace slamon {
namespace {

using std::chrono::milliseconds;
using testing::HttpStub;
using testing::StubResponse;

TEST(RedactUrl, KeepsSchemeHostPortAndPathOnly) {
  EXPECT_EQ(redact_url("http://127.0.0.1:9090"), "http://127.0.0.1:9090");
  EXPECT_EQ(redact_url("https://user:pa55@prom.example:9090/prom/api/v1/query?token=abc#frag"),
            "https://prom.example:9090/prom/api/v1/query");
  EXPECT_EQ(redact_url("http://a@b@host/x"), "http://host/x");
  EXPECT_EQ(redact_url("http://host?secret=1"), "http://host");
  EXPECT_EQ(redact_url("host:1/p?q"), "host:1/p");
  EXPECT_EQ(redact_url(""), "");
}

TEST(FormEncode, EscapesReservedCharacters) {
  EXPECT_EQ(form_encode({{"query", "avg by (site_id) (up{job=\"a b\"})"}, {"time", "1.5"}}),
            "query=avg+by+%28site_id%29+%28up%7Bjob%3D%22a+b%22%7D%29&time=1.5");
  EXPECT_EQ(form_encode({{"k", "ü&="}}), "k=%C3%BC%26%3D");
  EXPECT_EQ(form_encode({}), "");
}

TEST(FormatSeconds, IsShort) {
  EXPECT_EQ(format_seconds(milliseconds(200)), "0.2");
  EXPECT_EQ(format_seconds(milliseconds(30000)), "30");
  EXPECT_EQ(format_seconds(milliseconds(1500)), "1.5");
}

HttpRequest request_to(const HttpStub& stub, const std::string& path) {
  HttpRequest request;
  request.url = stub.url() + path;
  request.timeout = milliseconds(5000);
  request.context = "test";
  return request;
}

TEST(HttpSend, GetReturnsStatusBodyAndLowerCasedHeaders) {
  HttpStub stub;
  auto answer = StubResponse::text(200, "hello");
  answer.headers.emplace_back("X-Custom", "value 1");
  stub.enqueue(answer);

  const auto response = http_send(request_to(stub, "/path?x=1"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->ok());
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->header("x-custom"), "value 1");
  EXPECT_EQ(response->header("X-CUSTOM"), "value 1");
  EXPECT_EQ(response->header("content-type"), "text/plain");
  EXPECT_FALSE(response->header("x-absent"));

  const auto requests = stub.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/path?x=1");
  EXPECT_EQ(requests[0].path, "/path");
  EXPECT_NE(requests[0].header("user-agent").find("slamon/"), std::string::npos);
}

TEST(HttpSend, PostSendsBodyAndHeaders) {
  HttpStub stub;
  stub.enqueue(StubResponse::json(201, "{}"));
  auto request = request_to(stub, "/hook");
  request.method = HttpMethod::post;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = std::string(5000, 'x');  // large enough that curl would ask for 100-continue

  const auto response = http_send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  const auto requests = stub.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].header("content-type"), "application/json");
  EXPECT_EQ(requests[0].header("expect"), "");
  EXPECT_EQ(requests[0].body, request.body);
}

TEST(HttpSend, NonSuccessStatusIsAResponseNotAnError) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(503, "down"));
  const auto response = http_send(request_to(stub, "/"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 503);
  EXPECT_FALSE(response->ok());
}

TEST(HttpSend, DoesNotFollowRedirects) {
  HttpStub stub;
  auto redirect = StubResponse::text(302, "");
  redirect.headers.emplace_back("Location", stub.url() + "/elsewhere");
  stub.enqueue(redirect);
  const auto response = http_send(request_to(stub, "/"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(stub.request_count(), 1u);
}

TEST(HttpSend, BodyLargerThanTheCapIsAnError) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(200, std::string(100000, 'a')));
  auto request = request_to(stub, "/");
  request.max_response_bytes = 1000;
  const auto response = http_send(request);
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("larger than 1000 bytes"), std::string::npos)
      << response.error().message;
}

TEST(HttpSend, TimeoutSaysSo) {
  HttpStub stub;
  stub.enqueue(StubResponse::hang_for(milliseconds(10000)));
  auto request = request_to(stub, "/slow");
  request.timeout = milliseconds(200);
  const auto response = http_send(request);
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("timed out after 0.2 s"), std::string::npos)
      << response.error().message;
  EXPECT_NE(response.error().message.find("test: GET " + stub.url() + "/slow"), std::string::npos)
      << response.error().message;
}

TEST(HttpSend, DroppedConnectionIsAnError) {
  HttpStub stub;
  stub.enqueue(StubResponse::drop());
  const auto response = http_send(request_to(stub, "/"));
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("test: GET"), std::string::npos)
      << response.error().message;
}

TEST(HttpSend, OnlyHttpAndHttpsAreAllowed) {
  for (const std::string url : {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/"}) {
    HttpRequest request;
    request.url = url;
    const auto response = http_send(request);
    ASSERT_FALSE(response) << url;
    EXPECT_NE(response.error().message.find("not supported"), std::string::npos)
        << response.error().message;
  }
}

TEST(HttpSend, RejectsHeaderInjection) {
  HttpStub stub;
  auto request = request_to(stub, "/");
  request.headers = {{"X-A", "a\r\nX-Injected: 1"}};
  EXPECT_FALSE(http_send(request));
  request.headers = {{"Bad Name", "a"}};
  EXPECT_FALSE(http_send(request));
  request.headers.clear();
  request.auth.authorization_credentials = "tok\nen";
  const auto response = http_send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message.find("tok"), std::string::npos) << response.error().message;
  EXPECT_EQ(stub.request_count(), 0u);
}

TEST(HttpSend, AuthorizationHeaderWithCustomType) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(200, ""));
  auto request = request_to(stub, "/");
  request.auth.authorization_type = "Token";
  request.auth.authorization_credentials = "abc";
  ASSERT_TRUE(http_send(request));
  EXPECT_EQ(stub.requests().at(0).header("authorization"), "Token abc");
}

TEST(HttpSend, InsecureSkipVerifyIsAcceptedForPlainHttp) {
  HttpStub stub;
  stub.enqueue(StubResponse::text(200, "ok"));
  auto request = request_to(stub, "/");
  request.tls.insecure_skip_verify = true;
  const auto response = http_send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "ok");
}

TEST(HttpSend, MissingCaFileFailsTheTlsHandshakeSafely) {
  HttpStub stub;  // speaks plain HTTP, so the TLS handshake cannot succeed either way
  HttpRequest request;
  request.url = "https://127.0.0.1:" + std::to_string(stub.port()) + "/";
  request.timeout = milliseconds(5000);
  request.tls.ca_file = "/nonexistent/ca.pem";
  request.auth.authorization_credentials = "very-secret-token";
  const auto response = http_send(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message.find("very-secret-token"), std::string::npos);
}

}  // namespace
}  // namespace slamon
