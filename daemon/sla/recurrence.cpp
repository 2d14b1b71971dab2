#include "sla/recurrence.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <span>
#include <string>

#include "common/strings.h"

namespace slamon::sla {

namespace {

using std::chrono::floor;
using std::chrono::minutes;
using Days = date::days;
using LocalDays = date::local_days;

// Recurrences are expanded within 1900..2200 only (see calendar.cpp): open-ended ranges
// neither overflow nor walk centuries of days.
const Interval kCalendarSpan{WallTime{date::sys_days{date::year{1900} / 1 / 1}.time_since_epoch()},
                             WallTime{date::sys_days{date::year{2200} / 1 / 1}.time_since_epoch()}};

// Longer occurrences are cut to this (keeps start + duration inside WallTime's range).
constexpr Duration kLongestOccurrence = std::chrono::duration_cast<Duration>(date::years{50});

// Local midnight of Monday 1970-01-05: the origin INTERVAL counts from.
constexpr LocalDays kAnchor = LocalDays{Days{4}};

std::optional<int> parse_int(std::string_view text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  int value = 0;
  const char* first = text.data();
  if (*first == '+') ++first;
  const auto [end, error] = std::from_chars(first, text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Input quoted in error messages is cut short: it comes from config files and the API.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() > kMax) return "'" + std::string(text.substr(0, kMax)) + "...'";
  return "'" + std::string(text) + "'";
}

// --- cron ---------------------------------------------------------------------------------

struct CronField {
  std::string_view label;  // for messages: "minute"
  int low;
  int high;
  std::span<const std::string_view> names;  // names[i] is the value low + i (empty: none)
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kCronDayNames = {"sun", "mon", "tue", "wed",
                                                           "thu", "fri", "sat"};

Result<int> cron_value(const CronField& field, std::string_view text) {
  if (!text.empty() && std::isalpha(static_cast<unsigned char>(text.front()))) {
    const std::string name = to_lower_ascii(text);
    for (std::size_t i = 0; i < field.names.size(); ++i) {
      if (name == field.names[i]) return field.low + static_cast<int>(i);
    }
    return fail("cron: unknown " + std::string(field.label) + " name " + quoted(text));
  }
  const auto value = parse_int(text);
  if (!value) return fail("cron: bad " + std::string(field.label) + " " + quoted(text));
  if (*value < field.low || *value > field.high) {
    return fail("cron: " + std::string(field.label) + " " + quoted(text) + " out of range " +
                std::to_string(field.low) + "-" + std::to_string(field.high));
  }
  return *value;
}

// Sets the bits of the values `text` selects; returns whether the field starts with '*'.
Result<bool> parse_cron_field(const CronField& field, std::string_view text,
                              std::vector<bool>& selected) {
  selected.assign(static_cast<std::size_t>(field.high + 1), false);
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return fail("cron: empty list item in " + std::string(field.label));
    int step = 1;
    std::string_view base = item;
    if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      const auto parsed = parse_int(item.substr(slash + 1));
      if (!parsed || *parsed < 1) {
        return fail("cron: bad step in " + std::string(field.label) + " " + quoted(item));
      }
      step = *parsed;
      base = item.substr(0, slash);
    }
    int first = field.low;
    int last = field.high;
    if (base != "*") {
      const std::size_t dash = base.find('-');
      const auto from = cron_value(field, base.substr(0, dash));
      if (!from) return std::unexpected(from.error());
      first = *from;
      if (dash != std::string_view::npos) {
        const auto to = cron_value(field, base.substr(dash + 1));
        if (!to) return std::unexpected(to.error());
        last = *to;
        if (last < first) {
          return fail("cron: reversed range in " + std::string(field.label) + " " + quoted(item));
        }
      } else if (step == 1) {
        last = first;  // a single value; "5/15" (no range) runs from 5 to the maximum
      }
    }
    for (int value = first; value <= last; value += step) {
      selected[static_cast<std::size_t>(value)] = true;
    }
  }
  return !text.empty() && text.front() == '*';
}

std::string_view expand_cron_macro(std::string_view spec) {
  if (spec == "@yearly" || spec == "@annually") return "0 0 1 1 *";
  if (spec == "@monthly") return "0 0 1 * *";
  if (spec == "@weekly") return "0 0 * * 0";
  if (spec == "@daily" || spec == "@midnight") return "0 0 * * *";
  if (spec == "@hourly") return "0 * * * *";
  return spec;
}

// --- RRULE --------------------------------------------------------------------------------

constexpr std::array<std::string_view, 7> kRruleDayNames = {"SU", "MO", "TU", "WE",
                                                            "TH", "FR", "SA"};

std::optional<int> rrule_weekday(std::string_view text) {
  for (std::size_t i = 0; i < kRruleDayNames.size(); ++i) {
    if (text == kRruleDayNames[i]) return static_cast<int>(i);
  }
  return std::nullopt;
}

Result<std::vector<int>> rrule_numbers(std::string_view key, std::string_view value, int low,
                                       int high) {
  std::vector<int> numbers;
  for (std::string_view item : split(value, ',')) {
    const auto number = parse_int(trim(item));
    if (!number || *number < low || *number > high) {
      return fail("RRULE: " + std::string(key) + " " + quoted(item) + " out of range " +
                  std::to_string(low) + "-" + std::to_string(high));
    }
    numbers.push_back(*number);
  }
  return numbers;
}

bool looks_like_rrule(std::string_view spec) {
  const std::string upper = to_upper_ascii(spec);
  return upper.starts_with("RRULE:") || upper.find("FREQ=") != std::string::npos;
}

}  // namespace

