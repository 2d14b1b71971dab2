#include "notify/alertmanager.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "notify/classify.h"
#include "notify/http_post.h"
#include "notify/message.h"
#include "notify/text.h"

namespace slamon::notify {
namespace {

using nlohmann::json;

// An incident's annotation lists this many breaches; Alertmanager keeps annotations in memory.
constexpr std::size_t kMaxIncidentBreachLines = 20;

// Alertmanager label names follow Prometheus: [a-zA-Z_][a-zA-Z0-9_]*.
std::string label_name(std::string_view key) {
  std::string name;
  for (const char c : key) {
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  }
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) name.insert(0, "_");
  return name;
}

void set_label(json& labels, const std::string& name, const std::string& value) {
  // An empty value means "no such label" to Alertmanager; leave it out.
  if (!value.empty()) labels[name] = value;
}

std::string other_severity(std::string_view severity) {
  return severity == "critical" ? "warning" : "critical";
}

json breach_labels(const Message& message, const BreachView& breach, const std::string& severity) {
  json labels = json::object();
  labels["alertname"] = "SLABreach";
  set_label(labels, "org", message.org_id);
  set_label(labels, "policy", breach.policy_name);
  set_label(labels, "policy_id", breach.policy_id);
  set_label(labels, "breach_id", breach.breach_id);
  set_label(labels, "metric", breach.metric);
  set_label(labels, "severity", severity);
  set_label(labels, "scope", breach.scope);
  set_label(labels, "scope_id", breach.scope_id);
  return labels;
}

json breach_annotations(const BreachView& breach) {
  json annotations = {
      {"summary", breach.summary()}, {"actual", breach.actual}, {"threshold", breach.threshold}};
  if (!breach.deviation.empty()) annotations["deviation"] = breach.deviation;
  if (!breach.severity.empty()) annotations["current_severity"] = breach.severity;
  if (!breach.status.empty()) annotations["status"] = breach.status;
  if (!breach.link.empty()) annotations["breaches_url"] = breach.link;
  return annotations;
}

json alert(json labels, json annotations, const std::string& starts_at, const std::string& ends_at,
           std::string_view external_url) {
  json alert = {{"labels", std::move(labels)}, {"annotations", std::move(annotations)}};
  // Without startsAt Alertmanager uses the time it received the alert.
  if (!starts_at.empty()) alert["startsAt"] = starts_at;
  alert["endsAt"] = ends_at;
  if (!external_url.empty()) alert["generatorURL"] = std::string(external_url);
  return alert;
}

enum class AlertState { firing, resolved };

AlertState state_of(const Message& message) {
  if (message.type == "sla.breach.resolved" || message.type == "sla.incident.resolved") {
    return AlertState::resolved;
  }
  // Without a type (a resend), the state is what the event says about the breach or incident.
  if (message.type.empty()) {
    const bool resolved = message.is_incident() ? !message.incident_resolved_at.empty()
                                                : message.breaches.front().status == "resolved";
    if (resolved) return AlertState::resolved;
  }
  return AlertState::firing;
}

json breach_alerts(const Message& message, AlertState state, const std::string& firing_until,
                   const std::string& now_text) {
  const BreachView& breach = message.breaches.front();
  const std::string peak = breach.peak_severity.empty() ? "warning" : breach.peak_severity;
  json alerts = json::array();
  if (state == AlertState::resolved) {
    const std::string ends_at = !breach.resolved_at.empty()    ? breach.resolved_at
                                : !message.occurred_at.empty() ? message.occurred_at
                                                               : now_text;
    for (const std::string& severity : {peak, other_severity(peak)}) {
      alerts.push_back(alert(breach_labels(message, breach, severity), breach_annotations(breach),
                             breach.opened_at, ends_at, message.landing_url));
    }
    return alerts;
  }
  alerts.push_back(alert(breach_labels(message, breach, peak), breach_annotations(breach),
                         breach.opened_at, firing_until, message.landing_url));
  if (message.type == "sla.breach.escalated" && peak == "critical") {
    // The warning-labelled alert of the same breach ends now that the critical one fires.
    alerts.push_back(alert(breach_labels(message, breach, "warning"), breach_annotations(breach),
                           breach.opened_at, now_text, message.landing_url));
  }
  return alerts;
}

json incident_alert(const Message& message, AlertState state, const std::string& firing_until,
                    const std::string& now_text) {
  json labels = json::object();
  labels["alertname"] = "SLAIncident";
  set_label(labels, "org", message.org_id);
  set_label(labels, "incident_id", message.incident_id);
  for (const auto& [key, value] : message.group) {
    const std::string name = label_name(key);
    if (!labels.contains(name) && value != "(none)") set_label(labels, name, value);
  }
  std::string lines;
  const std::size_t shown = std::min(message.breaches.size(), kMaxIncidentBreachLines);
  for (std::size_t i = 0; i < shown; ++i) lines += message.breaches[i].summary() + '\n';
  const std::size_t more = message.breaches.size() - shown + message.unreadable_breaches;
  if (more > 0) lines += "and " + std::to_string(more) + " more\n";
  json annotations = {
      {"summary", message.title},
      {"breaches", std::to_string(message.breaches.size() + message.unreadable_breaches)},
      {"severity", message.severity},
      {"description", lines}};
  std::string ends_at = firing_until;
  if (state == AlertState::resolved) {
    ends_at = !message.incident_resolved_at.empty() ? message.incident_resolved_at
              : !message.occurred_at.empty()        ? message.occurred_at
                                                    : now_text;
  }
  return alert(std::move(labels), std::move(annotations), message.incident_opened_at, ends_at,
               message.landing_url);
}

// Policy signals (SPEC §7.4 budget levels, §7.6 sliding window) are announcements, not states
// slamon keeps alive: each fires a short-lived alert (endsAt = now + resend TTL, never re-posted)
// so Alertmanager routes it once and it then ends by itself. sla.budget.critical also ends the
// warning alert of the same period; sla.deescalate ends the escalation's alert.
json policy_signal_alerts(const Message& message, const std::string& firing_until,
                          const std::string& now_text) {
  const PolicySignalView& signal = message.signal;
  const bool budget = signal.kind == PolicySignalView::Kind::budget;
  const auto labels = [&](const std::string& severity) {
    json labels = json::object();
    labels["alertname"] = budget ? "SLABudget" : "SLASlidingWindow";
    set_label(labels, "org", message.org_id);
    set_label(labels, "policy", signal.policy_name);
    set_label(labels, "policy_id", signal.policy_id);
    if (budget) {
      set_label(labels, "period_start", signal.period_start);
    } else {
      set_label(labels, "metric", signal.metric);
    }
    set_label(labels, "severity", severity);
    set_label(labels, "scope", signal.scope);
    set_label(labels, "scope_id", signal.scope_id);
    return labels;
  };
  json annotations = {{"summary", message.title}, {"description", signal.summary()}};
  if (budget) {
    annotations["budget_used"] = signal.budget_used;
    if (!signal.level.empty()) annotations["level"] = signal.level;
    if (!signal.period_end.empty()) annotations["period_end"] = signal.period_end;
    if (!signal.driver.empty()) annotations["driver"] = signal.driver;
  } else {
    annotations["mean"] = signal.mean;
    annotations["upper"] = signal.upper;
    annotations["lower"] = signal.lower;
    if (!signal.interval.empty()) annotations["interval"] = signal.interval;
  }
  if (!signal.link.empty()) annotations["policy_url"] = signal.link;
  const std::string ends_now = !message.occurred_at.empty() ? message.occurred_at : now_text;

  json alerts = json::array();
  if (message.type == "sla.deescalate") {
    // Ends the escalation's alert; startsAt is left out, so Alertmanager takes endsAt for it.
    alerts.push_back(alert(labels("critical"), annotations, "", ends_now, message.landing_url));
    return alerts;
  }
  alerts.push_back(alert(labels(message.severity), annotations, message.occurred_at, firing_until,
                         message.landing_url));
  if (message.type == "sla.budget.critical") {
    alerts.push_back(alert(labels("warning"), annotations, "", now_text, message.landing_url));
  }
  return alerts;
}

bool is_policy_signal_event(const json& event) {
  if (!event.is_object()) return false;
  if (const auto type = event.find("type"); type != event.end() && type->is_string()) {
    if (is_policy_signal_type(type->get_ref<const std::string&>())) return true;
  }
  const auto breach = event.find("breach");
  return (breach == event.end() || !breach->is_object()) &&
         (event.contains("budget") || event.contains("sliding_window"));
}

std::string alerts_url(std::string_view base) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + "/api/v2/alerts";
}

}  // namespace

