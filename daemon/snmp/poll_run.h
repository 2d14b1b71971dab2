// One poll round of SnmpPoller, private to daemon/snmp: run_poll() takes a batch of targets
// through v3 engine-id discovery, their GETs and their walks, all at once over net-snmp single
// sessions watched with epoll (poll_run.cpp says how). PollerState is what a poller keeps from
// one round to the next.
//
// Thread-safety: one run_poll() at a time per PollerState (SnmpPoller's rule); the counters
// are atomics, readable from any thread while a round runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "snmp/poller.h"

namespace slamon::snmp::detail {

// What a poller keeps between poll() calls (SnmpPoller::Impl, read and updated by a round).
struct PollerState {
  PollerOptions options;
  // Authoritative engine id per transport address, learnt by discovery and kept across polls
  // so a v3 agent costs one discovery round trip per process, not per poll.
  std::unordered_map<std::string, std::string> engine_ids;
  // Rows each target's walk returned last time (address + columns → the longest column), so
  // the next GETBULK asks for that many repetitions plus one instead of the configured
  // maximum: an agent then answers a small table in one request with no rows past its end.
  std::unordered_map<std::string, std::size_t> walk_rows;
  int epoll_fd = -1;

  std::atomic<std::uint64_t> requests{0}, retries{0}, timeouts{0}, failures{0}, varbinds{0};
};

// Polls every target and returns one result per target in their order, once all are done.
// `state.epoll_fd` must be an open epoll instance; the round adds and removes its sockets.
std::vector<PollResult> run_poll(PollerState& state, std::span<const Target> targets);

}  // namespace slamon::snmp::detail
