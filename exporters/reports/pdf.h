// A report as a PDF (SPEC §10), drawn with cairo and pango in memory: A4, vector, DejaVu fonts
// embedded (any UTF-8 name DejaVu covers renders). A summary page (organization figures, the
// counting rules, one row per policy), then a section per policy: key figures, measured value
// statistics, the daily compliance and percentile charts, the calendar SLA periods, the
// maintenance excluded and the breaches. A table that runs past a page continues on the next
// with its header repeated; a row is never cut. Every page's footer names the generation time,
// the zone, the slamon version and the page. No browser and no other process is involved.
//
// Pure functions of the ReportData; each call uses its own cairo surface. Thread-safe (cairo,
// pango and fontconfig are thread-safe for separate surfaces and contexts).
#pragma once

#include <string>

#include "common/result.h"
#include "reports/report.h"

namespace slamon::reports {

// The PDF's bytes ("%PDF-1.x ..."). Error: cairo or pango failed (no fonts, out of memory).
Result<std::string> render_pdf(const ReportData& report);

enum class ChartKind {
  daily_compliance,  // a bar per day against the target
  percentiles,       // min / mean / p50 / p95 / p99 / max per metric against the threshold
};

// One policy's chart as a PNG (for an e-mail body), `width` × `height` pixels.
Result<std::string> render_chart_png(const PolicyReport& policy, ChartKind kind, int width = 600,
                                     int height = 220);

}  // namespace slamon::reports
