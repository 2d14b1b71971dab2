// Tolerant reading of stored event JSON for the routing library: a missing member or one of
// the wrong type reads as absent, never as an exception, so a malformed event simply matches
// nothing. Internal to slamon_routing. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace slamon::routing::detail {

// The member `key` of `object`, or nullptr when `object` is not an object or has no such member.
const nlohmann::json* member(const nlohmann::json& object, std::string_view key);
// The string member `key`; nullopt when absent or not a string.
std::optional<std::string> string_member(const nlohmann::json& object, std::string_view key);
// The object member `key`, or an empty object when absent or not an object.
const nlohmann::json& object_member(const nlohmann::json& object, std::string_view key);

// RFC 3339 date-time (`2026-11-21T10:00:00Z`, fractions and numeric offsets allowed), or
// nullopt when `text` is not one.
std::optional<WallTime> parse_rfc3339(std::string_view text);

}  // namespace slamon::routing::detail
