#include "app/eval_output.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/console_table.h"

namespace slamon {
namespace {

std::string format_number(std::optional<double> value, int precision = 3) {
  if (!value) return "-";
  if (std::isinf(*value)) return *value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, *value);
  std::string text(buf);
  // Trim trailing zeros so 99.500 prints as 99.5 and 100.000 as 100.
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::vector<Verdict> sorted_verdicts(const CycleReport& report) {
  std::vector<Verdict> verdicts =
      report.snapshot ? report.snapshot->verdicts : std::vector<Verdict>{};
  std::sort(verdicts.begin(), verdicts.end(), [](const Verdict& a, const Verdict& b) {
    return std::tie(a.org, a.policy_id, a.metric) < std::tie(b.org, b.policy_id, b.metric);
  });
  return verdicts;
}

nlohmann::json number_json(std::optional<double> value) {
  if (!value) return nullptr;
  if (std::isinf(*value)) return *value > 0 ? "+Inf" : "-Inf";
  return *value;
}

}  // namespace

std::string render_eval_table(const CycleReport& report, bool dry_run) {
  const std::vector<std::string> header{"POLICY",    "METRIC",    "ACTUAL",
                                        "THRESHOLD", "DEVIATION", "VERDICT"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : sorted_verdicts(report)) {
    const std::string deviation =
        v.deviation_percent ? format_number(v.deviation_percent, 2) + "%" : "-";
    rows.push_back({v.policy_name.empty() ? v.policy_id : v.policy_name,
                    std::string(to_string(v.metric)), format_number(v.actual),
                    std::string(to_string(v.bound)) + " " + format_number(v.threshold), deviation,
                    std::string(to_string(v.state))});
  }
  std::string out = render_console_table(header, rows);
  char summary[240];
  std::snprintf(
      summary, sizeof summary,
      "\n%d policies evaluated, %zu thresholds: %d breaches %s, %d %s, %d %s, %d without data%s\n",
      report.policies_evaluated, rows.size(), report.breaches_opened,
      dry_run ? "would open" : "opened", report.breaches_escalated,
      dry_run ? "would escalate" : "escalated", report.breaches_resolved,
      dry_run ? "would resolve" : "resolved", report.no_data,
      dry_run ? " (dry run: nothing stored)" : "");
  out += summary;
  return out;
}

std::string render_eval_json(const CycleReport& report) {
  nlohmann::json verdicts = nlohmann::json::array();
  for (const auto& v : sorted_verdicts(report)) {
    verdicts.push_back({{"org", v.org},
                        {"policy_id", v.policy_id},
                        {"policy", v.policy_name},
                        {"metric", to_string(v.metric)},
                        {"actual", number_json(v.actual)},
                        {"threshold", v.threshold},
                        {"bound", to_string(v.bound)},
                        {"deviation_percent", number_json(v.deviation_percent)},
                        {"verdict", to_string(v.state)}});
  }
  nlohmann::json out{
      {"evaluated_at", report.snapshot ? format_rfc3339(report.snapshot->evaluated_at) : ""},
      {"policies_evaluated", report.policies_evaluated},
      {"breaches_opened", report.breaches_opened},
      {"breaches_escalated", report.breaches_escalated},
      {"breaches_resolved", report.breaches_resolved},
      {"no_data", report.no_data},
      {"verdicts", std::move(verdicts)}};
  return out.dump(2) + "\n";
}

}  // namespace slamon