Result<Recurrence> Recurrence::parse(std::string_view spec) {
  spec = trim(spec);
  if (spec.empty()) return fail("empty recurrence");
  auto parsed = looks_like_rrule(spec) ? parse_rrule(spec) : parse_cron(spec);
  if (parsed) parsed->spec_ = std::string(spec);
  return parsed;
}

Result<Recurrence> Recurrence::parse_cron(std::string_view spec) {
  if (spec.starts_with('@')) {
    const std::string macro = to_lower_ascii(spec);
    const std::string_view expanded = expand_cron_macro(macro);
    if (expanded.starts_with('@')) return fail("cron: unknown macro " + quoted(spec));
    return parse_cron(expanded);
  }
  const std::vector<std::string_view> fields = split_words(spec);
  if (fields.size() != 5) {
    return fail("cron: expected 5 fields (minute hour day-of-month month day-of-week), got " +
                std::to_string(fields.size()));
  }
  const CronField minute{"minute", 0, 59, {}};
  const CronField hour{"hour", 0, 23, {}};
  const CronField month_day{"day of month", 1, 31, {}};
  const CronField month{"month", 1, 12, kMonthNames};
  const CronField weekday{"day of week", 0, 7, kCronDayNames};

  Recurrence rule;
  rule.syntax_ = Syntax::cron;
  std::vector<bool> minutes_set;
  std::vector<bool> hours_set;
  std::vector<bool> selected;
  if (auto r = parse_cron_field(minute, fields[0], minutes_set); !r) {
    return std::unexpected(r.error());
  }
  if (auto r = parse_cron_field(hour, fields[1], hours_set); !r) return std::unexpected(r.error());
  auto month_day_star = parse_cron_field(month_day, fields[2], selected);
  if (!month_day_star) return std::unexpected(month_day_star.error());
  for (int d = 1; d <= 31; ++d) rule.month_days_[d] = selected[static_cast<std::size_t>(d)];
  if (auto r = parse_cron_field(month, fields[3], selected); !r) return std::unexpected(r.error());
  for (int m = 1; m <= 12; ++m) rule.months_[m] = selected[static_cast<std::size_t>(m)];
  auto weekday_star = parse_cron_field(weekday, fields[4], selected);
  if (!weekday_star) return std::unexpected(weekday_star.error());
  for (int d = 0; d < 7; ++d) rule.weekdays_[d] = selected[static_cast<std::size_t>(d)];
  if (selected[7]) rule.weekdays_[0] = true;  // 7 is Sunday too
  rule.month_days_restricted_ = !*month_day_star;
  rule.weekdays_restricted_ = !*weekday_star;

  for (int h = 0; h < 24; ++h) {
    if (!hours_set[static_cast<std::size_t>(h)]) continue;
    for (int m = 0; m < 60; ++m) {
      if (minutes_set[static_cast<std::size_t>(m)]) rule.minutes_of_day_.push_back(h * 60 + m);
    }
  }
  return rule;
}

