#include "sla/calendar.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <date/tz.h>

#include "common/strings.h"

namespace slamon::sla {

namespace {

using std::chrono::floor;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Days = date::days;
using LocalDays = date::local_days;
using SysSeconds = date::sys_seconds;

// WallTime (nanoseconds) covers 1677..2262; the tz database's open-ended first and last
// transitions lie far outside, so its bounds are clamped before conversion.
const SysSeconds kEarliest = date::sys_days{date::year{1700} / 1 / 1};
const SysSeconds kLatest = date::sys_days{date::year{2250} / 1 / 1};

// Calendar arithmetic is defined for 1900..2200: ranges are clipped to it, so open-ended
// ranges (WallTime::min()/max()) neither overflow nor walk centuries of days.
const Interval kCalendarSpan{WallTime{date::sys_days{date::year{1900} / 1 / 1}.time_since_epoch()},
                             WallTime{date::sys_days{date::year{2200} / 1 / 1}.time_since_epoch()}};

WallTime to_wall(SysSeconds s) {
  return WallTime{std::clamp(s, kEarliest, kLatest).time_since_epoch()};
}

SysSeconds to_sys_seconds(WallTime t) {
  return SysSeconds{floor<seconds>(t.time_since_epoch())};
}

// Zone lookups are cached: date::locate_zone searches the database's zone list on each call.
class ZoneCache {
 public:
  static ZoneCache& instance() {
    static ZoneCache cache;
    return cache;
  }

  Result<const date::time_zone*> find(std::string_view name) {
    {
      std::shared_lock lock(mutex_);
      auto it = zones_.find(name);
      if (it != zones_.end()) return it->second;
    }
    const date::time_zone* zone = nullptr;
    try {
      zone = date::locate_zone(name);
    } catch (const std::exception&) {
      // date-tz throws both for unknown names and for an unreadable database; the message
      // from the library is not shown since it may repeat long untrusted input.
      return fail("unknown time zone '" + std::string(name.substr(0, 64)) + "'");
    }
    std::unique_lock lock(mutex_);
    zones_.emplace(std::string(name), zone);
    return zone;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::shared_mutex mutex_;
  std::unordered_map<std::string, const date::time_zone*, Hash, std::equal_to<>> zones_;
};

LocalDays local_date(const TimeZone& zone, WallTime t) {
  return floor<Days>(zone.to_local(t));
}

// The first local day of the period of `kind` containing local day `d`.
LocalDays period_start_date(PeriodKind kind, LocalDays d) {
  switch (kind) {
    case PeriodKind::day:
      return d;
    case PeriodKind::week: {
      const unsigned since_monday = (date::weekday{d}.iso_encoding() - 1);
      return d - Days{since_monday};
    }
    case PeriodKind::month: {
      const date::year_month_day ymd{d};
      return LocalDays{ymd.year() / ymd.month() / 1};
    }
    case PeriodKind::quarter: {
      const date::year_month_day ymd{d};
      const unsigned first_month = (static_cast<unsigned>(ymd.month()) - 1) / 3 * 3 + 1;
      return LocalDays{ymd.year() / date::month{first_month} / 1};
    }
    case PeriodKind::year: {
      const date::year_month_day ymd{d};
      return LocalDays{ymd.year() / 1 / 1};
    }
  }
  return d;
}

// The first local day of the period after the one starting on `start`.
LocalDays next_period_date(PeriodKind kind, LocalDays start) {
  switch (kind) {
    case PeriodKind::day:
      return start + Days{1};
    case PeriodKind::week:
      return start + Days{7};
    case PeriodKind::month:
      return LocalDays{date::year_month_day{start} + date::months{1}};
    case PeriodKind::quarter:
      return LocalDays{date::year_month_day{start} + date::months{3}};
    case PeriodKind::year:
      return LocalDays{date::year_month_day{start} + date::years{1}};
  }
  return start + Days{1};
}

Interval period_of(PeriodKind kind, const TimeZone& zone, LocalDays start) {
  return Interval{zone.first_instant_at(start),
                  zone.first_instant_at(next_period_date(kind, start))};
}

// Monday = 0.
std::optional<int> parse_weekday(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kShort = {"mon", "tue", "wed", "thu",
                                                             "fri", "sat", "sun"};
  static constexpr std::array<std::string_view, 7> kLong = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  const std::string name = to_lower_ascii(trim(text));
  for (int i = 0; i < 7; ++i) {
    if (name == kShort[static_cast<std::size_t>(i)] || name == kLong[static_cast<std::size_t>(i)]) {
      return i;
    }
  }
  return std::nullopt;
}

// Minutes since midnight of "HH:MM" (H or HH, 00..23, or 24:00 when `allow_24`).
std::optional<int> parse_clock(std::string_view text, bool allow_24) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3) {
    return std::nullopt;
  }
  int hour = 0;
  for (std::size_t i = 0; i < colon; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    hour = hour * 10 + (text[i] - '0');
  }
  int minute = 0;
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    minute = minute * 10 + (text[i] - '0');
  }
  if (minute > 59) return std::nullopt;
  if (hour == 24 && minute == 0 && allow_24) return 1440;
  if (hour > 23) return std::nullopt;
  return hour * 60 + minute;
}

