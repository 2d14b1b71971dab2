// The API's small pieces on their own: media types, JSON depth, paging, UTF-8 length, the
// error shape, and the rolling-window rate limiter.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/rate_limiter.h"
#include "api/request.h"

namespace slamon::api {
namespace {

using namespace std::chrono_literals;

TEST(MediaType, JsonWithAnOptionalUtf8Charset) {
  const auto json = BodyMediaTypes::json;
  EXPECT_TRUE(acceptable_media_type("application/json", json));
  EXPECT_TRUE(acceptable_media_type("Application/JSON", json));
  EXPECT_TRUE(acceptable_media_type("application/json; charset=utf-8", json));
  EXPECT_TRUE(acceptable_media_type("application/json;charset=\"UTF-8\"", json));
  EXPECT_TRUE(acceptable_media_type(" application/json ; ", json));
  EXPECT_FALSE(acceptable_media_type(std::nullopt, json));
  EXPECT_FALSE(acceptable_media_type("", json));
  EXPECT_FALSE(acceptable_media_type("text/json", json));
  EXPECT_FALSE(acceptable_media_type("application/json; charset=iso-8859-1", json));
  EXPECT_FALSE(acceptable_media_type("application/json; boundary=x", json));
  EXPECT_FALSE(acceptable_media_type("application/json; charset", json));
  EXPECT_FALSE(acceptable_media_type("application/merge-patch+json", json));
  EXPECT_TRUE(
      acceptable_media_type("application/merge-patch+json", BodyMediaTypes::json_or_merge_patch));
}

TEST(JsonDepth, CountsNesting) {
  EXPECT_EQ(json_depth(nlohmann::json(5)), 0);
  EXPECT_EQ(json_depth(nlohmann::json::object()), 1);
  EXPECT_EQ(json_depth(nlohmann::json::parse(R"({"a": {"b": [1, {"c": 2}]}, "d": []})")), 4);
  const std::string deep = std::string(50'000, '[') + std::string(50'000, ']');
  EXPECT_EQ(json_depth(nlohmann::json::parse(deep)), 50'000);
}

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80"), 3u);  // é ✓ 😀
}

http::HttpRequest with_query(const std::string& query) {
  http::HttpRequest request;
  request.query_params = http::parse_query_string(query);
  return request;
}

TEST(Paging, DefaultsAndBounds) {
  auto page = parse_page(with_query(""));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->limit, 50);
  EXPECT_EQ(page->offset, 0);
  page = parse_page(with_query("limit=200&offset=2147483647"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->limit, 200);
  EXPECT_EQ(page->offset, 2147483647);
  EXPECT_FALSE(parse_page(with_query("offset=2147483648")));
  const auto bad = parse_page(with_query("limit=0&offset=-1"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().status, 422);
  EXPECT_EQ(bad.error().details.size(), 2u);
}

TEST(ErrorShape, DetailsOnlyOn422) {
  const auto not_found_body = nlohmann::json::parse(not_found("policy not found").response().body);
  EXPECT_EQ(
      not_found_body,
      nlohmann::json::parse(R"({"error": {"code": "not_found", "message": "policy not found"}})"));
  const auto invalid = validation_failed("name", "must not be empty").response();
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(nlohmann::json::parse(invalid.body)["error"]["details"],
            nlohmann::json::parse(R"([{"field": "name", "message": "must not be empty"}])"));
  const auto limited = rate_limited(0s).response();
  EXPECT_EQ(limited.headers.find("Retry-After")->second, "1");
  const auto unauthenticated = unauthorized().response();
  EXPECT_EQ(unauthenticated.headers.find("WWW-Authenticate")->second, "Bearer");
  // Invalid UTF-8 in a message is replaced, not thrown on.
  EXPECT_EQ(bad_request("bad \xff byte").response().status, 400);
}

TEST(RateLimiter, AllowsNPerRollingWindowPerKey) {
  RateLimiter limiter(2, 60s);
  const RateLimiter::TimePoint t0{};
  EXPECT_TRUE(std::holds_alternative<RateLimiter::Granted>(limiter.acquire("a", t0)));
  EXPECT_TRUE(std::holds_alternative<RateLimiter::Granted>(limiter.acquire("a", t0 + 5s)));
  auto refused = limiter.acquire("a", t0 + 20s);
  ASSERT_TRUE(std::holds_alternative<RateLimiter::Refused>(refused));
  EXPECT_EQ(std::get<RateLimiter::Refused>(refused).retry_after, 40s);
  EXPECT_TRUE(std::holds_alternative<RateLimiter::Granted>(limiter.acquire("b", t0 + 20s)));
  refused = limiter.acquire("a", t0 + 59'999ms);
  EXPECT_EQ(std::get<RateLimiter::Refused>(refused).retry_after, 1s);
  EXPECT_TRUE(std::holds_alternative<RateLimiter::Granted>(limiter.acquire("a", t0 + 60s)));
  refused = limiter.acquire("a", t0 + 60s);
  EXPECT_EQ(std::get<RateLimiter::Refused>(refused).retry_after, 5s);
}

TEST(RateLimiter, ZeroAllowsNothing) {
  RateLimiter limiter(0, 60s);
  const auto refused = limiter.acquire("a", {});
  ASSERT_TRUE(std::holds_alternative<RateLimiter::Refused>(refused));
  EXPECT_EQ(std::get<RateLimiter::Refused>(refused).retry_after, 60s);
}

}  // namespace
}  // namespace slamon::api