Result<Recurrence> Recurrence::parse_rrule(std::string_view spec) {
  std::string upper = to_upper_ascii(spec);
  std::string_view body = upper;
  if (body.starts_with("RRULE:")) body.remove_prefix(6);

  Recurrence rule;
  rule.syntax_ = Syntax::rrule;
  rule.months_.set();
  bool have_frequency = false;
  std::vector<int> hours_list{0};
  std::vector<int> minutes_list{0};
  std::vector<std::string> seen;
  for (std::string_view part : split(body, ';')) {
    part = trim(part);
    if (part.empty()) continue;
    const std::size_t equals = part.find('=');
    if (equals == std::string_view::npos) return fail("RRULE: bad part " + quoted(part));
    const std::string_view key = trim(part.substr(0, equals));
    const std::string_view value = trim(part.substr(equals + 1));
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return fail("RRULE: " + std::string(key) + " given twice");
    }
    seen.emplace_back(key);
    if (key == "FREQ") {
      if (value == "DAILY") {
        rule.frequency_ = Frequency::daily;
      } else if (value == "WEEKLY") {
        rule.frequency_ = Frequency::weekly;
      } else if (value == "MONTHLY") {
        rule.frequency_ = Frequency::monthly;
      } else {
        return fail("RRULE: unknown FREQ " + quoted(value) +
                    " (expected DAILY, WEEKLY or MONTHLY)");
      }
      have_frequency = true;
    } else if (key == "INTERVAL") {
      const auto interval = parse_int(value);
      if (!interval || *interval < 1 || *interval > 1000) {
        return fail("RRULE: bad INTERVAL " + quoted(value) + " (expected 1-1000)");
      }
      rule.interval_ = *interval;
    } else if (key == "BYDAY") {
      for (std::string_view item : split(value, ',')) {
        item = trim(item);
        if (item.size() < 2) return fail("RRULE: bad BYDAY " + quoted(item));
        const auto weekday = rrule_weekday(item.substr(item.size() - 2));
        if (!weekday) return fail("RRULE: unknown BYDAY weekday " + quoted(item));
        int ordinal = 0;
        if (item.size() > 2) {
          const auto parsed = parse_int(item.substr(0, item.size() - 2));
          if (!parsed || *parsed == 0 || *parsed < -5 || *parsed > 5) {
            return fail("RRULE: bad BYDAY ordinal " + quoted(item) + " (expected -5..5, not 0)");
          }
          ordinal = *parsed;
        }
        rule.ordinal_weekdays_.push_back(OrdinalWeekday{*weekday, ordinal});
        if (ordinal == 0) rule.weekdays_[static_cast<std::size_t>(*weekday)] = true;
      }
      rule.weekdays_restricted_ = true;
    } else if (key == "BYMONTHDAY") {
      auto days = rrule_numbers(key, value, -31, 31);
      if (!days) return std::unexpected(days.error());
      for (int d : *days) {
        if (d == 0) return fail("RRULE: BYMONTHDAY '0' out of range -31..-1, 1..31");
        if (d > 0) {
          rule.month_days_[static_cast<std::size_t>(d)] = true;
        } else {
          rule.month_days_from_end_[static_cast<std::size_t>(-d)] = true;
        }
      }
      rule.month_days_restricted_ = true;
    } else if (key == "BYHOUR") {
      auto hours = rrule_numbers(key, value, 0, 23);
      if (!hours) return std::unexpected(hours.error());
      hours_list = *hours;
    } else if (key == "BYMINUTE") {
      auto minutes_parsed = rrule_numbers(key, value, 0, 59);
      if (!minutes_parsed) return std::unexpected(minutes_parsed.error());
      minutes_list = *minutes_parsed;
    } else {
      return fail("RRULE: unsupported part " + quoted(key) +
                  " (supported: FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYHOUR, BYMINUTE)");
    }
  }
  if (!have_frequency) return fail("RRULE: FREQ missing");
  for (const OrdinalWeekday& entry : rule.ordinal_weekdays_) {
    if (entry.ordinal != 0 && rule.frequency_ != Frequency::monthly) {
      return fail("RRULE: BYDAY with an ordinal needs FREQ=MONTHLY");
    }
  }
  if (rule.frequency_ == Frequency::weekly && !rule.weekdays_restricted_) {
    // RFC 5545 takes the weekday of DTSTART; the anchor is a Monday.
    rule.weekdays_[1] = true;
    rule.weekdays_restricted_ = true;
  }
  if (rule.frequency_ == Frequency::monthly && !rule.weekdays_restricted_ &&
      !rule.month_days_restricted_) {
    return fail("RRULE: FREQ=MONTHLY needs BYMONTHDAY or BYDAY");
  }
  for (int h : hours_list) {
    for (int m : minutes_list) rule.minutes_of_day_.push_back(h * 60 + m);
  }
  std::sort(rule.minutes_of_day_.begin(), rule.minutes_of_day_.end());
  rule.minutes_of_day_.erase(std::unique(rule.minutes_of_day_.begin(), rule.minutes_of_day_.end()),
                             rule.minutes_of_day_.end());
  return rule;
}

