#include "notify/message.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "common/duration.h"
#include "common/time_format.h"
#include "model/model.h"
#include "notify/text.h"
#include "sla/calendar.h"

namespace slamon::notify {
namespace {

using nlohmann::json;

// Long enough for any sane name or id; keeps a hostile value from bloating every card.
constexpr std::size_t kMaxFieldBytes = 256;
constexpr std::size_t kMaxTitleBytes = 250;
constexpr std::size_t kMaxTextBreachLines = 200;
// Longer than any download link slamon makes (external_url + a fixed path + a uuid).
constexpr std::size_t kMaxUrlBytes = 2048;

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// A field as display text: strings as they are (one line, bounded), numbers formatted, bools
// spelled, anything else "".
std::string text_field(const json& object, std::string_view key,
                       std::size_t max_bytes = kMaxFieldBytes) {
  const json* value = member(object, key);
  if (value == nullptr) return {};
  if (value->is_string())
    return truncate_utf8(single_line(value->get_ref<const std::string&>()), max_bytes);
  if (value->is_number()) return format_number(value->get<double>());
  if (value->is_boolean()) return value->get<bool>() ? "true" : "false";
  return {};
}

// A number field; "+Inf" / "-Inf" strings (how event JSON writes infinity) as infinities.
std::optional<double> number_field(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number()) return value->get<double>();
  if (value->is_string()) {
    const auto& text = value->get_ref<const std::string&>();
    if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
    if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

struct MetricDisplay {
  std::string suffix;  // "%", " ms", ""
  std::string bound;   // "min", "max", ""
};

MetricDisplay metric_display(std::string_view metric) {
  const auto parsed = parse_metric(metric);
  if (!parsed) return {};
  const ThresholdSpec& spec = threshold_spec(*parsed);
  MetricDisplay display;
  display.bound = spec.bound == Bound::min ? "min" : "max";
  if (spec.unit == "percent") {
    display.suffix = "%";
  } else if (spec.unit == "milliseconds") {
    display.suffix = " ms";
  }
  return display;
}

std::string with_suffix(const std::string& number, const std::string& suffix) {
  if (number == "+Inf" || number == "-Inf") return number;
  return number + suffix;
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  });
  return out;
}

std::string scope_text(const std::string& scope, const std::string& scope_id,
                       const std::string& scope_name) {
  if (scope.empty()) return scope_id.empty() ? "(unknown scope)" : scope_id;
  if (scope == "organization") return "organization";
  std::string text = scope;
  if (!scope_id.empty()) {
    text += ' ' + scope_id;
    if (!scope_name.empty()) text += " (" + scope_name + ')';
  } else if (!scope_name.empty()) {
    text += ' ' + scope_name;
  }
  return text;
}

std::map<std::string, std::string> labels_of(const json& policy) {
  std::map<std::string, std::string> labels;
  if (const json* object = member(policy, "labels"); object != nullptr && object->is_object()) {
    for (const auto& [key, value] : object->items()) {
      if (value.is_string()) {
        labels[truncate_utf8(single_line(key), kMaxFieldBytes)] =
            truncate_utf8(single_line(value.get_ref<const std::string&>()), kMaxFieldBytes);
      }
    }
  }
  return labels;
}

std::string without_trailing_slashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

int severity_rank(std::string_view severity) {
  return severity == "critical" ? 2 : severity == "warning" ? 1 : 0;
}

std::string breach_verb(std::string_view type) {
  if (type == "sla.breach.created") return "SLA breach opened";
  if (type == "sla.breach.escalated") return "SLA breach escalated";
  if (type == "sla.breach.acknowledged") return "SLA breach acknowledged";
  if (type == "sla.breach.resolved") return "SLA breach resolved";
  if (type.empty()) return "SLA event";
  return "SLA event " + std::string(type);
}

std::string group_text(const std::vector<std::pair<std::string, std::string>>& group) {
  std::string text;
  for (const auto& [key, value] : group) {
    if (!text.empty()) text += ", ";
    text += key + '=' + value;
  }
  return text;
}

std::string breach_count_text(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " breach" : " breaches");
}

