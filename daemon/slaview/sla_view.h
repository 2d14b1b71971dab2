// SlaView: the SLA read model — the one place that answers "what may a reader know about a
// policy over a range" (SPEC §7, §14): status distributions and compliance, calendar SLA
// periods with budgets, outages and credits, the current SLA standing, daily figures, measured
// value statistics, breaches and maintenance. The API's /compliance and /periods, status pages
// and reports render what it returns; none of them computes a figure itself.
//
// It reads the status timelines, breaches and maintenance windows from the Store and measured
// values from the History (both serialize themselves) under one Config, and keeps nothing but
// the maintenance calendar it loads on first use (guarded by a mutex). Thread-safe: one SlaView
// may serve any number of threads; it is cheap to build one per request or page.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "history/history.h"
#include "maintenance/maintenance.h"
#include "model/model.h"
#include "sla/accounting.h"
#include "sla/calendar.h"
#include "sla/interval.h"
#include "store/store.h"

namespace slamon::slaview {

// A policy without an `sla_period` is judged over the last 30 days.
inline constexpr auto kRollingSlaWindow = std::chrono::days(30);

// Stored segments as a timeline, sorted by start. A status slamon does not know counts as
// uncovered (unknown) rather than failing the whole answer.
std::vector<sla::StatusSegment> timeline_of(std::span<const StoredStatusSegment> stored);
// The policy's counted time (business hours) within `range`; nullopt: all of it counts.
std::optional<sla::IntervalSet> counted_time_of(const Policy& policy, const sla::TimeZone& zone,
                                                sla::Interval range);
// The status in effect at `t`: the segment covering it, else unknown.
sla::PolicyStatusKind status_at(std::span<const sla::StatusSegment> timeline, WallTime t);

// Every breach `query` matches (newest first), read from the store page by page.
Result<std::vector<Breach>> all_breaches(Store& store, BreachQuery query);

// The calendar a policy's SLA periods follow: its sla_period's kind (month when it has none)
// in its zone (sla::zone_of).
struct PolicyCalendar {
  PeriodKind kind = PeriodKind::month;
  sla::TimeZone zone = sla::TimeZone::utc();

  sla::Interval period_containing(WallTime t) const;
  std::vector<sla::Interval> periods_overlapping(sla::Interval range) const;
  // The start of the `count` periods up to `to`: the period holding the instant before `to`
  // and the count − 1 before it.
  WallTime start_of_last_periods(WallTime to, int count) const;
};
// Read in the zone the engine judges the policy in: its sla_period's, else the zone of the site
// its scope is located at (`inventory`), else UTC. Error: an unknown time zone.
Result<PolicyCalendar> calendar_of(const Policy& policy, const Inventory& inventory);

// Statistics of one thresholded metric's measured values over a range.
struct MetricFigures {
  Metric metric = Metric::uptime_percent;
  std::optional<history::WindowStats> stats;  // nullopt: nothing measured (or no history)
};

// A policy's compliance over a range (SPEC §7.1).
struct Compliance {
  sla::Interval range;
  sla::StatusDistribution statuses;  // within the counted time (business hours)
  // up / (up + degraded + down): the share of evaluated time within ALL thresholds (not the
  // measured uptime). nullopt: nothing evaluated.
  std::optional<double> compliant_time_ratio;
  std::vector<MetricFigures> metrics;  // each metric the policy has a threshold for, in order
};

// A policy's results per calendar SLA period (SPEC §7.2, §7.4, §7.5, §7.7).
struct Periods {
  PolicyCalendar calendar;
  // The policy has uptime_percent_min: achieved_percent is measured uptime against that
  // target; otherwise it is the compliant time × 100 against 100.
  bool measures_uptime = false;
  bool has_credits = false;
  std::vector<sla::PeriodResult> items;  // oldest first; periods not yet begun are left out
};

// How a policy stands against its SLA now: the running calendar period when it has an
// `sla_period`, else the last 30 days, judged exactly as periods() judges a period.
struct SlaStanding {
  sla::Interval window;
  bool calendar_period = false;
  PolicyCalendar calendar;
  bool measures_uptime = false;
  sla::PeriodResult result;

