// parse_policy: the one validation of a policy object (SPEC §3), shared by rule files and the API;
// and the owner and scope readers that maintenance windows share with it.
#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <sstream>

#include "common/uuid.h"
#include "config/loader.h"
#include "config/loader_internal.h"

namespace slamon {
namespace {

using namespace std::string_view_literals;
using config_detail::Field;
using config_detail::format_number;
using config_detail::is_label_name;
using config_detail::join_path;
using config_detail::kind_name;
using config_detail::MapReader;
using config_detail::Reporter;

constexpr std::array kPolicyKeys{
    "id"sv,          "org"sv,          "name"sv,   "description"sv,    "scope"sv,   "scope_id"sv,
    "scope_name"sv,  "status"sv,       "labels"sv, "thresholds"sv,     "no_data"sv, "sla_period"sv,
    "time_period"sv, "requirements"sv, "levels"sv, "sliding_window"sv, "credits"sv};
constexpr std::array kStatuses{"active"sv, "disabled"sv, "draft"sv};
constexpr std::array kNoDataModes{"keep"sv, "breach"sv, "resolve"sv};
// The label names slamon itself puts on events and /metrics series.
constexpr std::array kReservedLabels{"org"sv,   "policy_id"sv, "policy"sv,
                                     "scope"sv, "scope_id"sv,  "status"sv};

std::string range_text(const ThresholdSpec& spec) {
  if (std::isinf(spec.range_max)) return "at least " + format_number(spec.range_min);
  return "between " + format_number(spec.range_min) + " and " + format_number(spec.range_max);
}

std::vector<std::string_view> threshold_keys() {
  std::vector<std::string_view> keys;
  for (const ThresholdSpec& spec : threshold_specs()) keys.push_back(spec.key);
  return keys;
}

// Why `id` is not a `scope` of `org`. Says what the id is only when it belongs to the same
// organization, so that an API caller learns nothing about other tenants.
std::string not_owned_message(const Inventory& inventory, const std::string& org, Scope scope,
                              const std::string& id) {
  const Organization* owner = inventory.organization(org);
  std::string message = "`" + id + "` is not a " + kind_name(scope) + " of organization `" +
                        (owner != nullptr ? owner->name : org) + "`";
  if (const EntityRef* ref = inventory.entity(id); ref != nullptr && ref->org == org) {
    message += " (it is a " + kind_name(ref->kind) + ")";
  } else if (const Device* device = inventory.device(id);
             device != nullptr && inventory.device_owner(id) == owner) {
    message += " (it is a device of kind " + std::string(to_string(device->kind)) + ")";
  }
  return message;
}

class PolicyReader {
 public:
  PolicyReader(const Reporter& r, const MapReader& map, const Config& config, Policy& policy)
      : r_(r), map_(map), config_(config), policy_(policy) {}

  void read() {
    const bool org_known = read_org();
    read_name();
    read_id();
    if (auto f = map_.get("description"))
      policy_.description = config_detail::read_string(r_, *f).value_or("");
    if (auto f = map_.get("status")) {
      if (auto status = config_detail::read_choice(r_, *f, kStatuses)) {
        policy_.status = *parse_policy_status(*status);
      }
    }
    const bool scope_known = read_scope(org_known);
    read_labels();
    read_thresholds(scope_known);
    if (auto f = map_.get("no_data")) {
      if (auto mode = config_detail::read_choice(r_, *f, kNoDataModes)) {
        policy_.no_data = *parse_no_data_mode(*mode);
      }
    }
    config_detail::read_policy_sla_keys(r_, map_, config_, written_thresholds_, scope_known,
                                        policy_);
  }

 private:
  bool read_org() {
    return config_detail::read_owner_org(r_, map_, config_.inventory, policy_.org);
  }

  void read_name() {
    if (auto f = map_.require("name"))
      policy_.name = config_detail::read_nonempty_string(r_, *f).value_or("");
  }