constexpr std::string_view kBudgetWarning = "sla.budget.warning";
constexpr std::string_view kBudgetCritical = "sla.budget.critical";
constexpr std::string_view kEscalate = "sla.escalate";
constexpr std::string_view kDeescalate = "sla.deescalate";
constexpr std::string_view kEnDash = "\xE2\x80\x93";

// A share (0.523) as a percentage: "52.3%" to one decimal; "+Inf" as it is.
std::string share_percent(double share) {
  if (!std::isfinite(share)) return format_number(share);
  return format_number(std::round(share * 1000.0) / 10.0) + '%';
}

// Rounded down, so a title never claims more than was used: 0.899 is "89%", not "90%".
std::string share_percent_whole(double share) {
  if (!std::isfinite(share)) return format_number(share);
  return format_number(std::floor(share * 100.0 + 1e-9)) + '%';
}

// A period bound for people: the date when it is midnight UTC (calendar periods in UTC), else
// date and time ("2026-11-30 23:00 UTC": a month in Europe/Berlin).
std::string period_bound_text(const std::string& rfc3339) {
  if (rfc3339.size() < 19 || rfc3339[10] != 'T') return rfc3339;
  const bool midnight_utc = rfc3339.substr(11, 8) == "00:00:00" &&
                            (rfc3339.size() == 20 || rfc3339.substr(19) == ".000Z") &&
                            rfc3339.back() == 'Z';
  if (midnight_utc) return rfc3339.substr(0, 10);
  if (rfc3339.back() == 'Z') return rfc3339.substr(0, 10) + ' ' + rfc3339.substr(11, 5) + " UTC";
  return rfc3339;
}

std::string driver_text(const std::string& driver) {
  constexpr std::string_view kOutages = "outages:";
  if (driver.starts_with(kOutages)) return "outages of " + driver.substr(kOutages.size());
  return driver;
}

std::string interval_text(const json& window) {
  const auto seconds = number_field(window, "interval_seconds");
  if (!seconds || !std::isfinite(*seconds) || *seconds < 0 || *seconds > 1e9) return {};
  return format_duration(std::chrono::milliseconds(std::llround(*seconds * 1000.0)));
}

PolicySignalView read_signal(const json& event, const json& signal, PolicySignalView::Kind kind,
                             std::string_view external_url) {
  const json* policy_member = member(event, "policy");
  const json& policy = policy_member != nullptr ? *policy_member : json();
  PolicySignalView view;
  view.kind = kind;
  view.policy_id = text_field(policy, "id");
  view.policy_name = text_field(policy, "name");
  if (view.policy_name.empty()) view.policy_name = "(unnamed policy)";
  view.policy_labels = labels_of(policy);
  view.scope = text_field(policy, "scope");
  view.scope_id = text_field(policy, "scope_id");
  view.scope_text = scope_text(view.scope, view.scope_id, text_field(policy, "scope_name"));
  const std::string base = without_trailing_slashes(external_url);
  const std::string policy_url =
      base.empty() || view.policy_id.empty()
          ? std::string()
          : base + "/api/v1/sla/policies/" + url_encode_component(view.policy_id);

  if (kind == PolicySignalView::Kind::budget) {
    view.period_start = text_field(signal, "period_start");
    view.period_end = text_field(signal, "period_end");
    if (!view.period_start.empty() || !view.period_end.empty()) {
      view.period_text = period_bound_text(view.period_start) + ' ' + std::string(kEnDash) + ' ' +
                         period_bound_text(view.period_end);
    }
    if (const auto used = number_field(signal, "budget_used")) {
      view.budget_used = share_percent(*used);
      view.budget_used_whole = share_percent_whole(*used);
    } else {
      view.budget_used = "(unknown)";
    }
    if (const auto level = number_field(signal, "level")) view.level = share_percent(*level);
    view.driver = driver_text(text_field(signal, "driver"));
    if (!policy_url.empty()) view.link = policy_url + "/periods";
    return view;
  }
  view.metric = text_field(signal, "metric");
  const MetricDisplay display = metric_display(view.metric);
  const auto value_text = [&](std::string_view key) {
    const auto value = number_field(signal, key);
    return value ? with_suffix(format_number(*value), display.suffix) : std::string("(unknown)");
  };
  view.mean = value_text("mean");
  view.upper = value_text("upper");
  view.lower = value_text("lower");
  view.interval = interval_text(signal);
  view.link = policy_url;
  return view;
}

