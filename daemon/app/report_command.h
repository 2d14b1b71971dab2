// `slamon report` (SPEC §10): renders an SLA report offline from slamon's database, read-only,
// like `slamon backtest`: loads the configuration, reads the policies (the rule files' and the
// API's), opens a private snapshot of the database, builds the report through the SLA read
// model and writes the PDF or CSV to a temporary name beside the output, fsyncs and renames it.
// Not thread-safe (call once, from main).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "config/loader.h"

namespace slamon {

struct ReportCommandOptions {
  std::string config_file;
  FlagOverrides flags;  // --storage.path among them
  std::string from;     // RFC 3339 or Unix seconds
  std::string to;
  std::vector<std::string> policy_ids;  // empty: every active policy of `org`
  std::string org;                      // empty: the one organization the policies belong to
  std::string format = "pdf";           // pdf | csv
  std::string part;                     // csv only: "" (policies), breaches, periods
  std::string title;
  std::string output;
};

// Returns the exit code: 0 when the report was written, 1 when it could not be (the reason on
// `err`).
int run_report_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace slamon
