#include "maintenance/maintenance.h"

#include "common/log.h"
#include "model/maintenance_json.h"
#include "store/store.h"

namespace slamon {

MaintenanceCalendar::MaintenanceCalendar(std::vector<MaintenanceWindow> windows,
                                         const Inventory& inventory)
    : windows_(std::move(windows)), inventory_(&inventory) {
  parsed_.resize(windows_.size());
  usable_.assign(windows_.size(), true);
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    const auto& window = windows_[i];
    if (!window.recurring()) {
      usable_[i] = window.start && window.end && *window.start < *window.end;
      continue;
    }
    auto zone = sla::TimeZone::find(window.timezone);
    auto recurrence = sla::Recurrence::parse(window.recurrence);
    if (!zone || !recurrence || window.duration <= Duration::zero()) {
      log::warn("ignoring a maintenance window that cannot be read",
                {{"maintenance_id", window.id},
                 {"err", !zone ? zone.error().message
                               : (!recurrence ? recurrence.error().message
                                              : std::string("duration must be positive"))}});
      usable_[i] = false;
      continue;
    }
    parsed_[i].zone = *zone;
    parsed_[i].recurrence = std::move(*recurrence);
  }
}

bool MaintenanceCalendar::covers(const MaintenanceWindow& window, const Policy& policy) const {
  if (window.org != policy.org) return false;
  if (window.scope == Scope::organization) return true;
  if (window.scope == policy.scope) {
    if (window.scope == Scope::ssid) {
      const auto& name = window.scope_name ? window.scope_name : window.scope_id;
      return name &&
             (*name == policy.scope_name.value_or("") || *name == policy.scope_id.value_or(""));
    }
    return window.scope_id && window.scope_id == policy.scope_id;
  }
  if (window.scope == Scope::site && window.scope_id && policy.scope_id) {
    return inventory_->site_of(policy.scope, *policy.scope_id) == window.scope_id;
  }
  return false;
}

bool MaintenanceCalendar::in_effect(std::size_t index, WallTime t) const {
  if (!usable_[index]) return false;
  const auto& window = windows_[index];
  if (!window.recurring()) return *window.start <= t && t < *window.end;
  return !occurrences(index, {t, t + Duration(1)}).empty();
}

sla::IntervalSet MaintenanceCalendar::occurrences(std::size_t index, sla::Interval range) const {
  if (!usable_[index] || range.empty()) return {};
  const auto& window = windows_[index];
  if (!window.recurring()) {
    return sla::IntervalSet(sla::intersect({*window.start, *window.end}, range));
  }
  return parsed_[index].recurrence->occurrences(parsed_[index].zone, window.duration, range);
}

const MaintenanceWindow* MaintenanceCalendar::active(const Policy& policy, WallTime t) const {
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    if (covers(windows_[i], policy) && in_effect(i, t)) return &windows_[i];
  }
  return nullptr;
}

sla::IntervalSet MaintenanceCalendar::intervals(const Policy& policy, sla::Interval range) const {
  sla::IntervalSet out;
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    if (covers(windows_[i], policy)) out = out.united(occurrences(i, range));
  }
  return out;
}

bool in_effect(const MaintenanceWindow& window, WallTime t) {
  if (!window.recurring())
    return window.start && window.end && *window.start <= t && t < *window.end;
  auto recurrence = sla::Recurrence::parse(window.recurrence);
  auto zone = sla::TimeZone::find(window.timezone);
  if (!recurrence || !zone) return false;
  return !recurrence->occurrences(*zone, window.duration, sla::Interval{t, t + Duration(1)})
              .empty();
}

Result<std::vector<MaintenanceWindow>> load_maintenance_windows(const Config& config,
                                                                Store* store) {
  std::vector<MaintenanceWindow> windows = config.maintenance;
  if (store == nullptr) return windows;
  auto stored = store->maintenance_windows(std::nullopt);
  if (!stored) return fail("cannot read maintenance windows: " + stored.error().message);
  for (const auto& row : *stored) {
    auto window = maintenance_from_stored(row.body);
    if (!window) {
      return fail("maintenance window '" + row.id + "' cannot be read: " + window.error().message);
    }
    window->id = row.id;
    window->org = row.org;
    window->provisioned = false;
    window->created_at = row.created_at;
    window->created_by = row.created_by;
    windows.push_back(std::move(*window));
  }
  return windows;
}

}  // namespace slamon
