#include "http/router.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace slamon::http {

namespace {

// Splits "/a/b/" into {"a", "b", ""}: the empty segments are kept so "/a/" does not match
// "/a" and "//" does not match "/{x}".
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  path.remove_prefix(1);
  while (true) {
    std::size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

bool valid_placeholder_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::vector<Router::Segment> Router::parse_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  std::vector<Segment> segments;
  std::set<std::string_view> names;
  for (std::string_view part : split_path(pattern)) {
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      std::string_view name = part.substr(1, part.size() - 2);
      if (!valid_placeholder_name(name) || !names.insert(name).second) {
        throw std::invalid_argument("bad placeholder in route pattern: " + std::string(pattern));
      }
      segments.push_back({std::string(name), true});
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) {
        throw std::invalid_argument("bad placeholder in route pattern: " + std::string(pattern));
      }
      segments.push_back({std::string(part), false});
    }
  }
  return segments;
}

bool Router::same_shape(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Segment& x, const Segment& y) {
    return x.placeholder == y.placeholder && (x.placeholder || x.text == y.text);
  });
}

bool Router::more_specific(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].placeholder != b[i].placeholder) return !a[i].placeholder;
  }
  return false;
}

void Router::handle(std::string_view method, std::string_view pattern, Handler handler) {
  if (method.empty()) throw std::invalid_argument("route method must not be empty");
  if (!handler) throw std::invalid_argument("route handler must not be empty");
  std::vector<Segment> segments = parse_pattern(pattern);
  for (const Route& route : routes_) {
    if (route.method == method && same_shape(route.segments, segments)) {
      throw std::invalid_argument("route registered twice: " + std::string(method) + " " +
                                  std::string(pattern));
    }
  }
  routes_.push_back({std::string(method), std::move(segments), std::move(handler)});
}

Router::Match Router::match(std::string_view method, std::string_view raw_path) const {
  if (raw_path.empty() || raw_path.front() != '/') return NotFound{};
  std::vector<std::string> parts;
  for (std::string_view part : split_path(raw_path)) parts.push_back(url_decode(part, false));

  auto matches_path = [&](const Route& route) {
    if (route.segments.size() != parts.size()) return false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const Segment& segment = route.segments[i];
      if (segment.placeholder ? parts[i].empty() : segment.text != parts[i]) return false;
    }
    return true;
  };

  const Route* best = nullptr;
  const Route* best_get = nullptr;  // serves HEAD when no HEAD route matches
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (!matches_path(route)) continue;
    allowed.insert(route.method);
    if (route.method == method && (!best || more_specific(route.segments, best->segments))) {
      best = &route;
    }
    if (route.method == "GET" && (!best_get || more_specific(route.segments, best_get->segments))) {
      best_get = &route;
    }
  }
  if (!best && method == "HEAD") best = best_get;
  if (allowed.empty()) return NotFound{};
  if (!best) {
    if (allowed.contains("GET")) allowed.insert("HEAD");
    std::string allow;
    for (const std::string& m : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += m;
    }
    return MethodNotAllowed{std::move(allow)};
  }

  PathParams params;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (best->segments[i].placeholder) params.emplace(best->segments[i].text, std::move(parts[i]));
  }
  return Found{&best->handler, std::move(params)};
}

}  // namespace slamon::http
