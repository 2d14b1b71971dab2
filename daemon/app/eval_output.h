// Renders an evaluation for people (`slamon eval --once`, a table) or programs
// (`--output=json`). Pure; thread-safe.
#pragma once

#include <string>

#include "engine/engine.h"

namespace slamon {

std::string render_eval_table(const CycleReport& report);
std::string render_eval_json(const CycleReport& report);

}  // namespace slamon
