// Renders a backtest for people (a table of breaches with their severities and durations, then
// what could not be replayed) or for programs (`--output=json`). Pure; thread-safe.
#pragma once

#include <string>

#include "backtest/replay.h"

namespace slamon::backtest {

// `source` names where the measurements came from ("prometheus" or "history"); `notes` are
// printed as they are (e.g. which policies were included).
std::string render_table(const ReplayReport& report, const std::string& source,
                         const std::vector<std::string>& notes = {});
std::string render_json(const ReplayReport& report, const std::string& source,
                        const std::vector<std::string>& notes = {});

}  // namespace slamon::backtest
