// A minimal HTTP/1.0 client for talking to the slamon daemon under test on 127.0.0.1: one
// request per connection, the whole answer read until the server closes. Enough to check
// status codes, headers and bodies exactly as the daemon sends them. Thread-safe (no state).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "common/result.h"

namespace slamon::integration {

struct HttpAnswer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_case_name) const;
};

// Sends `method path` to 127.0.0.1:`port`; fails when nothing answers within `timeout` or the
// answer is not HTTP.
Result<HttpAnswer> http_request(int port, const std::string& method, const std::string& path,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace slamon::integration