Result<json> alertmanager_alerts(const json& event, WallTime now,
                                 std::chrono::milliseconds resend_ttl,
                                 std::string_view external_url) {
  auto message = build_message(event, external_url);
  if (!message) return std::unexpected(message.error());
  if (message->is_report()) {
    // A report is news, not a state that fires and resolves; config validation refuses naming
    // an Alertmanager notifier in a report schedule, so this is a routing mistake.
    return fail(std::string(kReportReadyType) +
                " is not an alert: Alertmanager notifiers take no report events");
  }
  if (message->org_id.empty() && message->is_breach()) {
    // Older events may carry the org only inside the breach.
    if (const auto it = event.find("breach"); it != event.end() && it->is_object()) {
      if (const auto org = it->find("org_id"); org != it->end() && org->is_string()) {
        message->org_id = single_line(org->get<std::string>());
      }
    }
  }
  const AlertState state = state_of(*message);
  const std::string firing_until = format_rfc3339(now + resend_ttl);
  const std::string now_text = format_rfc3339(now);
  if (message->is_incident()) {
    return json::array({incident_alert(*message, state, firing_until, now_text)});
  }
  if (message->is_policy_signal()) return policy_signal_alerts(*message, firing_until, now_text);
  return breach_alerts(*message, state, firing_until, now_text);
}

