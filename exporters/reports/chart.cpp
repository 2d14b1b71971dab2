#include "reports/chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "reports/format.h"

namespace slamon::reports::chart {

namespace {

struct Color {
  double r, g, b;
};
constexpr Color kText{0.13, 0.13, 0.13};
constexpr Color kAxis{0.55, 0.55, 0.55};
constexpr Color kGrid{0.88, 0.88, 0.88};
constexpr Color kGood{0.18, 0.49, 0.20};
constexpr Color kBad{0.78, 0.16, 0.16};
constexpr Color kNone{0.80, 0.80, 0.80};
constexpr Color kTarget{0.10, 0.30, 0.70};

void set(cairo_t* cr, Color c) {
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void label(cairo_t* cr, LayoutCache& texts, const std::string& text, double x, double y,
           double font_size, bool right_aligned = false, bool centered = false) {
  PangoLayout* layout = texts.get(text, {.font = texts.font("DejaVu Sans", font_size)});
  int width = 0, height = 0;
  pango_layout_get_size(layout, &width, &height);
  double left = x;
  if (right_aligned) left = x - static_cast<double>(width) / PANGO_SCALE;
  if (centered) left = x - static_cast<double>(width) / PANGO_SCALE / 2;
  cairo_move_to(cr, left, y - static_cast<double>(height) / PANGO_SCALE / 2);
  pango_cairo_show_layout(cr, layout);
}

// A lower bound for the compliance axis that shows the interesting band: a 99.9 % target
// on a 0–100 axis would be invisible.
double axis_floor(const std::vector<DayReport>& days, double target) {
  double lowest = std::min(target, 100.0);
  for (const DayReport& day : days) {
    if (day.compliance_ratio) lowest = std::min(lowest, *day.compliance_ratio * 100.0);
  }
  const double span = std::max(100.0 - lowest, 0.1);
  double floor = lowest - span * 0.25;
  // Round down to a readable step.
  const double step = std::pow(10.0, std::floor(std::log10(std::max(span, 1e-3))));
  floor = std::floor(floor / step) * step;
  return std::clamp(floor, 0.0, 99.99);
}

}  // namespace

LayoutCache::~LayoutCache() {
  release(newer_);
  release(older_);
  for (auto& [key, font] : fonts_) pango_font_description_free(font);
}

void LayoutCache::release(Generation& generation) {
  for (auto& [key, layout] : generation) g_object_unref(layout);
  generation.clear();
}

PangoLayout* LayoutCache::get(const std::string& text, const Spec& spec) {
  std::string key;
  key.reserve(text.size() + 48);
  key.append(std::to_string(reinterpret_cast<std::uintptr_t>(spec.font)))
      .append(1, ' ')
      .append(std::to_string(spec.width))
      .append(1, ' ')
      .append(std::to_string(static_cast<int>(spec.alignment)))
      .append(1, ' ')
      .append(std::to_string(static_cast<int>(spec.wrap)))
      .append(1, '|')
      .append(text);
  if (auto found = newer_.find(key); found != newer_.end()) return found->second;
  PangoLayout* layout = nullptr;
  if (auto found = older_.find(key); found != older_.end()) {
    layout = found->second;
    older_.erase(found);
  } else {
    layout = pango_layout_new(context_);
    pango_layout_set_font_description(layout, spec.font);
    pango_layout_set_wrap(layout, spec.wrap);
    pango_layout_set_width(layout, spec.width);
    pango_layout_set_alignment(layout, spec.alignment);
    pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
  }
  if (newer_.size() >= kGeneration) {
    release(older_);
    std::swap(newer_, older_);
  }
  newer_.emplace(std::move(key), layout);
  return layout;
}

const PangoFontDescription* LayoutCache::font(const char* family, double size) {
  auto [at, added] = fonts_.try_emplace({family, size}, nullptr);
  if (added) {
    at->second = pango_font_description_from_string(family);
    pango_font_description_set_absolute_size(at->second, size * PANGO_SCALE);
  }
  return at->second;
}

void draw_daily_compliance(cairo_t* cr, LayoutCache& texts, Box box,
                           const std::vector<DayReport>& days, double target_percent) {
  cairo_save(cr);
  set(cr, kText);
  label(cr, texts, "Daily compliance %, UTC days", box.x, box.y + 5, 7.5);
  const double left = box.x + 34, right = box.x + box.width - 4;
  const double top = box.y + 16, bottom = box.y + box.height - 14;
  const double low = axis_floor(days, target_percent);
  auto y_of = [&](double percent) {
    return bottom - (std::clamp(percent, low, 100.0) - low) / (100.0 - low) * (bottom - top);
  };
  // Axis and grid: the floor, the middle and 100 %.
  cairo_set_line_width(cr, 0.4);
  for (double value : {low, (low + 100.0) / 2, 100.0}) {
    set(cr, kGrid);
    cairo_move_to(cr, left, y_of(value));
    cairo_line_to(cr, right, y_of(value));
    cairo_stroke(cr);
    set(cr, kAxis);
    label(cr, texts, percent_text(value), left - 3, y_of(value), 6, true);
  }
  const std::size_t count = days.size();
  if (count > 0) {
    const double slot = (right - left) / static_cast<double>(count);
    const double bar = std::max(slot * 0.75, 0.5);
    for (std::size_t i = 0; i < count; ++i) {
      const double x = left + slot * static_cast<double>(i) + (slot - bar) / 2;
      if (!days[i].compliance_ratio) {
        set(cr, kNone);  // nothing evaluated: a short grey stub, never a full "up" bar
        cairo_rectangle(cr, x, bottom - 2, bar, 2);
        cairo_fill(cr);
        continue;
      }
      const double percent = *days[i].compliance_ratio * 100.0;
      set(cr, percent + 1e-9 >= target_percent ? kGood : kBad);
      const double y = y_of(percent);
      cairo_rectangle(cr, x, y, bar, std::max(bottom - y, 0.6));
      cairo_fill(cr);
    }
    // Day-of-month labels, about eight of them.
    const std::size_t every = std::max<std::size_t>(1, (count + 7) / 8);
    set(cr, kAxis);
    for (std::size_t i = 0; i < count; i += every) {
      const auto ymd =
          std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(days[i].start));
      const std::string text = std::to_string(static_cast<unsigned>(ymd.month())) + "/" +
                               std::to_string(static_cast<unsigned>(ymd.day()));
      label(cr, texts, text, left + slot * (static_cast<double>(i) + 0.5), bottom + 7, 6, false,
            true);
    }
  }
  // The target.
  set(cr, kTarget);
  const double dash[] = {3, 2};
  cairo_set_dash(cr, dash, 2, 0);
  cairo_set_line_width(cr, 0.8);
  cairo_move_to(cr, left, y_of(target_percent));
  cairo_line_to(cr, right, y_of(target_percent));
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  // Above the plot, so no bar hides it.
  label(cr, texts, "- - target " + percent_text(target_percent), right, box.y + 5, 6.5, true);
  cairo_restore(cr);
}

void draw_percentiles(cairo_t* cr, LayoutCache& texts, Box box, const MetricReport& metric) {
  cairo_save(cr);
  set(cr, kText);
  label(cr, texts, std::string(to_string(metric.metric)), box.x, box.y + 5, 7.5);
  const double left = box.x + 26, right = box.x + box.width - 6;
  const double top = box.y + 14, bottom = box.y + box.height - 14;
  if (!metric.stats) {
    set(cr, kAxis);
    label(cr, texts, "nothing measured", left, (top + bottom) / 2, 7);
    cairo_restore(cr);
    return;
  }
  const history::WindowStats& s = *metric.stats;
  const std::array<std::pair<const char*, double>, 6> bars{{{"min", s.min},
                                                            {"mean", s.mean},
                                                            {"p50", s.p50},
                                                            {"p95", s.p95},
                                                            {"p99", s.p99},
                                                            {"max", s.max}}};
  double high = std::max(metric.threshold, 0.0);
  double low = std::min(0.0, metric.threshold);
  for (const auto& [name, value] : bars) {
    if (std::isfinite(value)) high = std::max(high, value), low = std::min(low, value);
  }
  high = high > low ? high + (high - low) * 0.08 : low + 1;
  auto x_of = [&](double value) { return left + (value - low) / (high - low) * (right - left); };
  const double row = (bottom - top) / static_cast<double>(bars.size());
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& [name, value] = bars[i];
    const double y = top + row * static_cast<double>(i);
    set(cr, kAxis);
    label(cr, texts, name, left - 3, y + row / 2, 6, true);
    if (!std::isfinite(value)) continue;
    const bool violates =
        metric.bound == Bound::min ? value < metric.threshold : value > metric.threshold;
    set(cr, violates ? kBad : kGood);
    cairo_rectangle(cr, x_of(low), y + row * 0.15, std::max(x_of(value) - x_of(low), 0.6),
                    row * 0.7);
    cairo_fill(cr);
  }
  set(cr, kTarget);
  const double dash[] = {3, 2};
  cairo_set_dash(cr, dash, 2, 0);
  cairo_set_line_width(cr, 0.8);
  cairo_move_to(cr, x_of(metric.threshold), top - 2);
  cairo_line_to(cr, x_of(metric.threshold), bottom);
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  label(cr, texts, "threshold " + value_text(metric.threshold), right, bottom + 7, 6, true);
  set(cr, kAxis);
  label(cr, texts, value_text(low), left, bottom + 7, 6);
  cairo_restore(cr);
}

}  // namespace slamon::reports::chart
