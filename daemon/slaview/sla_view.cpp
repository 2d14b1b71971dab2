#include "slaview/sla_view.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace slamon::slaview {

namespace {

using namespace std::chrono_literals;
using Days = std::chrono::days;

constexpr int kStorePage = 200;

}  // namespace

std::vector<sla::StatusSegment> timeline_of(std::span<const StoredStatusSegment> stored) {
  std::vector<sla::StatusSegment> timeline;
  timeline.reserve(stored.size());
  for (const StoredStatusSegment& segment : stored) {
    const auto kind = sla::parse_policy_status_kind(segment.status);
    if (!kind || segment.end <= segment.start) continue;
    timeline.push_back({segment.start, segment.end, *kind});
  }
  std::sort(
      timeline.begin(), timeline.end(),
      [](const sla::StatusSegment& a, const sla::StatusSegment& b) { return a.start < b.start; });
  return timeline;
}

std::optional<sla::IntervalSet> counted_time_of(const Policy& policy, const sla::TimeZone& zone,
                                                sla::Interval range) {
  if (!policy.time_period) return std::nullopt;
  return sla::counted_time(&*policy.time_period, zone, range);
}

sla::PolicyStatusKind status_at(std::span<const sla::StatusSegment> timeline, WallTime t) {
  for (auto it = timeline.rbegin(); it != timeline.rend(); ++it) {
    if (it->start <= t && t < it->end) return it->status;
    if (it->end <= t) break;
  }
  return sla::PolicyStatusKind::unknown;
}

sla::Interval PolicyCalendar::period_containing(WallTime t) const {
  return sla::period_containing(kind, zone, t);
}

std::vector<sla::Interval> PolicyCalendar::periods_overlapping(sla::Interval range) const {
  return sla::periods_overlapping(kind, zone, range);
}

WallTime PolicyCalendar::start_of_last_periods(WallTime to, int count) const {
  WallTime start = period_containing(to - 1ms).start;
  for (int i = 1; i < count; ++i) start = period_containing(start - 1ms).start;
  return start;
}

Result<PolicyCalendar> calendar_of(const Policy& policy, const Inventory& inventory) {
  auto zone = sla::zone_of(policy, inventory.timezone_of(policy.scope, policy.scope_id));
  if (!zone) return fail("the policy's time zone: " + zone.error().message);
  PolicyCalendar calendar;
  calendar.kind = policy.sla_period ? policy.sla_period->kind : PeriodKind::month;
  calendar.zone = std::move(*zone);
  return calendar;
}

SlaView::SlaView(const Config& config, Store& store, history::History* history)
    : config_(&config), store_(&store), history_(history) {}

Result<PolicyCalendar> SlaView::calendar(const Policy& policy) const {
  return calendar_of(policy, config_->inventory);
}

Result<std::shared_ptr<const MaintenanceCalendar>> SlaView::maintenance_calendar() const {
  std::lock_guard lock(mutex_);
  if (calendar_) return calendar_;
  auto windows = load_maintenance_windows(*config_, store_);
  if (!windows) return fail("reading maintenance windows: " + windows.error().message);
  calendar_ = std::make_shared<const MaintenanceCalendar>(std::move(*windows), config_->inventory);
  return calendar_;
}

Result<std::vector<sla::StatusSegment>> SlaView::read_timeline(const Policy& policy,
                                                               sla::Interval range) const {
  auto stored = store_->status_segments(policy.id, range.start, range.end);
  if (!stored) return fail("reading a timeline: " + stored.error().message);
  return timeline_of(*stored);
}

// Each point stands for the cycles it holds: one evaluation interval per count. A cycle's
// value describes the interval that ends at the cycle (docs/sla.md), as the engine counts it;
// an hourly aggregate stands for its hour from the hour's start.
Result<std::vector<sla::UptimeSample>> SlaView::uptime_samples(const Policy& policy,
                                                               sla::Interval span) const {
  std::vector<sla::UptimeSample> samples;
  if (history_ == nullptr) return samples;
  const Duration interval =
      std::chrono::duration_cast<Duration>(config_->global.evaluation_interval);
  // An hourly aggregate starts up to an hour before the first instant it covers.
  auto points = history_->points(policy.id, Metric::uptime_percent, span.start - 1h, span.end);
  if (!points) return fail("reading history: " + points.error().message);
  samples.reserve(points->size());
  for (const history::Point& point : *points) {
    const WallTime start = point.count <= 1 ? point.at - interval : point.at;
    samples.push_back({start, interval * std::max(point.count, 1), point.mean});
  }
  return samples;
}

