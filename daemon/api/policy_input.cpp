#include "api/policy_input.h"

#include <yaml-cpp/yaml.h>

#include "config/loader.h"

namespace slamon::api {

ApiResult<Policy> validate_policy(const nlohmann::json& object, const Config& config,
                                  std::vector<FieldError> earlier) {
  std::vector<FieldError> problems = std::move(earlier);
  YAML::Node node;
  try {
    node = YAML::Load(object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (const YAML::Exception&) {
    problems.push_back({"", "the body could not be read as a policy"});
    return std::unexpected(validation_failed(std::move(problems)));
  }
  PolicyParseResult parsed = parse_policy(node, config, "request", "");
  for (Diagnostic& diagnostic : parsed.diagnostics) {
    problems.push_back({std::move(diagnostic.path), std::move(diagnostic.message)});
  }
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));
  parsed.policy.provisioned = false;
  return std::move(parsed.policy);
}

}  // namespace slamon::api
