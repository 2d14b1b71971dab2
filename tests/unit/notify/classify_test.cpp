// The shared classification: Retry-After parsing, retryable statuses, details without secrets,
// and http_send's url_is_secret errors.
#include "notify/classify.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "sample_events.h"

namespace slamon::notify {
namespace {

using namespace testing;  // sample_events.h; test_now() is 2026-11-21T10:00:00Z, a Saturday
using std::chrono::milliseconds;
using std::chrono::seconds;

// A loopback port nothing listens on: bound, then released.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t size = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(ParseRetryAfter, DeltaSeconds) {
  EXPECT_EQ(parse_retry_after("2", test_now()), milliseconds(2000));
  EXPECT_EQ(parse_retry_after(" 120 ", test_now()), milliseconds(120000));
  EXPECT_EQ(parse_retry_after("0", test_now()), milliseconds(0));
  EXPECT_EQ(parse_retry_after("99999999999999999999999", test_now()),
            std::chrono::duration_cast<milliseconds>(kMaxRetryAfter));
}

TEST(ParseRetryAfter, HttpDatesRelativeToNow) {
  EXPECT_EQ(parse_retry_after("Sat, 21 Nov 2026 10:00:30 GMT", test_now()), seconds(30));
  EXPECT_EQ(parse_retry_after("Saturday, 21-Nov-26 10:01:00 GMT", test_now()), seconds(60));
  EXPECT_EQ(parse_retry_after("Sat Nov 21 10:00:05 2026", test_now()), seconds(5));
  EXPECT_EQ(parse_retry_after("Sat, 21 Nov 2026 09:00:00 GMT", test_now()), milliseconds(0));
}

TEST(ParseRetryAfter, UnparseableIsNone) {
  EXPECT_FALSE(parse_retry_after("", test_now()));
  EXPECT_FALSE(parse_retry_after("soon", test_now()));
  EXPECT_FALSE(parse_retry_after("-5", test_now()));
  EXPECT_FALSE(parse_retry_after("1.5", test_now()));
  EXPECT_FALSE(parse_retry_after("Sat, 21 Foo 2026 10:00:30 GMT", test_now()));
  EXPECT_FALSE(parse_retry_after("Sat, 21 Nov 2026 10:00:30 GMT trailing", test_now()));
}

TEST(RetryableStatus, FollowsTheSpec) {
  for (const long status : {408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L}) {
    EXPECT_TRUE(is_retryable_status(status)) << status;
  }
  for (const long status : {200L, 301L, 400L, 401L, 403L, 404L, 410L, 413L, 422L}) {
    EXPECT_FALSE(is_retryable_status(status)) << status;
  }
}

HttpRequest secret_request(const std::string& url) {
  HttpRequest request;
  request.method = HttpMethod::post;
  request.url = url;
  request.url_is_secret = true;
  request.context = "notifier \"ops-slack\"";
  request.timeout = seconds(5);
  return request;
}

TEST(ClassifyHttp, StatusesAndRetryAfter) {
  const HttpRequest request =
      secret_request("https://hooks.example/services/T1/B2/s3cr3tXXXXXXXXXXXXXXXX");
  HttpResponse response;
  response.status = 202;
  EXPECT_EQ(classify_http(response, request, test_now()).outcome, DeliveryOutcome::delivered);

  response.status = 503;
  response.headers = {{"retry-after", "Sat, 21 Nov 2026 10:02:00 GMT"}};
  DeliveryResult result = classify_http(response, request, test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_EQ(result.retry_after, milliseconds(120000));
  EXPECT_EQ(result.detail, "HTTP 503");

  response.status = 301;
  response.headers.clear();
  EXPECT_EQ(classify_http(response, request, test_now()).outcome, DeliveryOutcome::dead);

  response.status = 403;
  response.body = "token s3cr3tXXXXXXXXXXXXXXXX and password hunter2 refused\nsecond line";
  result = classify_http(response, request, test_now(), {"hunter2"});
  EXPECT_EQ(result.outcome, DeliveryOutcome::dead);
  EXPECT_EQ(result.detail,
            "HTTP 403: token <redacted> and password <redacted> refused second line");
}

TEST(ClassifyHttp, TransportErrorIsRetriedWithoutTheUrl) {
  const std::string url =
      "http://127.0.0.1:" + std::to_string(closed_port()) + "/services/T1/B2/s3cr3t";
  const HttpRequest request = secret_request(url);
  const auto response = http_send(request);
  ASSERT_FALSE(response);
  // http_send itself names no URL when it is secret...
  EXPECT_EQ(response.error().message.find("s3cr3t"), std::string::npos) << response.error().message;
  EXPECT_EQ(response.error().message.find("/services/"), std::string::npos);
  EXPECT_TRUE(response.error().message.starts_with("notifier \"ops-slack\": POST: "))
      << response.error().message;
  // ...and the detail drops the request prefix.
  const DeliveryResult result = classify_http(response, request, test_now());
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_FALSE(result.detail.starts_with("notifier")) << result.detail;
  EXPECT_FALSE(result.detail.empty());
  EXPECT_EQ(result.detail.find("s3cr3t"), std::string::npos);
}

TEST(GuardedSend, TurnsAnExceptionIntoARetry) {
  const DeliveryResult result =
      guarded_send([]() -> DeliveryResult { throw std::runtime_error("boom"); });
  EXPECT_EQ(result.outcome, DeliveryOutcome::retry);
  EXPECT_EQ(result.detail, "internal error: boom");
}

}  // namespace
}  // namespace slamon::notify
