// Renders an evaluation for people (`slamon eval --once`, a table) or programs
// (`--output=json`). Pure; thread-safe.
#pragma once

#include <string>

#include "engine/engine.h"

namespace slamon {

// With `dry_run` the summary says what the cycle *would* have changed.
std::string render_eval_table(const CycleReport& report, bool dry_run = false);
std::string render_eval_json(const CycleReport& report);

}  // namespace slamon