std::string signal_title(const std::string& type, const PolicySignalView& signal) {
  if (signal.kind == PolicySignalView::Kind::budget) {
    std::string title = signal.budget_used_whole == "+Inf" ? std::string("SLA budget exhausted")
                        : signal.budget_used_whole.empty()
                            ? std::string("SLA budget level reached")
                            : "SLA budget " + signal.budget_used_whole + " used";
    title += ": " + signal.policy_name;
    if (!signal.period_text.empty()) title += " (period " + signal.period_text + ')';
    return title;
  }
  const bool down = type == kDeescalate;
  std::string title = (signal.metric.empty() ? std::string("(unknown metric)") : signal.metric) +
                      " mean " + signal.mean + (down ? " below " : " above ") +
                      (down ? signal.lower : signal.upper);
  if (!signal.interval.empty()) title += " over " + signal.interval;
  return title + ": " + signal.policy_name;
}

// A report bound in the report's zone: the local date at local midnight, else date and time.
// Empty when the bound is not RFC 3339.
struct LocalBound {
  std::string date;  // "2026-11-01"
  std::string text;  // "2026-11-01" or "2026-11-01 06:00"
};

std::optional<LocalBound> local_bound(const std::string& rfc3339, const sla::TimeZone& zone) {
  const auto instant = parse_rfc3339(rfc3339);
  if (!instant) return std::nullopt;
  // "2026-11-01 00:00:00 CET"
  const std::string local = zone.format_local(*instant);
  if (local.size() < 19) return std::nullopt;
  LocalBound bound;
  bound.date = local.substr(0, 10);
  bound.text = local.substr(11, 8) == "00:00:00" ? bound.date : local.substr(0, 16);
  return bound;
}

// Binary units, one decimal above bytes: "812 B", "120.6 KiB", "9.8 MiB".
std::string size_text(std::uint64_t bytes) {
  static constexpr std::array<std::string_view, 4> kUnits = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  for (value /= 1024.0; value >= 1024.0 && unit + 1 < kUnits.size(); value /= 1024.0) ++unit;
  return format_number(std::round(value * 10.0) / 10.0) + ' ' + std::string(kUnits[unit]);
}

// A link only when it is one: an http(s) URL on one line. The event is slamon's own, but a
// link that is not a URL would turn into markup in a card.
std::string http_url_field(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr || !value->is_string()) return {};
  const auto& url = value->get_ref<const std::string&>();
  if (url.size() > kMaxUrlBytes || !(url.starts_with("https://") || url.starts_with("http://"))) {
    return {};
  }
  const bool plain = std::all_of(url.begin(), url.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '|';
  });
  return plain ? url : std::string();
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

ReportView read_report(const json& report, const json& schedule) {
  ReportView view;
  view.report_id = text_field(report, "id");
  view.title = text_field(report, "title");
  if (view.title.empty()) view.title = "(untitled report)";
  view.format = lower(text_field(report, "format"));
  view.period_start = text_field(report, "period_start");
  view.period_end = text_field(report, "period_end");
  view.timezone = text_field(report, "timezone");

  auto zone = sla::TimeZone::find(view.timezone);
  if (!zone) {
    view.timezone.clear();  // an unknown zone: the period is shown in UTC, and says so
    zone = sla::TimeZone::utc();
  }
  const auto start = local_bound(view.period_start, *zone);
  const auto end = local_bound(view.period_end, *zone);
  if (start && end) {
    view.period_text = start->text + ' ' + std::string(kEnDash) + ' ' + end->text;
  } else if (!view.period_start.empty() || !view.period_end.empty()) {
    view.period_text = period_bound_text(view.period_start) + ' ' + std::string(kEnDash) + ' ' +
                       period_bound_text(view.period_end);
  }
  if (start) view.period_start_date = start->date;

  if (const auto size = number_field(report, "size");
      size && std::isfinite(*size) && *size >= 0 && *size < 1e18) {
    view.size_bytes = static_cast<std::uint64_t>(*size);
    view.size_text = size_text(*view.size_bytes);
  }
  view.sha256 = text_field(report, "sha256");
  view.schedule_id = text_field(schedule, "id");
  view.schedule_name = text_field(schedule, "name");
  if (view.schedule_name.empty()) view.schedule_name = view.schedule_id;
  view.due_at = text_field(schedule, "due_at");
  view.download_url = http_url_field(report, "download_url");
  return view;
}

