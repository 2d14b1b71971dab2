// Helpers for the notifier tests against real peers (aiosmtpd, Alertmanager): a free loopback
// port, a bounded wait for a peer process to accept connections, events stamped with the real
// time (a real peer judges alerts by its own clock) and the notification a notifier is handed.
// Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "model/model.h"
#include "notify/notifier.h"
#include "support/child_process.h"

namespace slamon::notify::testing {

// A loopback port nothing listened on a moment ago (bound to port 0, then released).
int free_loopback_port();

// Polls `ready` every 50 ms until it holds, `peer` has exited, or `limit` passed. This waits
// for an external process to start, not for the clock.
bool wait_until_ready(slamon::testing::ChildProcess& peer, const std::function<bool()>& ready,
                      std::chrono::milliseconds limit = std::chrono::seconds(20));

// True when 127.0.0.1:`port` accepts a TCP connection.
bool accepts_connections(int port);

// The stored JSON of an event of `type` about `breach`, occurring at `at`.
nlohmann::json event_at(EventType type, const Breach& breach, const PolicyRef& policy, WallTime at);

// The notification the delivery worker would hand a notifier for `event` (which has an id and
// a type).
Notification notification_of(const nlohmann::json& event);

}  // namespace slamon::notify::testing
