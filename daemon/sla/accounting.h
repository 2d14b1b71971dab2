// SLA accounting (SPEC §7.1, §7.2, §7.4, §7.5, §7.7): turns a policy's status timeline, its
// measured uptime samples and its breaches into compliance windows, per-period results, error
// budgets, burn rates, outage counts and credits. Pure functions over values the caller loads
// (the engine from memory, the API from the store and history); thread-safe.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"
#include "sla/calendar.h"
#include "sla/interval.h"

namespace slamon::sla {

// SPEC §7.1 statuses. unknown: not evaluated (no data, slamon not running, policy not yet
// existing); maintenance: inside a maintenance window (excluded from compliance).
enum class PolicyStatusKind { up, degraded, down, unknown, maintenance };
std::string_view to_string(PolicyStatusKind);
std::optional<PolicyStatusKind> parse_policy_status_kind(std::string_view);

// A stretch of one status. A timeline is sorted by start, segments do not overlap; time that
// no segment covers is unknown.
struct StatusSegment {
  WallTime start{};
  WallTime end{};
  PolicyStatusKind status = PolicyStatusKind::unknown;
  bool operator==(const StatusSegment&) const = default;
};

// Durations per status over a window, and the SPEC §7.1 ratio.
struct StatusDistribution {
  Duration up{0}, degraded{0}, down{0}, unknown{0}, maintenance{0};
  Duration total() const;  // the window's counted length
  // up / (up + degraded + down); nullopt when that is 0 (nothing evaluated).
  std::optional<double> compliance_ratio() const;
  // share of total() (0 when total is 0)
  double share(PolicyStatusKind kind) const;
};

// The distribution over `window` restricted to `counted` (business hours; nullptr = all of it).
// Time of the window not covered by the timeline is unknown; shares are of the counted window
// time. Should segments overlap, each adds its own overlap, but unknown never goes negative.
StatusDistribution distribution(std::span<const StatusSegment> timeline, Interval window,
                                const IntervalSet* counted = nullptr);

// SPEC §7.1 rolling windows.
enum class ComplianceWindow { d1, d7, d30, d90, all };
inline constexpr std::array kComplianceWindows{ComplianceWindow::d1, ComplianceWindow::d7,
                                               ComplianceWindow::d30, ComplianceWindow::d90,
                                               ComplianceWindow::all};
std::string_view to_string(ComplianceWindow);  // "1d", "7d", "30d", "90d", "all"
std::optional<ComplianceWindow> parse_compliance_window(std::string_view);
// [now − length, now); `all` starts at `first_seen` (the timeline's first segment) and is empty
// ([now, now)) when first_seen >= now.
Interval window_interval(ComplianceWindow window, WallTime now, WallTime first_seen);

// One measured uptime value (percent) standing for [at, at + covers): a cycle's point covers one
// evaluation interval; an hourly aggregate covers count × interval.
struct UptimeSample {
  WallTime at{};
  Duration covers{0};
  double uptime_percent = 100;
};

// Measured downtime within `range ∩ counted − excluded`: Σ (1 − u/100) × overlap, and the
// measured time it was computed over. u is clamped to [0, 100]; a NaN or infinite u measured
// nothing. Samples are expected not to overlap each other (overlapping ones count twice).
struct Downtime {
  Duration downtime{0};
  Duration measured{0};
  // 100 × (1 − downtime / measured); nullopt when nothing was measured.
  std::optional<double> achieved_uptime_percent() const;
};
Downtime measure_downtime(std::span<const UptimeSample> samples, Interval range,
                          const IntervalSet* counted, const IntervalSet* excluded);

// SPEC §7.5 error budget for an uptime target over a period: budget = (1 − target/100) × the
// period's counted time outside maintenance; used = the measured downtime so far.
struct ErrorBudget {
  double target_percent = 0;
  Duration budget{0};
  Duration used{0};
  double used_ratio() const;       // used / budget; +Inf when budget is 0 and used > 0; 0 if both 0
  double remaining_ratio() const;  // 1 − used_ratio(), may be negative
};
ErrorBudget error_budget(double target_percent, std::span<const UptimeSample> samples,
                         Interval period, const IntervalSet* counted, const IntervalSet* excluded);

// SPEC §7.5 burn rate over [now − window, now): observed error ratio (downtime / measured time)
// / (1 − target/100). nullopt when nothing was measured in the window; +Inf for a 100 % target
// with any downtime.
std::optional<double> burn_rate(double target_percent, std::span<const UptimeSample> samples,
                                WallTime now, Duration window, const IntervalSet* counted,
                                const IntervalSet* excluded);
// The windows of SPEC §7.5 / §12: 5m 30m 1h 2h 6h 1d 3d.
struct BurnWindow {
  std::string_view label;
  Duration length;
};
std::span<const BurnWindow> burn_windows();

// A breach as an outage: [opened_at, resolved_at or now).
struct OutageInterval {
  Metric metric = Metric::uptime_percent;
  WallTime start{};
  std::optional<WallTime> end;  // nullopt: still open
};
// SPEC §7.4: breaches of `requirement.metric` that opened within `period` (start in
// [period.start, period.end)) and lasted at least min_duration (exactly min_duration counts) by
// `now` (open ones count once long enough). One that runs past the period's end counts whole.
int count_outages(std::span<const OutageInterval> outages, const OutageRequirement& requirement,
                  Interval period, WallTime now);

// SPEC §7.2 / §7.4 / §7.7: one SLA period's result.
enum class PeriodState { met, at_risk, broken };
std::string_view to_string(PeriodState);

struct RequirementResult {
  OutageRequirement requirement;
  int outages = 0;
  bool broken = false;  // outages > max_outages
};

struct PeriodInputs {
  const Policy* policy = nullptr;
  Interval period;                           // from periods_overlapping / period_containing
  WallTime now{};                            // a period still running is judged as of now
  const IntervalSet* counted = nullptr;      // business hours within the period; nullptr = all
  const IntervalSet* maintenance = nullptr;  // maintenance windows within the period
  std::span<const StatusSegment> timeline;
  std::span<const UptimeSample> uptime;  // empty when the policy has no uptime threshold
  std::span<const OutageInterval> outages;
};

struct PeriodResult {
  Interval period;
  bool complete = false;  // the period has ended by `now`
  StatusDistribution distribution;
  std::optional<double> compliance_ratio;
  // For a policy with uptime_percent_min: the measured uptime over the period's counted time,
  // the target and the budget. Otherwise achieved = compliance × 100 and target = 100.
  std::optional<double> achieved_percent;
  double target_percent = 100;
  std::optional<ErrorBudget> budget;
  // The largest share of budget used: the error budget's used_ratio and each requirement's
  // outages / max_outages.
  double budget_used = 0;
  std::vector<RequirementResult> requirements;
  Duration breach_time{0};               // degraded + down within the period
  std::optional<double> credit_percent;  // SPEC §7.7, when the policy has credits
  PeriodState state = PeriodState::met;
};
// met: within target so far (and the period's end cannot change "broken" back);
// broken: achieved < target at the end of a complete period, or the budget is used up
// (budget_used > 1) or a requirement's outages exceed max_outages;
// at_risk: not broken and budget_used >= the policy's levels.warn_at_budget_used (default 0.5
// when the policy has no levels) and budget_used > 0 (a warn level of 0 does not flag an
// untouched period).
// The distribution, compliance and achieved uptime are over the elapsed part
// [period.start, min(period.end, now)) (the rest of a running period is future, not unknown);
// the error budget is the whole period's. A policy without uptime_percent_min: with
// requirements only they decide; without, a complete period with breach time is broken (a
// running one is not, whatever its breach time). budget_used is +Inf for max_outages 0 with an
// outage, like ErrorBudget::used_ratio for a 100 % target with downtime; a null policy is
// treated as one without thresholds, requirements or credits.
PeriodResult evaluate_period(const PeriodInputs& inputs);

// SPEC §7.7: the credit owed for an achieved uptime: the `percent` of the applicable tier with
// the lowest `below` that achieved is under; 0 when none applies.
double credit_owed(std::span<const CreditTier> credits, double achieved_percent);

}  // namespace slamon::sla
