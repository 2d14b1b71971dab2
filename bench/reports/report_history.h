// The report benchmarks' organization: P policies × 3 metrics (uptime, latency, packet loss)
// with D days of 5-minute history and a status timeline with a 30-minute outage every 7 days
// per policy, plus the matching (acknowledged, resolved) breaches, written into a database as
// `slamon` would have recorded them. Deterministic. Plain values; load_report_history() writes
// through its own connections and returns when they are closed.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace slamon::bench {

inline const std::string kReportOrg = "bench-org";

struct ReportOrg {
  Config config;  // the organization only: a report is asked for its policies
  std::vector<Policy> policies;
  WallTime period_start{};  // the report's period, the days of history
  WallTime period_end{};
};

ReportOrg make_report_org(int policy_count, int day_count);

// Writes the history, the status timeline and the breaches of `org` into the database `db`
// (created or migrated as needed).
Status load_report_history(const std::string& db, Clock& clock, const ReportOrg& org);

}  // namespace slamon::bench