Result<Compliance> SlaView::compliance(const Policy& policy, sla::ComplianceWindow window,
                                       WallTime now) const {
  WallTime first_seen = now;
  if (window == sla::ComplianceWindow::all) {
    auto first = store_->first_status_time(policy.id);
    if (!first) return fail("reading a timeline: " + first.error().message);
    first_seen = first->value_or(now);
  }
  return compliance(policy, sla::window_interval(window, now, first_seen));
}

Result<Compliance> SlaView::compliance(const Policy& policy, sla::Interval range) const {
  auto calendar = this->calendar(policy);
  if (!calendar) return std::unexpected(calendar.error());
  Compliance figures;
  figures.range = range;
  if (!range.empty()) {
    auto timeline = read_timeline(policy, range);
    if (!timeline) return std::unexpected(timeline.error());
    const auto counted = counted_time_of(policy, calendar->zone, range);
    figures.statuses = sla::distribution(*timeline, range, counted ? &*counted : nullptr);
  }
  figures.compliant_time_ratio = figures.statuses.compliance_ratio();
  for (Metric metric : kAllMetrics) {
    if (!policy.threshold(metric)) continue;
    MetricFigures metric_figures{metric, std::nullopt};
    if (!range.empty()) {
      auto read = stats(policy, metric, range);
      if (!read) return std::unexpected(read.error());
      metric_figures.stats = *read;
    }
    figures.metrics.push_back(metric_figures);
  }
  return figures;
}

Result<std::vector<sla::PeriodResult>> SlaView::evaluate(
    const Policy& policy, const PolicyCalendar& calendar, std::span<const sla::Interval> periods,
    std::span<const sla::StatusSegment> timeline, WallTime now) const {
  std::vector<sla::PeriodResult> results;
  if (periods.empty()) return results;
  const sla::Interval span{periods.front().start, std::min(periods.back().end, now)};

  std::vector<sla::UptimeSample> uptime;
  if (policy.threshold(Metric::uptime_percent)) {
    auto samples = uptime_samples(policy, span);
    if (!samples) return std::unexpected(samples.error());
    uptime = std::move(*samples);
  }
  // Outages only matter to outage-count requirements (SPEC §7.4).
  std::vector<sla::OutageInterval> outages;
  if (!policy.requirements.empty()) {
    auto breaches = breaches_opened_in(policy, span);
    if (!breaches) return std::unexpected(breaches.error());
    for (const Breach& breach : *breaches) {
      outages.push_back({breach.metric, breach.opened_at, breach.resolved_at});
    }
  }
  auto maintenance = maintenance_calendar();
  if (!maintenance) return std::unexpected(maintenance.error());

  results.reserve(periods.size());
  for (const sla::Interval& period : periods) {
    const auto counted = counted_time_of(policy, calendar.zone, period);
    const sla::IntervalSet excluded = (*maintenance)->intervals(policy, period);
    sla::PeriodInputs inputs;
    inputs.policy = &policy;
    inputs.period = period;
    inputs.now = now;
    inputs.counted = counted ? &*counted : nullptr;
    inputs.maintenance = &excluded;
    inputs.timeline = timeline;
    inputs.uptime = uptime;
    inputs.outages = outages;
    results.push_back(sla::evaluate_period(inputs));
  }
  return results;
}

Result<Periods> SlaView::periods(const Policy& policy, sla::Interval range, WallTime now) const {
  auto calendar = this->calendar(policy);
  if (!calendar) return std::unexpected(calendar.error());
  Periods answer;
  answer.calendar = *calendar;
  answer.measures_uptime = policy.threshold(Metric::uptime_percent).has_value();
  answer.has_credits = !policy.credits.empty();
  std::vector<sla::Interval> periods = calendar->periods_overlapping(range);
  // A period that has not begun has nothing to judge.
  std::erase_if(periods, [&](const sla::Interval& period) { return period.start >= now; });
  if (periods.empty()) return answer;
  auto timeline = read_timeline(policy, {periods.front().start, std::min(periods.back().end, now)});
  if (!timeline) return std::unexpected(timeline.error());
  auto items = evaluate(policy, *calendar, periods, *timeline, now);
  if (!items) return std::unexpected(items.error());
  answer.items = std::move(*items);
  return answer;
}

