#include "api/policy_input.h"

#include <optional>
#include <string_view>

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
