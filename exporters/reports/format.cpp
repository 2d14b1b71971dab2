#include "reports/format.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "common/duration.h"

namespace slamon::reports {

namespace {

std::string fixed3(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

}  // namespace

std::string percent_text(std::optional<double> percent) {
  if (!percent || std::isnan(*percent)) return kNoFigure;
  if (std::isinf(*percent)) return *percent > 0 ? "+Inf" : "-Inf";
  // -0.000 reads as a sign error; a figure that rounds to zero is zero.
  const double shown = std::abs(*percent) < 0.0005 ? 0.0 : *percent;
  return fixed3(shown);
}

std::string ratio_text(std::optional<double> ratio) {
  if (!ratio) return kNoFigure;
  return percent_text(*ratio * 100.0);
}

std::string value_text(double value) {
  return percent_text(value);
}

std::string seconds_text(Duration d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000);
  return fixed3(static_cast<double>(d.count()) / 1000.0);
}

std::string seconds_text(std::optional<Duration> d) {
  return d ? seconds_text(*d) : std::string();
}

std::string duration_text(Duration d) {
  return format_duration(std::chrono::round<std::chrono::seconds>(d));
}

std::string duration_text(std::optional<Duration> d) {
  return d ? duration_text(*d) : std::string(kNoFigure);
}

std::string time_text(WallTime t, const sla::TimeZone& zone) {
  // "2026-10-01 00:00:00 CEST" without the seconds.
  std::string text = zone.format_local(t);
  if (text.size() > 19 && text[16] == ':') text.erase(16, 3);
  return text;
}

}  // namespace slamon::reports
