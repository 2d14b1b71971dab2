#include "common/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace slamon {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t millis;
};

// Descending order; "ms" must be tried before "m" when matching.
constexpr std::array<Unit, 7> kUnits{{{"y", 365LL * 24 * 3600 * 1000},
                                      {"w", 7LL * 24 * 3600 * 1000},
                                      {"d", 24LL * 3600 * 1000},
                                      {"h", 3600LL * 1000},
                                      {"m", 60LL * 1000},
                                      {"s", 1000},
                                      {"ms", 1}}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text == "0") return std::chrono::milliseconds{0};
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must appear in kUnits order, each once
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t number = 0;
    const std::size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
      number = number * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == digits_start || pos == text.size()) return std::nullopt;
    std::size_t unit_len = 1;
    std::size_t unit_index = kUnits.size();
    if (text.substr(pos, 2) == "ms") {
      unit_len = 2;
      unit_index = 6;
    } else {
      for (std::size_t i = 0; i < 6; ++i) {
        if (text[pos] == kUnits[i].name[0]) unit_index = i;
      }
    }
    if (unit_index == kUnits.size() || unit_index < next_unit) return std::nullopt;
    next_unit = unit_index + 1;
    pos += unit_len;
    const std::int64_t millis = kUnits[unit_index].millis;
    if (number > (std::numeric_limits<std::int64_t>::max() - total) / millis) return std::nullopt;
    total += number * millis;
  }
  return std::chrono::milliseconds{total};
}

std::string format_duration(std::chrono::milliseconds d) {
  std::int64_t left = d.count();
  if (left == 0) return "0s";
  std::string out;
  if (left < 0) {
    out = "-";
    left = -left;
  }
  for (const auto& unit : kUnits) {
    if (left >= unit.millis) {
      out += std::to_string(left / unit.millis);
      out += unit.name;
      left %= unit.millis;
    }
  }
  return out;
}

}  // namespace slamon
