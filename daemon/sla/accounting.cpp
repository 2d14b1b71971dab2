#include "sla/accounting.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace slamon::sla {

namespace {

using namespace std::chrono_literals;

constexpr double kInf = std::numeric_limits<double>::infinity();

Duration round_ms(double ms) {
  return Duration{std::llround(ms)};
}

// The part of `range` that counts: inside `counted` (all of it when null), outside `excluded`.
IntervalSet counted_part(Interval range, const IntervalSet* counted, const IntervalSet* excluded) {
  IntervalSet part = counted ? counted->intersected(range) : IntervalSet(range);
  if (excluded && !part.empty()) part = part.minus(*excluded);
  return part;
}

// Downtime and measured time in milliseconds, unrounded, so a burn rate over a short window
// is not skewed by rounding each sample to whole milliseconds.
struct RawDowntime {
  double downtime_ms = 0;
  double measured_ms = 0;
};

RawDowntime raw_downtime(std::span<const UptimeSample> samples, Interval range,
                         const IntervalSet* counted, const IntervalSet* excluded) {
  RawDowntime raw;
  if (range.empty()) return raw;
  const IntervalSet part = counted_part(range, counted, excluded);
  if (part.empty()) return raw;
  for (const UptimeSample& sample : samples) {
    // A NaN or infinite value measured nothing; it must not turn the whole result into NaN.
    if (!std::isfinite(sample.uptime_percent)) continue;
    // Cheap rejection first: a burn window sees few of the many samples it is handed.
    if (sample.at >= range.end || sample.at + sample.covers <= range.start) continue;
    const Duration overlap = part.overlap(Interval{sample.at, sample.at + sample.covers});
    if (overlap <= Duration{0}) continue;
    const double uptime = std::clamp(sample.uptime_percent, 0.0, 100.0);
    const auto ms = static_cast<double>(overlap.count());
    raw.downtime_ms += (1.0 - uptime / 100.0) * ms;
    raw.measured_ms += ms;
  }
  return raw;
}

double allowed_error_ratio(double target_percent) {
  return 1.0 - std::clamp(target_percent, 0.0, 100.0) / 100.0;
}

Duration& bucket(StatusDistribution& distribution, PolicyStatusKind kind) {
  switch (kind) {
    case PolicyStatusKind::up:
      return distribution.up;
    case PolicyStatusKind::degraded:
      return distribution.degraded;
    case PolicyStatusKind::down:
      return distribution.down;
    case PolicyStatusKind::maintenance:
      return distribution.maintenance;
    case PolicyStatusKind::unknown:
      break;
  }
  return distribution.unknown;
}

constexpr std::array<BurnWindow, 7> kBurnWindows{{
    {"5m", 5min},
    {"30m", 30min},
    {"1h", 1h},
    {"2h", 2h},
    {"6h", 6h},
    {"1d", 24h},
    {"3d", 72h},
}};

}  // namespace

std::string_view to_string(PolicyStatusKind kind) {
  switch (kind) {
    case PolicyStatusKind::up:
      return "up";
    case PolicyStatusKind::degraded:
      return "degraded";
    case PolicyStatusKind::down:
      return "down";
    case PolicyStatusKind::unknown:
      return "unknown";
    case PolicyStatusKind::maintenance:
      return "maintenance";
  }
  return "unknown";
}

std::optional<PolicyStatusKind> parse_policy_status_kind(std::string_view text) {
  for (PolicyStatusKind kind :
       {PolicyStatusKind::up, PolicyStatusKind::degraded, PolicyStatusKind::down,
        PolicyStatusKind::unknown, PolicyStatusKind::maintenance}) {
    if (to_string(kind) == text) return kind;
  }
  return std::nullopt;
}

Duration StatusDistribution::total() const {
  return up + degraded + down + unknown + maintenance;
}

std::optional<double> StatusDistribution::compliance_ratio() const {
  const Duration evaluated = up + degraded + down;
  if (evaluated <= Duration{0}) return std::nullopt;
  return static_cast<double>(up.count()) / static_cast<double>(evaluated.count());
}

double StatusDistribution::share(PolicyStatusKind kind) const {
  const Duration whole = total();
  if (whole <= Duration{0}) return 0;
  StatusDistribution copy = *this;  // bucket() hands out a mutable reference
  return static_cast<double>(bucket(copy, kind).count()) / static_cast<double>(whole.count());
}