std::string report_title(const ReportView& report) {
  std::string title = "SLA report ready: " + report.title;
  if (!report.period_text.empty()) title += " (" + report.period_text + ')';
  return title;
}

}  // namespace

std::string_view to_string(Tone tone) {
  switch (tone) {
    case Tone::critical:
      return "critical";
    case Tone::warning:
      return "warning";
    case Tone::resolved:
      return "resolved";
    case Tone::acknowledged:
      return "acknowledged";
    case Tone::info:
      return "info";
  }
  return "warning";
}

std::string_view colour_hex(Tone tone) {
  switch (tone) {
    case Tone::critical:
      return "#D50000";
    case Tone::warning:
      return "#FFA000";
    case Tone::resolved:
      return "#2E7D32";
    case Tone::acknowledged:
      return "#1E88E5";
    case Tone::info:
      return "#546E7A";
  }
  return "#FFA000";
}

std::string BreachView::summary() const {
  std::string text = policy_name + ": " + (metric.empty() ? "(unknown metric)" : metric) + ' ' +
                     actual + " vs " + threshold;
  if (!deviation.empty()) text += " (deviation " + deviation + ')';
  if (!severity.empty()) text += ", " + severity;
  if (status == "acknowledged" || status == "resolved") text += ", " + status;
  text += ", " + scope_text;
  return text;
}

bool is_policy_signal_type(std::string_view type) {
  return type == kBudgetWarning || type == kBudgetCritical || type == kEscalate ||
         type == kDeescalate;
}

std::string PolicySignalView::summary() const {
  std::string text = policy_name + ": ";
  if (kind == Kind::budget) {
    text += "SLA budget " + budget_used + " used";
    if (!level.empty()) text += " (level " + level + ')';
    if (!period_text.empty()) text += ", period " + period_text;
  } else {
    text += (metric.empty() ? std::string("(unknown metric)") : metric) + " mean " + mean +
            " (upper " + upper + ", lower " + lower + ')';
    if (!interval.empty()) text += " over " + interval;
  }
  return text + ", " + scope_text;
}

std::string ReportView::summary() const {
  std::string text = title;
  if (!period_text.empty()) text += ", " + period_text;
  if (!format.empty()) text += ", " + upper(format);
  if (!size_text.empty()) text += ", " + size_text;
  return text;
}

