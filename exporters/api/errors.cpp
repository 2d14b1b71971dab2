#include "api/errors.h"

#include "common/log.h"

namespace slamon::api {

namespace {

ApiError make(int status, std::string code, std::string message) {
  ApiError error;
  error.status = status;
  error.code = std::move(code);
  error.message = std::move(message);
  return error;
}

}  // namespace

http::HttpResponse ApiError::response() const {
  nlohmann::json body = {{"code", code}, {"message", message}};
  if (status == 422) {
    nlohmann::json list = nlohmann::json::array();
    for (const FieldError& detail : details) {
      list.push_back({{"field", detail.field}, {"message", detail.message}});
    }
    body["details"] = std::move(list);
  }
  http::HttpResponse response = json_response(status, {{"error", std::move(body)}});
  for (const auto& [name, value] : headers) response.headers.emplace(name, value);
  return response;
}

ApiError bad_request(std::string message) {
  return make(400, "bad_request", std::move(message));
}

ApiError unauthorized() {
  ApiError error = make(401, "unauthorized", "missing or invalid credentials");
  error.headers.emplace_back("WWW-Authenticate", "Bearer");
  return error;
}

ApiError forbidden(std::string message) {
  return make(403, "forbidden", std::move(message));
}

ApiError not_found(std::string message) {
  return make(404, "not_found", std::move(message));
}

ApiError conflict(std::string message) {
  return make(409, "conflict", std::move(message));
}

ApiError unsupported_media_type(std::string message) {
  return make(415, "unsupported_media_type", std::move(message));
}

ApiError validation_failed(std::vector<FieldError> details) {
  if (details.size() > kMaxFieldErrors) details.resize(kMaxFieldErrors);
  ApiError error = make(422, "validation_failed", "the request is invalid; see details");
  error.details = std::move(details);
  return error;
}

ApiError validation_failed(std::string field, std::string message) {
  return validation_failed(std::vector<FieldError>{{std::move(field), std::move(message)}});
}

ApiError rate_limited(std::chrono::seconds retry_after) {
  const long long seconds = std::max<long long>(1, retry_after.count());
  ApiError error = make(
      429, "rate_limited",
      "too many evaluations for this organization; retry in " + std::to_string(seconds) + " s");
  error.headers.emplace_back("Retry-After", std::to_string(seconds));
  return error;
}

ApiError internal(std::string_view what, std::string_view log_detail) {
  log::error("API request failed", {{"what", what}, {"err", log_detail}});
  return make(500, "internal", "internal server error");
}

http::HttpResponse json_response(int status, const nlohmann::json& body) {
  return http::HttpResponse::json(
      status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace slamon::api
