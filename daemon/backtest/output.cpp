#include "backtest/output.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/console_table.h"
#include "common/duration.h"

namespace slamon::backtest {
namespace {

using Json = nlohmann::json;

Json number_json(std::optional<double> value) {
  if (!value) return nullptr;
  if (std::isinf(*value)) return *value > 0 ? "+Inf" : "-Inf";
  return *value;
}

std::string count_of(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

struct Summary {
  std::size_t opened = 0;
  std::size_t closed = 0;
  std::size_t still_open = 0;
};

Summary summarize(const ReplayReport& report) {
  Summary s;
  s.opened = report.breaches.size();
  for (const auto& b : report.breaches) {
    if (b.still_open()) {
      ++s.still_open;
    } else {
      ++s.closed;
    }
  }
  return s;
}

// Why a policy × metric was not (fully) replayed, in words; empty when every step had data.
std::vector<std::string> coverage_notes(const ReplayReport& report) {
  std::vector<std::string> notes;
  const std::string of_steps = " of " + std::to_string(report.grid.count) + " steps";
  for (const auto& c : report.coverage) {
    const std::string series = c.policy_id + " " + std::string(to_string(c.metric)) + ": ";
    if (c.not_replayable > 0) {
      notes.push_back(series + "no data (snmp) at " + std::to_string(c.not_replayable) + of_steps +
                      ": SNMP measurements are not kept by Prometheus; replay them with "
                      "--source=history");
    }
    if (c.source_failed > 0) {
      notes.push_back(series + "source failed at " + std::to_string(c.source_failed) + of_steps +
                      " (no breach changed there)");
    }
    if (c.not_recorded > 0) {
      notes.push_back(series + "no history at " + std::to_string(c.not_recorded) + of_steps +
                      " (no breach changed there)");
    }
    if (c.no_data > 0) {
      notes.push_back(series + "no data at " + std::to_string(c.no_data) + of_steps +
                      " (the policy's no_data mode applied)");
    }
  }
  return notes;
}

std::string duration_text(const ReplayedBreach& b, const StepGrid& grid) {
  const std::string text = format_duration(b.duration(grid));
  return b.still_open() ? ">= " + text : text;
}

}  // namespace

std::string render_table(const ReplayReport& report, const std::string& source,
                         const std::vector<std::string>& notes) {
  const StepGrid& grid = report.grid;
  std::string out = "Backtest from " + format_rfc3339(grid.from) + " to " +
                    format_rfc3339(grid.to) + ", step " + format_duration(grid.step) + " (" +
                    count_of(grid.count, "step", "steps") + "), source " + source + ", " +
                    count_of(report.policies_evaluated, "active policy", "active policies") +
                    "\n\n";

  const Summary summary = summarize(report);
  if (report.breaches.empty()) {
    out += "No breach would have opened.\n";
  } else {
    const std::vector<std::string> header{"POLICY",  "METRIC", "OPENED",   "CLOSED", "DURATION",
                                          "OPENING", "PEAK",   "AT CLOSE", "REASON"};
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : report.breaches) {
      rows.push_back(
          {b.policy_id, std::string(to_string(b.metric)), format_rfc3339(b.opened_at),
           b.still_open() ? "still open" : format_rfc3339(*b.closed_at), duration_text(b, grid),
           std::string(to_string(b.opening_severity)), std::string(to_string(b.peak_severity)),
           std::string(to_string(b.last_severity)), b.still_open() ? "-" : b.close_reason});
    }
    out += render_console_table(header, rows);
    out += "\n" + count_of(summary.opened, "breach", "breaches") +
           " would have opened: " + std::to_string(summary.closed) + " closed, " +
           std::to_string(summary.still_open) + " still open at " + format_rfc3339(grid.last()) +
           ".\n";
  }

  std::vector<std::string> all_notes = notes;
  for (auto& note : coverage_notes(report)) all_notes.push_back(std::move(note));
  for (const auto& problem : report.problems) all_notes.push_back(problem);
  if (!all_notes.empty()) {
    out += "\nNotes:\n";
    for (const auto& note : all_notes) out += "  " + note + "\n";
  }
  return out;
}

std::string render_json(const ReplayReport& report, const std::string& source,
                        const std::vector<std::string>& notes) {
  const StepGrid& grid = report.grid;
  Json breaches = Json::array();
  for (const auto& b : report.breaches) {
    breaches.push_back(
        {{"org", b.org},
         {"policy_id", b.policy_id},
         {"policy", b.policy_name},
         {"scope", to_string(b.scope)},
         {"scope_id", b.scope_key.empty() ? Json(nullptr) : Json(b.scope_key)},
         {"metric", to_string(b.metric)},
         {"threshold", b.threshold},
         {"opened_at", format_rfc3339(b.opened_at)},
         {"opened_step", b.opened_step},
         {"closed_at", b.closed_at ? Json(format_rfc3339(*b.closed_at)) : Json(nullptr)},
         {"closed_step", b.closed_step ? Json(*b.closed_step) : Json(nullptr)},
         {"still_open", b.still_open()},
         {"duration_seconds",
          std::chrono::duration_cast<std::chrono::seconds>(b.duration(grid)).count()},
         {"close_reason", b.still_open() ? Json(nullptr) : Json(b.close_reason)},
         {"severity",
          {{"opening", to_string(b.opening_severity)},
           {"peak", to_string(b.peak_severity)},
           {"at_close", to_string(b.last_severity)}}},
         {"escalations", b.escalations},
         {"actual",
          {{"opening", number_json(b.opening_actual)}, {"last", number_json(b.last_actual)}}}});
  }
  Json coverage = Json::array();
  for (const auto& c : report.coverage) {
    coverage.push_back({{"policy_id", c.policy_id},
                        {"metric", to_string(c.metric)},
                        {"steps_with_data", c.with_data},
                        {"steps_no_data", c.no_data},
                        {"steps_source_failed", c.source_failed},
                        {"steps_not_replayable", c.not_replayable},
                        {"steps_not_recorded", c.not_recorded}});
  }
  const Summary summary = summarize(report);
  Json problems = Json::array();
  for (const auto& note : notes) problems.push_back(note);
  for (const auto& problem : report.problems) problems.push_back(problem);
  const Json out{{"from", format_rfc3339(grid.from)},
                 {"to", format_rfc3339(grid.to)},
                 {"step", format_duration(grid.step)},
                 {"steps", grid.count},
                 {"last_step", format_rfc3339(grid.last())},
                 {"source", source},
                 {"policies_evaluated", report.policies_evaluated},
                 {"summary",
                  {{"opened", summary.opened},
                   {"closed", summary.closed},
                   {"still_open", summary.still_open}}},
                 {"breaches", std::move(breaches)},
                 {"coverage", std::move(coverage)},
                 {"notes", std::move(problems)}};
  return out.dump(2) + "\n";
}

}  // namespace slamon::backtest
