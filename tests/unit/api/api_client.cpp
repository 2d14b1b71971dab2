#include "api_client.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/strings.h"
#include "support/curl_capture.h"

namespace slamon::api::testing {

std::string Reply::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? "" : it->second;
}

nlohmann::json Reply::json() const {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

ApiClient::ApiClient(int port)
    : base_url_("http://127.0.0.1:" + std::to_string(port)), curl_(curl_easy_init()) {
  if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

ApiClient::~ApiClient() {
  curl_easy_cleanup(curl_);
}

Reply ApiClient::send(const Request& request) {
  Reply reply;
  curl_easy_reset(curl_);
  const std::string url = base_url_ + request.path;
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 30'000L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_PROXY, "");
  if (request.method == "HEAD") {
    curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  slamon::testing::CurlHeaderList headers;
  const auto add = [&](const std::string& line) { slamon::testing::append_header(headers, line); };
  add("Expect:");  // no 100-continue round trip
  if (request.authorization) add("Authorization: " + *request.authorization);
  if (request.body) {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body->data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body->size()));
    // "Content-Type:" with no value removes libcurl's form default.
    add("Content-Type:" + (request.content_type ? " " + *request.content_type : std::string()));
  }
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers.get());
  slamon::testing::CurlReceived received;
  slamon::testing::receive_into(curl_, received);
  const CURLcode code = curl_easy_perform(curl_);
  if (code != CURLE_OK) {
    throw std::runtime_error(request.method + " " + url + ": " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = std::move(received.body);
  for (auto& [name, value] : received.headers)
    reply.headers[to_lower_ascii(name)] = std::move(value);
  return reply;
}

std::optional<std::string> bearer(const std::string& token) {
  if (token.empty()) return std::nullopt;
  return "Bearer " + token;
}

Reply ApiClient::get(const std::string& path, const std::string& token) {
  return send({"GET", path, bearer(token), std::nullopt, std::nullopt});
}

Reply ApiClient::post(const std::string& path, const std::string& token, const std::string& body) {
  return send({"POST", path, bearer(token), body, "application/json"});
}

Reply ApiClient::patch(const std::string& path, const std::string& token, const std::string& body) {
  return send({"PATCH", path, bearer(token), body, "application/json"});
}

Reply ApiClient::del(const std::string& path, const std::string& token) {
  return send({"DELETE", path, bearer(token), std::nullopt, std::nullopt});
}

::testing::AssertionResult is_api_error(const Reply& reply, int status, const std::string& code) {
  if (reply.status != status) {
    return ::testing::AssertionFailure()
           << "status " << reply.status << " instead of " << status << "; body " << reply.body;
  }
  const nlohmann::json body = reply.json();
  if (!body.is_object() || body.size() != 1 || !body.contains("error") ||
      !body["error"].is_object()) {
    return ::testing::AssertionFailure() << "not {\"error\": {...}}: " << reply.body;
  }
  const nlohmann::json& error = body["error"];
  const bool with_details = status == 422;
  const std::size_t expected_keys = with_details ? 3 : 2;
  if (error.size() != expected_keys || !error.contains("code") || !error["code"].is_string() ||
      !error.contains("message") || !error["message"].is_string() ||
      error["message"].get<std::string>().empty()) {
    return ::testing::AssertionFailure() << "error members are not code, message"
                                         << (with_details ? ", details" : "") << ": " << reply.body;
  }
  if (with_details) {
    const nlohmann::json& details = error.value("details", nlohmann::json());
    if (!details.is_array() || details.empty()) {
      return ::testing::AssertionFailure() << "422 without details: " << reply.body;
    }
    for (const auto& detail : details) {
      if (!detail.is_object() || detail.size() != 2 || !detail.contains("field") ||
          !detail["field"].is_string() || !detail.contains("message") ||
          !detail["message"].is_string()) {
        return ::testing::AssertionFailure() << "a detail is not {field, message}: " << reply.body;
      }
    }
  }
  if (error["code"] != code) {
    return ::testing::AssertionFailure() << "code " << error["code"] << " instead of " << code;
  }
  if (reply.header("content-type").rfind("application/json", 0) != 0) {
    return ::testing::AssertionFailure() << "Content-Type " << reply.header("content-type");
  }
  return ::testing::AssertionSuccess();
}

}  // namespace slamon::api::testing