BreachView read_breach(const json& breach, const json& policy, std::string_view external_url) {
  BreachView view;
  view.breach_id = text_field(breach, "id");
  view.policy_id = text_field(policy, "id");
  if (view.policy_id.empty()) view.policy_id = text_field(breach, "policy_id");
  view.policy_name = text_field(policy, "name");
  if (view.policy_name.empty()) view.policy_name = "(unnamed policy)";
  view.policy_labels = labels_of(policy);
  view.scope = text_field(breach, "scope");
  if (view.scope.empty()) view.scope = text_field(policy, "scope");
  view.scope_id = text_field(breach, "scope_id");
  if (view.scope_id.empty()) view.scope_id = text_field(policy, "scope_id");
  view.scope_name = text_field(breach, "scope_name");
  if (view.scope_name.empty()) view.scope_name = text_field(policy, "scope_name");
  view.scope_text = scope_text(view.scope, view.scope_id, view.scope_name);

  view.metric = text_field(breach, "metric");
  const MetricDisplay display = metric_display(view.metric);
  view.severity = text_field(breach, "severity");
  view.peak_severity = text_field(breach, "peak_severity");
  if (view.severity.empty()) view.severity = view.peak_severity;
  if (view.peak_severity.empty()) view.peak_severity = view.severity;
  view.status = text_field(breach, "status");

  if (const auto actual = number_field(breach, "actual_value")) {
    view.actual_value = format_number(*actual);
    view.actual = with_suffix(view.actual_value, display.suffix);
  } else {
    view.actual = "no data";
  }
  if (const auto threshold = number_field(breach, "threshold")) {
    view.threshold_value = format_number(*threshold);
    view.threshold = with_suffix(view.threshold_value, display.suffix);
    if (!display.bound.empty()) view.threshold = display.bound + ' ' + view.threshold;
  } else {
    view.threshold = "(unknown threshold)";
  }
  if (const auto deviation = number_field(breach, "deviation_percent")) {
    view.deviation_value = format_number(*deviation);
    view.deviation = with_suffix(view.deviation_value, "%");
  }
  view.opened_at = text_field(breach, "opened_at");
  view.resolved_at = text_field(breach, "resolved_at");
  view.acknowledged_by = text_field(breach, "acknowledged_by");
  view.notes = text_field(breach, "notes", 1000);
  view.resolve_reason = text_field(breach, "resolve_reason");
  if (!external_url.empty() && !view.policy_id.empty()) {
    view.link = without_trailing_slashes(external_url) +
                "/api/v1/sla/breaches?policy_id=" + url_encode_component(view.policy_id);
  }
  return view;
}

