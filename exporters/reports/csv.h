// A report as CSV for a spreadsheet (SPEC §10; RFC 4180: UTF-8, CRLF line ends, a header row,
// fields with a comma, quote or line break quoted and quotes doubled). The figures are written
// with the digits the PDF shows (reports/format.h); durations in seconds, instants in RFC 3339
// UTC. Pure functions over ReportData; thread-safe.
#pragma once

#include <string>

#include "reports/report.h"

namespace slamon::reports {

// One row per policy × metric with every figure of the report (a policy without thresholds
// gets one row with the metric columns empty).
std::string render_csv(const ReportData& report);
// One row per breach opened within the period (`?part=breaches`).
std::string render_breaches_csv(const ReportData& report);
// One row per policy × calendar SLA period (`?part=periods`).
std::string render_periods_csv(const ReportData& report);

}  // namespace slamon::reports
