// HttpStub: a scripted HTTP/1.1 server on 127.0.0.1 (a free port) for testing clients'
// error handling without a real peer. Each request takes the next scripted answer (a status
// with headers and body, a hang, or a dropped connection) and is recorded. One connection at a
// time, one request per connection (`Connection: close`). Thread-safe: script and inspect it
// from the test thread while its own thread serves.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace slamon::testing {

struct StubResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Wait this long before answering; the wait ends early when the client hangs up or the
  // stub stops.
  std::chrono::milliseconds hang{0};
  // Close the connection right after reading the request, without answering.
  bool close_without_answer = false;

  static StubResponse json(int status, std::string body);
  static StubResponse text(int status, std::string body, std::string content_type = "text/plain");
  static StubResponse hang_for(std::chrono::milliseconds duration);
  static StubResponse drop();
};

struct RecordedRequest {
  std::string method;
  std::string target;                          // as sent: path and query
  std::string path;                            // target without the query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // The header's value, or "" when absent (`name` is case-insensitive).
  std::string header(const std::string& name) const;
};

class HttpStub {
 public:
  HttpStub();  // listens at once; throws std::runtime_error when it cannot
  ~HttpStub();
  HttpStub(const HttpStub&) = delete;
  HttpStub& operator=(const HttpStub&) = delete;

  std::string url() const;  // http://127.0.0.1:PORT
  int port() const { return port_; }

  // Answers are used in order; when none is left, `fallback` answers (default: 404).
  void enqueue(StubResponse response);
  void set_fallback(StubResponse response);

  std::vector<RecordedRequest> requests() const;
  std::size_t request_count() const;

 private:
  void serve();
  void handle(int client);
  StubResponse next_response();

  int listener_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  mutable std::mutex mutex_;
  std::deque<StubResponse> script_;
  StubResponse fallback_;
  std::vector<RecordedRequest> requests_;
  std::thread thread_;
};

}  // namespace slamon::testing
