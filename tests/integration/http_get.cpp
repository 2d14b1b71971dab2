#include "integration/http_get.h"

#include <arpa/inet.h>
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

namespace slamon::integration {
namespace {

class Socket {
 public:
  Socket() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

int remaining_ms(std::chrono::steady_clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
}

}  // namespace

std::string HttpAnswer::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? "" : it->second;
}

Result<HttpAnswer> http_request(int port, const std::string& method, const std::string& path,
                                std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  const std::string where = method + " 127.0.0.1:" + std::to_string(port) + path;
  Socket socket;
  if (socket.fd() < 0) return fail(where + ": socket: " + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(socket.fd(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return fail(where + ": connect: " + std::strerror(errno));
  }
  const std::string request = method + " " + path +
                              " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                              "Content-Length: 0\r\n\r\n";
  if (send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return fail(where + ": send: " + std::strerror(errno));
  }

  std::string raw;
  std::array<char, 16384> buffer{};
  for (;;) {
    pollfd readable{socket.fd(), POLLIN, 0};
    const int ready = poll(&readable, 1, remaining_ms(until));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return fail(where + ": no complete answer within the timeout");
    const ssize_t got = recv(socket.fd(), buffer.data(), buffer.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return fail(where + ": recv: " + std::strerror(errno));
    if (got == 0) break;
    raw.append(buffer.data(), static_cast<std::size_t>(got));
  }

  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || !raw.starts_with("HTTP/")) {
    return fail(where + ": not an HTTP answer: " + raw.substr(0, 200));
  }
  HttpAnswer answer;
  const std::string_view head(raw.data(), head_end);
  const auto first_line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, first_line_end);
  const auto space = status_line.find(' ');
  if (space == std::string_view::npos || status_line.size() < space + 4 ||
      std::from_chars(status_line.data() + space + 1, status_line.data() + space + 4, answer.status)
              .ec != std::errc()) {
    return fail(where + ": bad status line: " + std::string(status_line));
  }
  std::size_t at = first_line_end == std::string_view::npos ? head.size() : first_line_end + 2;
  while (at < head.size()) {
    auto end = head.find("\r\n", at);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(at, end - at);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      answer.headers[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }
    at = end + 2;
  }
  answer.body = raw.substr(head_end + 4);
  return answer;
}

}  // namespace slamon::integration
