// Router: maps (method, path) to a handler. Patterns are absolute paths whose segments are
// literals or `{name}` placeholders matching one non-empty segment ("/policies/{policy_id}").
// When several patterns match a path, the most specific wins: segment by segment from the
// left, a literal beats a placeholder. HEAD is served by the GET handler when no HEAD route
// exists. Registering is not thread-safe; once built, a Router is only read, and concurrent
// match() calls are safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/message.h"

namespace slamon::http {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Receives each route a component installs: HttpServer::registrar() adds them to a server;
// tests pass a recorder to list exactly the routes that are registered.
using RouteRegistrar =
    std::function<void(std::string_view method, std::string_view pattern, Handler handler)>;

class Router {
 public:
  struct Found {
    const Handler* handler;
    PathParams path_params;
  };
  struct MethodNotAllowed {
    std::string allow;  // for the Allow header, e.g. "GET, HEAD, POST"
  };
  struct NotFound {};
  using Match = std::variant<Found, MethodNotAllowed, NotFound>;

  // Throws std::invalid_argument for a malformed pattern (not starting with '/', an empty or
  // unnamed placeholder, a placeholder name used twice) or a (method, pattern shape) that is
  // already registered: these are programming errors.
  void handle(std::string_view method, std::string_view pattern, Handler handler);

  // `path` is the raw (still percent-encoded) request path; segments are decoded after
  // splitting, so "%2F" inside a placeholder value stays part of that value.
  Match match(std::string_view method, std::string_view raw_path) const;

 private:
  struct Segment {
    std::string text;  // the literal, or the placeholder name
    bool placeholder = false;
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    Handler handler;
  };

  static std::vector<Segment> parse_pattern(std::string_view pattern);
  static bool same_shape(const std::vector<Segment>& a, const std::vector<Segment>& b);
  static bool more_specific(const std::vector<Segment>& a, const std::vector<Segment>& b);

  std::vector<Route> routes_;
};

}  // namespace slamon::http
