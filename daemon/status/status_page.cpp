#include "status/status_page.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "engine/maintenance.h"
#include "sla/calendar.h"

namespace slamon::status {

namespace {

using namespace std::chrono_literals;
using Days = std::chrono::days;

constexpr int kStorePage = 200;

// Stored segments as a timeline, as the API reads them (api/sla_handlers.cpp): a status slamon
// does not know counts as uncovered (unknown) rather than failing the page.
std::vector<sla::StatusSegment> timeline_of(const std::vector<StoredStatusSegment>& stored) {
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

// The zone of a policy's SLA periods and business hours (SPEC §7.2), as the API reads it.
Result<sla::TimeZone> zone_of(const Policy& policy) {
  if (!policy.sla_period || policy.sla_period->timezone.empty()) return sla::TimeZone::utc();
  return sla::TimeZone::find(policy.sla_period->timezone);
}

std::optional<sla::IntervalSet> counted_of(const Policy& policy, const sla::TimeZone& zone,
                                           sla::Interval range) {
  if (!policy.time_period) return std::nullopt;
  return sla::counted_time(&*policy.time_period, zone, range);
}

bool has_labels(const Policy& policy, const std::map<std::string, std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& label) {
    const auto found = policy.labels.find(label.first);
    return found != policy.labels.end() && found->second == label.second;
  });
}

std::string scope_text(const Policy& policy, const Config& config) {
  std::string kind(to_string(policy.scope));
  std::replace(kind.begin(), kind.end(), '_', ' ');
  if (policy.scope == Scope::organization) return kind;
  if (policy.scope_name) return kind + " " + *policy.scope_name;
  if (policy.scope_id) {
    if (const Device* device = config.inventory.device(*policy.scope_id)) {
      return kind + " " + device->name;
    }
    if (const EntityRef* entity = config.inventory.entity(*policy.scope_id)) {
      return kind + " " + entity->name;
    }
  }
  return kind;
}

// The status in effect at `now`: the segment covering it (a cycle's status stands for one
// evaluation interval from the cycle), else unknown.
sla::PolicyStatusKind current_status(std::span<const sla::StatusSegment> timeline, WallTime now) {
  for (auto it = timeline.rbegin(); it != timeline.rend(); ++it) {
    if (it->start <= now && now < it->end) return it->status;
    if (it->end <= now) break;
  }
  return sla::PolicyStatusKind::unknown;
}

// Every breach matching `query`, paged through the store.
Result<std::vector<Breach>> all_breaches(Store& store, BreachQuery query) {
  std::vector<Breach> all;
  query.limit = kStorePage;
  query.offset = 0;
  while (true) {
    auto page = store.breaches(query);
    if (!page) return std::unexpected(page.error());
    const std::size_t got = page->size();
    std::move(page->begin(), page->end(), std::back_inserter(all));
    if (got < static_cast<std::size_t>(kStorePage)) break;
    query.offset += kStorePage;
  }
  return all;
}

// The policy's measured uptime as samples, as /periods reads them: a raw point describes the
// evaluation interval that ends at it, an hourly aggregate its hour from the hour's start.
Result<std::vector<sla::UptimeSample>> uptime_samples(history::History& history,
                                                      const Policy& policy, const Config& config,
                                                      sla::Interval span) {
  const Duration interval = std::chrono::duration_cast<Duration>(config.global.evaluation_interval);
  auto points = history.points(policy.id, Metric::uptime_percent, span.start - 1h, span.end);
  if (!points) return std::unexpected(points.error());
  std::vector<sla::UptimeSample> samples;
  samples.reserve(points->size());
  for (const history::Point& point : *points) {
    const WallTime start = point.count <= 1 ? point.at - interval : point.at;
    samples.push_back({start, interval * std::max(point.count, 1), point.mean});
  }
  return samples;
}

struct PolicyInputs {
  const Config& config;
  Store& store;
  history::History* history;
  const MaintenanceCalendar& calendar;
  WallTime now;
};

Result<Badge> badge_of(const PolicyInputs& in, const Policy& policy, const sla::TimeZone& zone,
                       std::span<const sla::StatusSegment> timeline) {
  Badge badge;
  badge.timezone = zone.name();
  if (policy.sla_period) {
    badge.calendar_period = true;
    badge.period_kind = policy.sla_period->kind;
    badge.window = sla::period_containing(policy.sla_period->kind, zone, in.now);
  } else {
    badge.window = {in.now - kRollingBadgeWindow, in.now};
  }
  const sla::Interval elapsed{badge.window.start, std::min(badge.window.end, in.now)};

  std::vector<sla::UptimeSample> uptime;
  badge.uptime_target = policy.threshold(Metric::uptime_percent).has_value();
  if (badge.uptime_target && in.history != nullptr) {
    auto samples = uptime_samples(*in.history, policy, in.config, elapsed);
    if (!samples) return std::unexpected(samples.error());
    uptime = std::move(*samples);
  }
  // Outages only matter to outage-count requirements (SPEC §7.4).
  std::vector<sla::OutageInterval> outages;
  if (!policy.requirements.empty()) {
    BreachQuery query;
    query.org = policy.org;
    query.policy_id = policy.id;
    auto breaches = all_breaches(in.store, query);
    if (!breaches) return std::unexpected(breaches.error());
    for (const Breach& breach : *breaches) {
      if (breach.opened_at < elapsed.start || breach.opened_at >= elapsed.end) continue;
      outages.push_back({breach.metric, breach.opened_at, breach.resolved_at});
    }
  }
  const auto counted = counted_of(policy, zone, badge.window);
  const sla::IntervalSet maintenance = in.calendar.intervals(policy, badge.window);
  sla::PeriodInputs inputs;
  inputs.policy = &policy;
  inputs.period = badge.window;
  inputs.now = in.now;
  inputs.counted = counted ? &*counted : nullptr;
  inputs.maintenance = &maintenance;
  inputs.timeline = timeline;
  inputs.uptime = uptime;
  inputs.outages = outages;
  const sla::PeriodResult result = sla::evaluate_period(inputs);
  badge.achieved_percent = result.achieved_percent;
  badge.target_percent = result.target_percent;
  badge.state = result.state;
  return badge;
}

Result<PolicyView> view_of(const PolicyInputs& in, const Policy& policy) {
  PolicyView view;
  view.id = policy.id;
  view.name = policy.name;
  view.description = policy.description;
  view.scope = scope_text(policy, in.config);

  auto zone = zone_of(policy);
  if (!zone) return std::unexpected(zone.error());
  const WallTime today = std::chrono::floor<Days>(in.now);
  const sla::Interval bars{today - Days(kBarDays - 1), in.now};

  // One read of the timeline covers the bars and the badge's window (a year's period may
  // reach further back than the bars).
  WallTime from = bars.start;
  if (policy.sla_period) {
    from = std::min(from, sla::period_containing(policy.sla_period->kind, *zone, in.now).start);
  } else {
    from = std::min(from, in.now - kRollingBadgeWindow);
  }
  auto stored = in.store.status_segments(policy.id, from, in.now + 1ms);
  if (!stored) return std::unexpected(stored.error());
  const std::vector<sla::StatusSegment> timeline = timeline_of(*stored);
  view.current = current_status(timeline, in.now);

  auto badge = badge_of(in, policy, *zone, timeline);
  if (!badge) return std::unexpected(badge.error());
  view.badge = std::move(*badge);

  view.days.reserve(kBarDays);
  for (int i = 0; i < kBarDays; ++i) {
    DayBar day;
    day.start = bars.start + Days(i);
    const sla::Interval range{day.start, std::min(day.start + Days(1), in.now)};
    const auto counted = counted_of(policy, *zone, range);
    day.distribution = sla::distribution(timeline, range, counted ? &*counted : nullptr);
    day.colour = day_colour(day.distribution);
    view.days.push_back(day);
  }
  {
    const auto counted = counted_of(policy, *zone, bars);
    view.distribution = sla::distribution(timeline, bars, counted ? &*counted : nullptr);
  }

  const bool latency =
      policy.threshold(Metric::latency_ms).has_value() ||
      (policy.sliding_window && policy.sliding_window->metric == Metric::latency_ms);
  if (latency) {
    view.latency_metric = Metric::latency_ms;
    view.latency_threshold = policy.threshold(Metric::latency_ms);
    const WallTime latency_start = today - Days(kLatencyDays - 1);
    view.latency.reserve(kLatencyDays);
    for (int i = 0; i < kLatencyDays; ++i) {
      LatencyDay day;
      day.start = latency_start + Days(i);
      if (in.history != nullptr) {
        auto stats = in.history->stats(policy.id, Metric::latency_ms, day.start,
                                       std::min(day.start + Days(1), in.now + 1ms));
        if (!stats) return std::unexpected(stats.error());
        day.stats = *stats;
      }
      view.latency.push_back(day);
    }
    if (in.history != nullptr) {
      auto total = in.history->stats(policy.id, Metric::latency_ms, latency_start, in.now + 1ms);
      if (!total) return std::unexpected(total.error());
      view.latency_total = *total;
    }
  }
  return view;
}

}  // namespace

