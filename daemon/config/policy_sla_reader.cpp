// The SPEC §7 keys of a policy: sla_period and time_period (§7.2), requirements and levels
// (§7.4), sliding_window (§7.6) and credits (§7.7). Read by parse_policy after the scope and the
// thresholds, which several of these rules refer to.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/duration.h"
#include "config/loader_internal.h"
#include "sla/calendar.h"

namespace slamon::config_detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kSlaPeriodKeys{"kind"sv, "timezone"sv};
constexpr std::array kPeriodKinds{"day"sv, "week"sv, "month"sv, "quarter"sv, "year"sv};
constexpr std::array kRequirementKeys{"max_outages"sv, "min_duration"sv, "metric"sv};
constexpr std::array kLevelKeys{"warn_at_budget_used"sv, "crit_at_budget_used"sv};
constexpr std::array kSlidingWindowKeys{"metric"sv, "upper"sv, "lower"sv, "interval"sv,
                                        "cooldown"sv};
constexpr std::array kCreditKeys{"below"sv, "percent"sv};
constexpr std::array<std::string_view, 7> kDayNames{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                    "Friday", "Saturday", "Sunday"};
constexpr int kMinutesPerDay = 24 * 60;
constexpr int kMinutesPerWeek = 7 * kMinutesPerDay;

std::vector<std::string_view> metric_names() {
  std::vector<std::string_view> names;
  for (Metric m : kAllMetrics) names.push_back(to_string(m));
  return names;
}

std::string metric_text(Metric m) {
  return std::string(to_string(m));
}

