// ApiClient: a libcurl client for the REST API tests (unit and integration): any method, any
// Authorization header, a body with its Content-Type, and the answer's status, headers and
// body. One easy handle per client, so each test thread uses its own ApiClient.
// Not thread-safe (one client per thread).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

typedef void CURL;

namespace slamon::api::testing {

struct Reply {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_case_name) const;
  // The body as JSON; a JSON null when it is not JSON (the test then fails on its shape).
  nlohmann::json json() const;
};

struct Request {
  std::string method = "GET";
  std::string path;                          // with the query string
  std::optional<std::string> authorization;  // the whole header value, e.g. "Bearer abc"
  std::optional<std::string> body;
  std::optional<std::string> content_type = "application/json";  // sent only with a body
};

class ApiClient {
 public:
  explicit ApiClient(int port);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Throws std::runtime_error when the server does not answer (a test failure, not a status).
  Reply send(const Request& request);

  // Shorthands with `Authorization: Bearer <token>` (none when `token` is empty).
  Reply get(const std::string& path, const std::string& token);
  Reply post(const std::string& path, const std::string& token, const std::string& body);
  Reply patch(const std::string& path, const std::string& token, const std::string& body);
  Reply del(const std::string& path, const std::string& token);

 private:
  std::string base_url_;
  CURL* curl_;
};

std::optional<std::string> bearer(const std::string& token);

// True when `reply` is an error in the SPEC §11 shape with `code`: exactly
// {"error": {"code", "message"[, "details"]}}, details present only for 422.
::testing::AssertionResult is_api_error(const Reply& reply, int status, const std::string& code);

}  // namespace slamon::api::testing