  void read_id() {
    if (auto f = map_.get("id")) {
      const auto text = config_detail::read_nonempty_string(r_, *f);
      if (!text) return;
      if (auto uuid = config_detail::canonical_uuid(*text)) {
        policy_.id = *uuid;
      } else if (config_detail::is_slug(*text)) {
        policy_.id = *text;
      } else {
        r_.error(f->value_mark, f->path,
                 "must be a slug of 1 to 64 characters from a-z, 0-9, _ and - (such as "
                 "core-network-uptime) or a UUID, got \"" +
                     *text + "\"");
      }
      return;
    }
    if (!policy_.org.empty() && !policy_.name.empty()) {
      policy_.id = uuid_v5(kPolicyIdNamespace, policy_.org + "/" + policy_.name);
    }
  }

  bool read_scope(bool org_known) {
    config_detail::ScopeFields scope;
    const bool known = config_detail::read_scope_fields(r_, map_, config_.inventory, policy_.org,
                                                        org_known, "policy", scope);
    policy_.scope = scope.scope;
    policy_.scope_id = std::move(scope.scope_id);
    policy_.scope_name = std::move(scope.scope_name);
    return known;
  }

  void read_labels() {
    const auto f = map_.get("labels");
    if (!f) return;
    MapReader labels(r_, *f, std::array{config_detail::kAnyKey});
    for (const auto& [name, field] : labels.entries()) {
      if (!is_label_name(name)) {
        r_.error(field.key_mark, field.path,
                 "invalid label name `" + name +
                     "`: use letters, digits and _, not starting with a digit");
        continue;
      }
      if (name.starts_with("__")) {
        r_.error(field.key_mark, field.path, "label names starting with __ are reserved");
        continue;
      }
      if (std::find(kReservedLabels.begin(), kReservedLabels.end(), name) !=
          kReservedLabels.end()) {
        r_.error(field.key_mark, field.path,
                 "label `" + name +
                     "` collides with a label slamon sets itself (org, policy_id, policy, scope, "
                     "scope_id, "
                     "status); choose another name");
        continue;
      }
      if (auto value = config_detail::read_nonempty_string(r_, field))
        policy_.labels[name] = *value;
    }
  }

  void read_thresholds(bool scope_known) {
    const auto f = map_.require("thresholds");
    if (!f) return;
    const std::vector<std::string_view> keys = threshold_keys();
    MapReader thresholds(r_, *f, keys);
    if (!thresholds.ok()) return;
    if (thresholds.entries().empty()) {
      r_.error(f->value_mark, f->path,
               "needs at least one threshold: " + config_detail::list_words(keys));
      return;
    }
    for (const auto& [key, field] : thresholds.entries()) {
      const ThresholdSpec& spec = *threshold_spec_by_key(key);
      written_thresholds_.insert(spec.metric);
      if (auto value = config_detail::read_number(r_, field)) {
        if (*value < spec.range_min || *value > spec.range_max) {
          r_.error(field.value_mark, field.path,
                   "out of range: " + std::string(to_string(spec.metric)) + " is " +
                       std::string(spec.unit) + ", so the threshold must be " + range_text(spec) +
                       ", got " + format_number(*value));
        } else {
          policy_.thresholds[static_cast<std::size_t>(spec.metric)] = *value;
        }
      }
      const bool evaluated = policy_.status == PolicyStatus::active;
      if (evaluated && scope_known &&
          config_.measurement_for(spec.metric, policy_.scope) == nullptr) {
        r_.error(field.key_mark, field.path,
                 "no measurement provides " + std::string(to_string(spec.metric)) + " for scope " +
                     std::string(to_string(policy_.scope)) +
                     ": add one to `measurements:` in slamon.yml (metric: " +
                     std::string(to_string(spec.metric)) + ", scopes: [" +
                     std::string(to_string(policy_.scope)) +
                     "]), or set the policy's status to draft");
      }
    }
  }