AlertmanagerNotifier::AlertmanagerNotifier(NotifierConfig config, std::string external_url,
                                           std::chrono::milliseconds resend_ttl)
    : config_(std::move(config)), external_url_(std::move(external_url)), resend_ttl_(resend_ttl) {}

DeliveryResult AlertmanagerNotifier::send(const Notification& notification, WallTime now) {
  return guarded_send([&] { return attempt(notification, now); });
}

DeliveryResult AlertmanagerNotifier::attempt(const Notification& notification, WallTime now) const {
  const auto event = event_of(notification);
  if (!event) return dead(event.error().message);
  const auto alerts = alertmanager_alerts(*event, now, resend_ttl_, external_url_);
  if (!alerts) return dead(alerts.error().message);
  return post(*alerts, now);
}

DeliveryResult AlertmanagerNotifier::resend(const std::vector<json>& open_breach_events,
                                            WallTime now) {
  return guarded_send([&] {
    json batch = json::array();
    std::size_t skipped = 0;
    for (const json& event : open_breach_events) {
      // Policy signals are short-lived by design (see policy_signal_alerts): never refreshed.
      if (is_policy_signal_event(event)) continue;
      json firing = event;
      // A resend re-fires what is open: an acknowledged or escalated event fires the same
      // alert, and the escalation's resolution of the warning alert was sent already.
      if (firing.is_object()) firing.erase("type");
      const auto alerts = alertmanager_alerts(firing, now, resend_ttl_, external_url_);
      if (!alerts) {
        ++skipped;
        continue;
      }
      for (const json& alert : *alerts) batch.push_back(alert);
    }
    if (batch.empty()) {
      return skipped == 0 ? delivered()
                          : dead(std::to_string(skipped) + " unreadable events, nothing to post");
    }
    DeliveryResult result = post(batch, now);
    if (skipped > 0) {
      if (!result.detail.empty()) result.detail += "; ";
      result.detail += std::to_string(skipped) + " unreadable events skipped";
    }
    return result;
  });
}

DeliveryResult AlertmanagerNotifier::post(const json& alerts, WallTime now) const {
  const HttpRequest request = notifier_post(config_, alerts_url(config_.url), dump_json(alerts));
  return classify_http(http_send(request), request, now, notifier_secrets(config_));
}

}  // namespace slamon::notify