// Quoted input in error messages is cut short: it comes from config files and the API.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() > kMax) return "'" + std::string(text.substr(0, kMax)) + "...'";
  return "'" + std::string(text) + "'";
}

}  // namespace

Result<TimeZone> TimeZone::find(std::string_view name) {
  if (name.empty() || name == "UTC") return utc();
  auto zone = ZoneCache::instance().find(name);
  if (!zone) return std::unexpected(zone.error());
  return TimeZone(std::string(name), *zone);
}

TimeZone TimeZone::utc() {
  return TimeZone("UTC", nullptr);
}

std::string TimeZone::format_local(WallTime t) const {
  const SysSeconds s = to_sys_seconds(t);
  if (zone_ == nullptr) return date::format("%F %T UTC", s);
  return date::format("%F %T %Z", date::zoned_time<seconds>(zone_, s));
}

LocalTime TimeZone::to_local(WallTime t) const {
  if (zone_ == nullptr) return LocalTime{t.time_since_epoch()};
  const date::sys_info info = zone_->get_info(to_sys_seconds(t));
  return LocalTime{t.time_since_epoch() + info.offset};
}

WallTime TimeZone::first_instant_at(LocalTime local) const {
  if (zone_ == nullptr) return WallTime{local.time_since_epoch()};
  const date::local_info info =
      zone_->get_info(date::local_seconds{floor<seconds>(local.time_since_epoch())});
  if (info.result == date::local_info::nonexistent) return to_wall(info.first.end);
  return WallTime{local.time_since_epoch() - info.first.offset};
}

IntervalSet TimeZone::instants_between(LocalTime from, LocalTime to) const {
  if (!(from < to)) return {};
  if (zone_ == nullptr) {
    return IntervalSet(
        Interval{WallTime{from.time_since_epoch()}, WallTime{to.time_since_epoch()}});
  }
  // Every instant t with from <= t + offset(t) < to lies within a day of [from, to) read as
  // UTC (offsets are under 26 hours); walk the offset segments covering that span.
  const SysSeconds lower{floor<seconds>(from.time_since_epoch()) - hours{26}};
  const SysSeconds upper{floor<seconds>(to.time_since_epoch()) + hours{26}};
  std::vector<Interval> pieces;
  date::sys_info segment = zone_->get_info(lower);
  while (true) {
    const Interval in_segment{to_wall(segment.begin), to_wall(segment.end)};
    const Interval shifted{WallTime{from.time_since_epoch() - segment.offset},
                           WallTime{to.time_since_epoch() - segment.offset}};
    const Interval piece = intersect(in_segment, shifted);
    if (!piece.empty()) pieces.push_back(piece);
    if (segment.end >= upper || segment.end >= kLatest) break;
    segment = zone_->get_info(segment.end);
  }
  return IntervalSet::from(pieces);
}

namespace {

struct Period {
  LocalDays first_day;
  Interval instants;
};

Period find_period(PeriodKind kind, const TimeZone& zone, WallTime t) {
  LocalDays start = period_start_date(kind, local_date(zone, t));
  Interval period = period_of(kind, zone, start);
  // The local date of an instant can disagree with the period bounds around a DST change at
  // midnight (a repeated hour that crosses it); step to the period that holds `t`.
  for (int guard = 0; guard < 4 && t >= period.end; ++guard) {
    start = next_period_date(kind, start);
    period = period_of(kind, zone, start);
  }
  for (int guard = 0; guard < 4 && t < period.start; ++guard) {
    start = period_start_date(kind, start - Days{1});
    period = period_of(kind, zone, start);
  }
  return Period{start, period};
}

}  // namespace

Interval period_containing(PeriodKind kind, const TimeZone& zone, WallTime t) {
  t = std::clamp(t, kCalendarSpan.start, kCalendarSpan.end);
  return find_period(kind, zone, t).instants;
}