Result<nlohmann::json> event_of(const Notification& notification) {
  if (notification.event.is_object()) return notification.event;
  json parsed = json::parse(notification.payload, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return fail("malformed event: the payload is not a JSON object");
  return parsed;
}

Result<Message> build_message(const json& event, std::string_view external_url) {
  if (!event.is_object()) return fail("malformed event: not a JSON object");
  Message message;
  message.event_id = text_field(event, "id");
  message.type = text_field(event, "type");
  message.priority = text_field(event, "priority");
  message.occurred_at = text_field(event, "occurred_at");
  message.org_id = text_field(event, "org_id");
  message.landing_url = without_trailing_slashes(external_url);

  const json* incident = member(event, "incident");
  const json* breach = member(event, "breach");
  const json* budget = member(event, "budget");
  const json* window = member(event, "sliding_window");
  const json* report = member(event, "report");
  const auto is_object = [](const json* value) { return value != nullptr && value->is_object(); };
  if (message.type == kReportReadyType ||
      (message.type.empty() && is_object(report) && !is_object(breach) && !is_object(incident))) {
    if (!is_object(report))
      return fail("malformed event: sla.report.ready without a report object");
    const json* schedule = member(event, "schedule");
    message.kind = MessageKind::report;
    message.report = read_report(*report, schedule != nullptr ? *schedule : json());
    message.tone = Tone::info;
    message.title = truncate_utf8(report_title(message.report), kMaxTitleBytes);
    return message;
  }
  if (message.type.starts_with("sla.incident.") || is_object(incident)) {
    message.kind = MessageKind::incident;
  } else if (is_policy_signal_type(message.type) ||
             (!message.type.starts_with("sla.breach.") && !is_object(breach) &&
              (is_object(budget) || is_object(window)))) {
    message.kind = MessageKind::policy_signal;
  }
  const bool resolved_event =
      message.type == "sla.breach.resolved" || message.type == "sla.incident.resolved";
  const std::string type_text = message.type.empty() ? std::string("event") : message.type;

  if (message.is_incident()) {
    if (!is_object(incident)) {
      return fail("malformed event: " + message.type + " without an incident object");
    }
    message.incident_id = text_field(*incident, "id");
    if (const json* group = member(*incident, "group"); group != nullptr && group->is_object()) {
      for (const auto& [key, value] : group->items()) {
        std::string text = value.is_null() ? "(none)" : text_field(*group, key);
        message.group.emplace_back(truncate_utf8(single_line(key), kMaxFieldBytes),
                                   std::move(text));
      }
    }
    message.incident_opened_at = text_field(*incident, "opened_at");
    message.incident_resolved_at = text_field(*incident, "resolved_at");
    if (const json* entries = member(*incident, "breaches");
        entries != nullptr && entries->is_array()) {
      message.breaches.reserve(entries->size());
      for (const json& entry : *entries) {
        const json* entry_breach = member(entry, "breach");
        if (entry_breach == nullptr || !entry_breach->is_object()) {
          ++message.unreadable_breaches;
          continue;
        }
        const json* entry_policy = member(entry, "policy");
        message.breaches.push_back(
            read_breach(*entry_breach, entry_policy ? *entry_policy : json(), external_url));
      }
    }
  } else if (message.is_policy_signal()) {
    const bool budget_type = message.type.starts_with("sla.budget.");
    const bool window_type = message.type == kEscalate || message.type == kDeescalate;
    if (budget_type || (!window_type && is_object(budget))) {
      if (!is_object(budget)) {
        return fail("malformed event: " + type_text + " without a budget object");
      }
      message.signal = read_signal(event, *budget, PolicySignalView::Kind::budget, external_url);
    } else {
      if (!is_object(window)) {
        return fail("malformed event: " + type_text + " without a sliding_window object");
      }
      message.signal =
          read_signal(event, *window, PolicySignalView::Kind::sliding_window, external_url);
    }
  } else {
    if (!is_object(breach)) {
      return fail("malformed event: " + type_text + " has neither a breach nor an incident object");
    }
    const json* policy = member(event, "policy");
    message.breaches.push_back(read_breach(*breach, policy ? *policy : json(), external_url));
  }

  if (message.is_policy_signal()) {
    const bool critical = message.type == kBudgetCritical || message.type == kEscalate;
    message.severity = critical ? "critical" : "warning";
    message.tone = critical                      ? Tone::critical
                   : message.type == kDeescalate ? Tone::resolved
                                                 : Tone::warning;
    const std::string tag = message.type == kEscalate     ? "ESCALATE"
                            : message.type == kDeescalate ? "DEESCALATE"
                                                          : upper(message.severity);
    message.title = truncate_utf8('[' + tag + "] " + signal_title(message.type, message.signal),
                                  kMaxTitleBytes);
    return message;
  }

  for (const BreachView& view : message.breaches) {
    if (severity_rank(view.severity) > severity_rank(message.severity)) {
      message.severity = view.severity;
    }
  }
  if (message.severity.empty()) message.severity = "warning";

  if (resolved_event) {
    message.tone = Tone::resolved;
  } else if (message.type == "sla.breach.acknowledged") {
    message.tone = Tone::acknowledged;
  } else {
    message.tone = message.severity == "critical" ? Tone::critical : Tone::warning;
  }

  std::string tag = resolved_event                              ? "RESOLVED"
                    : message.type == "sla.breach.acknowledged" ? "ACKNOWLEDGED"
                                                                : upper(message.severity);
  std::string title = '[' + tag + "] ";
  if (message.is_incident()) {
    title += resolved_event ? "SLA incident resolved: " : "SLA incident opened: ";
    title += breach_count_text(message.breaches.size() + message.unreadable_breaches);
    if (!message.group.empty()) title += " (" + group_text(message.group) + ')';
  } else {
    title += breach_verb(message.type) + ": " + message.breaches.front().policy_name;
  }
  message.title = truncate_utf8(title, kMaxTitleBytes);
  return message;
}

std::vector<Fact> Message::facts() const {
  std::vector<Fact> facts;
  const auto add = [&facts](std::string label, std::string value) {
    if (!value.empty()) facts.push_back(Fact{std::move(label), std::move(value)});
  };
  switch (kind) {
    case MessageKind::incident:
      add("Group", group_text(group));
      add("Breaches", std::to_string(breaches.size() + unreadable_breaches));
      add("Severity", severity);
      add("Opened", incident_opened_at);
      add("Resolved", incident_resolved_at);
      add("Incident", incident_id);
      return facts;
    case MessageKind::policy_signal:
      add("Policy", signal.policy_name);
      add("Scope", signal.scope_text);
      if (signal.kind == PolicySignalView::Kind::budget) {
        add("Period",
            signal.period_start.empty() && signal.period_end.empty()
                ? std::string()
                : signal.period_start + ' ' + std::string(kEnDash) + ' ' + signal.period_end);
        add("Budget used", signal.budget_used);
        add("Level", signal.level);
        add("Driver", signal.driver);
      } else {
        add("Metric", signal.metric);
        add("Mean", signal.mean);
        add("Upper", signal.upper);
        add("Lower", signal.lower);
        add("Interval", signal.interval);
      }
      add("Severity", severity);
      add("Occurred", occurred_at);
      return facts;
    case MessageKind::report:
      add("Period", report.period_text.empty() || report.timezone.empty()
                        ? report.period_text
                        : report.period_text + " (" + report.timezone + ')');
      add("Format", upper(report.format));
      add("Size", report.size_text);
      add("Schedule", report.schedule_name);
      // Without a link, people still need to find it: the API and the CLI know it by its id.
      if (report.download_url.empty()) add("Report", "in slamon, id " + report.report_id);
      return facts;
    case MessageKind::breach:
      break;
  }
  const BreachView& b = breaches.front();
  add("Policy", b.policy_name);
  add("Scope", b.scope_text);
  add("Metric", b.metric);
  add("Actual", b.actual);
  add("Threshold", b.threshold);
  add("Deviation", b.deviation);
  std::string severity_text = b.severity;
  if (!b.peak_severity.empty() && b.peak_severity != b.severity) {
    severity_text += " (peak " + b.peak_severity + ')';
  }
  add("Severity", severity_text);
  add("Status", b.status);
  add("Opened", b.opened_at);
  add("Resolved", b.resolved_at);
  add("Resolve reason", b.resolve_reason);
  add("Acknowledged by", b.acknowledged_by);
  add("Notes", b.notes);
  return facts;
}

std::vector<Link> Message::links() const {
  std::vector<Link> links;
  if (is_report() && !report.download_url.empty()) {
    links.push_back(Link{"Download the report", report.download_url});
  }
  if (landing_url.empty()) return links;
  links.push_back(Link{"Open slamon", landing_url});
  switch (kind) {
    case MessageKind::breach:
      if (!breaches.front().link.empty()) {
        links.push_back(Link{"Breaches of this policy", breaches.front().link});
      }
      break;
    case MessageKind::policy_signal:
      if (!signal.link.empty()) {
        links.push_back(Link{signal.kind == PolicySignalView::Kind::budget
                                 ? "SLA periods of this policy"
                                 : "This policy",
                             signal.link});
      }
      break;
    case MessageKind::incident:
    case MessageKind::report:
      break;
  }
  return links;
}

std::string Message::text() const {
  std::string text = title + "\n\n";
  for (const Fact& fact : facts()) text += fact.label + ": " + fact.value + '\n';
  if (is_incident()) {
    text += "\nBreaches:\n";
    const std::size_t shown = std::min(breaches.size(), kMaxTextBreachLines);
    for (std::size_t i = 0; i < shown; ++i) text += "- " + breaches[i].summary() + '\n';
    const std::size_t more = breaches.size() - shown + unreadable_breaches;
    if (more > 0) text += "- and " + std::to_string(more) + " more\n";
  }
  const std::vector<Link> shown_links = links();
  if (is_report()) {
    if (report.download_url.empty()) {
      text += "\nThe report is in slamon under the id " + report.report_id + ".\n";
    }
    if (!shown_links.empty()) text += '\n';
    for (const Link& link : shown_links) text += link.label + ": " + link.url + '\n';
    return text;
  }
  if (!shown_links.empty()) {
    text += "\nslamon: " + shown_links.front().url + '\n';
    for (std::size_t i = 1; i < shown_links.size(); ++i) {
      text += shown_links[i].label + ": " + shown_links[i].url + '\n';
    }
  }
  return text;
}

}  // namespace slamon::notify