  const Reporter& r_;
  const MapReader& map_;
  const Config& config_;
  Policy& policy_;
  std::set<Metric> written_thresholds_;
};

}  // namespace

namespace config_detail {

bool is_slug(std::string_view id) {
  constexpr std::size_t kMaxSlugLength = 64;
  return !id.empty() && id.size() <= kMaxSlugLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string kind_name(Scope scope) {
  switch (scope) {
    case Scope::site_group:
      return "site group";
    case Scope::device_group:
      return "device group";
    default:
      return std::string(to_string(scope));
  }
}

bool read_owner_org(const Reporter& r, const MapReader& map, const Inventory& inventory,
                    std::string& org) {
  const auto f = map.require("org");
  if (!f) return false;
  const auto text = read_nonempty_string(r, *f);
  if (!text) return false;
  const auto uuid = canonical_uuid(*text);
  if (!uuid) {
    r.error(f->value_mark, f->path, "must be the UUID of an organization, got \"" + *text + "\"");
    return false;
  }
  org = *uuid;
  if (inventory.organization(*uuid) == nullptr) {
    r.error(f->value_mark, f->path,
            "unknown organization `" + *uuid + "`: it is not defined in any inventory file");
    return false;
  }
  return true;
}

bool read_scope_fields(const Reporter& r, const MapReader& map, const Inventory& inventory,
                       const std::string& org, bool org_known, std::string_view subject,
                       ScopeFields& out) {
  const auto f = map.require("scope");
  if (!f) return false;
  std::vector<std::string_view> names;
  for (Scope s : kAllScopes) names.push_back(to_string(s));
  const auto text = read_choice(r, *f, names);
  if (!text) return false;
  out.scope = *parse_scope(*text);
  const Scope scope = out.scope;
  const auto scope_id = map.get("scope_id");
  const auto scope_name = map.get("scope_name");
  const std::string subject_text(subject);

  if (scope_name && scope != Scope::ssid) {
    r.error(scope_name->key_mark, scope_name->path,
            "`scope_name` applies only to scope ssid (this " + subject_text + "'s scope is " +
                *text + ")");
  }
  if (scope == Scope::organization) {
    if (scope_id) {
      r.error(scope_id->key_mark, scope_id->path,
              "must be absent for scope organization: the " + subject_text +
                  "'s organization is its scope");
    }
    return true;
  }
  if (scope == Scope::ssid) {
    if (scope_id) {
      if (auto id = read_nonempty_string(r, *scope_id)) out.scope_id = *id;
    }
    if (scope_name) {
      if (auto name = read_nonempty_string(r, *scope_name)) out.scope_name = *name;
    } else if (!scope_id) {
      r.error(map.self().value_mark, join_path(map.self().path, "scope_name"),
              "scope ssid needs `scope_name` (the SSID name) when `scope_id` is not given");
    }
    return true;
  }
  if (!scope_id) {
    r.error(map.self().value_mark, join_path(map.self().path, "scope_id"),
            "missing required key `scope_id`: scope " + *text + " needs the id of a " +
                kind_name(scope));
    return true;
  }
  const auto id = read_nonempty_string(r, *scope_id);
  if (!id) return true;
  out.scope_id = canonical_uuid(*id).value_or(*id);
  if (org_known && !inventory.owns(org, scope, *out.scope_id)) {
    r.error(scope_id->value_mark, scope_id->path,
            not_owned_message(inventory, org, scope, *out.scope_id));
  }
  return true;
}

}  // namespace config_detail

PolicyParseResult parse_policy(const YAML::Node& node, const Config& config,
                               const std::string& file, const std::string& path_prefix) {
  PolicyParseResult result;
  const Reporter r(file, result.diagnostics);
  const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
  const Field self{node, path_prefix, mark, mark};
  if (!node.IsDefined() || node.IsNull()) {
    r.error(mark, path_prefix, "expected a policy (a map), got nothing");
    return result;
  }
  const MapReader map(r, self, kPolicyKeys);
  if (!map.ok()) return result;
  PolicyReader(r, map, config, result.policy).read();
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                   });
  return result;
}

}  // namespace slamon
