#include "status/status_page.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "slaview/sla_view.h"

namespace slamon::status {

namespace {

using namespace std::chrono_literals;
using Days = std::chrono::days;

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

Badge badge_of(const slaview::SlaStanding& standing) {
  Badge badge;
  badge.window = standing.window;
  badge.calendar_period = standing.calendar_period;
  if (standing.calendar_period) badge.period_kind = standing.calendar.kind;
  badge.timezone = standing.calendar.zone.name();
  badge.measures_uptime = standing.measures_uptime;
  badge.achieved_percent = standing.result.achieved_percent;
  badge.target_percent = standing.result.target_percent;
  badge.state = standing.result.state;
  return badge;
}

Result<PolicyView> view_of(const slaview::SlaView& sla_view, const Config& config,
                           const Policy& policy, WallTime now) {
  PolicyView view;
  view.id = policy.id;
  view.name = policy.name;
  view.description = policy.description;
  view.scope = scope_text(policy, config);

  auto overview = sla_view.overview(policy, kBarDays, now);
  if (!overview) return std::unexpected(overview.error());
  view.current = overview->status_now;
  view.badge = badge_of(overview->standing);
  view.days.reserve(overview->days.size());
  for (const slaview::DayStatuses& day : overview->days) {
    view.days.push_back({day.start, day.statuses, day_colour(day.statuses)});
  }
  view.distribution = overview->days_statuses;

  const bool latency =
      policy.threshold(Metric::latency_ms).has_value() ||
      (policy.sliding_window && policy.sliding_window->metric == Metric::latency_ms);
  if (latency) {
    view.latency_metric = Metric::latency_ms;
    view.latency_threshold = policy.threshold(Metric::latency_ms);
    const WallTime latency_start = std::chrono::floor<Days>(now) - Days(kLatencyDays - 1);
    auto days = sla_view.daily_stats(policy, Metric::latency_ms, latency_start, kLatencyDays, now);
    if (!days) return std::unexpected(days.error());
    view.latency.reserve(days->size());
    for (const slaview::DayStats& day : *days) view.latency.push_back({day.start, day.stats});
    auto total = sla_view.stats(policy, Metric::latency_ms, {latency_start, now + 1ms});
    if (!total) return std::unexpected(total.error());
    view.latency_total = *total;
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

  const slaview::SlaView sla_view(config, store, history);
  auto open = sla_view.open_breaches(page.org);
  if (!open) return std::unexpected(open.error());
  std::map<std::string, std::vector<Breach>> open_by_policy;
  for (Breach& breach : *open) open_by_policy[breach.policy_id].push_back(std::move(breach));

  view.policies.reserve(policies->size());
  for (const Policy& policy : *policies) {
    auto policy_view = view_of(sla_view, config, policy, now);
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