std::string_view to_string(DayColour colour) {
  switch (colour) {
    case DayColour::up:
      return "up";
    case DayColour::degraded:
      return "degraded";
    case DayColour::down:
      return "down";
    case DayColour::maintenance:
      return "maintenance";
    case DayColour::no_data:
      break;
  }
  return "no-data";
}

DayColour day_colour(const sla::StatusDistribution& day) {
  const Duration evaluated = day.up + day.degraded + day.down;
  if (evaluated.count() <= 0) {
    return day.maintenance.count() > 0 ? DayColour::maintenance : DayColour::no_data;
  }
  // In whole milliseconds, so the edges (exactly 1 %, exactly 99.9 %) are exact.
  if (day.down.count() * 100 >= evaluated.count()) return DayColour::down;
  if (day.up.count() * 1000 >= evaluated.count() * 999) return DayColour::up;
  return DayColour::degraded;
}

Result<std::vector<Policy>> page_policies(const StatusPage& page, const Config& config,
                                          Store& store, const Principal* viewer) {
  std::vector<Policy> selected;
  std::set<std::string> provisioned_ids;
  const auto wanted = [&](const Policy& policy) {
    if (policy.org != page.org || policy.status != PolicyStatus::active) return false;
    if (!has_labels(policy, page.policy_labels)) return false;
    if (viewer == nullptr) return true;
    // As the API: a site grant sees only policies located at one of its sites.
    const std::optional<std::string> site =
        policy.scope_id ? config.inventory.site_of(policy.scope, *policy.scope_id) : std::nullopt;
    return viewer->covers_site(site);
  };
  for (const Policy& policy : config.policies) {
    if (!policy.provisioned) continue;
    provisioned_ids.insert(policy.id);
    if (wanted(policy)) selected.push_back(policy);
  }
  auto stored = store.policies();
  if (!stored) return std::unexpected(stored.error());
  for (StoredPolicy& entry : *stored) {
    // A rule file that claims an API policy's id wins; the stored one is shadowed.
    if (provisioned_ids.contains(entry.policy.id) || !wanted(entry.policy)) continue;
    entry.policy.provisioned = false;
    selected.push_back(std::move(entry.policy));
  }
  std::sort(selected.begin(), selected.end(), [](const Policy& a, const Policy& b) {
    return std::tie(a.name, a.id) < std::tie(b.name, b.id);
  });
  return selected;
}

