// The SLA report model (SPEC §10): for one organization, a period and a set of policies, every
// figure a report shows — per policy and metric the compliance over the period and per calendar
// SLA period, the status distribution, downtime and budgets, outages, breaches, mean times to
// acknowledge and resolve, measured value statistics, maintenance excluded and credits — plus an
// organization summary and the footer's counting rules. Every figure is read from the SLA read
// model (slaview::SlaView), so a report says what the API's /compliance and /periods say for the
// same policy and range. The renderers (csv.h, pdf.h) and to_json() only format ReportData.
//
// build_report() reads through the SlaView (thread-safe) and keeps nothing; ReportData is a
// plain value. Thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "history/history.h"
#include "model/model.h"
#include "sla/accounting.h"
#include "sla/interval.h"
#include "slaview/sla_view.h"

namespace slamon::reports {

// One thresholded metric of a policy over the report's period.
struct MetricReport {
  Metric metric = Metric::uptime_percent;
  double threshold = 0;
  Bound bound = Bound::min;
  std::optional<history::WindowStats> stats;  // nullopt: nothing measured in the period
};

// One UTC day of the period for the daily compliance chart.
struct DayReport {
  WallTime start{};
  std::optional<double> compliance_ratio;  // nullopt: nothing evaluated that day
};

struct PolicyReport {
  std::string id;
  std::string name;
  Scope scope = Scope::organization;
  std::optional<std::string> scope_id;
  PeriodKind period_kind = PeriodKind::month;  // the calendar its SLA periods follow
  std::string timezone;                        // ... and their zone

  // SlaView::compliance over the report's range: equals /compliance for the same range.
  slaview::Compliance compliance;
  // The report's range judged as one SLA period (SlaView::judge): measured uptime against the
  // target, downtime (budget.used) and the downtime budget, breach time, state, credit.
  sla::PeriodResult overall;
  bool measures_uptime = false;  // the policy has uptime_percent_min
  bool has_credits = false;
  // The calendar SLA periods overlapping the range (SlaView::periods): equals /periods.
  std::vector<sla::PeriodResult> periods;
  std::vector<MetricReport> metrics;  // in metric order
  std::vector<DayReport> days;        // at most kMaxChartDays, the last ones of the range
  std::vector<Breach> breaches;       // opened within the range, oldest first
  slaview::BreachFigures breach_figures;
  std::vector<sla::Interval> maintenance;  // maintenance windows in effect within the range

  // Downtime: the measured downtime for an uptime policy, else the time a critical breach was
  // open (down).
  Duration downtime() const;
  // Error budget remaining (share of the downtime budget; may be negative); nullopt without an
  // uptime target.
  std::optional<double> budget_remaining_ratio() const;
  bool met() const { return overall.state != sla::PeriodState::broken; }
};

struct OrgSummary {
  int policies = 0;
  int met = 0;
  int missed = 0;
  // Σ up / Σ (up + degraded + down) over the policies' compliance; nullopt: nothing evaluated.
  std::optional<double> compliance_ratio;
  sla::StatusDistribution statuses;  // summed over the policies
};

struct ReportData {
  std::string title;
  std::string org;
  std::string org_name;  // from the inventory; the id when it has none
  sla::Interval period;  // as requested
  // The part of the period judged: [period.start, min(period.end, generated_at)).
  sla::Interval judged;
  WallTime generated_at{};
  // The zone report times are shown in: the policies' zone when they share one, else UTC.
  std::string timezone;
  std::string version;  // slamon's
  Duration evaluation_interval{0};
  OrgSummary summary;
  std::vector<PolicyReport> policies;       // in the order given
  std::vector<std::string> counting_rules;  // the footer's sentences
};

// The daily compliance chart shows at most this many days (the last of the period).
inline constexpr int kMaxChartDays = 92;

struct ReportRequest {
  std::string org;
  std::vector<Policy> policies;  // of `org`; the caller has checked access
  sla::Interval period;
  WallTime generated_at{};
  std::string title;  // empty: "SLA report <org name> <period>"
};

// Reads every figure of `request` through `view`. Errors: a policy's time zone is unknown, or
// the store or history could not be read.
Result<ReportData> build_report(const slaview::SlaView& view, const Config& config,
                                const ReportRequest& request);

// The report data as JSON (SPEC §10: a pending report's download answers it): every figure,
// times in RFC 3339, durations in seconds, ratios as fractions, +/-Inf as strings.
nlohmann::json to_json(const ReportData& report);

}  // namespace slamon::reports
