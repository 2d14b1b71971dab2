// Column-aligned plain-text tables for the command line (`slamon eval --once`, `slamon
// backtest`): each column as wide as its widest cell, two spaces between columns, nothing
// after the last one, a newline after every row. Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace slamon {

// The header line, then one line per row; every row has as many cells as the header.
std::string render_console_table(const std::vector<std::string>& header,
                                 const std::vector<std::vector<std::string>>& rows);

}  // namespace slamon
