#include "http/router.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

// A router built from `routes`, asked each of `probes`: the body of the handler it matched,
// "404", or "405 <Allow>", and the path parameters where a probe names them.
struct RoutingCase {
  struct Route {
    std::string method, pattern, body;
  };
  struct Probe {
    std::string method, path, expected;
    std::optional<PathParams> params = std::nullopt;
  };
  std::string name;
  std::vector<Route> routes;
  std::vector<Probe> probes;
};

class RoutingTest : public ::testing::TestWithParam<RoutingCase> {};

TEST_P(RoutingTest, AnswersEachProbe) {
  Router router;
  for (const RoutingCase::Route& r : GetParam().routes) {
    router.handle(r.method, r.pattern, answering(r.body));
  }
  for (const RoutingCase::Probe& probe : GetParam().probes) {
    SCOPED_TRACE(probe.method + " " + probe.path);
    PathParams params;
    EXPECT_EQ(route(router, probe.method, probe.path, &params), probe.expected);
    if (probe.params) {
      EXPECT_EQ(params, *probe.params);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Router, RoutingTest,
    ::testing::Values(
        RoutingCase{"literal_paths",
                    {{"GET", "/", "root"},
                     {"GET", "/metrics", "metrics"},
                     {"GET", "/-/healthy", "healthy"}},
                    {{"GET", "/", "root"},
                     {"GET", "/metrics", "metrics"},
                     {"GET", "/-/healthy", "healthy"},
                     {"GET", "/metrics/", "404"},
                     {"GET", "/metric", "404"},
                     {"GET", "//metrics", "404"},
                     {"GET", "", "404"}}},
        RoutingCase{
            "path_params_extracted_and_decoded",
            {{"POST", "/breaches/{breach_id}/acknowledge", "ack"}, {"GET", "/a/{x}/b/{y}", "ab"}},
            {{"POST", "/breaches/b-42/acknowledge", "ack", PathParams{{"breach_id", "b-42"}}},
             {"GET", "/a/one%2Ftwo/b/x%20y", "ab", PathParams{{"x", "one/two"}, {"y", "x y"}}}}},
        RoutingCase{"placeholder_needs_a_non_empty_segment",
                    {{"GET", "/policies/{policy_id}", "policy"}},
                    {{"GET", "/policies/", "404"},
                     {"GET", "/policies", "404"},
                     {"GET", "/policies/x/y", "404"}}},
        RoutingCase{"literal_segment_beats_placeholder_whatever_the_order",
                    {{"GET", "/policies/{policy_id}", "by id"},
                     {"GET", "/policies/summary", "summary"},
                     {"GET", "/{a}/x", "param first"},
                     {"GET", "/policies/{b}/x", "literal first"}},
                    {{"GET", "/policies/summary", "summary"},
                     {"GET", "/policies/p1", "by id"},
                     {"GET", "/policies/p1/x", "literal first"},
                     {"GET", "/other/x", "param first"}}},
        RoutingCase{"falls_back_to_a_placeholder_route_that_has_the_method",
                    {{"GET", "/policies/summary", "summary"},
                     {"DELETE", "/policies/{policy_id}", "delete"}},
                    {{"DELETE", "/policies/summary", "delete"}}},
        RoutingCase{"wrong_method_lists_allowed_methods",
                    {{"GET", "/report-schedules", "list"},
                     {"POST", "/report-schedules", "create"},
                     {"PUT", "/report-schedules/{id}", "put"},
                     {"DELETE", "/report-schedules/{id}", "delete"}},
                    {{"PATCH", "/report-schedules", "405 GET, HEAD, POST"},
                     {"GET", "/report-schedules/s1", "405 DELETE, PUT"}}},
        RoutingCase{"head_uses_the_get_handler",
                    {{"GET", "/metrics", "metrics"}, {"POST", "/-/reload", "reload"}},
                    {{"HEAD", "/metrics", "metrics"}, {"HEAD", "/-/reload", "405 POST"}}}),
    [](const auto& info) { return info.param.name; });

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
