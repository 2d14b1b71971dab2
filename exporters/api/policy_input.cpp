#include "api/policy_input.h"

#include <optional>

#include <yaml-cpp/yaml.h>

#include "config/loader.h"

namespace slamon::api {

namespace {

// The JSON object as a YAML node (JSON is YAML); nullopt when the YAML reader refuses it.
std::optional<YAML::Node> as_yaml(const nlohmann::json& object) {
  try {
    return YAML::Load(object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

ApiResult<Policy> validate_policy(const nlohmann::json& object, const Config& config,
                                  std::vector<FieldError> earlier) {
  std::vector<FieldError> problems = std::move(earlier);
  const auto node = as_yaml(object);
  if (!node) {
    problems.push_back({"", "the body could not be read as a policy"});
    return std::unexpected(validation_failed(std::move(problems)));
  }
  PolicyParseResult parsed = parse_policy(*node, config, "request", "");
  for (Diagnostic& diagnostic : parsed.diagnostics) {
    problems.push_back({std::move(diagnostic.path), std::move(diagnostic.message)});
  }
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));
  parsed.policy.provisioned = false;
  return std::move(parsed.policy);
}

std::expected<MaintenanceWindow, std::vector<FieldError>> validate_maintenance_json(
    const nlohmann::json& body, const std::string& org, const Config& config) {
  std::vector<FieldError> problems;
  if (!body.is_object()) {
    problems.push_back({"", "expected a maintenance window (a JSON object)"});
    return std::unexpected(std::move(problems));
  }
  nlohmann::json object = body;
  object["org"] = org;
  const auto node = as_yaml(object);
  if (!node) {
    problems.push_back({"", "the body could not be read as a maintenance window"});
    return std::unexpected(std::move(problems));
  }
  MaintenanceParseResult parsed = parse_maintenance_window(*node, config, "request", "");
  for (Diagnostic& diagnostic : parsed.diagnostics) {
    problems.push_back({std::move(diagnostic.path), std::move(diagnostic.message)});
  }
  if (!problems.empty()) return std::unexpected(std::move(problems));
  parsed.window.provisioned = false;
  return std::move(parsed.window);
}

}  // namespace slamon::api
