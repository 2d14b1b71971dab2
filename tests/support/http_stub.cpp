#include "support/http_stub.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "common/strings.h"

namespace slamon::testing {

namespace {

constexpr std::size_t kMaxHeaderBytes = 1 << 20;
constexpr std::size_t kMaxBodyBytes = 64 << 20;
constexpr std::chrono::seconds kReadDeadline{10};

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

enum class Wait { readable, timeout, stopping };

// Waits until `fd` is readable, the stub is stopping, or `timeout` passes.
Wait wait_readable(int fd, int wake_fd, std::chrono::milliseconds timeout) {
  std::array<pollfd, 2> fds{{{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}}};
  for (;;) {
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return Wait::timeout;
    if (fds[1].revents != 0) return Wait::stopping;
    return Wait::readable;
  }
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return;  // the client went away; nothing to tell it
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
}

}  // namespace

StubResponse StubResponse::json(int status, std::string body) {
  return text(status, std::move(body), "application/json");
}

StubResponse StubResponse::text(int status, std::string body, std::string content_type) {
  StubResponse response;
  response.status = status;
  response.headers = {{"Content-Type", std::move(content_type)}};
  response.body = std::move(body);
  return response;
}

StubResponse StubResponse::hang_for(std::chrono::milliseconds duration) {
  StubResponse response =
      json(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  response.hang = duration;
  return response;
}

StubResponse StubResponse::drop() {
  StubResponse response;
  response.close_without_answer = true;
  return response;
}

std::string RecordedRequest::header(const std::string& name) const {
  const auto found = headers.find(to_lower_ascii(name));
  return found == headers.end() ? std::string() : found->second;
}

HttpStub::HttpStub() {
  fallback_ = StubResponse::text(404, "no scripted response\n");
  if (pipe2(wake_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(listener_);
    close(wake_pipe_[0]);
    close(wake_pipe_[1]);
    throw std::runtime_error(std::string("cannot listen on 127.0.0.1: ") + std::strerror(errno));
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HttpStub::~HttpStub() {
  const char stop = 's';
  [[maybe_unused]] const auto written = write(wake_pipe_[1], &stop, 1);
  thread_.join();
  close(listener_);
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
}

std::string HttpStub::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void HttpStub::enqueue(StubResponse response) {
  const std::lock_guard lock(mutex_);
  script_.push_back(std::move(response));
}

void HttpStub::set_fallback(StubResponse response) {
  const std::lock_guard lock(mutex_);
  fallback_ = std::move(response);
}

std::vector<RecordedRequest> HttpStub::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t HttpStub::request_count() const {
  const std::lock_guard lock(mutex_);
  return requests_.size();
}

StubResponse HttpStub::next_response() {
  const std::lock_guard lock(mutex_);
  if (script_.empty()) return fallback_;
  StubResponse response = std::move(script_.front());
  script_.pop_front();
  return response;
}

void HttpStub::serve() {
  for (;;) {
    if (wait_readable(listener_, wake_pipe_[0], std::chrono::milliseconds(-1)) != Wait::readable) {
      return;
    }
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    handle(client);
    close(client);
  }
}

void HttpStub::handle(int client) {
  std::string buffer;
  std::array<char, 16384> chunk{};
  const auto deadline = std::chrono::steady_clock::now() + kReadDeadline;
  const auto read_more = [&]() {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (wait_readable(client, wake_pipe_[0], left) != Wait::readable) return false;
    const ssize_t got = recv(client, chunk.data(), chunk.size(), 0);
    if (got <= 0) return false;
    buffer.append(chunk.data(), static_cast<std::size_t>(got));
    return true;
  };

  std::size_t header_end = std::string::npos;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeaderBytes || !read_more()) return;
  }

  RecordedRequest request;
  std::string_view head(buffer.data(), header_end);
  const auto line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const auto first_space = request_line.find(' ');
  const auto second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos || second_space == std::string_view::npos) return;
  request.method = std::string(request_line.substr(0, first_space));
  request.target =
      std::string(request_line.substr(first_space + 1, second_space - first_space - 1));
  request.path = request.target.substr(0, request.target.find('?'));
  if (line_end != std::string_view::npos) {
    std::string_view rest = head.substr(line_end + 2);
    while (!rest.empty()) {
      const auto end = rest.find("\r\n");
      const std::string_view line = rest.substr(0, end);
      if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        request.headers[to_lower_ascii(trim(line.substr(0, colon)))] =
            std::string(trim(line.substr(colon + 1)));
      }
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 2);
    }
  }

  std::size_t content_length = 0;
  if (const auto length = request.headers.find("content-length"); length != request.headers.end()) {
    const auto& text = length->second;
    if (std::from_chars(text.data(), text.data() + text.size(), content_length).ec != std::errc() ||
        content_length > kMaxBodyBytes) {
      return;
    }
  }
  const std::size_t body_start = header_end + 4;
  while (buffer.size() - body_start < content_length) {
    if (!read_more()) return;
  }
  request.body = buffer.substr(body_start, content_length);

  {
    const std::lock_guard lock(mutex_);
    requests_.push_back(request);
  }
  const StubResponse response = next_response();
  if (response.close_without_answer) return;

  if (response.hang.count() > 0) {
    const auto hang_until = std::chrono::steady_clock::now() + response.hang;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          hang_until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      const Wait waited = wait_readable(client, wake_pipe_[0], left);
      if (waited == Wait::stopping) return;
      if (waited == Wait::readable) {
        // Anything the client sends now is ignored; end of stream means it gave up.
        const ssize_t got = recv(client, chunk.data(), chunk.size(), 0);
        if (got <= 0) return;
      }
    }
  }

  std::string reply = "HTTP/1.1 " + std::to_string(response.status) + " " +
                      std::string(reason_phrase(response.status)) + "\r\n";
  for (const auto& [name, value] : response.headers) reply += name + ": " + value + "\r\n";
  reply += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  reply += "Connection: close\r\n\r\n";
  reply += response.body;
  send_all(client, reply);
}

}  // namespace slamon::testing
