// Events as the outbox stores them (built with the model's own to_json), for the notifier
// tests: breach events of every type and incident events with any number of breaches.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "model/model.h"
#include "notify/notifier.h"

namespace slamon::notify::testing {

// 2026-11-21T10:00:00Z, the tests' fixed "now".
WallTime test_now();

// An open critical uptime breach (97.2 % against a 99.9 % minimum) of policy "Gold uptime"
// on site "site-1", opened 10 minutes before test_now().
Breach sample_breach();
PolicyRef sample_policy();

// The stored JSON of an event of `type` about `breach`, occurring at test_now().
nlohmann::json breach_event(EventType type, const Breach& breach = sample_breach(),
                            const PolicyRef& policy = sample_policy());

// An incident event ("sla.incident.opened" or "sla.incident.resolved") listing `breaches`
// copies of sample_breach() (each with its own id and policy name "Policy <i>").
nlohmann::json incident_event(const std::string& type, std::size_t breaches);

// The notification the delivery worker would hand a notifier for `event`.
Notification notification_of(const nlohmann::json& event);

}  // namespace slamon::notify::testing
