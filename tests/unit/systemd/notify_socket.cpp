#include "unit/systemd/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace slamon::testing {

NotifySocket::NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string text = path_.string();
  if (text.size() >= sizeof(address.sun_path)) {
    throw std::runtime_error("socket path too long: " + text);
  }
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX, SOCK_DGRAM) failed");
  if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd_);
    throw std::runtime_error("cannot bind " + text + ": " + std::strerror(errno));
  }
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) close(fd_);
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

std::optional<std::string> NotifySocket::receive(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    pollfd waiting{fd_, POLLIN, 0};
    const int ready = poll(&waiting, 1, static_cast<int>(std::max<long long>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char buffer[4096];
    const ssize_t got = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (got >= 0) return std::string(buffer, static_cast<std::size_t>(got));
    if (errno != EAGAIN && errno != EINTR) return std::nullopt;
  }
}

std::vector<std::string> NotifySocket::receive_until(const std::string& prefix,
                                                     std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  std::vector<std::string> messages;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() < 0) return messages;
    auto message = receive(left);
    if (!message) return messages;
    messages.push_back(*message);
    if (message->starts_with(prefix)) return messages;
  }
}

std::vector<std::string> NotifySocket::drain() {
  std::vector<std::string> messages;
  while (auto message = receive(std::chrono::milliseconds(0))) messages.push_back(*message);
  return messages;
}

ScopedEnv::~ScopedEnv() {
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
    if (it->second) {
      setenv(it->first.c_str(), it->second->c_str(), 1);
    } else {
      unsetenv(it->first.c_str());
    }
  }
}

void ScopedEnv::set(const std::string& name, const std::optional<std::string>& value) {
  const char* before = std::getenv(name.c_str());
  saved_.emplace_back(name, before ? std::optional<std::string>(before) : std::nullopt);
  if (value) {
    setenv(name.c_str(), value->c_str(), 1);
  } else {
    unsetenv(name.c_str());
  }
}

}  // namespace slamon::testing