  // Measured uptime over the window's elapsed time; nullopt without an uptime target or data.
  std::optional<double> measured_uptime_percent() const {
    return measures_uptime ? result.achieved_percent : std::nullopt;
  }
  // The share of evaluated time within all thresholds over the window's elapsed time.
  std::optional<double> compliant_time_ratio() const { return result.compliance_ratio; }
};

// What a policy's breaches add up to (SPEC §10 reports): counts by peak severity; each breach
// is one outage lasting from opened_at until it resolved (or `now` while open); the mean times
// to acknowledge and to resolve over the breaches that were acknowledged / resolved.
struct BreachFigures {
  int warning = 0;
  int critical = 0;
  int outages = 0;
  Duration longest_outage{0};
  std::optional<Duration> mean_time_to_acknowledge;  // nullopt: none acknowledged
  std::optional<Duration> mean_time_to_resolve;      // nullopt: none resolved
};
BreachFigures breach_figures(std::span<const Breach> breaches, WallTime now);

struct DayStatuses {
  WallTime start{};  // UTC midnight
  sla::StatusDistribution statuses;
};

struct DayStats {
  WallTime start{};                           // UTC midnight
  std::optional<history::WindowStats> stats;  // nullopt: nothing measured that day
};

// What a status page shows of a policy's timeline, from one read of it.
struct Overview {
  sla::PolicyStatusKind status_now = sla::PolicyStatusKind::unknown;
  SlaStanding standing;
  std::vector<DayStatuses> days;  // oldest first; the last is today up to now
  // Over all the days: its compliance_ratio() is the compliant time ratio.
  sla::StatusDistribution days_statuses;
};

class SlaView {
 public:
  // `history` may be null: metric statistics and measured uptime then read as nothing
  // measured. `config` and `store` must outlive the view.
  SlaView(const Config& config, Store& store, history::History* history);

  // Over a rolling window ending at `now` (`all` starts at the policy's first status).
  Result<Compliance> compliance(const Policy& policy, sla::ComplianceWindow window,
                                WallTime now) const;
  Result<Compliance> compliance(const Policy& policy, sla::Interval range) const;

  // calendar_of(policy, the view's inventory).
  Result<PolicyCalendar> calendar(const Policy& policy) const;

  // The periods of the policy's calendar overlapping `range` that have begun by `now`.
  Result<Periods> periods(const Policy& policy, sla::Interval range, WallTime now) const;
  Result<SlaStanding> standing(const Policy& policy, WallTime now) const;
  // `range` judged as one SLA period, exactly as periods() judges a calendar period (measured
  // downtime against the budget, breach time, state, credit): a report's period.
  Result<sla::PeriodResult> judge(const Policy& policy, sla::Interval range, WallTime now) const;

  // `count` UTC days, the last holding `now`, and the status now.
  Result<Overview> overview(const Policy& policy, int count, WallTime now) const;
  Result<std::vector<DayStatuses>> days(const Policy& policy, WallTime first_day, int count,
                                        WallTime now) const;
  // `count` UTC days of `metric` from `first_day`, the last cut at `now` (inclusive).
  Result<std::vector<DayStats>> daily_stats(const Policy& policy, Metric metric, WallTime first_day,
                                            int count, WallTime now) const;
  Result<std::optional<history::WindowStats>> stats(const Policy& policy, Metric metric,
                                                    sla::Interval range) const;

  // The policy's breaches that opened within `range`, newest first.
  Result<std::vector<Breach>> breaches_opened_in(const Policy& policy, sla::Interval range) const;
  // The org's open (active or acknowledged) breaches, oldest first.
  Result<std::vector<Breach>> open_breaches(const std::string& org) const;

  // When maintenance windows covering the policy are in effect within `range`.
  Result<sla::IntervalSet> maintenance(const Policy& policy, sla::Interval range) const;

 private:
  Result<std::shared_ptr<const MaintenanceCalendar>> maintenance_calendar() const;
  Result<std::vector<sla::UptimeSample>> uptime_samples(const Policy& policy,
                                                        sla::Interval span) const;
  Result<std::vector<sla::PeriodResult>> evaluate(const Policy& policy,
                                                  const PolicyCalendar& calendar,
                                                  std::span<const sla::Interval> periods,
                                                  std::span<const sla::StatusSegment> timeline,
                                                  WallTime now) const;
  Result<SlaStanding> standing(const Policy& policy, const PolicyCalendar& calendar,
                               std::span<const sla::StatusSegment> timeline, WallTime now) const;
  std::vector<DayStatuses> days(const Policy& policy, const PolicyCalendar& calendar,
                                std::span<const sla::StatusSegment> timeline, WallTime first_day,
                                int count, WallTime now) const;
  Result<std::vector<sla::StatusSegment>> read_timeline(const Policy& policy,
                                                        sla::Interval range) const;

  const Config* config_;
  Store* store_;
  history::History* history_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const MaintenanceCalendar> calendar_;
};

}  // namespace slamon::slaview
