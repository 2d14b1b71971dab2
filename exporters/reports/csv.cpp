#include "reports/csv.h"

#include <initializer_list>
#include <string_view>

#include "reports/format.h"

namespace slamon::reports {

namespace {

// Appends one RFC 4180 record.
class CsvWriter {
 public:
  void row(std::initializer_list<std::string_view> fields) {
    bool first = true;
    for (std::string_view field : fields) {
      if (!first) out_ += ',';
      first = false;
      field_(field);
    }
    out_ += "\r\n";
  }
  std::string take() { return std::move(out_); }

 private:
  void field_(std::string_view field) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
      out_ += field;
      return;
    }
    out_ += '"';
    for (char c : field) {
      if (c == '"') out_ += '"';
      out_ += c;
    }
    out_ += '"';
  }
  std::string out_;
};

std::string optional_text(const std::optional<std::string>& text) {
  return text.value_or("");
}

std::string optional_time(const std::optional<WallTime>& t) {
  return t ? format_rfc3339(*t) : std::string();
}

// n/a reads as text in a spreadsheet; an empty cell is the CSV way to say "no figure".
std::string csv_figure(std::string text) {
  return text == kNoFigure ? std::string() : text;
}

}  // namespace

std::string render_csv(const ReportData& report) {
  CsvWriter csv;
  csv.row({"policy_id",
           "policy_name",
           "scope",
           "scope_id",
           "timezone",
           "period_start",
           "period_end",
           "state",
           "compliance_percent",
           "achieved_uptime_percent",
           "target_percent",
           "up_seconds",
           "degraded_seconds",
           "down_seconds",
           "unknown_seconds",
           "maintenance_seconds",
           "downtime_seconds",
           "downtime_budget_seconds",
           "error_budget_remaining_percent",
           "outages",
           "longest_outage_seconds",
           "breaches_warning",
           "breaches_critical",
           "breach_seconds",
           "mean_time_to_acknowledge_seconds",
           "mean_time_to_resolve_seconds",
           "maintenance_windows",
           "credit_percent",
           "metric",
           "bound",
           "threshold",
           "samples",
           "min",
           "mean",
           "p50",
           "p95",
           "p99",
           "max"});
  const std::string start = format_rfc3339(report.period.start);
  const std::string end = format_rfc3339(report.period.end);
  for (const PolicyReport& policy : report.policies) {
    const auto& statuses = policy.compliance.statuses;
    const auto& figures = policy.breach_figures;
    const std::string scope_id = optional_text(policy.scope_id);
    const std::string compliance = csv_figure(ratio_text(policy.compliance.compliant_time_ratio));
    const std::string achieved =
        policy.measures_uptime ? csv_figure(percent_text(policy.overall.achieved_percent)) : "";
    const std::string target = percent_text(policy.overall.target_percent);
    const std::string up = seconds_text(statuses.up), degraded = seconds_text(statuses.degraded),
                      down = seconds_text(statuses.down), unknown = seconds_text(statuses.unknown),
                      maintenance = seconds_text(statuses.maintenance);
    const std::string downtime = seconds_text(policy.downtime());
    const std::string budget =
        policy.overall.budget ? seconds_text(policy.overall.budget->budget) : "";
    const std::string remaining = csv_figure(ratio_text(policy.budget_remaining_ratio()));
    const std::string outages = std::to_string(figures.outages);
    const std::string longest = seconds_text(figures.longest_outage);
    const std::string warning = std::to_string(figures.warning);
    const std::string critical = std::to_string(figures.critical);
    const std::string breach = seconds_text(policy.overall.breach_time);
    const std::string mtta = seconds_text(figures.mean_time_to_acknowledge);
    const std::string mttr = seconds_text(figures.mean_time_to_resolve);
    const std::string windows = std::to_string(policy.maintenance.size());
    const std::string credit =
        policy.has_credits ? percent_text(policy.overall.credit_percent.value_or(0.0)) : "";
    const std::string state(sla::to_string(policy.overall.state));
    auto write = [&](std::string_view metric, std::string_view bound, const std::string& threshold,
                     const std::optional<history::WindowStats>& stats) {
      const std::string samples = stats ? std::to_string(stats->count) : "";
      const std::string min = stats ? value_text(stats->min) : "";
      const std::string mean = stats ? value_text(stats->mean) : "";
      const std::string p50 = stats ? value_text(stats->p50) : "";
      const std::string p95 = stats ? value_text(stats->p95) : "";
      const std::string p99 = stats ? value_text(stats->p99) : "";
      const std::string max = stats ? value_text(stats->max) : "";
      csv.row({policy.id,
               policy.name,
               to_string(policy.scope),
               scope_id,
               policy.timezone,
               start,
               end,
               state,
               compliance,
               achieved,
               target,
               up,
               degraded,
               down,
               unknown,
               maintenance,
               downtime,
               budget,
               remaining,
               outages,
               longest,
               warning,
               critical,
               breach,
               mtta,
               mttr,
               windows,
               credit,
               metric,
               bound,
               threshold,
               samples,
               min,
               mean,
               p50,
               p95,
               p99,
               max});
    };
    if (policy.metrics.empty()) write("", "", "", std::nullopt);
    for (const MetricReport& metric : policy.metrics) {
      write(to_string(metric.metric), to_string(metric.bound), value_text(metric.threshold),
            metric.stats);
    }
  }
  return csv.take();
}

