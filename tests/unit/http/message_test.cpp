#include "http/message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace slamon::http {
namespace {

TEST(UrlDecode, DecodesPercentEscapes) {
  EXPECT_EQ(url_decode("a%20b%2Fc%C3%BC", false), "a b/c\xC3\xBC");
  EXPECT_EQ(url_decode("%41%4a%4A", false), "AJJ");
}

TEST(UrlDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(url_decode("a+b", false), "a+b");
  EXPECT_EQ(url_decode("a+b", true), "a b");
  EXPECT_EQ(url_decode("a%2Bb", true), "a+b");
}

TEST(UrlDecode, KeepsMalformedEscapes) {
  EXPECT_EQ(url_decode("100%", false), "100%");
  EXPECT_EQ(url_decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(url_decode("%", true), "%");
}

TEST(ParseQueryString, DecodesNamesAndValues) {
  QueryParams params = parse_query_string("q=a%20b&plus=c+d&na%6De=v&flag&&empty=");
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params.find("q")->second, "a b");
  EXPECT_EQ(params.find("plus")->second, "c d");
  EXPECT_EQ(params.find("name")->second, "v");
  EXPECT_EQ(params.find("flag")->second, "");
  EXPECT_EQ(params.find("empty")->second, "");
}

TEST(ParseQueryString, KeepsRepeatedNamesInOrder) {
  QueryParams params = parse_query_string("s=a&s=b&x=1&s=c");
  auto [first, last] = params.equal_range("s");
  std::vector<std::string> values;
  for (auto it = first; it != last; ++it) values.push_back(it->second);
  EXPECT_EQ(values, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(HttpRequest, HeaderLookupIgnoresCase) {
  HttpRequest request;
  request.headers.emplace("Content-Type", "application/json");
  request.headers.emplace("X-Thing", "first");
  request.headers.emplace("x-thing", "second");
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(request.header("X-THING"), "first");
  EXPECT_EQ(request.headers.count("x-Thing"), 2u);
  EXPECT_EQ(request.header("Accept"), std::nullopt);
}

TEST(HttpRequest, QueryAndPathParamAccessors) {
  HttpRequest request;
  request.query_params = parse_query_string("limit=10&limit=20");
  request.path_params.emplace("policy_id", "p-1");
  EXPECT_EQ(request.query("limit"), "10");
  EXPECT_EQ(request.query("offset"), std::nullopt);
  EXPECT_EQ(request.path_param("policy_id"), "p-1");
  EXPECT_EQ(request.path_param("breach_id"), "");
}

TEST(HttpResponse, ErrorHasTheSpecShape) {
  HttpResponse response = HttpResponse::error(404, "not_found", "no \"such\" thing");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.find("content-type")->second, "application/json; charset=utf-8");
  EXPECT_EQ(response.body, R"({"error":{"code":"not_found","message":"no \"such\" thing"}})");
}

TEST(HttpResponse, ErrorSurvivesInvalidUtf8InTheMessage) {
  HttpResponse response = HttpResponse::error(404, "not_found", "bad \xFF byte");
  auto parsed = nlohmann::json::parse(response.body);
  EXPECT_EQ(parsed["error"]["message"], "bad \xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace slamon::http