std::string clock_text(int minute) {
  const auto two = [](int v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  return two(minute / 60) + ":" + two(minute % 60);
}

std::string window_text(const DailyWindow& w) {
  return clock_text(w.start_minute) + "-" + clock_text(w.end_minute);
}

bool has_uptime_threshold(const std::set<Metric>& written) {
  return written.contains(Metric::uptime_percent);
}

// A daily window as minutes of the week (Monday 00:00 = 0), split where it wraps past Sunday
// midnight, so that overlaps across midnight and across the week's end are found too.
std::vector<std::pair<int, int>> week_spans(int weekday, const DailyWindow& w) {
  const int start = weekday * kMinutesPerDay + w.start_minute;
  const int length = w.end_minute > w.start_minute ? w.end_minute - w.start_minute
                                                   : kMinutesPerDay - w.start_minute + w.end_minute;
  const int end = start + length;
  if (end <= kMinutesPerWeek) return {{start, end}};
  return {{start, kMinutesPerWeek}, {0, end - kMinutesPerWeek}};
}

struct PlacedWindow {
  int weekday;
  DailyWindow window;
  std::string entry;  // the time_period key it came from
  std::vector<std::pair<int, int>> spans;
};

const PlacedWindow* overlapping(const std::vector<PlacedWindow>& placed,
                                const std::vector<std::pair<int, int>>& spans) {
  for (const PlacedWindow& other : placed) {
    for (const auto& [a_start, a_end] : spans) {
      for (const auto& [b_start, b_end] : other.spans) {
        if (a_start < b_end && b_start < a_end) return &other;
      }
    }
  }
  return nullptr;
}

class SlaKeysReader {
 public:
  SlaKeysReader(const Reporter& r, const MapReader& map, const Config& config,
                const std::set<Metric>& written_thresholds, bool scope_known, Policy& policy)
      : r_(r),
        map_(map),
        config_(config),
        written_(written_thresholds),
        scope_known_(scope_known),
        policy_(policy) {}

  void read() {
    if (auto f = map_.get("sla_period")) read_sla_period(*f);
    if (auto f = map_.get("time_period")) read_time_period(*f);
    if (auto f = map_.get("requirements")) read_requirements(*f);
    if (auto f = map_.get("levels")) read_levels(*f);
    if (auto f = map_.get("sliding_window")) read_sliding_window(*f);
    if (auto f = map_.get("credits")) read_credits(*f);
  }

 private:
  void read_sla_period(const Field& f) {
    const MapReader map(r_, f, kSlaPeriodKeys);
    if (!map.ok()) return;
    SlaPeriod period;
    bool valid = true;
    if (auto kind = map.require("kind")) {
      if (auto text = read_choice(r_, *kind, kPeriodKinds)) {
        period.kind = *parse_period_kind(*text);
      } else {
        valid = false;
      }
    } else {
      valid = false;
    }
    if (auto zone = map.get("timezone")) {
      if (auto name = read_timezone(r_, *zone)) {
        period.timezone = *name;
      } else {
        valid = false;
      }
    } else {
      period.timezone = config_.inventory.timezone_of(policy_.scope, policy_.scope_id);
    }
    if (valid) policy_.sla_period = period;
  }

  void read_time_period(const Field& f) {
    const MapReader map(r_, f, std::array{kAnyKey});
    if (!map.ok()) return;
    if (map.entries().empty()) {
      r_.error(f.value_mark, f.path,
               "needs at least one entry such as mon-fri: \"09:00-18:00\"; leave time_period "
               "out for all hours to count");
      return;
    }
    TimePeriod period;
    std::vector<PlacedWindow> placed;
    bool valid = true;
    for (const auto& [days, field] : map.entries()) {
      TimePeriod probe;
      if (auto checked = sla::parse_time_period_entry(days, "00:00-24:00", probe); !checked) {
        r_.error(field.key_mark, field.path,
                 "invalid days: " + checked.error().message +
                     "; use mon, tue, wed, thu, fri, sat, sun, ranges such as mon-fri and lists "
                     "such as mon,wed,fri");
        valid = false;
        continue;
      }
      const auto hours = read_nonempty_string(r_, field);
      if (!hours) {
        valid = false;
        continue;
      }
      TimePeriod entry;
      if (auto parsed = sla::parse_time_period_entry(days, *hours, entry); !parsed) {
        r_.error(field.value_mark, field.path,
                 "invalid hours: " + parsed.error().message +
                     "; write HH:MM-HH:MM such as \"09:00-18:00\", several separated by commas; "
                     "\"22:00-06:00\" runs past midnight and \"00:00-24:00\" is the whole day");
        valid = false;
        continue;
      }
      if (!place_entry(days, field, entry, placed)) {
        valid = false;
        continue;
      }
      for (std::size_t day = 0; day < 7; ++day) {
        auto& list = period.by_weekday[day];
        list.insert(list.end(), entry.by_weekday[day].begin(), entry.by_weekday[day].end());
      }
    }
    if (!valid) return;
    for (auto& list : period.by_weekday) {
      std::sort(list.begin(), list.end(), [](const DailyWindow& a, const DailyWindow& b) {
        return a.start_minute < b.start_minute;
      });
    }
    policy_.time_period = std::move(period);
  }

  // Overlapping windows are refused rather than merged: two entries that cover the same hour
  // ("mon-fri" and "mon") more likely disagree than mean their union.
  bool place_entry(const std::string& days, const Field& field, const TimePeriod& entry,
                   std::vector<PlacedWindow>& placed) {
    std::vector<PlacedWindow> mine;
    for (std::size_t day = 0; day < 7; ++day) {
      for (const DailyWindow& window : entry.by_weekday[day]) {
        PlacedWindow candidate{static_cast<int>(day), window, days,
                               week_spans(static_cast<int>(day), window)};
        const PlacedWindow* other = overlapping(placed, candidate.spans);
        if (other == nullptr) other = overlapping(mine, candidate.spans);
        if (other != nullptr) {
          const std::string where = other->entry == days ? "another window of this entry"
                                                         : "the window of `" + other->entry + "`";
          r_.error(field.value_mark, field.path,
                   "the window " + window_text(window) + " of " + std::string(kDayNames[day]) +
                       " overlaps " + where + ", " + window_text(other->window) + " of " +
                       std::string(kDayNames[static_cast<std::size_t>(other->weekday)]) +
                       "; windows may touch but not overlap: merge them into one");
          return false;
        }
        mine.push_back(std::move(candidate));
      }
    }
    placed.insert(placed.end(), std::make_move_iterator(mine.begin()),
                  std::make_move_iterator(mine.end()));
    return true;
  }

  // A threshold for `metric` must be written for a requirement on it to count anything.
  bool check_threshold_for(Metric metric, const YAML::Mark& at, const std::string& path,
                           bool defaulted) {
    if (written_.contains(metric)) return true;
    r_.error(at, path,
             std::string(defaulted ? "metric defaults to " : "") + "`" + metric_text(metric) +
                 "`, but the policy has no " + std::string(threshold_spec(metric).key) +
                 " threshold: requirements count breaches of one of the policy's thresholds" +
                 (defaulted ? "; name the metric" : ""));
    return false;
  }

  void read_requirements(const Field& f) {
    const auto items = read_list(r_, f);
    if (!items) return;
    const std::vector<std::string_view> metrics = metric_names();
    std::vector<OutageRequirement> requirements;
    std::map<std::pair<Metric, long long>, int> seen;  // (metric, min_duration) -> line
    bool valid = true;
    for (const Field& item : *items) {
      const MapReader map(r_, item, kRequirementKeys);
      if (!map.ok()) {
        valid = false;
        continue;
      }
      OutageRequirement requirement;
      bool item_valid = true;
      if (auto max = map.require("max_outages")) {
        if (auto count = read_integer(r_, *max)) {
          if (*count < 0 || *count > std::numeric_limits<int>::max()) {
            r_.error(max->value_mark, max->path,
                     "must be a whole number from 0 to " +
                         std::to_string(std::numeric_limits<int>::max()) + ", got " +
                         std::to_string(*count));
            item_valid = false;
          } else {
            requirement.max_outages = static_cast<int>(*count);
          }
        } else {
          item_valid = false;
        }
      } else {
        item_valid = false;
      }
      if (auto min = map.require("min_duration")) {
        if (auto duration = read_duration(r_, *min)) {
          if (duration->count() <= 0) {
            r_.error(min->value_mark, min->path,
                     "must be greater than 0: the shortest breach that counts as an outage");
            item_valid = false;
          } else {
            requirement.min_duration = *duration;
          }
        } else {
          item_valid = false;
        }
      } else {
        item_valid = false;
      }
      if (auto metric = map.get("metric")) {
        if (auto name = read_choice(r_, *metric, metrics)) {
          requirement.metric = *parse_metric(*name);
          item_valid &=
              check_threshold_for(requirement.metric, metric->value_mark, metric->path, false);
        } else {
          item_valid = false;
        }
      } else if (map.self().value.IsMap()) {
        item_valid &= check_threshold_for(requirement.metric, item.value_mark,
                                          join_path(item.path, "metric"), true);
      }
      if (item_valid) {
        const auto key = std::pair(requirement.metric, requirement.min_duration.count());
        const int line = item.value_mark.line + 1;
        if (auto [existing, inserted] = seen.emplace(key, line); !inserted) {
          r_.error(item.value_mark, item.path,
                   "duplicate requirement: " + metric_text(requirement.metric) +
                       " with min_duration " + format_duration(requirement.min_duration) +
                       " is already given (line " + std::to_string(existing->second) +
                       "); keep one");
          item_valid = false;
        }
      }
      if (item_valid) {
        requirements.push_back(requirement);
      } else {
        valid = false;
      }
    }
    if (valid) policy_.requirements = std::move(requirements);
  }

  void read_levels(const Field& f) {
    const MapReader map(r_, f, kLevelKeys);
    if (!map.ok()) return;
    BudgetLevels levels;
    bool valid = true;
    const auto read_level = [&](std::string_view key, double& into) -> std::optional<Field> {
      const auto field = map.get(key);
      if (!field) return std::nullopt;
      const auto value = read_number(r_, *field);
      if (!value) {
        valid = false;
      } else if (*value <= 0 || *value > 1) {
        r_.error(field->value_mark, field->path,
                 "must be greater than 0 and at most 1 (the share of the period's error budget "
                 "used), got " +
                     format_number(*value));
        valid = false;
      } else {
        into = *value;
      }
      return field;
    };
    const auto warn = read_level("warn_at_budget_used", levels.warn_at_budget_used);
    const auto crit = read_level("crit_at_budget_used", levels.crit_at_budget_used);
    if (valid && levels.warn_at_budget_used >= levels.crit_at_budget_used) {
      const Field& at = crit ? *crit : *warn;  // one of them differs from its default
      r_.error(at.value_mark, at.path,
               "warn_at_budget_used (" + format_number(levels.warn_at_budget_used) +
                   (warn ? "" : ", the default") + ") must be below crit_at_budget_used (" +
                   format_number(levels.crit_at_budget_used) + (crit ? "" : ", the default") + ")");
      valid = false;
    }
    const auto requirements = map_.get("requirements");
    const bool outage_budget =
        requirements && requirements->value.IsSequence() && requirements->value.size() > 0;
    if (!has_uptime_threshold(written_) && !outage_budget) {
      r_.error(f.key_mark, f.path,
               "levels need an error budget to measure: give the policy an uptime_percent_min "
               "threshold or requirements");
      valid = false;
    }
    if (valid) policy_.levels = levels;
  }

  void read_sliding_window(const Field& f) {
    const MapReader map(r_, f, kSlidingWindowKeys);
    if (!map.ok()) return;
    SlidingWindow window;
    bool valid = true;
    std::optional<Metric> metric;
    const auto metric_field = map.require("metric");
    if (metric_field) {
      if (auto name = read_choice(r_, *metric_field, metric_names())) {
        metric = *parse_metric(*name);
        window.metric = *metric;
      }
    }
    if (!metric) valid = false;
    const auto read_bound = [&](std::string_view key, double& into) -> bool {
      const auto field = map.require(key);
      if (!field) return false;
      const auto value = read_number(r_, *field);
      if (!value) return false;
      if (metric) {
        const ThresholdSpec& spec = threshold_spec(*metric);
        if (*value < spec.range_min || *value > spec.range_max) {
          r_.error(field->value_mark, field->path,
                   "out of range: " + metric_text(*metric) + " is " + std::string(spec.unit) +
                       ", from " + format_number(spec.range_min) +
                       (std::isinf(spec.range_max) ? std::string(" up")
                                                   : " to " + format_number(spec.range_max)) +
                       ", got " + format_number(*value));
          return false;
        }
      }
      into = *value;
      return true;
    };
    const bool upper_read = read_bound("upper", window.upper);
    const bool lower_read = read_bound("lower", window.lower);
    valid &= upper_read && lower_read;
    if (upper_read && lower_read && !(window.upper > window.lower)) {
      const auto lower = map.get("lower");
      r_.error(lower->value_mark, lower->path,
               "must be below upper (" + format_number(window.upper) + "), got " +
                   format_number(window.lower) +
                   ": a mean above upper escalates, below lower de-escalates");
      valid = false;
    }
    if (auto interval = map.require("interval")) {
      if (auto duration = read_duration(r_, *interval)) {
        if (duration->count() <= 0) {
          r_.error(interval->value_mark, interval->path,
                   "must be greater than 0: the span the mean is taken over");
          valid = false;
        } else {
          window.interval = *duration;
        }
      } else {
        valid = false;
      }
    } else {
      valid = false;
    }
    window.cooldown = window.interval;
    if (auto cooldown = map.get("cooldown")) {
      if (auto duration = read_duration(r_, *cooldown)) {
        window.cooldown = *duration;
      } else {
        valid = false;
      }
    }
    if (metric && policy_.status == PolicyStatus::active && scope_known_ &&
        config_.measurement_for(*metric, policy_.scope) == nullptr) {
      const std::string name = metric_text(*metric);
      const std::string scope(to_string(policy_.scope));
      r_.error(metric_field->value_mark, metric_field->path,
               "no measurement provides " + name + " for scope " + scope +
                   ": add one to `measurements:` in slamon.yml (metric: " + name + ", scopes: [" +
                   scope + "]), or set the policy's status to draft");
      valid = false;
    }
    if (valid) policy_.sliding_window = window;
  }

  void read_credits(const Field& f) {
    const auto items = read_list(r_, f);
    if (!items) return;
    std::vector<CreditTier> credits;
    std::map<double, int> seen;  // below -> line
    bool valid = true;
    const auto read_percent = [&](const MapReader& map, std::string_view key,
                                  double& into) -> std::optional<Field> {
      const auto field = map.require(key);
      if (!field) return std::nullopt;
      const auto value = read_number(r_, *field);
      if (!value) return std::nullopt;
      if (*value < 0 || *value > 100) {
        r_.error(field->value_mark, field->path,
                 "must be a percentage from 0 to 100, got " + format_number(*value));
        return std::nullopt;
      }
      into = *value;
      return field;
    };
    for (const Field& item : *items) {
      const MapReader map(r_, item, kCreditKeys);
      if (!map.ok()) {
        valid = false;
        continue;
      }
      CreditTier tier;
      const auto below = read_percent(map, "below", tier.below);
      const auto percent = read_percent(map, "percent", tier.percent);
      if (!below || !percent) {
        valid = false;
        continue;
      }
      if (auto [existing, inserted] = seen.emplace(tier.below, below->value_mark.line + 1);
          !inserted) {
        r_.error(below->value_mark, below->path,
                 "duplicate tier: below " + format_number(tier.below) + " is already given (line " +
                     std::to_string(existing->second) + "); each tier needs its own `below`");
        valid = false;
        continue;
      }
      credits.push_back(tier);
    }
    if (!items->empty() && !has_uptime_threshold(written_)) {
      r_.error(f.key_mark, f.path,
               "credits are owed on achieved uptime: the policy needs an uptime_percent_min "
               "threshold");
      valid = false;
    }
    if (valid) policy_.credits = std::move(credits);
  }

  const Reporter& r_;
  const MapReader& map_;
  const Config& config_;
  const std::set<Metric>& written_;
  bool scope_known_;
  Policy& policy_;
};

}  // namespace

std::optional<std::string> read_timezone(const Reporter& r, const Field& f) {
  const auto name = read_nonempty_string(r, f);
  if (!name) return std::nullopt;
  if (auto zone = sla::TimeZone::find(*name); !zone) {
    r.error(f.value_mark, f.path,
            "unknown time zone \"" + *name +
                "\": use an IANA time zone name such as Europe/Berlin, America/New_York or UTC");
    return std::nullopt;
  }
  return name;
}

void read_policy_sla_keys(const Reporter& r, const MapReader& map, const Config& config,
                          const std::set<Metric>& written_thresholds, bool scope_known,
                          Policy& policy) {
  SlaKeysReader(r, map, config, written_thresholds, scope_known, policy).read();
}

}  // namespace slamon::config_detail
