// Reading API requests: the JSON body (media type, well-formedness, nesting depth, object
// shape), paging and other query parameters, with every refusal as an ApiError in the SPEC §11
// shape. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "common/clock.h"
#include "common/strings.h"
#include "http/message.h"

namespace slamon::api {

inline constexpr int kDefaultLimit = 50;
inline constexpr int kMaxLimit = 200;
// A policy is three levels deep; anything far deeper is refused before it reaches recursive code.
inline constexpr int kMaxJsonDepth = 32;

enum class BodyMediaTypes { json, json_or_merge_patch };

// Is `content_type` application/json (or, when allowed, application/merge-patch+json), with
// at most a charset=utf-8 parameter?
bool acceptable_media_type(std::optional<std::string_view> content_type, BodyMediaTypes accepted);

// The body as a JSON object: 415 for another media type, 400 when it is not JSON (or not
// UTF-8), 422 when it nests deeper than kMaxJsonDepth or is not an object.
ApiResult<nlohmann::json> parse_json_object(const http::HttpRequest& request,
                                            BodyMediaTypes accepted);

// How deep `value` nests (a scalar is 0, [] or {} is 1); computed without recursion.
int json_depth(const nlohmann::json& value);

struct Page {
  int limit = kDefaultLimit;
  int offset = 0;
};
// ?limit= (1..200, default 50) and ?offset= (>= 0, default 0); anything else is 422.
ApiResult<Page> parse_page(const http::HttpRequest& request);

// A query parameter that must not be empty when present (422 otherwise).
ApiResult<std::optional<std::string>> optional_query(const http::HttpRequest& request,
                                                     std::string_view name);

// For lists that report every bad parameter at once: ?limit= and ?offset= (the defaults when
// either is wrong, its problems added to `problems`), and an id filter (?site_id=), lower-cased
// as ids are compared, nullopt when absent, a problem added when it is empty.
Page page_query(const http::HttpRequest& request, std::vector<FieldError>& problems);
std::optional<std::string> id_query(const http::HttpRequest& request, std::string_view name,
                                    std::vector<FieldError>& problems);

// A list filter naming one value of an enumeration (?status=active): `parse` is the
// enumeration's parser (model/model.h). Nullopt when absent; a problem naming `choices` is
// added to `problems` when the parameter is empty or not a value `parse` knows.
template <typename Parse>
auto enum_query(const http::HttpRequest& request, std::string_view name, Parse parse,
                std::string_view choices, std::vector<FieldError>& problems)
    -> decltype(parse(std::string_view())) {
  auto text = optional_query(request, name);
  if (!text) {
    problems.push_back(text.error().details.front());
    return std::nullopt;
  }
  if (!*text) return std::nullopt;
  auto value = parse(**text);
  if (!value) problems.push_back({std::string(name), "must be one of " + std::string(choices)});
  return value;
}

// A query parameter that, when present, must be an RFC 3339 date-time with a UTC offset
// (model/maintenance_json.h parse_rfc3339_time); 422 otherwise.
ApiResult<std::optional<WallTime>> optional_time_query(const http::HttpRequest& request,
                                                       std::string_view name);

using slamon::to_lower_ascii;  // common/strings.h
using slamon::utf8_length;     // common/strings.h

}  // namespace slamon::api
