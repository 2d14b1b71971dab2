// MaintenanceCalendar: which maintenance windows (SPEC §7.3) cover a policy, and when. Built
// from the config's windows and the store's (API) windows; recurrences are parsed once. A
// window covers a policy of the same org when its scope is the organization, when it names the
// policy's own scope entity (same scope and scope key), or when it is a site and the policy's
// entity (a site, device, camera or nvr) is located at that site.
// Immutable after construction; thread-safe to share. The engine (suppression) and the SLA read
// model (slaview: maintenance time excluded from figures) both read windows through here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "model/model.h"
#include "sla/calendar.h"
#include "sla/interval.h"
#include "sla/recurrence.h"

namespace slamon {

class Store;

class MaintenanceCalendar {
 public:
  // Windows whose recurrence or time zone does not parse (validated on input, so only a
  // database edited by hand) are skipped with a warning in the log.
  MaintenanceCalendar(std::vector<MaintenanceWindow> windows, const Inventory& inventory);

  bool covers(const MaintenanceWindow& window, const Policy& policy) const;
  // The first window (in list order) covering `policy` that is in effect at `t`.
  const MaintenanceWindow* active(const Policy& policy, WallTime t) const;
  // When the windows covering `policy` are in effect within `range`.
  sla::IntervalSet intervals(const Policy& policy, sla::Interval range) const;
  const std::vector<MaintenanceWindow>& windows() const { return windows_; }

 private:
  struct Parsed {
    std::optional<sla::Recurrence> recurrence;
    sla::TimeZone zone = sla::TimeZone::utc();
  };
  bool in_effect(std::size_t index, WallTime t) const;
  sla::IntervalSet occurrences(std::size_t index, sla::Interval range) const;

  std::vector<MaintenanceWindow> windows_;
  std::vector<Parsed> parsed_;
  std::vector<bool> usable_;
  const Inventory* inventory_;
};

// Is `window` in effect at `t`? A window that cannot be read (only a database edited by hand:
// windows are validated on input) is never in effect.
bool in_effect(const MaintenanceWindow& window, WallTime t);

// The config's windows followed by the store's (parsed from their JSON bodies; an unreadable
// body fails the read, naming the window). `store` may be null (config windows only).
Result<std::vector<MaintenanceWindow>> load_maintenance_windows(const Config& config, Store* store);

}  // namespace slamon
