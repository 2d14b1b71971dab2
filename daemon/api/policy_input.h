// Turning an API policy body into a validated Policy with the rule-file validator
// (config/loader.h parse_policy), so the API and rule files enforce one rule set (SPEC §3,
// §11). The JSON is handed to the YAML reader as text (JSON is YAML), which keeps the
// difference between a number and a quoted string that the strict reader checks.
// Stateless; thread-safe.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "config/config.h"
#include "model/model.h"

namespace slamon::api {

// Validates `object` (which must already carry the caller's `org`) against `config`. Every
// problem becomes a FieldError (diagnostic path and message), after `earlier` problems the
// caller found itself; any problem at all is a 422.
ApiResult<Policy> validate_policy(const nlohmann::json& object, const Config& config,
                                  std::vector<FieldError> earlier = {});

}  // namespace slamon::api
