// Notifier: one delivery channel of SPEC §9.2 (Slack, Teams, webhook, SMTP, Alertmanager).
// The delivery worker hands it one outbox event at a time and acts on the classified outcome:
// delivered, retry later (optionally after Retry-After), or dead (a permanent refusal).
// Implementations keep no per-call state and are safe to call from several threads at once.
// No outcome detail ever carries the notifier's URL, secret or password.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace slamon::notify {

// One event as stored in the outbox: a SPEC §9.1 breach event, or an incident event
// (sla.incident.opened / sla.incident.resolved, see docs/notifications.md).
struct Notification {
  std::string event_id;  // the event's uuid; the webhook-id on every attempt
  std::string type;      // "sla.breach.created", ..., "sla.incident.opened"
  std::string payload;   // the event JSON exactly as stored (the webhook body)
  nlohmann::json event;  // the same, parsed
};

enum class DeliveryOutcome { delivered, retry, dead };

struct DeliveryResult {
  DeliveryOutcome outcome = DeliveryOutcome::delivered;
  // Set when the receiver asked for a delay (Retry-After, seconds or HTTP date).
  std::optional<std::chrono::milliseconds> retry_after;
  // Why it failed, e.g. "HTTP 503" or "timed out after 10s"; never a URL or secret.
  std::string detail;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual const std::string& name() const = 0;
  // Delivers one event; `now` is the attempt's time (webhook-timestamp, alert times).
  virtual DeliveryResult send(const Notification& notification, WallTime now) = 0;
};

}  // namespace slamon::notify
