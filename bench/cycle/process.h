// Process helpers for the cycle benchmark: memory figures from /proc (peak and current resident
// set of this process or of a child), resetting this process's peak so one phase can be measured
// on its own, and ChildProcess, which runs the real slamon daemon with its output in a log file
// and never outlives the benchmark. Not thread-safe (one owner).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace slamon::bench {

// A `kB` field of /proc/PID/status (VmHWM: peak resident set, VmRSS: current), in KiB.
// pid 0 is this process. nullopt when the process or the field is gone.
std::optional<long> proc_status_kib(pid_t pid, std::string_view field);

// Sets this process's peak resident set (VmHWM) back to its current size (Linux ≥ 4.0,
// /proc/self/clear_refs). False when the kernel refuses.
bool reset_peak_rss();

// The first direct child of this process whose command name (/proc/PID/comm) is `name`.
std::optional<pid_t> child_named(std::string_view name);

class ChildProcess {
 public:
  // Starts `argv` with stdout and stderr in `log`, this process's environment plus
  // `extra_environment` ("NAME=value"). The child gets SIGKILL if this thread ends.
  static Result<std::unique_ptr<ChildProcess>> start(
      const std::vector<std::string>& argv, const std::filesystem::path& log,
      const std::vector<std::string>& extra_environment = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  std::string log() const;
  // SIGTERM, then SIGKILL after `grace`; returns how it ended ("exited with status 0", ...).
  std::string stop(std::chrono::milliseconds grace);
  // Waits for the child to end by itself; returns how it ended.
  std::string wait();
  // The child's peak resident set over its whole life (ru_maxrss), once it has ended.
  std::optional<long> peak_rss_kib() const { return peak_rss_kib_; }

 private:
  ChildProcess(pid_t pid, std::filesystem::path log) : pid_(pid), log_(std::move(log)) {}
  void reap(int options);

  pid_t pid_;
  std::filesystem::path log_;
  std::optional<int> status_;
  std::optional<long> peak_rss_kib_;
};

}  // namespace slamon::bench