std::vector<Interval> periods_overlapping(PeriodKind kind, const TimeZone& zone, Interval range) {
  std::vector<Interval> periods;
  range = intersect(range, kCalendarSpan);
  if (range.empty()) return periods;
  Period period = find_period(kind, zone, range.start);
  while (period.instants.start < range.end) {
    // A period can be empty when a whole local day is skipped (Pacific/Apia, 2011-12-30).
    if (!period.instants.empty()) periods.push_back(period.instants);
    period.first_day = next_period_date(kind, period.first_day);
    period.instants = period_of(kind, zone, period.first_day);
  }
  return periods;
}

IntervalSet counted_time(const TimePeriod* period, const TimeZone& zone, Interval range) {
  if (period == nullptr) return IntervalSet(range);
  range = intersect(range, kCalendarSpan);
  if (range.empty()) return {};
  // A window opens on its anchor day and lasts at most 24 h, so days from two before the
  // range's first local date (margin for a repeated hour) to one after its last can touch it.
  const LocalDays first = local_date(zone, range.start) - Days{2};
  const LocalDays last = local_date(zone, range.end) + Days{1};
  std::vector<Interval> pieces;
  for (LocalDays day = first; day <= last; day += Days{1}) {
    const unsigned index = date::weekday{day}.iso_encoding() - 1;
    for (const DailyWindow& window : period->by_weekday[index]) {
      const int end_minute =
          window.end_minute <= window.start_minute ? window.end_minute + 1440 : window.end_minute;
      const LocalTime from{day + minutes{window.start_minute}};
      const LocalTime to{day + minutes{end_minute}};
      const IntervalSet window_instants = zone.instants_between(from, to);
      for (const Interval& instants : window_instants.intervals()) {
        const Interval piece = intersect(instants, range);
        if (!piece.empty()) pieces.push_back(piece);
      }
    }
  }
  return IntervalSet::from(pieces);
}

Status parse_time_period_entry(std::string_view days, std::string_view hours, TimePeriod& into) {
  std::array<bool, 7> selected{};
  if (trim(days).empty()) return fail("empty weekday list");
  for (std::string_view item : split(days, ',')) {
    item = trim(item);
    if (item.empty()) return fail("empty weekday in " + quoted(days));
    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      const auto day = parse_weekday(item);
      if (!day) return fail("unknown weekday " + quoted(item));
      selected[static_cast<std::size_t>(*day)] = true;
      continue;
    }
    const std::string_view first_text = trim(item.substr(0, dash));
    const std::string_view last_text = trim(item.substr(dash + 1));
    const auto first = parse_weekday(first_text);
    if (!first) return fail("unknown weekday " + quoted(first_text));
    const auto last = parse_weekday(last_text);
    if (!last) return fail("unknown weekday " + quoted(last_text));
    // Ranges wrap around the week: "fri-mon" is Friday to Monday.
    for (int day = *first;; day = (day + 1) % 7) {
      selected[static_cast<std::size_t>(day)] = true;
      if (day == *last) break;
    }
  }

  std::vector<DailyWindow> windows;
  if (trim(hours).empty()) return fail("empty hours");
  for (std::string_view item : split(hours, ',')) {
    item = trim(item);
    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      return fail("bad window " + quoted(item) + " (expected HH:MM-HH:MM)");
    }
    const std::string_view start_text = trim(item.substr(0, dash));
    const std::string_view end_text = trim(item.substr(dash + 1));
    const auto start = parse_clock(start_text, false);
    if (!start) return fail("bad time " + quoted(start_text) + " (expected HH:MM)");
    const auto end = parse_clock(end_text, true);
    if (!end) return fail("bad time " + quoted(end_text) + " (expected HH:MM)");
    if (*start == *end) return fail("empty window " + quoted(item));
    // "22:00-00:00" ends at midnight: the same instants as "22:00-24:00".
    windows.push_back(DailyWindow{*start, *end == 0 ? 1440 : *end});
  }

  for (std::size_t day = 0; day < 7; ++day) {
    if (!selected[day]) continue;
    auto& list = into.by_weekday[day];
    for (const DailyWindow& window : windows) {
      if (std::find(list.begin(), list.end(), window) == list.end()) list.push_back(window);
    }
  }
  return {};
}

Result<TimeZone> zone_of(const Policy& policy, std::string_view fallback) {
  if (policy.sla_period && !policy.sla_period->timezone.empty()) {
    return TimeZone::find(policy.sla_period->timezone);
  }
  return TimeZone::find(fallback);
}

}  // namespace slamon::sla
