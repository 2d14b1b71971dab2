#include "app/service_notifier.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdlib>
#include <cstring>

#include "common/log.h"

namespace slamon {
namespace {

constexpr std::size_t kMaxStatusLength = 200;

std::uint64_t monotonic_usec() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000u +
         static_cast<std::uint64_t>(now.tv_nsec) / 1'000u;
}

}  // namespace

std::string status_line(std::string_view text) {
  std::string line;
  line.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') continue;
    if (c == '\n') {
      if (i + 1 < text.size()) line += "; ";
      continue;
    }
    line += c;
  }
  if (line.size() > kMaxStatusLength) line = line.substr(0, kMaxStatusLength - 3) + "...";
  return line;
}

ServiceNotifier::ServiceNotifier(Clock& clock) : clock_(clock) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  if (!enabled_) return;
  std::uint64_t usec = 0;
  // Also checks WATCHDOG_PID, so a child that inherited the variables does not ping for us.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(usec);
    watchdog_thread_ = std::thread([this] { watchdog_loop(); });
  }
}

ServiceNotifier::~ServiceNotifier() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  if (watchdog_thread_.joinable()) watchdog_thread_.join();
}

std::optional<Duration> ServiceNotifier::heartbeat_interval() const {
  if (!watchdog_) return std::nullopt;
  return std::max(Duration(1), std::chrono::duration_cast<Duration>(*watchdog_ / 4));
}

void ServiceNotifier::ready(std::string_view status) {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    if (phase_ == Phase::starting) {
      phase_ = Phase::running;
      // The main loop gets half a watchdog period for its first heartbeat.
      if (watchdog_) {
        beat_deadline_ = clock_.monotonic() + std::chrono::duration_cast<Duration>(*watchdog_ / 2);
      }
    }
  }
  send("READY=1\nSTATUS=" + status_line(status));
}

void ServiceNotifier::reloading(std::string_view status) {
  if (!enabled_) return;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()) +
       "\nSTATUS=" + status_line(status));
}

void ServiceNotifier::stopping(std::string_view status) {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    phase_ = Phase::stopping;
  }
  wake_.notify_all();  // a ping now, in case the last heartbeat is about to lapse
  send("STOPPING=1\nSTATUS=" + status_line(status));
}

void ServiceNotifier::status(std::string_view status) {
  if (!enabled_) return;
  send("STATUS=" + status_line(status));
}

void ServiceNotifier::heartbeat(Duration lease) {
  if (!watchdog_) return;
  std::lock_guard lock(mutex_);
  beat_deadline_ = clock_.monotonic() + lease;
  if (reported_stale_) {
    reported_stale_ = false;
    log::info("the main loop is responsive again; watchdog pings resume");
  }
}

std::uint64_t ServiceNotifier::watchdog_rounds() const {
  std::lock_guard lock(mutex_);
  return rounds_;
}

void ServiceNotifier::send(const std::string& message) {
  const int sent = sd_notify(0, message.c_str());
  if (sent >= 0) return;
  std::lock_guard lock(mutex_);
  if (reported_send_error_) return;
  reported_send_error_ = true;
  log::warn("cannot notify systemd; further failures are not logged",
            {{"err", std::string(std::strerror(-sent))}});
}

void ServiceNotifier::watchdog_loop() {
  // Pings at half the timeout, as sd_watchdog_enabled(3) advises, paced by the real monotonic
  // clock: systemd's deadline is real time whatever clock the daemon runs on.
  const auto period = *watchdog_ / 2;
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!quit_) {
    lock.unlock();
    watchdog_round();
    lock.lock();
    next += period;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // a suspended machine: no burst of pings after it
    const Phase phase = phase_;
    wake_.wait_until(lock, next, [&] { return quit_ || phase_ != phase; });
  }
}

void ServiceNotifier::watchdog_round() {
  bool alive = true;
  {
    std::lock_guard lock(mutex_);
    ++rounds_;
    if (phase_ == Phase::running && clock_.monotonic() > beat_deadline_) {
      alive = false;
      if (!reported_stale_) {
        reported_stale_ = true;
        log::error(
            "the main loop missed its heartbeat; withholding watchdog pings so systemd "
            "restarts slamon",
            {{"watchdog_seconds", static_cast<double>(watchdog_->count()) / 1e6}});
      }
    }
  }
  if (alive) send("WATCHDOG=1");
}

}  // namespace slamon
