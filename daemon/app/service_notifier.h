// ServiceNotifier: tells systemd what the daemon is doing when it runs as a Type=notify service
// (systemd/slamon.service, docs/systemd.md): READY=1 once it serves, RELOADING=1 / READY=1 around
// a reload, STOPPING=1 when shutdown starts, STATUS= lines for `systemctl status`, and WATCHDOG=1
// pings while the daemon's main loop keeps beating. Every call is a no-op when NOTIFY_SOCKET is
// unset, so the daemon behaves the same outside systemd. Thread-safe: the notifications and
// heartbeat() may come from any thread; the watchdog pings go out from a thread of its own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"

namespace slamon {

class ServiceNotifier {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC / WATCHDOG_PID (through libsystemd) once, and starts
  // the watchdog thread when systemd asked for pings. `clock` tells how old the last heartbeat is.
  explicit ServiceNotifier(Clock& clock);
  ~ServiceNotifier();  // stops the watchdog thread
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // Whether systemd listens (NOTIFY_SOCKET was set).
  bool enabled() const { return enabled_; }
  // WATCHDOG_USEC: how long systemd waits for a ping; nullopt when it set no watchdog.
  std::optional<std::chrono::microseconds> watchdog_timeout() const { return watchdog_; }
  // How often the main loop should beat while it idles (a quarter of the watchdog timeout), so
  // a beat is never late by accident; nullopt when there is no watchdog.
  std::optional<Duration> heartbeat_interval() const;

  // The service is up: READY=1 with `status`. Also ends a reload.
  void ready(std::string_view status);
  // A reload starts: RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC, as systemd 253+
  // wants; older ones ignore it). Send ready() when it ends, whatever its outcome.
  void reloading(std::string_view status);
  // Shutdown starts: STOPPING=1. The watchdog keeps pinging from here on: the stop is bounded
  // by TimeoutStopSec, not by the heartbeat.
  void stopping(std::string_view status);
  // STATUS= alone, e.g. after each cycle.
  void status(std::string_view status);

  // The main loop is alive and promises its next heartbeat within `lease`. Once the service
  // is ready, the watchdog pings only while the last promise holds: a wedged main loop stops
  // the pings and systemd restarts the service.
  void heartbeat(Duration lease);

  // Watchdog rounds done so far, pinging or not (for tests, to know a round has passed).
  std::uint64_t watchdog_rounds() const;

 private:
  enum class Phase { starting, running, stopping };

  void send(const std::string& message);
  void watchdog_loop();
  // One watchdog round: pings when the main loop is alive (or not running yet / stopping).
  void watchdog_round();

  Clock& clock_;
  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  Phase phase_ = Phase::starting;
  std::chrono::steady_clock::time_point beat_deadline_{};
  bool reported_stale_ = false;
  bool reported_send_error_ = false;
  bool quit_ = false;
  std::uint64_t rounds_ = 0;
  std::thread watchdog_thread_;
};

// One line for STATUS=: systemd shows it as is, so line breaks become "; " and it is cut at
// a length `systemctl status` can show.
std::string status_line(std::string_view text);

}  // namespace slamon
