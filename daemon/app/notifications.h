// Notifications as the daemon runs them (SPEC §9): the delivery worker's setup built from one
// configuration (notifiers through the factory, the alert rules, the correlator), and the
// Alertmanager refresh that keeps the alerts of open breaches from expiring between cycles.
// Built once per (re)load; immutable afterwards except through the delivery service, so
// thread-safe to read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/degraded_counters.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "delivery/delivery_service.h"
#include "engine/snapshot.h"
#include "notify/alertmanager.h"
#include "routing/routing.h"

namespace slamon {

struct NotificationSetup {
  delivery::DeliverySetup delivery;
  std::shared_ptr<const routing::EventRouter> router;
  std::vector<std::shared_ptr<notify::AlertmanagerNotifier>> alertmanagers;
};

// Fails, naming the notifier, when one cannot be built (a reload is then rejected whole).
Result<NotificationSetup> build_notification_setup(const ConfigPtr& config);

// The firing-alert events an Alertmanager notifier named `notifier` should keep alive: one
// sla.breach.created event per open breach of `snapshot` that the alert rules send to it (as a
// created or an escalated breach).
std::vector<nlohmann::json> open_breach_events_for(const std::string& notifier,
                                                   const routing::EventRouter& router,
                                                   const Snapshot& snapshot);

// Re-posts to each Alertmanager notifier the alerts of `snapshot`'s open breaches that its
// rules send to it, so they do not expire between cycles. A failed re-post is logged and counted
// in `counters` (alertmanager_refresh_failures); the next cycle's refresh carries the same alerts.
void resend_open_breach_alerts(
    const routing::EventRouter& router,
    const std::vector<std::shared_ptr<notify::AlertmanagerNotifier>>& alertmanagers,
    const Snapshot& snapshot, WallTime now, DegradedCounters& counters);

}  // namespace slamon
