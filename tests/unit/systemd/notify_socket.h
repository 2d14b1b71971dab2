// NotifySocket: a stand-in for systemd's notification socket in tests — a real AF_UNIX datagram
// socket bound in a test's folder, whose path goes into NOTIFY_SOCKET, and the messages
// (READY=1, WATCHDOG=1, ...) read back one datagram at a time. ScopedEnv sets and restores
// environment variables around a test. Not thread-safe (one owner each).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace slamon::testing {

class NotifySocket {
 public:
  // Binds `path` (it must not exist; at most 107 bytes). Throws when it cannot.
  explicit NotifySocket(std::filesystem::path path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The next message, waiting at most `deadline`; nullopt when none came.
  std::optional<std::string> receive(std::chrono::milliseconds deadline);
  // Messages until one starts with `prefix` (that one is last), waiting at most `deadline`
  // in all; the list does not end with such a message when none came in time.
  std::vector<std::string> receive_until(const std::string& prefix,
                                         std::chrono::milliseconds deadline);
  // Every message already queued, without waiting.
  std::vector<std::string> drain();

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// Sets (or, with nullopt, unsets) environment variables and restores them on destruction.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

  void set(const std::string& name, const std::optional<std::string>& value);

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace slamon::testing
