#include "config/config.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "common/duration.h"

namespace slamon {
namespace {

constexpr std::array kDeviceKinds{DeviceKind::switch_, DeviceKind::router, DeviceKind::ap,
                                  DeviceKind::camera,  DeviceKind::nvr,    DeviceKind::other};
constexpr std::array kRoles{Role::viewer, Role::site_admin, Role::org_admin};
constexpr std::array kNotifierTypes{NotifierType::slack, NotifierType::teams, NotifierType::webhook,
                                    NotifierType::smtp, NotifierType::alertmanager};

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

void replace_all(std::string& text, std::string_view placeholder, std::string_view value) {
  for (std::size_t pos = text.find(placeholder); pos != std::string::npos;
       pos = text.find(placeholder, pos + value.size())) {
    text.replace(pos, placeholder.size(), value);
  }
}

}  // namespace

std::string_view to_string(SourceType type) {
  return type == SourceType::prometheus ? "prometheus" : "snmp";
}

std::string_view to_string(Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::avg:
      return "avg";
    case Aggregate::min:
      return "min";
    case Aggregate::max:
      return "max";
    case Aggregate::worst:
      return "worst";
  }
  return "";
}

std::string_view to_string(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::switch_:
      return "switch";
    case DeviceKind::router:
      return "router";
    case DeviceKind::ap:
      return "ap";
    case DeviceKind::camera:
      return "camera";
    case DeviceKind::nvr:
      return "nvr";
    case DeviceKind::other:
      return "other";
  }
  return "";
}

