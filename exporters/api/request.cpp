#include "api/request.h"

#include <charconv>
#include <limits>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "model/maintenance_json.h"

namespace slamon::api {

namespace {

std::string unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    return std::string(text.substr(1, text.size() - 2));
  return std::string(text);
}

ApiResult<long long> integer_query(const http::HttpRequest& request, std::string_view name,
                                   long long fallback, long long min, long long max) {
  const auto text = request.query(name);
  if (!text) return fallback;
  long long value = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  const auto [stop, ec] = std::from_chars(begin, end, value);
  const std::string range = std::to_string(min) + " and " + std::to_string(max);
  if (text->empty() || ec != std::errc() || stop != end || value < min || value > max) {
    return std::unexpected(
        validation_failed(std::string(name), "must be an integer between " + range));
  }
  return value;
}

}  // namespace

ApiResult<std::optional<WallTime>> optional_time_query(const http::HttpRequest& request,
                                                       std::string_view name) {
  const auto value = request.query(name);
  if (!value) return std::optional<WallTime>();
  const auto parsed = parse_rfc3339_time(*value);
  if (!parsed) {
    return std::unexpected(validation_failed(
        std::string(name), "must be an RFC 3339 date-time, e.g. 2026-11-01T00:00:00Z"));
  }
  return std::optional<WallTime>(*parsed);
}

bool acceptable_media_type(std::optional<std::string_view> content_type, BodyMediaTypes accepted) {
  if (!content_type) return false;
  std::vector<std::string_view> pieces;
  for (std::string_view rest = *content_type;;) {
    const auto semicolon = rest.find(';');
    pieces.push_back(trim(rest.substr(0, semicolon), " \t"));
    if (semicolon == std::string_view::npos) break;
    rest = rest.substr(semicolon + 1);
  }
  const std::string type = to_lower_ascii(pieces.front());
  const bool type_ok =
      type == "application/json" ||
      (accepted == BodyMediaTypes::json_or_merge_patch && type == "application/merge-patch+json");
  if (!type_ok) return false;
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    if (pieces[i].empty()) continue;
    const auto equals = pieces[i].find('=');
    if (equals == std::string_view::npos) return false;
    const std::string name = to_lower_ascii(trim(pieces[i].substr(0, equals), " \t"));
    const std::string value = to_lower_ascii(unquote(trim(pieces[i].substr(equals + 1), " \t")));
    // JSON is UTF-8 (RFC 8259); a body declared in another charset is not one we can read.
    if (name != "charset" || (value != "utf-8" && value != "utf8")) return false;
  }
  return true;
}

int json_depth(const nlohmann::json& value) {
  int deepest = 0;
  std::vector<std::pair<const nlohmann::json*, int>> pending{{&value, 0}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const auto& child : *node) pending.emplace_back(&child, depth + 1);
  }
  return deepest;
}

ApiResult<nlohmann::json> parse_json_object(const http::HttpRequest& request,
                                            BodyMediaTypes accepted) {
  if (!acceptable_media_type(request.header("Content-Type"), accepted)) {
    return std::unexpected(unsupported_media_type(
        accepted == BodyMediaTypes::json
            ? "the body must be JSON: send Content-Type: application/json"
            : "the body must be JSON: send Content-Type: application/json or "
              "application/merge-patch+json"));
  }
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    return std::unexpected(
        bad_request("the body is not valid JSON (error at byte " + std::to_string(e.byte) + ")"));
  }
  if (json_depth(body) > kMaxJsonDepth) {
    return std::unexpected(validation_failed(
        "", "the body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels"));
  }
  if (!body.is_object()) {
    return std::unexpected(validation_failed("", "the body must be a JSON object"));
  }
  return body;
}

ApiResult<Page> parse_page(const http::HttpRequest& request) {
  std::vector<FieldError> problems;
  Page page;
  if (auto limit = integer_query(request, "limit", kDefaultLimit, 1, kMaxLimit)) {
    page.limit = static_cast<int>(*limit);
  } else {
    problems.push_back(limit.error().details.front());
  }
  if (auto offset = integer_query(request, "offset", 0, 0, std::numeric_limits<int>::max())) {
    page.offset = static_cast<int>(*offset);
  } else {
    problems.push_back(offset.error().details.front());
  }
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));
  return page;
}

ApiResult<std::optional<std::string>> optional_query(const http::HttpRequest& request,
                                                     std::string_view name) {
  const auto value = request.query(name);
  if (!value) return std::optional<std::string>();
  if (value->empty())
    return std::unexpected(validation_failed(std::string(name), "must not be empty"));
  return std::optional<std::string>(std::string(*value));
}

Page page_query(const http::HttpRequest& request, std::vector<FieldError>& problems) {
  auto page = parse_page(request);
  if (page) return *page;
  problems.insert(problems.end(), page.error().details.begin(), page.error().details.end());
  return Page{};
}

std::optional<std::string> id_query(const http::HttpRequest& request, std::string_view name,
                                    std::vector<FieldError>& problems) {
  auto text = optional_query(request, name);
  if (!text) {
    problems.push_back(text.error().details.front());
    return std::nullopt;
  }
  return *text ? std::optional(to_lower_ascii(**text)) : std::nullopt;
}

}  // namespace slamon::api