std::string render_breaches_csv(const ReportData& report) {
  CsvWriter csv;
  csv.row({"policy_id", "policy_name", "breach_id", "metric", "severity", "status", "threshold",
           "actual", "opened_at", "acknowledged_at", "resolved_at", "duration_seconds",
           "time_to_acknowledge_seconds", "time_to_resolve_seconds"});
  for (const PolicyReport& policy : report.policies) {
    for (const Breach& breach : policy.breaches) {
      const WallTime end =
          breach.resolved_at.value_or(std::max(report.generated_at, breach.opened_at));
      auto since_open = [&](const std::optional<WallTime>& t) {
        return t ? seconds_text(std::chrono::duration_cast<Duration>(*t - breach.opened_at))
                 : std::string();
      };
      csv.row({policy.id, policy.name, breach.id, to_string(breach.metric),
               to_string(breach.peak_severity), to_string(breach.status),
               value_text(breach.threshold), breach.actual ? value_text(*breach.actual) : "",
               format_rfc3339(breach.opened_at), optional_time(breach.acknowledged_at),
               optional_time(breach.resolved_at),
               seconds_text(std::chrono::duration_cast<Duration>(end - breach.opened_at)),
               since_open(breach.acknowledged_at), since_open(breach.resolved_at)});
    }
  }
  return csv.take();
}

std::string render_periods_csv(const ReportData& report) {
  CsvWriter csv;
  csv.row({"policy_id", "policy_name", "timezone", "period_start", "period_end", "complete",
           "state", "achieved_percent", "target_percent", "compliance_percent", "unknown_seconds",
           "maintenance_seconds", "breach_seconds", "downtime_seconds", "downtime_budget_seconds",
           "error_budget_remaining_percent", "credit_percent"});
  for (const PolicyReport& policy : report.policies) {
    for (const sla::PeriodResult& period : policy.periods) {
      csv.row({policy.id, policy.name, policy.timezone, format_rfc3339(period.period.start),
               format_rfc3339(period.period.end), period.complete ? "true" : "false",
               sla::to_string(period.state), csv_figure(percent_text(period.achieved_percent)),
               percent_text(period.target_percent), csv_figure(ratio_text(period.compliance_ratio)),
               seconds_text(period.distribution.unknown),
               seconds_text(period.distribution.maintenance), seconds_text(period.breach_time),
               period.budget ? seconds_text(period.budget->used) : "",
               period.budget ? seconds_text(period.budget->budget) : "",
               period.budget ? csv_figure(ratio_text(period.budget->remaining_ratio())) : "",
               policy.has_credits ? percent_text(period.credit_percent.value_or(0.0)) : ""});
    }
  }
  return csv.take();
}

}  // namespace slamon::reports
