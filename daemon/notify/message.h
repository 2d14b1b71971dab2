// Message: what a notification says, read once from the stored event JSON (a SPEC §9.1 breach
// event or an incident event) so that every channel renders the same title, colour, facts and
// links. Reading tolerates missing and odd fields (placeholders stand in); only an event that
// is not an object, or has neither a breach nor an incident, is refused. Values; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "notify/notifier.h"

namespace slamon::notify {

// The colour of a message: critical red, warning amber, resolved green, acknowledged blue.
enum class Tone { critical, warning, resolved, acknowledged };
std::string_view to_string(Tone tone);
std::string_view colour_hex(Tone tone);  // "#D50000", with the '#'

struct Fact {
  std::string label;  // "Policy", "Actual", ...
  std::string value;
};

// One breach as shown to people. Every string is valid UTF-8 and at most a few hundred bytes.
struct BreachView {
  std::string breach_id;
  std::string policy_id;
  std::string policy_name;  // "(unnamed policy)" when missing
  std::map<std::string, std::string> policy_labels;
  std::string scope;       // "site"; "" when unknown
  std::string scope_id;    // "" when none
  std::string scope_name;  // ssid name; "" when none
  std::string scope_text;  // "site s-1", "ssid guest", "organization"
  std::string metric;      // "uptime_percent"
  std::string severity;    // current: "warning" | "critical"
  std::string peak_severity;
  std::string status;           // "active" | "acknowledged" | "resolved"
  std::string actual;           // "97.2%", "250 ms", "no data"
  std::string threshold;        // "min 99.9%", "max 200 ms"
  std::string deviation;        // "2.7%", "+Inf"; "" when none
  std::string actual_value;     // the bare number: "97.2", "+Inf"; "" when none
  std::string threshold_value;  // the bare number
  std::string deviation_value;  // the bare number
  std::string opened_at;        // RFC 3339 as stored; "" when missing
  std::string resolved_at;      // "" while open
  std::string acknowledged_by;  // "" when not acknowledged
  std::string notes;            // acknowledgement notes
  std::string resolve_reason;
  std::string link;  // <external_url>/api/v1/sla/breaches?policy_id=<id>; "" without one

  // "Gold uptime: uptime_percent 97.2% vs min 99.9% (deviation 2.7%), critical, site s-1"
  std::string summary() const;
};

struct Message {
  std::string event_id;
  std::string type;  // "sla.breach.created", "sla.incident.opened", ...
  std::string priority;
  std::string occurred_at;
  std::string org_id;
  bool is_incident = false;
  // "[CRITICAL] SLA breach opened: Gold uptime", "[RESOLVED] SLA incident resolved: 3 breaches
  // (org=…, site=…)". One line.
  std::string title;
  Tone tone = Tone::warning;
  std::string severity;                 // the highest current severity among the breaches
  std::vector<BreachView> breaches;     // one for a breach event; an incident's, in order
  std::size_t unreadable_breaches = 0;  // incident entries that were not breach objects
  std::string incident_id;
  std::vector<std::pair<std::string, std::string>> group;  // incident group keys, in order
  std::string incident_opened_at;
  std::string incident_resolved_at;
  std::string landing_url;  // external_url without a trailing '/'; "" when not configured

  // The facts of a breach event (policy, scope, metric, actual, threshold, deviation,
  // severity, status, times), or of an incident (group, breaches, times).
  std::vector<Fact> facts() const;
  // The whole message as plain text: title, facts, breach lines, links. LF line endings.
  std::string text() const;
};

// The event a notification carries: `event` when it is an object, else `payload` parsed.
Result<nlohmann::json> event_of(const Notification& notification);

// Reads a breach or incident event. `external_url` (may be empty) builds the links.
Result<Message> build_message(const nlohmann::json& event, std::string_view external_url);

// Reads one breach of an event: `breach` is the breach object, `policy` the policy summary
// (may be null). Used for breach events and for each entry of an incident.
BreachView read_breach(const nlohmann::json& breach, const nlohmann::json& policy,
                       std::string_view external_url);

}  // namespace slamon::notify