Result<PageView> build_page_view(const StatusPage& page, const Config& config, Store& store,
                                 history::History* history, WallTime now, const Principal* viewer) {
  PageView view;
  view.slug = page.slug;
  view.title = page.title;
  if (const Organization* org = config.inventory.organization(page.org)) view.org_name = org->name;
  view.generated_at = now;

  auto policies = page_policies(page, config, store, viewer);
  if (!policies) return std::unexpected(policies.error());
  if (policies->empty()) return view;

  auto windows = load_maintenance_windows(config, &store);
  if (!windows) return std::unexpected(windows.error());
  const MaintenanceCalendar calendar(std::move(*windows), config.inventory);
  const PolicyInputs inputs{config, store, history, calendar, now};

  BreachQuery open_query;
  open_query.org = page.org;
  open_query.open_only = true;
  auto open = all_breaches(store, open_query);
  if (!open) return std::unexpected(open.error());
  std::map<std::string, std::vector<Breach>> open_by_policy;
  // The store answers newest first; the page lists the oldest first.
  for (auto it = open->rbegin(); it != open->rend(); ++it) {
    open_by_policy[it->policy_id].push_back(std::move(*it));
  }

  view.policies.reserve(policies->size());
  for (const Policy& policy : *policies) {
    auto policy_view = view_of(inputs, policy);
    if (!policy_view) {
      return fail("policy " + policy.id + ": " + policy_view.error().message);
    }
    if (auto found = open_by_policy.find(policy.id); found != open_by_policy.end()) {
      policy_view->open_breaches = std::move(found->second);
    }
    view.policies.push_back(std::move(*policy_view));
  }
  return view;
}

}  // namespace slamon::status