Result<SlaStanding> SlaView::standing(const Policy& policy, const PolicyCalendar& calendar,
                                      std::span<const sla::StatusSegment> timeline,
                                      WallTime now) const {
  SlaStanding standing;
  standing.calendar = calendar;
  standing.calendar_period = policy.sla_period.has_value();
  standing.window = standing.calendar_period ? calendar.period_containing(now)
                                             : sla::Interval{now - kRollingSlaWindow, now};
  standing.measures_uptime = policy.threshold(Metric::uptime_percent).has_value();
  auto results = evaluate(policy, calendar, {&standing.window, 1}, timeline, now);
  if (!results) return std::unexpected(results.error());
  standing.result = std::move(results->front());
  return standing;
}

Result<SlaStanding> SlaView::standing(const Policy& policy, WallTime now) const {
  auto calendar = this->calendar(policy);
  if (!calendar) return std::unexpected(calendar.error());
  const WallTime from =
      policy.sla_period ? calendar->period_containing(now).start : now - kRollingSlaWindow;
  auto timeline = read_timeline(policy, {from, now + 1ms});
  if (!timeline) return std::unexpected(timeline.error());
  return standing(policy, *calendar, *timeline, now);
}

Result<sla::PeriodResult> SlaView::judge(const Policy& policy, sla::Interval range,
                                         WallTime now) const {
  auto calendar = this->calendar(policy);
  if (!calendar) return std::unexpected(calendar.error());
  auto timeline = read_timeline(policy, {range.start, std::min(range.end, now + 1ms)});
  if (!timeline) return std::unexpected(timeline.error());
  auto results = evaluate(policy, *calendar, {&range, 1}, *timeline, now);
  if (!results) return std::unexpected(results.error());
  return std::move(results->front());
}

BreachFigures breach_figures(std::span<const Breach> breaches, WallTime now) {
  BreachFigures figures;
  Duration acknowledge_total{0}, resolve_total{0};
  int acknowledged = 0, resolved = 0;
  for (const Breach& breach : breaches) {
    ++(breach.peak_severity == Severity::critical ? figures.critical : figures.warning);
    ++figures.outages;
    const WallTime end = breach.resolved_at.value_or(std::max(now, breach.opened_at));
    figures.longest_outage = std::max(figures.longest_outage,
                                      std::chrono::duration_cast<Duration>(end - breach.opened_at));
    if (breach.acknowledged_at) {
      acknowledge_total +=
          std::chrono::duration_cast<Duration>(*breach.acknowledged_at - breach.opened_at);
      ++acknowledged;
    }
    if (breach.resolved_at) {
      resolve_total += std::chrono::duration_cast<Duration>(*breach.resolved_at - breach.opened_at);
      ++resolved;
    }
  }
  if (acknowledged > 0) figures.mean_time_to_acknowledge = acknowledge_total / acknowledged;
  if (resolved > 0) figures.mean_time_to_resolve = resolve_total / resolved;
  return figures;
}

std::vector<DayStatuses> SlaView::days(const Policy& policy, const PolicyCalendar& calendar,
                                       std::span<const sla::StatusSegment> timeline,
                                       WallTime first_day, int count, WallTime now) const {
  std::vector<DayStatuses> days;
  days.reserve(static_cast<std::size_t>(std::max(count, 0)));
  for (int i = 0; i < count; ++i) {
    DayStatuses day;
    day.start = first_day + Days(i);
    const sla::Interval range{day.start, std::max(day.start, std::min(day.start + Days(1), now))};
    const auto counted = counted_time_of(policy, calendar.zone, range);
    day.statuses = sla::distribution(timeline, range, counted ? &*counted : nullptr);
    days.push_back(day);
  }
  return days;
}

