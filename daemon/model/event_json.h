// JSON forms of breaches and events (SPEC §9.1), shared by the store's outbox, the API and
// the notifiers so every consumer sees one shape. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace slamon {

// Infinite deviation (a violated threshold of 0) is written as the JSON string "+Inf",
// since JSON has no infinity; absent values are null.
nlohmann::json to_json(const Breach& breach);
nlohmann::json to_json(const PolicyRef& policy);
// A breach event has "breach"; a policy-level event has "breach": null and "budget" (sla.budget.*)
// or "sliding_window" (sla.escalate / sla.deescalate).
nlohmann::json to_json(const BudgetSignal& budget);
nlohmann::json to_json(const WindowSignal& window);
nlohmann::json to_json(const Event& event);

}  // namespace slamon