std::optional<DeviceKind> parse_device_kind(std::string_view text) {
  for (DeviceKind kind : kDeviceKinds) {
    if (to_string(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::viewer:
      return "viewer";
    case Role::site_admin:
      return "site_admin";
    case Role::org_admin:
      return "org_admin";
  }
  return "";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role role : kRoles) {
    if (to_string(role) == text) return role;
  }
  return std::nullopt;
}

std::string_view to_string(NotifierType type) {
  switch (type) {
    case NotifierType::slack:
      return "slack";
    case NotifierType::teams:
      return "teams";
    case NotifierType::webhook:
      return "webhook";
    case NotifierType::smtp:
      return "smtp";
    case NotifierType::alertmanager:
      return "alertmanager";
  }
  return "";
}

std::optional<NotifierType> parse_notifier_type(std::string_view text) {
  for (NotifierType type : kNotifierTypes) {
    if (to_string(type) == text) return type;
  }
  return std::nullopt;
}

std::string_view to_string(TeamsFormat format) {
  return format == TeamsFormat::adaptive_card ? "adaptive_card" : "message_card";
}

bool MeasurementConfig::per_scope() const {
  return query.find("{{scope_id}}") != std::string::npos ||
         query.find("{{scope_name}}") != std::string::npos;
}

bool MeasurementConfig::serves(Metric m, Scope s) const {
  return metric == m && std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

std::string MeasurementConfig::render_query(std::chrono::milliseconds effective_window,
                                            std::string_view scope_id,
                                            std::string_view scope_name) const {
  // Scope values are written into PromQL string literals ("..."); escaped so an SSID named
  // `Guest "5G"` or `a\b` cannot break out of the literal or the query.
  auto escaped = [](std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
      if (c == '\\' || c == '"' || c == '\'') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out;
  };
  std::string rendered = query;
  replace_all(rendered, "{{window}}", format_duration(effective_window));
  replace_all(rendered, "{{scope_id}}", escaped(scope_id));
  replace_all(rendered, "{{scope_name}}", escaped(scope_name));
  return rendered;
}

void Inventory::index() {
  entities_.clear();
  org_index_.clear();
  device_index_.clear();
  for (std::size_t org_pos = 0; org_pos < organizations.size(); ++org_pos) {
    const Organization& org = organizations[org_pos];
    // emplace keeps the first definition; the loader reports any duplicate id as an error.
    org_index_.emplace(org.id, org_pos);
    entities_.emplace(org.id, EntityRef{org.id, Scope::organization, false, "", org.name});
    for (const SiteGroup& group : org.site_groups) {
      entities_.emplace(group.id, EntityRef{org.id, Scope::site_group, false, "", group.name});
    }
    for (const Site& site : org.sites) {
      entities_.emplace(site.id, EntityRef{org.id, Scope::site, false, site.id, site.name});
    }
    for (const DeviceGroup& group : org.device_groups) {
      entities_.emplace(group.id, EntityRef{org.id, Scope::device_group, false, "", group.name});
    }
    for (std::size_t device_pos = 0; device_pos < org.devices.size(); ++device_pos) {
      const Device& device = org.devices[device_pos];
      device_index_.emplace(device.id, std::pair{org_pos, device_pos});
      if (device.kind == DeviceKind::camera || device.kind == DeviceKind::nvr) {
        const Scope kind = device.kind == DeviceKind::camera ? Scope::camera : Scope::nvr;
        entities_.emplace(device.id, EntityRef{org.id, kind, true, device.site, device.name});
      }
    }
  }
}

const Organization* Inventory::organization(const std::string& id) const {
  const auto found = org_index_.find(id);
  return found == org_index_.end() ? nullptr : &organizations[found->second];
}

const EntityRef* Inventory::entity(const std::string& id) const {
  const auto found = entities_.find(id);
  return found == entities_.end() ? nullptr : &found->second;
}

const Device* Inventory::device(const std::string& id) const {
  const auto found = device_index_.find(id);
  if (found == device_index_.end()) return nullptr;
  return &organizations[found->second.first].devices[found->second.second];
}

const Organization* Inventory::device_owner(const std::string& id) const {
  const auto found = device_index_.find(id);
  return found == device_index_.end() ? nullptr : &organizations[found->second.first];
}

bool Inventory::owns(const std::string& org, Scope scope, const std::string& id) const {
  switch (scope) {
    case Scope::organization:
      return id == org && organization(org) != nullptr;
    case Scope::ssid:
      return !devices_of(org, Scope::ssid, id).empty();
    case Scope::site:
    case Scope::site_group:
    case Scope::device_group:
    case Scope::camera:
    case Scope::nvr: {
      const EntityRef* ref = entity(id);
      return ref != nullptr && ref->org == org && ref->kind == scope;
    }
  }
  return false;
}

std::vector<const Device*> Inventory::devices_of(const std::string& org, Scope scope,
                                                 const std::string& scope_key) const {
  std::vector<const Device*> result;
  const Organization* owner = organization(org);
  if (owner == nullptr) return result;
  switch (scope) {
    case Scope::organization:
      for (const Device& device : owner->devices) result.push_back(&device);
      break;
    case Scope::site:
      for (const Device& device : owner->devices) {
        if (device.site == scope_key) result.push_back(&device);
      }
      break;
    case Scope::site_group: {
      std::unordered_set<std::string> sites;
      for (const Site& site : owner->sites) {
        if (site.site_group == scope_key) sites.insert(site.id);
      }
      for (const Device& device : owner->devices) {
        if (sites.contains(device.site)) result.push_back(&device);
      }
      break;
    }
    case Scope::device_group:
      for (const Device& device : owner->devices) {
        if (contains(device.device_groups, scope_key)) result.push_back(&device);
      }
      break;
    case Scope::camera:
    case Scope::nvr: {
      const DeviceKind wanted = scope == Scope::camera ? DeviceKind::camera : DeviceKind::nvr;
      const Device* found = device(scope_key);
      if (found != nullptr && found->kind == wanted && device_owner(scope_key) == owner) {
        result.push_back(found);
      }
      break;
    }
    case Scope::ssid:
      for (const Device& device : owner->devices) {
        if (device.kind == DeviceKind::ap && contains(device.ssids, scope_key)) {
          result.push_back(&device);
        }
      }
      break;
  }
  return result;
}

std::optional<std::string> Inventory::site_of(Scope scope, const std::string& scope_id) const {
  switch (scope) {
    case Scope::site: {
      const EntityRef* ref = entity(scope_id);
      if (ref != nullptr && ref->kind == Scope::site) return scope_id;
      return std::nullopt;
    }
    case Scope::camera:
    case Scope::nvr: {
      const EntityRef* ref = entity(scope_id);
      if (ref != nullptr && ref->kind == scope && !ref->site.empty()) return ref->site;
      return std::nullopt;
    }
    case Scope::organization:
    case Scope::site_group:
    case Scope::device_group:
    case Scope::ssid:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string Inventory::timezone_of(Scope scope, const std::optional<std::string>& scope_id) const {
  if (!scope_id) return "UTC";
  const auto site = site_of(scope, *scope_id);
  if (!site) return "UTC";
  const EntityRef* ref = entity(*site);
  if (ref == nullptr) return "UTC";
  const Organization* owner = organization(ref->org);
  if (owner == nullptr) return "UTC";
  for (const Site& candidate : owner->sites) {
    if (candidate.id == *site) return candidate.timezone.empty() ? "UTC" : candidate.timezone;
  }
  return "UTC";
}

const SourceConfig* Config::source(const std::string& name) const {
  for (const SourceConfig& candidate : sources) {
    if (candidate.name == name) return &candidate;
  }
  return nullptr;
}

const MeasurementConfig* Config::measurement_for(Metric m, Scope s) const {
  for (const MeasurementConfig& candidate : measurements) {
    if (candidate.serves(m, s)) return &candidate;
  }
  return nullptr;
}

std::chrono::milliseconds Config::window_of(const MeasurementConfig& measurement) const {
  return measurement.window.count() > 0 ? measurement.window : global.evaluation_interval;
}

}  // namespace slamon
