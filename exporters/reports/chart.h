// The report's charts, drawn on any cairo context (the PDF's pages, a PNG for e-mail): daily
// compliance bars against the target, and a metric's percentiles against its threshold.
// Internal to the reports library. Not thread-safe per context (cairo contexts are not).
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "reports/report.h"

namespace slamon::reports::chart {

struct Box {
  double x = 0, y = 0, width = 0, height = 0;
};

// `layout` draws the labels (its font is changed); `target_percent` is the compliance target.
void draw_daily_compliance(cairo_t* cr, PangoLayout* layout, Box box,
                           const std::vector<DayReport>& days, double target_percent);
// Horizontal bars of min, mean, p50, p95, p99 and max with the threshold as a dashed line.
void draw_percentiles(cairo_t* cr, PangoLayout* layout, Box box, const MetricReport& metric);

}  // namespace slamon::reports::chart
