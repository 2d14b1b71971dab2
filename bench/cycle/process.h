// Process helpers for the cycle benchmark: memory figures from /proc (peak and current resident
// set of this process or of a child) and resetting this process's peak so one phase can be
// measured on its own. The daemon itself runs as a testing::ChildProcess (support/child_process.h).
// Stateless; thread-safe (each call reads /proc afresh).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace slamon::bench {

// A `kB` field of /proc/PID/status (VmHWM: peak resident set, VmRSS: current), in KiB.
// pid 0 is this process. nullopt when the process or the field is gone.
std::optional<long> proc_status_kib(pid_t pid, std::string_view field);

// Sets this process's peak resident set (VmHWM) back to its current size (Linux ≥ 4.0,
// /proc/self/clear_refs). False when the kernel refuses.
bool reset_peak_rss();

// The first direct child of this process whose command name (/proc/PID/comm) is `name`.
std::optional<pid_t> child_named(std::string_view name);

}  // namespace slamon::bench
