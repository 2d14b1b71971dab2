#include "routing/event_fields.h"

#include "common/time_format.h"

namespace slamon::routing::detail {

const nlohmann::json* member(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

std::optional<std::string> string_member(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json* value = member(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

const nlohmann::json& object_member(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* value = member(object, key);
  return value != nullptr && value->is_object() ? *value : kEmpty;
}

std::optional<WallTime> parse_rfc3339(std::string_view text) {
  return slamon::parse_rfc3339(text, Rfc3339Syntax{.space_separator = true});
}

}  // namespace slamon::routing::detail
