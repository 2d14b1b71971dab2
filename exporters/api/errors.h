// ApiError: the one shape every REST API failure takes (SPEC §11):
// {"error": {"code": "...", "message": "...", "details": [{"field": "...", "message": "..."}]}},
// with `details` only on 422. Also the JSON success response. Plain values; thread-safe as
// values are.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/message.h"

namespace slamon::api {

struct FieldError {
  std::string field;  // dotted path of the offending field; empty for the body as a whole
  std::string message;
};

struct ApiError {
  int status = 500;
  std::string code;
  std::string message;
  std::vector<FieldError> details;                           // only for 422 validation_failed
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. WWW-Authenticate

  http::HttpResponse response() const;
};

template <typename T>
using ApiResult = std::expected<T, ApiError>;

inline constexpr std::size_t kMaxFieldErrors = 100;

ApiError bad_request(std::string message);
ApiError unauthorized();
ApiError forbidden(std::string message);
ApiError not_found(std::string message);
ApiError conflict(std::string message);
ApiError unsupported_media_type(std::string message);
ApiError validation_failed(std::vector<FieldError> details);
ApiError validation_failed(std::string field, std::string message);
ApiError rate_limited(std::chrono::seconds retry_after);
// A failure that is slamon's, not the caller's: the body says nothing more, and `log_detail`
// (which may name a database error) goes only to the log.
ApiError internal(std::string_view what, std::string_view log_detail);

// A JSON body with `status`; invalid UTF-8 in strings is replaced rather than thrown on.
http::HttpResponse json_response(int status, const nlohmann::json& body);

}  // namespace slamon::api
