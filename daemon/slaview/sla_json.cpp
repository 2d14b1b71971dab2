#include "slaview/sla_json.h"

#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/duration.h"

namespace slamon::slaview {

namespace {

using nlohmann::json;

constexpr std::array kStatusKinds{sla::PolicyStatusKind::up, sla::PolicyStatusKind::degraded,
                                  sla::PolicyStatusKind::down, sla::PolicyStatusKind::unknown,
                                  sla::PolicyStatusKind::maintenance};

Duration part_of(const sla::StatusDistribution& distribution, sla::PolicyStatusKind kind) {
  switch (kind) {
    case sla::PolicyStatusKind::up:
      return distribution.up;
    case sla::PolicyStatusKind::degraded:
      return distribution.degraded;
    case sla::PolicyStatusKind::down:
      return distribution.down;
    case sla::PolicyStatusKind::maintenance:
      return distribution.maintenance;
    case sla::PolicyStatusKind::unknown:
      break;
  }
  return distribution.unknown;
}

}  // namespace

json number_json(double value) {
  if (std::isnan(value)) return nullptr;
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return value;
}

json number_json(const std::optional<double>& value) {
  return value ? number_json(*value) : json(nullptr);
}

double seconds_of(Duration duration) {
  return static_cast<double>(duration.count()) / 1000.0;
}

json statuses_json(const sla::StatusDistribution& distribution) {
  json statuses = json::object();
  for (sla::PolicyStatusKind kind : kStatusKinds) {
    statuses[std::string(sla::to_string(kind))] = {
        {"seconds", seconds_of(part_of(distribution, kind))}, {"share", distribution.share(kind)}};
  }
  return statuses;
}

json window_stats_json(const std::optional<history::WindowStats>& stats) {
  if (!stats) return nullptr;
  return json{{"count", stats->count},
              {"min", number_json(stats->min)},
              {"mean", number_json(stats->mean)},
              {"max", number_json(stats->max)},
              {"p50", number_json(stats->p50)},
              {"p95", number_json(stats->p95)},
              {"p99", number_json(stats->p99)}};
}

json period_json(const sla::PeriodResult& result, bool measures_uptime, bool has_credits) {
  json requirements = json::array();
  for (const sla::RequirementResult& requirement : result.requirements) {
    requirements.push_back({{"metric", to_string(requirement.requirement.metric)},
                            {"max_outages", requirement.requirement.max_outages},
                            {"min_duration", format_duration(requirement.requirement.min_duration)},
                            {"outages", requirement.outages},
                            {"broken", requirement.broken}});
  }
  json budget = nullptr;
  if (result.budget) {
    budget = {{"target_percent", number_json(result.budget->target_percent)},
              {"budget_seconds", seconds_of(result.budget->budget)},
              {"used_seconds", seconds_of(result.budget->used)},
              {"remaining_ratio", number_json(result.budget->remaining_ratio())}};
  }
  return json{{"start", format_rfc3339(result.period.start)},
              {"end", format_rfc3339(result.period.end)},
              {"complete", result.complete},
              {"state", sla::to_string(result.state)},
              {"achieved_percent", number_json(result.achieved_percent)},
              {"target_percent", number_json(result.target_percent)},
              {"compliance_ratio", number_json(result.compliance_ratio)},
              {"statuses", statuses_json(result.distribution)},
              {"budget", std::move(budget)},
              {"budget_used", number_json(result.budget_used)},
              {"requirements", std::move(requirements)},
              {"breach_minutes", static_cast<double>(result.breach_time.count()) / 60000.0},
              {"credit_percent",
               has_credits ? number_json(result.credit_percent.value_or(0.0)) : json(nullptr)},
              {"achieved_uptime_percent",
               measures_uptime ? number_json(result.achieved_percent) : json(nullptr)}};
}

}  // namespace slamon::slaview
