// AlertmanagerNotifier: turns events into Prometheus Alertmanager alerts, POSTed as a JSON
// array to `<url>/api/v2/alerts` (SPEC §9.2). An open breach is a firing `SLABreach` alert
// whose endsAt is `now + resend_ttl`, so the daemon re-posts open breaches (resend()) well
// within that time; its resolution is the same alert with endsAt = resolved_at. Incidents are
// `SLAIncident` alerts. Any 2xx is delivered. Stateless after construction; thread-safe.
//
// Label identity. Alertmanager identifies an alert by its whole label set, so every label must
// stay the same for a breach's whole life. The labels are alertname, org, policy (name),
// policy_id, breach_id, metric, scope, scope_id (when set) and severity, where `severity` is the
// breach's PEAK severity: it never goes back down, so it changes at most once
// (warning → critical). When it does (sla.breach.escalated), the same POST resolves the
// warning-labelled alert (endsAt = now) and fires the critical one; a resolution resolves both
// label sets, so no stale warning alert outlives its breach even when the escalation event was
// not routed to Alertmanager. The current severity and status are annotations.
//
// Policy signals (sla.budget.warning / .critical, sla.escalate / .deescalate) carry no breach:
// each is a short-lived `SLABudget` or `SLASlidingWindow` alert (endsAt = now + resend_ttl, never
// re-posted), so Alertmanager routes the announcement once and it then ends by itself; the
// critical budget alert ends the warning one of the same period, sla.deescalate ends the
// escalation's alert. A report event (sla.report.ready) is not an alert: it is `dead`, never
// posted. See docs/notifications.md.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "config/config.h"
#include "notify/notifier.h"

namespace slamon::notify {

inline constexpr std::chrono::milliseconds kDefaultResendTtl = std::chrono::minutes(15);

// The alerts one event posts (a JSON array), as send() would post them at `now`.
Result<nlohmann::json> alertmanager_alerts(const nlohmann::json& event, WallTime now,
                                           std::chrono::milliseconds resend_ttl,
                                           std::string_view external_url);

class AlertmanagerNotifier final : public Notifier {
 public:
  AlertmanagerNotifier(NotifierConfig config, std::string external_url,
                       std::chrono::milliseconds resend_ttl = kDefaultResendTtl);
  const std::string& name() const override { return config_.name; }
  DeliveryResult send(const Notification& notification, WallTime now) override;

  // Re-posts, in one POST, the firing alerts of currently open breaches (their latest breach
  // events) so that they do not expire; the latest sla.incident.opened event of an open
  // incident is accepted too. Events that cannot be read are skipped (and counted in the
  // detail); policy signals are skipped silently (they are not refreshed); none left to post is
  // delivered without a request.
  DeliveryResult resend(const std::vector<nlohmann::json>& open_breach_events, WallTime now);

  std::chrono::milliseconds resend_ttl() const { return resend_ttl_; }

 private:
  DeliveryResult attempt(const Notification& notification, WallTime now) const;
  DeliveryResult post(const nlohmann::json& alerts, WallTime now) const;

  NotifierConfig config_;
  std::string external_url_;
  std::chrono::milliseconds resend_ttl_;
};

}  // namespace slamon::notify
