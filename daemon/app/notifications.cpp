#include "app/notifications.h"

#include <algorithm>
#include <unordered_map>

#include "common/log.h"
#include "model/event_json.h"
#include "notify/factory.h"

namespace slamon {

Result<NotificationSetup> build_notification_setup(const ConfigPtr& config) {
  NotificationSetup setup;
  notify::NotifierOptions options;
  options.external_url = config->global.external_url;
  options.reports_dir = config->global.reports_dir;
  // Alerts must outlive the gap between two cycles' refreshes, with room for a late cycle.
  options.alertmanager_resend_ttl = std::max<std::chrono::milliseconds>(
      notify::kDefaultResendTtl, 4 * config->global.evaluation_interval);
  for (const NotifierConfig& notifier_config : config->notifiers) {
    auto made = notify::make_notifier(notifier_config, options);
    if (!made) return std::unexpected(made.error());
    std::shared_ptr<notify::Notifier> notifier = std::move(*made);
    if (auto alertmanager = std::dynamic_pointer_cast<notify::AlertmanagerNotifier>(notifier)) {
      setup.alertmanagers.push_back(std::move(alertmanager));
    }
    setup.delivery.notifiers.push_back({notifier_config, std::move(notifier)});
  }
  setup.router = std::make_shared<const routing::EventRouter>(config->alert_rules);
  setup.delivery.select = delivery::select_with(setup.router);
  setup.delivery.correlator = routing::make_correlator(config);
  return setup;
}

std::vector<nlohmann::json> open_breach_events_for(const std::string& notifier,
                                                   const routing::EventRouter& router,
                                                   const Snapshot& snapshot) {
  std::unordered_map<std::string, const PolicyInfo*> policies;
  for (const PolicyInfo& policy : snapshot.policies) policies.emplace(policy.id, &policy);
  std::vector<nlohmann::json> events;
  for (const Breach& breach : snapshot.open_breaches) {
    PolicyRef ref;
    ref.id = breach.policy_id;
    ref.name = breach.policy_id;
    ref.scope = breach.scope;
    ref.scope_id = breach.scope_id;
    ref.scope_name = breach.scope_name;
    if (auto found = policies.find(breach.policy_id); found != policies.end()) {
      ref.name = found->second->name;
      ref.labels = found->second->labels;
    }
    for (EventType type : {EventType::breach_created, EventType::breach_escalated}) {
      nlohmann::json event = to_json(make_event(type, breach, ref, breach.opened_at));
      const auto targets = router.notifiers_for(event);
      if (std::find(targets.begin(), targets.end(), notifier) != targets.end()) {
        event["type"] = to_string(EventType::breach_created);
        events.push_back(std::move(event));
        break;
      }
    }
  }
  return events;
}

void resend_open_breach_alerts(
    const routing::EventRouter& router,
    const std::vector<std::shared_ptr<notify::AlertmanagerNotifier>>& alertmanagers,
    const Snapshot& snapshot, WallTime now, DegradedCounters& counters) {
  for (const auto& alertmanager : alertmanagers) {
    auto events = open_breach_events_for(alertmanager->name(), router, snapshot);
    if (events.empty()) continue;
    const notify::DeliveryResult result = alertmanager->resend(events, now);
    if (result.outcome != notify::DeliveryOutcome::delivered) {
      ++counters.alertmanager_refresh_failures;
      log::warn(
          "Alertmanager refresh failed; its alerts may expire until the next one",
          {{"notifier", alertmanager->name()}, {"alerts", events.size()}, {"err", result.detail}});
    }
  }
}

}  // namespace slamon
