#include "api/policy_input.h"

#include <optional>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "common/strings.h"
#include "common/uuid.h"
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

// `body` with `org` added, as a YAML node; else the one problem naming what was expected.
std::expected<YAML::Node, std::vector<FieldError>> org_object_as_yaml(const nlohmann::json& body,
                                                                      const std::string& org,
                                                                      std::string_view what) {
  if (!body.is_object()) {
    return std::unexpected(
        std::vector<FieldError>{{"", "expected " + std::string(what) + " (a JSON object)"}});
  }
  nlohmann::json object = body;
  object["org"] = org;
  auto node = as_yaml(object);
  if (!node) {
    return std::unexpected(
        std::vector<FieldError>{{"", "the body could not be read as " + std::string(what)}});
  }
  return std::move(*node);
}

std::vector<FieldError> field_errors(std::vector<Diagnostic>& diagnostics) {
  std::vector<FieldError> problems;
  for (Diagnostic& diagnostic : diagnostics) {
    problems.push_back({std::move(diagnostic.path), std::move(diagnostic.message)});
  }
  return problems;
}

}  // namespace

std::optional<ApiError> unowned_scope(const nlohmann::json& body, const std::string& org,
                                      const Inventory& inventory) {
  if (!body.is_object()) return std::nullopt;
  const auto scope_field = body.find("scope");
  const auto id_field = body.find("scope_id");
  if (scope_field == body.end() || !scope_field->is_string()) return std::nullopt;
  if (id_field == body.end() || !id_field->is_string()) return std::nullopt;
  const std::optional<Scope> scope = parse_scope(scope_field->get<std::string>());
  if (!scope || *scope == Scope::organization || *scope == Scope::ssid) return std::nullopt;
  std::string id = id_field->get<std::string>();
  if (id.empty()) return std::nullopt;
  if (is_uuid(id)) id = to_lower_ascii(id);
  if (inventory.owns(org, *scope, id)) return std::nullopt;
  const EntityRef* entity = inventory.entity(id);
  const Organization* owner = inventory.device_owner(id);
  const bool of_own_org = (entity != nullptr && entity->org == org) ||
                          (owner != nullptr && owner == inventory.organization(org));
  if (of_own_org) return std::nullopt;
  return not_found("scope not found");
}

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
  auto node = org_object_as_yaml(body, org, "a maintenance window");
  if (!node) return std::unexpected(std::move(node.error()));
  MaintenanceParseResult parsed = parse_maintenance_window(*node, config, "request", "");
  if (!parsed.diagnostics.empty()) return std::unexpected(field_errors(parsed.diagnostics));
  parsed.window.provisioned = false;
  return std::move(parsed.window);
}

std::expected<ReportSchedule, std::vector<FieldError>> validate_report_schedule_json(
    const nlohmann::json& body, const std::string& org, const Config& config) {
  auto node = org_object_as_yaml(body, org, "a report schedule");
  if (!node) return std::unexpected(std::move(node.error()));
  ReportScheduleParseResult parsed = parse_report_schedule(*node, config, "request", "");
  if (!parsed.diagnostics.empty()) return std::unexpected(field_errors(parsed.diagnostics));
  parsed.schedule.provisioned = false;
  return std::move(parsed.schedule);
}

}  // namespace slamon::api
