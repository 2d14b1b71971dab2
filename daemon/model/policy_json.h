// JSON form of a policy (SPEC §3 / §11): the object the API returns for a policy, which is also
// the body the store keeps for a policy created through the API. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "model/model.h"

namespace slamon {

// {id, org, name, description, scope, scope_id, scope_name, status, labels, thresholds,
// no_data, provisioned}. scope_id and scope_name are null when absent; `thresholds` holds only
// the thresholds that are set, by their SPEC §3 key ("uptime_percent_min": 99.5).
nlohmann::json to_json(const Policy& policy);

// Reads back an object written by to_json (as the store keeps it). Strict: every key of
// to_json must be present with its type, enum spellings and threshold keys must be known, and
// threshold values finite; keys it does not know are ignored. It checks form only, not the SPEC §3
// rules against an inventory: API input is validated with config/loader.h's parse_policy.
Result<Policy> policy_from_stored_json(const nlohmann::json& json);

}  // namespace slamon