StatusDistribution distribution(std::span<const StatusSegment> timeline, Interval window,
                                const IntervalSet* counted) {
  StatusDistribution result;
  const IntervalSet part = counted_part(window, counted, nullptr);
  if (part.empty()) return result;
  // Segments are meant not to overlap; should they, time is still counted once (the covered
  // set) and whatever the timeline does not cover is unknown.
  IntervalSet covered;
  for (const StatusSegment& segment : timeline) {
    const Interval clipped = intersect(Interval{segment.start, segment.end}, window);
    if (clipped.empty()) continue;
    bucket(result, segment.status) += part.overlap(clipped);
    covered.add(clipped);
  }
  const Duration uncovered = part.total() - part.intersected(covered).total();
  if (uncovered > Duration{0}) result.unknown += uncovered;
  return result;
}

std::string_view to_string(ComplianceWindow window) {
  switch (window) {
    case ComplianceWindow::d1:
      return "1d";
    case ComplianceWindow::d7:
      return "7d";
    case ComplianceWindow::d30:
      return "30d";
    case ComplianceWindow::d90:
      return "90d";
    case ComplianceWindow::all:
      return "all";
  }
  return "all";
}

std::optional<ComplianceWindow> parse_compliance_window(std::string_view text) {
  for (ComplianceWindow window : kComplianceWindows) {
    if (to_string(window) == text) return window;
  }
  return std::nullopt;
}

Interval window_interval(ComplianceWindow window, WallTime now, WallTime first_seen) {
  constexpr Duration kDay = 24h;
  switch (window) {
    case ComplianceWindow::d1:
      return Interval{now - kDay, now};
    case ComplianceWindow::d7:
      return Interval{now - 7 * kDay, now};
    case ComplianceWindow::d30:
      return Interval{now - 30 * kDay, now};
    case ComplianceWindow::d90:
      return Interval{now - 90 * kDay, now};
    case ComplianceWindow::all:
      break;
  }
  if (first_seen >= now) return Interval{now, now};  // nothing seen yet: an empty window
  return Interval{first_seen, now};
}

std::optional<double> Downtime::achieved_uptime_percent() const {
  if (measured <= Duration{0}) return std::nullopt;
  return 100.0 *
         (1.0 - static_cast<double>(downtime.count()) / static_cast<double>(measured.count()));
}

Downtime measure_downtime(std::span<const UptimeSample> samples, Interval range,
                          const IntervalSet* counted, const IntervalSet* excluded) {
  const RawDowntime raw = raw_downtime(samples, range, counted, excluded);
  return Downtime{round_ms(raw.downtime_ms), round_ms(raw.measured_ms)};
}

double ErrorBudget::used_ratio() const {
  if (budget <= Duration{0}) return used > Duration{0} ? kInf : 0.0;
  return static_cast<double>(used.count()) / static_cast<double>(budget.count());
}

double ErrorBudget::remaining_ratio() const {
  return 1.0 - used_ratio();
}

ErrorBudget error_budget(double target_percent, std::span<const UptimeSample> samples,
                         Interval period, const IntervalSet* counted, const IntervalSet* excluded) {
  ErrorBudget result;
  result.target_percent = target_percent;
  const Duration countable = counted_part(period, counted, excluded).total();
  result.budget =
      round_ms(allowed_error_ratio(target_percent) * static_cast<double>(countable.count()));
  result.used = measure_downtime(samples, period, counted, excluded).downtime;
  return result;
}

std::optional<double> burn_rate(double target_percent, std::span<const UptimeSample> samples,
                                WallTime now, Duration window, const IntervalSet* counted,
                                const IntervalSet* excluded) {
  const RawDowntime raw = raw_downtime(samples, Interval{now - window, now}, counted, excluded);
  if (raw.measured_ms <= 0) return std::nullopt;
  const double error_ratio = raw.downtime_ms / raw.measured_ms;
  const double allowed = allowed_error_ratio(target_percent);
  if (allowed <= 0) return error_ratio > 0 ? kInf : 0.0;
  return error_ratio / allowed;
}

