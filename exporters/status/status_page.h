// Status pages (SPEC §14): the figures one page shows for each of its policies — the SLA
// badge, 90 daily uptime bars, the status distribution, daily latency percentiles and the open
// breaches — as the SLA read model (slaview/sla_view.h) answers them, the same model the API's
// /compliance and /periods render. A PageView is a plain value; build_page_view only reads (the
// store and history serialize themselves), so it may run on any number of threads at once.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "history/history.h"
#include "model/model.h"
#include "sla/accounting.h"
#include "slaview/sla_view.h"
#include "store/store.h"

namespace slamon::status {

inline constexpr int kBarDays = 90;      // uptime bars: today and the 89 UTC days before
inline constexpr int kLatencyDays = 30;  // within the history's 35 days of raw points
inline constexpr auto kRollingBadgeWindow = slaview::kRollingSlaWindow;

// How a day's bar is coloured (docs/status-pages.md): from the shares of the day's evaluated
// time (up + degraded + down); a day with no evaluated time is maintenance when maintenance
// covered some of it, else no data.
enum class DayColour { up, degraded, down, maintenance, no_data };
std::string_view to_string(DayColour);
// down >= 1 % of the evaluated time: down; up >= 99.9 %: up; otherwise degraded.
DayColour day_colour(const sla::StatusDistribution& day);

struct DayBar {
  WallTime start{};  // UTC midnight
  sla::StatusDistribution distribution;
  DayColour colour = DayColour::no_data;
};

struct LatencyDay {
  WallTime start{};                           // UTC midnight
  std::optional<history::WindowStats> stats;  // nullopt: nothing measured that day
};

// The SLA badge: achieved vs target over the badge window (slaview::SlaStanding).
struct Badge {
  // The current SLA period when the policy has an `sla_period`, else the last 30 days.
  sla::Interval window;
  bool calendar_period = false;
  PeriodKind period_kind = PeriodKind::month;
  std::string timezone;  // the period's zone
  // measures_uptime (the policy has uptime_percent_min): the measured uptime against that
  // threshold. Otherwise the share of evaluated time within all thresholds × 100 against 100.
  // nullopt: nothing measured.
  std::optional<double> achieved_percent;
  double target_percent = 100;
  bool measures_uptime = false;
  sla::PeriodState state = sla::PeriodState::met;
};

struct PolicyView {
  std::string id;
  std::string name;
  std::string description;
  std::string scope;  // "site Alpha", "organization", ...
  sla::PolicyStatusKind current = sla::PolicyStatusKind::unknown;  // the status now
  Badge badge;
  std::vector<DayBar> days;  // oldest first, kBarDays of them
  // Over the bars' span; its compliance_ratio() is the time in compliance (all thresholds).
  sla::StatusDistribution distribution;
  // latency_ms when the policy has a latency_ms threshold or a sliding window on it.
  std::optional<Metric> latency_metric;
  std::optional<double> latency_threshold;
  std::vector<LatencyDay> latency;                    // oldest first, kLatencyDays of them
  std::optional<history::WindowStats> latency_total;  // over all kLatencyDays
  std::vector<Breach> open_breaches;                  // oldest first
};

struct PageView {
  std::string slug;
  std::string title;
  std::string org_name;
  WallTime generated_at{};
  std::vector<PolicyView> policies;  // ordered by name, then id
};

// The org's active policies the page selects (provisioned ones and those created through the
// API, a rule file's winning over a stored one with the same id), carrying every label of
// `page.policy_labels`, ordered by name then id. With a `viewer` that has a site grant, only
// the policies it covers (SPEC §8).
Result<std::vector<Policy>> page_policies(const StatusPage& page, const Config& config,
                                          Store& store, const Principal* viewer);

// Everything the page shows as of `now`. `history` may be null (no measured values: badges of
// uptime policies and latency read as nothing measured).
Result<PageView> build_page_view(const StatusPage& page, const Config& config, Store& store,
                                 history::History* history, WallTime now,
                                 const Principal* viewer = nullptr);

}  // namespace slamon::status
