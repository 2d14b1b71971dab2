// SnmpPoller's face: the names of its failures, numeric varbinds, and the poller itself, which
// keeps what is learnt across rounds and hands each batch to run_poll() (poll_run.h).
#include "snmp/poller.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>

#include "snmp/poll_run.h"

namespace slamon::snmp {

namespace {

// Indexed by Failure: the names /metrics and the logs give a failure.
constexpr std::array<std::string_view, 9> kFailureNames{
    "none",    "timeout",   "authentication", "address", "agent_error",
    "too_big", "malformed", "oversized",      "other"};
static_assert(static_cast<std::size_t>(Failure::other) + 1 == kFailureNames.size());

}  // namespace

std::string_view to_string(Failure failure) {
  const auto index = static_cast<std::size_t>(failure);
  return index < kFailureNames.size() ? kFailureNames[index] : "other";
}

std::optional<double> Varbind::number() const {
  switch (type) {
    case ValueType::integer:
    case ValueType::counter32:
    case ValueType::gauge32:
    case ValueType::timeticks:
    case ValueType::counter64:
      if (const auto* signed_value = std::get_if<std::int64_t>(&value)) {
        return static_cast<double>(*signed_value);
      }
      if (const auto* unsigned_value = std::get_if<std::uint64_t>(&value)) {
        return static_cast<double>(*unsigned_value);
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

struct SnmpPoller::Impl : detail::PollerState {};

SnmpPoller::SnmpPoller(PollerOptions options) : impl_(std::make_unique<Impl>()) {
  initialize_net_snmp();
  impl_->options = options;
  impl_->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
}

SnmpPoller::~SnmpPoller() {
  if (impl_ && impl_->epoll_fd >= 0) ::close(impl_->epoll_fd);
}

std::vector<PollResult> SnmpPoller::poll(std::span<const Target> targets) {
  if (targets.empty()) return {};
  if (impl_->epoll_fd < 0) {
    std::vector<PollResult> results(targets.size());
    for (auto& result : results) {
      result.failure = Failure::other;
      result.detail = "cannot create an epoll instance";
    }
    impl_->failures += results.size();
    return results;
  }
  return detail::run_poll(*impl_, targets);
}

PollerCounters SnmpPoller::counters() const {
  return {.requests = impl_->requests.load(),
          .retries = impl_->retries.load(),
          .timeouts = impl_->timeouts.load(),
          .failures = impl_->failures.load(),
          .varbinds = impl_->varbinds.load()};
}

}  // namespace slamon::snmp
