// Message: what a notification says, read once from the stored event JSON (a SPEC §9.1 breach
// event, an incident event, a policy-level signal: sla.budget.* of SPEC §7.4 and
// sla.escalate / sla.deescalate of SPEC §7.6, or a rendered scheduled report: sla.report.ready
// of SPEC §10) so that every channel renders the same title, colour, facts and links. Reading
// tolerates missing and odd fields (placeholders stand in); only an event that is not an
// object, or lacks the object its kind is about (breach, incident, budget, sliding_window,
// report), is refused. Values; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "notify/notifier.h"

namespace slamon::notify {

// The colour of a message: critical red, warning amber, resolved green, acknowledged blue,
// info blue-grey (news that asks for no action: a report is ready).
enum class Tone { critical, warning, resolved, acknowledged, info };
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

// A policy-level signal as shown to people: a budget level reached (SPEC §7.4) or a sliding-window
// mean crossing its bound (SPEC §7.6). Carries no breach.
struct PolicySignalView {
  enum class Kind { budget, sliding_window };
  Kind kind = Kind::budget;
  std::string policy_id;
  std::string policy_name;  // "(unnamed policy)" when missing
  std::map<std::string, std::string> policy_labels;
  std::string scope;
  std::string scope_id;
  std::string scope_text;  // "site s-1", "organization"
  // Budget.
  std::string period_start;       // RFC 3339 as stored
  std::string period_end;         // exclusive
  std::string period_text;        // "2026-12-01 – 2027-01-01" (times shown when not midnight UTC)
  std::string budget_used;        // "52.3%", "+Inf"; "(unknown)" when missing
  std::string budget_used_whole;  // "52%" (rounded down), for titles
  std::string level;              // "50%"; "" when missing
  std::string driver;             // "downtime", "outages of uptime_percent"
  // Sliding window.
  std::string metric;    // "latency_ms"
  std::string mean;      // "1250 ms"
  std::string upper;     // "1000 ms"
  std::string lower;     // "100 ms"
  std::string interval;  // "10m"
  std::string link;      // the policy's periods (budget) or the policy (window); "" without URL

  // "Gold uptime: SLA budget 52.3% used (level 50%), period …, site s-1" or
  // "Core latency: latency_ms mean 1250 ms (upper 1000 ms, lower 100 ms) over 10m, site s-1"
  std::string summary() const;
};

// A rendered report (sla.report.ready, SPEC §10) as shown to people. Carries no breach.
struct ReportView {
  std::string report_id;     // as the event says; the SMTP notifier checks it before using it
  std::string title;         // "(untitled report)" when missing
  std::string format;        // "pdf" | "csv" as the event says (lower case)
  std::string period_start;  // RFC 3339 as stored
  std::string period_end;    // exclusive
  std::string timezone;      // the IANA zone the period was read in; "" when unknown
  // The period in the report's zone: "2026-11-01 – 2026-12-01" when both bounds are local
  // midnights, else with times ("2026-11-01 06:00 – 2026-11-02 06:00"); in UTC (the RFC 3339
  // dates) when the zone is missing or unknown.
  std::string period_text;
  std::string period_start_date;  // "2026-11-01" in that zone; "" when unreadable
  std::optional<std::uint64_t> size_bytes;
  std::string size_text;  // "120.6 KiB"; "" when unknown
  std::string sha256;
  std::string schedule_id;
  std::string schedule_name;  // the schedule's name, else its id; "" for an on-demand report
  std::string due_at;         // the cron occurrence of the run
  std::string download_url;   // http(s) only; "" without global.external_url

  // "Monthly SLA report, 2026-11-01 – 2026-12-01, PDF, 120.6 KiB"
  std::string summary() const;
};

enum class MessageKind { breach, incident, policy_signal, report };

struct Link {
  std::string label;  // "Open slamon", "Breaches of this policy", ...
  std::string url;
};

struct Message {
  std::string event_id;
  std::string type;  // "sla.breach.created", "sla.incident.opened", "sla.budget.warning", ...
  std::string priority;
  std::string occurred_at;
  std::string org_id;
  MessageKind kind = MessageKind::breach;
  // "[CRITICAL] SLA breach opened: Gold uptime", "[RESOLVED] SLA incident resolved: 3 breaches
  // (org=…, site=…)", "[WARNING] SLA budget 52% used: Gold uptime (period 2026-12-01 –
  // 2027-01-01)", "[ESCALATE] latency_ms mean 1250 ms above 1000 ms over 10m: Core latency",
  // "SLA report ready: Monthly SLA report (2026-11-01 – 2026-12-01)". One line.
  std::string title;
  Tone tone = Tone::warning;
  // The highest current severity among the breaches; for a policy signal derived from the
  // type: critical for sla.budget.critical and sla.escalate, else warning; "" for a report.
  std::string severity;
  std::vector<BreachView> breaches;     // one for a breach event; an incident's, in order; none
                                        // for a policy signal or a report
  std::size_t unreadable_breaches = 0;  // incident entries that were not breach objects
  std::string incident_id;
  std::vector<std::pair<std::string, std::string>> group;  // incident group keys, in order
  std::string incident_opened_at;
  std::string incident_resolved_at;
  PolicySignalView signal;  // for a policy signal
  ReportView report;        // for a report
  std::string landing_url;  // external_url without a trailing '/'; "" when not configured

  bool is_breach() const { return kind == MessageKind::breach; }
  bool is_incident() const { return kind == MessageKind::incident; }
  bool is_policy_signal() const { return kind == MessageKind::policy_signal; }
  bool is_report() const { return kind == MessageKind::report; }

  // The facts of a breach event (policy, scope, metric, actual, threshold, deviation,
  // severity, status, times), of an incident (group, breaches, times), of a policy signal
  // (policy, scope, period and budget, or metric, mean and bounds), or of a report (period,
  // format, size, schedule; and where the report is when there is no download link).
  std::vector<Fact> facts() const;
  // The links to show, when external_url is set: the landing page, then the breaches of the
  // policy (breach event), its SLA periods (budget) or the policy itself (sliding window). A
  // report's download link comes first and is shown whenever the event carries one.
  std::vector<Link> links() const;
  // The whole message as plain text: title, facts, breach lines, links. LF line endings.
  std::string text() const;
};

inline constexpr std::string_view kReportReadyType = "sla.report.ready";

// True for the policy-level event types (sla.budget.warning, sla.budget.critical,
// sla.escalate, sla.deescalate), which carry `"breach": null`.
bool is_policy_signal_type(std::string_view type);

// The event a notification carries: `event` when it is an object, else `payload` parsed.
Result<nlohmann::json> event_of(const Notification& notification);

// Reads a breach, incident, policy-signal or report event. `external_url` (may be empty) builds the
// links. A typeless event (an Alertmanager resend) is read by the objects it carries.
Result<Message> build_message(const nlohmann::json& event, std::string_view external_url);

// Reads one breach of an event: `breach` is the breach object, `policy` the policy summary
// (may be null). Used for breach events and for each entry of an incident.
BreachView read_breach(const nlohmann::json& breach, const nlohmann::json& policy,
                       std::string_view external_url);

}  // namespace slamon::notify
