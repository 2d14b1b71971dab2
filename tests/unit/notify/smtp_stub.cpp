#include "smtp_stub.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace slamon::notify::testing {
namespace {

constexpr int kReadTimeoutMs = 10000;

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// Buffered line reader on a socket that gives up when the stub stops or the peer is silent.
class LineReader {
 public:
  LineReader(int fd, int wake_fd) : fd_(fd), wake_fd_(wake_fd) {}

  std::optional<std::string> line() {
    for (;;) {
      if (const auto end = buffer_.find("\r\n"); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      std::array<pollfd, 2> fds{{{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}}};
      if (::poll(fds.data(), fds.size(), kReadTimeoutMs) <= 0) return std::nullopt;
      if ((fds[1].revents & POLLIN) != 0) return std::nullopt;
      std::array<char, 4096> chunk{};
      const ssize_t got = ::recv(fd_, chunk.data(), chunk.size(), 0);
      if (got <= 0) return std::nullopt;
      buffer_.append(chunk.data(), static_cast<std::size_t>(got));
    }
  }

 private:
  int fd_;
  int wake_fd_;
  std::string buffer_;
};

void reply(int fd, const std::string& text) {
  const std::string line = text + "\r\n";
  static_cast<void>(::send(fd, line.data(), line.size(), MSG_NOSIGNAL));
}

bool positive(const std::string& reply_text) {
  return !reply_text.empty() && (reply_text[0] == '2' || reply_text[0] == '3');
}

}  // namespace

SmtpStub::SmtpStub(SmtpScript script) : script_(std::move(script)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) throw std::runtime_error("smtp stub: socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof(address);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener_, 8) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0 ||
      ::pipe(wake_pipe_) != 0) {
    ::close(listener_);
    throw std::runtime_error("smtp stub: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

SmtpStub::~SmtpStub() {
  static_cast<void>(::write(wake_pipe_[1], "x", 1));
  thread_.join();
  ::close(listener_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

std::string SmtpStub::smarthost() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::vector<SmtpSession> SmtpStub::sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_;
}

void SmtpStub::serve() {
  for (;;) {
    std::array<pollfd, 2> fds{{{listener_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if ((fds[1].revents & POLLIN) != 0) return;
    const int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    handle(client);
    ::close(client);
  }
}

void SmtpStub::handle(int client) {
  LineReader reader(client, wake_pipe_[0]);
  if (script_.silent) {
    // Hold the connection open, unanswered, until the client gives up or the stub stops.
    static_cast<void>(reader.line());
    return;
  }
  SmtpSession session;
  reply(client, "220 stub ESMTP");
  for (;;) {
    const auto line = reader.line();
    if (!line) break;
    const std::string command = upper(line->substr(0, 4));
    if (command == "EHLO") {
      reply(client, "250-stub greets you");
      reply(client, "250 8BITMIME");
    } else if (command == "HELO" || command == "RSET" || command == "NOOP") {
      reply(client, "250 OK");
    } else if (command == "MAIL") {
      session.mail_from = line->substr(line->find(':') + 1);
      reply(client, script_.mail_reply);
    } else if (command == "RCPT") {
      session.rcpt_to.push_back(line->substr(line->find(':') + 1));
      reply(client, script_.rcpt_reply);
    } else if (command == "DATA") {
      reply(client, script_.data_reply);
      if (!positive(script_.data_reply)) continue;
      for (;;) {
        const auto data_line = reader.line();
        if (!data_line) return;
        if (*data_line == ".") break;
        // RFC 5321 §4.5.2: a leading dot the client doubled.
        session.data += (data_line->starts_with('.') ? data_line->substr(1) : *data_line) + "\r\n";
      }
      {
        std::lock_guard lock(mutex_);
        sessions_.push_back(session);
      }
      reply(client, script_.end_of_data_reply);
    } else if (command == "QUIT") {
      reply(client, "221 bye");
      break;
    } else {
      reply(client, "502 not implemented");
    }
  }
}

}  // namespace slamon::notify::testing
