#include "model/policy_json.h"

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace slamon {
namespace {

using nlohmann::json;

json optional_text(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

// Reads one member of a stored policy object, naming the policy and the key on failure.
class StoredPolicyReader {
 public:
  explicit StoredPolicyReader(const json& object) : object_(object) {}

  Result<const json*> member(std::string_view key, json::value_t type) const {
    auto it = object_.find(key);
    if (it == object_.end()) return problem("is missing `" + std::string(key) + "`");
    if (it->type() != type) {
      return problem("has `" + std::string(key) + "` of type " + it->type_name());
    }
    return &*it;
  }

  Result<std::string> text(std::string_view key) const {
    auto value = member(key, json::value_t::string);
    if (!value) return std::unexpected(value.error());
    return (*value)->get<std::string>();
  }

  // A string or null.
  Result<std::optional<std::string>> optional_text(std::string_view key) const {
    auto it = object_.find(key);
    if (it == object_.end()) return problem("is missing `" + std::string(key) + "`");
    if (it->is_null()) return std::optional<std::string>{};
    if (!it->is_string())
      return problem("has `" + std::string(key) + "` of type " + it->type_name());
    return std::optional<std::string>{it->get<std::string>()};
  }

  template <typename Enum, typename Parse>
  Result<Enum> enumeration(std::string_view key, Parse parse) const {
    auto value = text(key);
    if (!value) return std::unexpected(value.error());
    if (auto parsed = parse(*value)) return *parsed;
    return problem("has an unknown " + std::string(key) + " '" + *value + "'");
  }

  std::unexpected<Error> problem(const std::string& what) const {
    std::string name = "stored policy";
    if (auto id = object_.find("id"); id != object_.end() && id->is_string()) {
      name += " '" + id->get<std::string>() + "'";
    }
    return fail(name + " " + what);
  }

 private:
  const json& object_;
};

}  // namespace

json to_json(const Policy& p) {
  json thresholds = json::object();
  for (const ThresholdSpec& spec : threshold_specs()) {
    if (auto value = p.threshold(spec.metric)) thresholds[std::string(spec.key)] = *value;
  }
  return json{{"id", p.id},
              {"org", p.org},
              {"name", p.name},
              {"description", p.description},
              {"scope", to_string(p.scope)},
              {"scope_id", optional_text(p.scope_id)},
              {"scope_name", optional_text(p.scope_name)},
              {"status", to_string(p.status)},
              {"labels", p.labels},
              {"thresholds", std::move(thresholds)},
              {"no_data", to_string(p.no_data)},
              {"provisioned", p.provisioned}};
}

Result<Policy> policy_from_stored_json(const json& object) {
  if (!object.is_object()) {
    return fail(std::string("stored policy is not a JSON object but ") + object.type_name());
  }
  const StoredPolicyReader read(object);
  Policy p;

  auto id = read.text("id");
  if (!id) return std::unexpected(id.error());
  p.id = std::move(*id);
  auto org = read.text("org");
  if (!org) return std::unexpected(org.error());
  p.org = std::move(*org);
  auto name = read.text("name");
  if (!name) return std::unexpected(name.error());
  p.name = std::move(*name);
  auto description = read.text("description");
  if (!description) return std::unexpected(description.error());
  p.description = std::move(*description);

  auto scope = read.enumeration<Scope>("scope", parse_scope);
  if (!scope) return std::unexpected(scope.error());
  p.scope = *scope;
  auto scope_id = read.optional_text("scope_id");
  if (!scope_id) return std::unexpected(scope_id.error());
  p.scope_id = std::move(*scope_id);
  auto scope_name = read.optional_text("scope_name");
  if (!scope_name) return std::unexpected(scope_name.error());
  p.scope_name = std::move(*scope_name);

  auto status = read.enumeration<PolicyStatus>("status", parse_policy_status);
  if (!status) return std::unexpected(status.error());
  p.status = *status;
  auto no_data = read.enumeration<NoDataMode>("no_data", parse_no_data_mode);
  if (!no_data) return std::unexpected(no_data.error());
  p.no_data = *no_data;

  auto labels = read.member("labels", json::value_t::object);
  if (!labels) return std::unexpected(labels.error());
  for (const auto& [key, value] : (*labels)->items()) {
    if (!value.is_string()) {
      return read.problem("has label '" + key + "' of type " + value.type_name());
    }
    p.labels[key] = value.get<std::string>();
  }

  auto thresholds = read.member("thresholds", json::value_t::object);
  if (!thresholds) return std::unexpected(thresholds.error());
  for (const auto& [key, value] : (*thresholds)->items()) {
    const ThresholdSpec* spec = threshold_spec_by_key(key);
    if (spec == nullptr) return read.problem("has an unknown threshold '" + key + "'");
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
      return read.problem("has threshold '" + key + "' that is not a finite number");
    }
    p.thresholds[static_cast<std::size_t>(spec->metric)] = value.get<double>();
  }

  auto provisioned = read.member("provisioned", json::value_t::boolean);
  if (!provisioned) return std::unexpected(provisioned.error());
  p.provisioned = (*provisioned)->get<bool>();
  return p;
}

}  // namespace slamon
