// JSON form of a policy (SPEC §3 / §11): the object the API returns for a policy, which is also
// the body the store keeps for a policy created through the API. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "model/model.h"

namespace slamon {

// {id, org, name, description, scope, scope_id, scope_name, status, labels, thresholds,
// no_data, provisioned, sla_period, time_period, requirements, levels, sliding_window,
// credits}. scope_id and scope_name are null when absent; `thresholds` holds only the
// thresholds that are set, by their SPEC §3 key ("uptime_percent_min": 99.5). The SPEC §7 keys
// have their rule-file form, so that the object is valid API input again: sla_period, levels,
// sliding_window and time_period are null when unset (time_period has one key per weekday that
// counts: {"mon": "09:00-18:00,22:00-24:00"}), requirements and credits are [] when empty, and
// durations are Prometheus strings ("2m").
nlohmann::json to_json(const Policy& policy);

// Reads back an object written by to_json (as the store keeps it). Strict: every SPEC §3 key
// of to_json must be present with its type, enum spellings and threshold keys must be known,
// and threshold values finite; the SPEC §7 keys may be absent or null (policies stored before
// them) but must be readable when present; keys it does not know are ignored. It checks form
// only, not the SPEC §3 rules against an inventory: API input is validated with
// config/loader.h's parse_policy.
Result<Policy> policy_from_stored_json(const nlohmann::json& json);

}  // namespace slamon