std::span<const BurnWindow> burn_windows() {
  return kBurnWindows;
}

int count_outages(std::span<const OutageInterval> outages, const OutageRequirement& requirement,
                  Interval period, WallTime now) {
  int count = 0;
  for (const OutageInterval& outage : outages) {
    if (outage.metric != requirement.metric || !period.contains(outage.start)) continue;
    const WallTime end = outage.end.value_or(now);
    if (end - outage.start >= requirement.min_duration) ++count;
  }
  return count;
}

std::string_view to_string(PeriodState state) {
  switch (state) {
    case PeriodState::met:
      return "met";
    case PeriodState::at_risk:
      return "at_risk";
    case PeriodState::broken:
      return "broken";
  }
  return "met";
}

PeriodResult evaluate_period(const PeriodInputs& in) {
  PeriodResult result;
  result.period = in.period;
  result.complete = in.now >= in.period.end;
  // Only the elapsed part is judged: the rest of a running period is not unknown, it is future.
  const Interval elapsed{in.period.start, std::min(in.period.end, in.now)};
  result.distribution = distribution(in.timeline, elapsed, in.counted);
  result.compliance_ratio = result.distribution.compliance_ratio();
  result.breach_time = result.distribution.degraded + result.distribution.down;

  const std::optional<double> uptime_target =
      in.policy ? in.policy->threshold(Metric::uptime_percent) : std::nullopt;
  bool broken = false;
  if (uptime_target) {
    result.target_percent = *uptime_target;
    result.achieved_percent =
        measure_downtime(in.uptime, elapsed, in.counted, in.maintenance).achieved_uptime_percent();
    // The budget is the whole period's; samples exist only up to now, so `used` is so far.
    result.budget = error_budget(*uptime_target, in.uptime, in.period, in.counted, in.maintenance);
    result.budget_used = result.budget->used_ratio();
    if (result.complete && result.achieved_percent &&
        *result.achieved_percent < result.target_percent) {
      broken = true;
    }
    if (result.budget_used > 1) broken = true;
  } else {
    result.target_percent = 100;
    if (result.compliance_ratio) result.achieved_percent = *result.compliance_ratio * 100.0;
    // Without requirements the target is "no breach time"; with them only they decide, so a
    // policy allowing 5 short outages is not broken by its first one.
    const bool has_requirements = in.policy && !in.policy->requirements.empty();
    if (!has_requirements && result.complete && result.compliance_ratio &&
        *result.compliance_ratio < 1 && result.breach_time > Duration{0}) {
      broken = true;
    }
  }

  if (in.policy) {
    for (const OutageRequirement& requirement : in.policy->requirements) {
      RequirementResult requirement_result;
      requirement_result.requirement = requirement;
      requirement_result.outages = count_outages(in.outages, requirement, in.period, in.now);
      requirement_result.broken = requirement_result.outages > requirement.max_outages;
      const double used = requirement.max_outages > 0
                              ? static_cast<double>(requirement_result.outages) /
                                    static_cast<double>(requirement.max_outages)
                              : (requirement_result.outages > 0 ? kInf : 0.0);
      result.budget_used = std::max(result.budget_used, used);
      if (requirement_result.broken) broken = true;
      result.requirements.push_back(requirement_result);
    }
  }

  const double warn_at =
      in.policy && in.policy->levels ? in.policy->levels->warn_at_budget_used : 0.5;
  if (broken) {
    result.state = PeriodState::broken;
  } else if (result.budget_used > 0 && result.budget_used >= warn_at) {
    // budget_used > 0: a warn level of 0 must not put every untouched period at risk.
    result.state = PeriodState::at_risk;
  } else {
    result.state = PeriodState::met;
  }

  if (in.policy && !in.policy->credits.empty() && result.achieved_percent) {
    result.credit_percent = credit_owed(in.policy->credits, *result.achieved_percent);
  }
  return result;
}

double credit_owed(std::span<const CreditTier> credits, double achieved_percent) {
  const CreditTier* applicable = nullptr;
  for (const CreditTier& tier : credits) {
    if (achieved_percent < tier.below && (!applicable || tier.below < applicable->below)) {
      applicable = &tier;
    }
  }
  return applicable ? applicable->percent : 0.0;
}

}  // namespace slamon::sla
