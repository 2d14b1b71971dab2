#include "model/event_json.h"

#include <cmath>

namespace slamon {
namespace {

template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json optional_time(const std::optional<WallTime>& value) {
  return value ? nlohmann::json(format_rfc3339(*value)) : nlohmann::json(nullptr);
}

nlohmann::json number_or_inf(const std::optional<double>& value) {
  if (!value) return nullptr;
  if (std::isinf(*value)) return *value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(*value)) return nullptr;
  return *value;
}

}  // namespace

nlohmann::json to_json(const Breach& b) {
  return nlohmann::json{
      {"id", b.id},
      {"org_id", b.org},
      {"policy_id", b.policy_id},
      {"scope", to_string(b.scope)},
      {"scope_id", optional_json(b.scope_id)},
      {"scope_name", optional_json(b.scope_name)},
      {"metric", to_string(b.metric)},
      {"actual_value", number_or_inf(b.actual)},
      {"threshold", b.threshold},
      {"deviation_percent", number_or_inf(b.deviation_percent)},
      {"severity", to_string(b.severity)},
      {"peak_severity", to_string(b.peak_severity)},
      {"status", to_string(b.status)},
      {"opened_at", format_rfc3339(b.opened_at)},
      {"last_evaluated_at", format_rfc3339(b.last_evaluated_at)},
      {"acknowledged_at", optional_time(b.acknowledged_at)},
      {"acknowledged_by", optional_json(b.acknowledged_by)},
      {"notes", optional_json(b.ack_notes)},
      {"resolved_at", optional_time(b.resolved_at)},
      {"resolve_reason", optional_json(b.resolve_reason)},
  };
}

nlohmann::json to_json(const PolicyRef& p) {
  return nlohmann::json{{"id", p.id},
                        {"name", p.name},
                        {"scope", to_string(p.scope)},
                        {"scope_id", optional_json(p.scope_id)},
                        {"scope_name", optional_json(p.scope_name)},
                        {"labels", p.labels}};
}

nlohmann::json to_json(const BudgetSignal& b) {
  return nlohmann::json{{"period_start", format_rfc3339(b.period_start)},
                        {"period_end", format_rfc3339(b.period_end)},
                        {"budget_used", number_or_inf(b.budget_used)},
                        {"level", b.level},
                        {"driver", b.driver}};
}

nlohmann::json to_json(const WindowSignal& w) {
  return nlohmann::json{{"metric", to_string(w.metric)},
                        {"mean", number_or_inf(w.mean)},
                        {"upper", w.upper},
                        {"lower", w.lower},
                        {"interval_seconds", static_cast<double>(w.interval.count()) / 1000.0}};
}

nlohmann::json to_json(const Event& e) {
  nlohmann::json out{{"id", e.id},
                     {"type", to_string(e.type)},
                     {"priority", to_string(e.priority)},
                     {"occurred_at", format_rfc3339(e.occurred_at)},
                     {"org_id", e.org_id},
                     {"breach", e.breach ? to_json(*e.breach) : nlohmann::json(nullptr)},
                     {"policy", to_json(e.policy)}};
  if (e.budget) out["budget"] = to_json(*e.budget);
  if (e.window) out["sliding_window"] = to_json(*e.window);
  return out;
}

}  // namespace slamon
