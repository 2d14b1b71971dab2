// `slamon backtest` as a command (SPEC §1, §7.1): parses its arguments, loads the configuration,
// gathers the provisioned policies and the API policies of the database (read-only), replays
// them from Prometheus range data or slamon's history, and prints the report. It never writes
// to the database and sends nothing. Not thread-safe (call once, from main).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "config/loader.h"

namespace slamon::backtest {

struct CommandOptions {
  std::string config_file;
  FlagOverrides flags;  // --storage.path among them
  std::string from;
  std::string to;
  std::string step = "5m";
  std::string output = "table";       // table | json
  std::string source = "prometheus";  // prometheus | history
};

// An instant given on the command line: RFC 3339 (2026-01-01T00:00:00Z, with an offset or
// fractional seconds) or Unix seconds (1767225600, 1767225600.5).
Result<WallTime> parse_time(std::string_view text);

// Runs the command: the report goes to `out`, errors to `err`. Returns the exit code: 0 when the
// backtest ran (whatever it found), 1 when it could not.
int run_command(const CommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace slamon::backtest
