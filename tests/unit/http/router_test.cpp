#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace slamon::http {
namespace {

Handler answering(std::string body) {
  return [body = std::move(body)](const HttpRequest&) { return HttpResponse::text(200, body); };
}

// Runs the matched handler and returns its body, or "404" / "405 <Allow>".
std::string route(const Router& router, std::string_view method, std::string_view path,
                  PathParams* params = nullptr) {
  Router::Match match = router.match(method, path);
  if (std::holds_alternative<Router::NotFound>(match)) return "404";
  if (auto* not_allowed = std::get_if<Router::MethodNotAllowed>(&match)) {
    return "405 " + not_allowed->allow;
  }
  auto& found = std::get<Router::Found>(match);
  if (params) *params = found.path_params;
  return (*found.handler)(HttpRequest{}).body;
}

TEST(Router, MatchesLiteralPaths) {
  Router router;
  router.handle("GET", "/", answering("root"));
  router.handle("GET", "/metrics", answering("metrics"));
  router.handle("GET", "/-/healthy", answering("healthy"));
  EXPECT_EQ(route(router, "GET", "/"), "root");
  EXPECT_EQ(route(router, "GET", "/metrics"), "metrics");
  EXPECT_EQ(route(router, "GET", "/-/healthy"), "healthy");
  EXPECT_EQ(route(router, "GET", "/metrics/"), "404");
  EXPECT_EQ(route(router, "GET", "/metric"), "404");
  EXPECT_EQ(route(router, "GET", "//metrics"), "404");
  EXPECT_EQ(route(router, "GET", ""), "404");
}

TEST(Router, ExtractsAndDecodesPathParams) {
  Router router;
  router.handle("POST", "/breaches/{breach_id}/acknowledge", answering("ack"));
  router.handle("GET", "/a/{x}/b/{y}", answering("ab"));
  PathParams params;
  EXPECT_EQ(route(router, "POST", "/breaches/b-42/acknowledge", &params), "ack");
  EXPECT_EQ(params, (PathParams{{"breach_id", "b-42"}}));
  EXPECT_EQ(route(router, "GET", "/a/one%2Ftwo/b/x%20y", &params), "ab");
  EXPECT_EQ(params, (PathParams{{"x", "one/two"}, {"y", "x y"}}));
}

TEST(Router, PlaceholderNeedsANonEmptySegment) {
  Router router;
  router.handle("GET", "/policies/{policy_id}", answering("policy"));
  EXPECT_EQ(route(router, "GET", "/policies/"), "404");
  EXPECT_EQ(route(router, "GET", "/policies"), "404");
  EXPECT_EQ(route(router, "GET", "/policies/x/y"), "404");
}

TEST(Router, LiteralSegmentBeatsPlaceholderWhateverTheOrder) {
  Router router;
  router.handle("GET", "/policies/{policy_id}", answering("by id"));
  router.handle("GET", "/policies/summary", answering("summary"));
  router.handle("GET", "/{a}/x", answering("param first"));
  router.handle("GET", "/policies/{b}/x", answering("literal first"));
  EXPECT_EQ(route(router, "GET", "/policies/summary"), "summary");
  EXPECT_EQ(route(router, "GET", "/policies/p1"), "by id");
  EXPECT_EQ(route(router, "GET", "/policies/p1/x"), "literal first");
  EXPECT_EQ(route(router, "GET", "/other/x"), "param first");
}

TEST(Router, FallsBackToAPlaceholderRouteThatHasTheMethod) {
  Router router;
  router.handle("GET", "/policies/summary", answering("summary"));
  router.handle("DELETE", "/policies/{policy_id}", answering("delete"));
  EXPECT_EQ(route(router, "DELETE", "/policies/summary"), "delete");
}

TEST(Router, WrongMethodListsAllowedMethods) {
  Router router;
  router.handle("GET", "/report-schedules", answering("list"));
  router.handle("POST", "/report-schedules", answering("create"));
  router.handle("PUT", "/report-schedules/{id}", answering("put"));
  router.handle("DELETE", "/report-schedules/{id}", answering("delete"));
  EXPECT_EQ(route(router, "PATCH", "/report-schedules"), "405 GET, HEAD, POST");
  EXPECT_EQ(route(router, "GET", "/report-schedules/s1"), "405 DELETE, PUT");
}

TEST(Router, HeadUsesTheGetHandler) {
  Router router;
  router.handle("GET", "/metrics", answering("metrics"));
  router.handle("POST", "/-/reload", answering("reload"));
  EXPECT_EQ(route(router, "HEAD", "/metrics"), "metrics");
  EXPECT_EQ(route(router, "HEAD", "/-/reload"), "405 POST");
}

TEST(Router, RejectsMalformedPatterns) {
  Router router;
  EXPECT_THROW(router.handle("GET", "metrics", answering("")), std::invalid_argument);
  EXPECT_THROW(router.handle("GET", "", answering("")), std::invalid_argument);
  EXPECT_THROW(router.handle("GET", "/a/{}", answering("")), std::invalid_argument);
  EXPECT_THROW(router.handle("GET", "/a/{b", answering("")), std::invalid_argument);
  EXPECT_THROW(router.handle("GET", "/a/x{b}", answering("")), std::invalid_argument);
  EXPECT_THROW(router.handle("GET", "/a/{b-c}", answering("")), std::invalid_argument);
  EXPECT_THROW(router.handle("GET", "/{a}/{a}", answering("")), std::invalid_argument);
  EXPECT_THROW(router.handle("", "/a", answering("")), std::invalid_argument);
  EXPECT_THROW(router.handle("GET", "/a", Handler{}), std::invalid_argument);
}

TEST(Router, RejectsDuplicateRoutes) {
  Router router;
  router.handle("GET", "/policies/{policy_id}", answering("one"));
  EXPECT_THROW(router.handle("GET", "/policies/{id}", answering("two")), std::invalid_argument);
  EXPECT_NO_THROW(router.handle("PATCH", "/policies/{id}", answering("patch")));
}

}  // namespace
}  // namespace slamon::http