bool Recurrence::matches_day(LocalDays day) const {
  const date::year_month_day ymd{day};
  const unsigned month = static_cast<unsigned>(ymd.month());
  const unsigned month_day = static_cast<unsigned>(ymd.day());
  const unsigned weekday = date::weekday{day}.c_encoding();
  if (!months_[month]) return false;

  if (syntax_ == Syntax::cron) {
    const bool day_ok = month_days_[month_day];
    const bool weekday_ok = weekdays_[weekday];
    if (month_days_restricted_ && weekdays_restricted_) return day_ok || weekday_ok;
    return day_ok && weekday_ok;
  }

  const unsigned last_day =
      static_cast<unsigned>(date::year_month_day_last{ymd.year() / ymd.month() / date::last}.day());
  switch (frequency_) {
    case Frequency::daily:
      if ((day - kAnchor).count() % interval_ != 0) return false;
      break;
    case Frequency::weekly:
      if (floor<date::weeks>(day - kAnchor).count() % interval_ != 0) return false;
      break;
    case Frequency::monthly: {
      const int months_since =
          (static_cast<int>(ymd.year()) - 1970) * 12 + static_cast<int>(month) - 1;
      if (months_since % interval_ != 0) return false;
      break;
    }
  }
  if (month_days_restricted_ && !month_days_[month_day] &&
      !month_days_from_end_[last_day - month_day + 1]) {
    return false;
  }
  if (weekdays_restricted_ && !weekdays_[weekday]) {
    bool ordinal_ok = false;
    for (const OrdinalWeekday& entry : ordinal_weekdays_) {
      if (entry.ordinal == 0 || static_cast<unsigned>(entry.weekday) != weekday) continue;
      const int from_start = static_cast<int>((month_day - 1) / 7 + 1);
      const int from_end = static_cast<int>((last_day - month_day) / 7 + 1);
      if (entry.ordinal == from_start || entry.ordinal == -from_end) ordinal_ok = true;
    }
    if (!ordinal_ok) return false;
  }
  return true;
}

template <typename Visit>
void Recurrence::for_each_start(const TimeZone& zone, WallTime after, WallTime before,
                                Visit visit) const {
  if (minutes_of_day_.empty() || !(after < before)) return;
  // One day of margin either side: local dates and instants differ by the zone offset.
  const LocalDays first = floor<Days>(zone.to_local(after)) - Days{1};
  const LocalDays last = floor<Days>(zone.to_local(before)) + Days{1};
  std::optional<WallTime> previous;
  for (LocalDays day = first; day <= last; day += Days{1}) {
    if (!matches_day(day)) continue;
    for (int minute_of_day : minutes_of_day_) {
      const WallTime start = zone.first_instant_at(LocalTime{day + minutes{minute_of_day}});
      if (start >= before) return;
      if (start <= after) continue;
      // Two local times in one DST gap both start at the end of the gap: one occurrence.
      if (previous && start <= *previous) continue;
      previous = start;
      if (!visit(start)) return;
    }
  }
}

std::vector<WallTime> Recurrence::starts_overlapping(const TimeZone& zone, Duration duration,
                                                     Interval range, std::size_t limit) const {
  std::vector<WallTime> starts;
  range = intersect(range, kCalendarSpan);
  duration = std::min(duration, kLongestOccurrence);
  if (duration <= Duration{0} || range.empty() || limit == 0) {
    return starts;
  }
  for_each_start(zone, range.start - duration, range.end, [&](WallTime start) {
    starts.push_back(start);
    return starts.size() < limit;
  });
  return starts;
}

IntervalSet Recurrence::occurrences(const TimeZone& zone, Duration duration, Interval range) const {
  IntervalSet result;
  range = intersect(range, kCalendarSpan);
  duration = std::min(duration, kLongestOccurrence);
  if (duration <= Duration{0} || range.empty()) {
    return result;
  }
  for_each_start(zone, range.start - duration, range.end, [&](WallTime start) {
    result.add(intersect(Interval{start, start + duration}, range));
    return true;
  });
  return result;
}

std::optional<WallTime> Recurrence::next_start(const TimeZone& zone, WallTime after) const {
  constexpr auto kHorizon = std::chrono::days(366 * 30);
  const Interval range = intersect(Interval{after, after + kHorizon}, kCalendarSpan);
  std::optional<WallTime> next;
  if (range.empty()) return next;
  for_each_start(zone, range.start, range.end, [&](WallTime start) {
    next = start;
    return false;
  });
  return next;
}

std::optional<WallTime> Recurrence::last_start(const TimeZone& zone, WallTime after,
                                               WallTime at_or_before) const {
  const Interval range =
      intersect(Interval{after, at_or_before + std::chrono::milliseconds(1)}, kCalendarSpan);
  std::optional<WallTime> last;
  if (range.empty()) return last;
  // Look back over growing spans so a frequent expression over a long range does not visit
  // every occurrence since `after`.
  for (const Duration span : {Duration(std::chrono::days(2)), Duration(std::chrono::days(64)),
                              Duration(std::chrono::days(800))}) {
    const WallTime from = std::max(range.start, range.end - span);
    for_each_start(zone, from, range.end, [&](WallTime start) {
      last = start;
      return true;
    });
    if (last || from == range.start) return last;
  }
  for_each_start(zone, range.start, range.end, [&](WallTime start) {
    last = start;
    return true;
  });
  return last;
}

}  // namespace slamon::sla
