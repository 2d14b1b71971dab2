#include "common/time_format.h"

#include <chrono>
#include <cstdint>

namespace slamon {
namespace {

// `count` decimal digits of `text` at `pos`, or nullopt.
std::optional<int> digits_at(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool char_at(std::string_view text, std::size_t pos, std::string_view accepted) {
  return pos < text.size() && accepted.find(text[pos]) != std::string_view::npos;
}

}  // namespace

std::optional<WallTime> parse_rfc3339(std::string_view text, Rfc3339Syntax syntax) {
  using namespace std::chrono;
  const auto year = digits_at(text, 0, 4);
  const auto month = digits_at(text, 5, 2);
  const auto day = digits_at(text, 8, 2);
  const auto hour = digits_at(text, 11, 2);
  const auto minute = digits_at(text, 14, 2);
  const auto second = digits_at(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !char_at(text, 4, "-") ||
      !char_at(text, 7, "-") || !char_at(text, 10, syntax.space_separator ? "Tt " : "Tt") ||
      !char_at(text, 13, ":") || !char_at(text, 16, ":") || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year(*year),
                            std::chrono::month(static_cast<unsigned>(*month)),
                            std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  std::size_t pos = 19;
  nanoseconds fraction{0};
  if (char_at(text, pos, ".")) {
    ++pos;
    const std::size_t start = pos;
    std::int64_t scale = 100'000'000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += nanoseconds((text[pos] - '0') * scale);  // beyond nanoseconds: dropped
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  minutes offset{0};
  if (char_at(text, pos, "Zz")) {
    ++pos;
  } else if (char_at(text, pos, "+-")) {
    const bool negative = text[pos] == '-';
    const auto offset_hours = digits_at(text, pos + 1, 2);
    const auto offset_minutes = digits_at(text, pos + 4, 2);
    if (!offset_hours || !offset_minutes || !char_at(text, pos + 3, ":") || *offset_hours > 23 ||
        *offset_minutes > 59) {
      return std::nullopt;
    }
    offset = hours(*offset_hours) + minutes(*offset_minutes);
    if (negative) offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto local = sys_days(date) + hours(*hour) + minutes(*minute) + seconds(*second) + fraction;
  return time_point_cast<system_clock::duration>(local - offset);
}

}  // namespace slamon