Result<std::vector<DayStatuses>> SlaView::days(const Policy& policy, WallTime first_day, int count,
                                               WallTime now) const {
  auto calendar = this->calendar(policy);
  if (!calendar) return std::unexpected(calendar.error());
  auto timeline = read_timeline(policy, {first_day, now + 1ms});
  if (!timeline) return std::unexpected(timeline.error());
  return days(policy, *calendar, *timeline, first_day, count, now);
}

Result<Overview> SlaView::overview(const Policy& policy, int count, WallTime now) const {
  auto calendar = this->calendar(policy);
  if (!calendar) return std::unexpected(calendar.error());
  const WallTime first_day = std::chrono::floor<Days>(now) - Days(count - 1);
  const sla::Interval span{first_day, now};

  // One read of the timeline covers the days and the SLA window (a year's period may reach
  // further back than the days).
  WallTime from = first_day;
  if (policy.sla_period) {
    from = std::min(from, calendar->period_containing(now).start);
  } else {
    from = std::min(from, now - kRollingSlaWindow);
  }
  auto timeline = read_timeline(policy, {from, now + 1ms});
  if (!timeline) return std::unexpected(timeline.error());

  Overview overview;
  overview.status_now = status_at(*timeline, now);
  auto standing_now = standing(policy, *calendar, *timeline, now);
  if (!standing_now) return std::unexpected(standing_now.error());
  overview.standing = std::move(*standing_now);
  overview.days = days(policy, *calendar, *timeline, first_day, count, now);
  const auto counted = counted_time_of(policy, calendar->zone, span);
  overview.days_statuses = sla::distribution(*timeline, span, counted ? &*counted : nullptr);
  return overview;
}

Result<std::vector<DayStats>> SlaView::daily_stats(const Policy& policy, Metric metric,
                                                   WallTime first_day, int count,
                                                   WallTime now) const {
  std::vector<DayStats> days;
  days.reserve(static_cast<std::size_t>(std::max(count, 0)));
  for (int i = 0; i < count; ++i) {
    DayStats day;
    day.start = first_day + Days(i);
    auto read = stats(policy, metric, {day.start, std::min(day.start + Days(1), now + 1ms)});
    if (!read) return std::unexpected(read.error());
    day.stats = *read;
    days.push_back(day);
  }
  return days;
}

Result<std::optional<history::WindowStats>> SlaView::stats(const Policy& policy, Metric metric,
                                                           sla::Interval range) const {
  if (history_ == nullptr) return std::optional<history::WindowStats>();
  auto read = history_->stats(policy.id, metric, range.start, range.end);
  if (!read) return fail("reading history: " + read.error().message);
  return *read;
}

Result<std::vector<Breach>> all_breaches(Store& store, BreachQuery query) {
  std::vector<Breach> all;
  if (query.scope_keys && query.scope_keys->empty()) return all;
  query.limit = kStorePage;
  query.offset = 0;
  while (true) {
    auto page = store.breaches(query);
    if (!page) return fail("reading breaches: " + page.error().message);
    const std::size_t got = page->size();
    std::move(page->begin(), page->end(), std::back_inserter(all));
    if (got < static_cast<std::size_t>(kStorePage)) break;
    query.offset += kStorePage;
  }
  return all;
}

Result<std::vector<Breach>> SlaView::breaches_opened_in(const Policy& policy,
                                                        sla::Interval range) const {
  BreachQuery query;
  query.org = policy.org;
  query.policy_id = policy.id;
  auto all = all_breaches(*store_, query);
  if (!all) return std::unexpected(all.error());
  std::erase_if(*all, [&](const Breach& breach) {
    return breach.opened_at < range.start || breach.opened_at >= range.end;
  });
  return all;
}

Result<std::vector<Breach>> SlaView::open_breaches(const std::string& org) const {
  BreachQuery query;
  query.org = org;
  query.open_only = true;
  auto open = all_breaches(*store_, query);
  if (!open) return std::unexpected(open.error());
  // The store answers newest first.
  std::reverse(open->begin(), open->end());
  return open;
}

Result<sla::IntervalSet> SlaView::maintenance(const Policy& policy, sla::Interval range) const {
  auto calendar = maintenance_calendar();
  if (!calendar) return std::unexpected(calendar.error());
  return (*calendar)->intervals(policy, range);
}

}  // namespace slamon::slaview
