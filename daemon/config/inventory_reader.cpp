// Reading of inventory files (SPEC §5): organizations and the entities they own.
#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <unordered_set>

#include "config/loader_internal.h"
#include "sla/calendar.h"

namespace slamon::config_detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kInventoryKeys{"organizations"sv};
constexpr std::array kOrganizationKeys{"id"sv,    "name"sv,          "site_groups"sv,
                                       "sites"sv, "device_groups"sv, "devices"sv};
constexpr std::array kGroupKeys{"id"sv, "name"sv};
constexpr std::array kSiteKeys{"id"sv, "name"sv, "site_group"sv, "timezone"sv};
constexpr std::array kDeviceKeys{"id"sv,    "name"sv, "kind"sv, "site"sv, "device_groups"sv,
                                 "ssids"sv, "snmp"sv};
constexpr std::array kDeviceSnmpKeys{"source"sv, "address"sv, "interfaces"sv};
constexpr std::array kDeviceKinds{"switch"sv, "router"sv, "ap"sv, "camera"sv, "nvr"sv, "other"sv};
constexpr int kDefaultSnmpPort = 161;

// The ids an organization defines, for references between its own entities.
struct OrganizationIds {
  std::unordered_set<std::string> site_groups;
  std::unordered_set<std::string> sites;
  std::unordered_set<std::string> device_groups;
};

// A UUID in lower case; anything else is reported and kept as written, so that references to
// it do not produce a second, misleading error.
std::optional<std::string> read_entity_id(const Reporter& r, const Field& f) {
  const auto text = read_nonempty_string(r, f);
  if (!text) return std::nullopt;
  if (auto uuid = canonical_uuid(*text)) return uuid;
  r.error(f.value_mark, f.path,
          "must be a UUID such as 3f7c1a52-0d4e-4b8e-9c11-2f3a4b5c6d7e, got \"" + *text + "\"");
  return text;
}

std::string canonical_reference(const std::string& text) {
  return canonical_uuid(text).value_or(text);
}

// Claims `id` for `what` across the whole inventory; reports the clash when it is taken.
void claim_id(const Reporter& r, EntityIds& ids, const std::string& id, const Field& f,
              const std::string& what) {
  const auto [existing, inserted] = ids.emplace(id, std::pair{what, location_of(r, f.value_mark)});
  if (inserted) return;
  if (what.starts_with("organization") && existing->second.first.starts_with("organization")) {
    r.error(f.value_mark, f.path,
            "organization `" + id + "` is already defined at " +
                existing->second.second.describe() +
                "; an organization must be written in one place");
    return;
  }
  r.error(f.value_mark, f.path,
          "duplicate id `" + id + "`: already used by " + existing->second.first + " at " +
              existing->second.second.describe() +
              "; ids must be unique across the whole inventory");
}

bool plausible_timezone(std::string_view tz) {
  if (tz.empty() || tz.size() > 64 || !std::isalpha(static_cast<unsigned char>(tz.front())))
    return false;
  bool previous_slash = false;
  for (char c : tz) {
    if (c == '/') {
      if (previous_slash) return false;
      previous_slash = true;
      continue;
    }
    previous_slash = false;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '+')
      return false;
  }
  return !previous_slash;
}

// host, host:port, [v6] or [v6]:port; bare IPv6 (several colons) is a host without a port.
std::optional<std::string> normalize_address(std::string_view text) {
  if (text.empty() || std::any_of(text.begin(), text.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c));
      })) {
    return std::nullopt;
  }
  std::string_view host;
  std::string_view port;
  bool ipv6 = false;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    host = text.substr(1, close - 1);
    ipv6 = true;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    host = text;
    ipv6 = true;
  } else if (const std::size_t colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.empty() || port.empty()) return std::nullopt;
  } else {
    host = text;
  }
  int port_number = kDefaultSnmpPort;
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    port_number = std::stoi(std::string(port));
    if (port_number < 1 || port_number > 65535) return std::nullopt;
  }
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on the `+` chain.
  std::string normalized;
  if (ipv6) normalized += '[';
  normalized.append(host);
  if (ipv6) normalized += ']';
  normalized += ':';
  normalized += std::to_string(port_number);
  return normalized;
}

// id and name, common to every entity; the id is claimed in the inventory-wide registry.
template <typename Entity>
bool read_id_and_name(const Reporter& r, const MapReader& map, const std::string& kind,
                      EntityIds& ids, Entity& entity) {
  if (auto f = map.require("name")) entity.name = read_nonempty_string(r, *f).value_or("");
  if (auto f = map.require("id")) {
    if (auto id = read_entity_id(r, *f)) {
      entity.id = *id;
      claim_id(r, ids, *id, *f, kind + " `" + entity.name + "`");
      return true;
    }
  }
  return false;
}

template <typename Group>
void read_groups(const Reporter& r, const MapReader& org_map, std::string_view key,
                 const std::string& kind, EntityIds& ids, std::vector<Group>& out,
                 std::unordered_set<std::string>& known) {
  const auto field = org_map.get(key);
  if (!field) return;
  const auto items = read_list(r, *field);
  if (!items) return;
  for (const Field& item : *items) {
    MapReader map(r, item, kGroupKeys);
    if (!map.ok()) continue;
    Group group;
    if (read_id_and_name(r, map, kind, ids, group)) known.insert(group.id);
    out.push_back(std::move(group));
  }
}

void read_sites(const Reporter& r, const MapReader& org_map, const std::string& org_name,
                EntityIds& ids, Organization& org, OrganizationIds& known) {
  const auto field = org_map.get("sites");
  if (!field) return;
  const auto items = read_list(r, *field);
  if (!items) return;
  for (const Field& item : *items) {
    MapReader map(r, item, kSiteKeys);
    if (!map.ok()) continue;
    Site site;
    if (read_id_and_name(r, map, "site", ids, site)) known.sites.insert(site.id);
    if (auto f = map.get("site_group")) {
      if (auto group = read_nonempty_string(r, *f)) {
        site.site_group = canonical_reference(*group);
        if (!known.site_groups.contains(site.site_group)) {
          r.error(f->value_mark, f->path,
                  "unknown site group `" + *group + "`: organization `" + org_name +
                      "` has no site group with this id");
        }
      }
    }
    if (auto f = map.get("timezone")) {
      if (auto tz = read_nonempty_string(r, *f)) {
        if (!plausible_timezone(*tz)) {
          r.error(
              f->value_mark, f->path,
              "must be an IANA time zone name such as Europe/Berlin or UTC, got \"" + *tz + "\"");
        } else if (!sla::TimeZone::find(*tz)) {
          // SLA periods, business hours and maintenance recurrences are read in this zone.
          r.error(f->value_mark, f->path,
                  "unknown time zone \"" + *tz +
                      "\": not in the tz database; use an IANA name such as Europe/Berlin or UTC");
        } else {
          site.timezone = *tz;
        }
      }
    }
    org.sites.push_back(std::move(site));
  }
}

std::optional<DeviceSnmp> read_device_snmp(const Reporter& r, const Field& field,
                                           const Config& config,
                                           const std::set<std::string>& untyped_sources) {
  MapReader map(r, field, kDeviceSnmpKeys);
  if (!map.ok()) return std::nullopt;
  DeviceSnmp snmp;
  if (auto f = map.require("source")) {
    if (auto name = read_nonempty_string(r, *f)) {
      snmp.source = *name;
      const SourceConfig* source = config.source(*name);
      if (source == nullptr && !untyped_sources.contains(*name)) {
        r.error(f->value_mark, f->path,
                "unknown source `" + *name + "`: no source of this name in slamon.yml");
      } else if (source != nullptr && source->type != SourceType::snmp) {
        r.error(f->value_mark, f->path,
                "source `" + *name + "` is a " + std::string(to_string(source->type)) +
                    " source; devices are polled through an snmp source");
      }
    }
  }
  if (auto f = map.require("address")) {
    if (auto text = read_nonempty_string(r, *f)) {
      if (auto address = normalize_address(*text)) {
        snmp.address = *address;
      } else {
        r.error(
            f->value_mark, f->path,
            "must be host or host:port (port 1-65535; IPv6 as [addr]:port), got \"" + *text + "\"");
      }
    }
  }
  if (auto f = map.get("interfaces")) {
    if (auto items = read_list(r, *f)) {
      for (const Field& item : *items) {
        if (auto index = read_integer(r, item)) {
          if (*index < 1 || *index > std::numeric_limits<std::int32_t>::max()) {
            r.error(item.value_mark, item.path,
                    "an interface index (ifIndex) is between 1 and 2147483647");
          } else {
            snmp.interfaces.push_back(static_cast<int>(*index));
          }
        }
      }
    }
  }
  return snmp;
}

void read_devices(const Reporter& r, const MapReader& org_map, const std::string& org_name,
                  const Config& config, const std::set<std::string>& untyped_sources,
                  EntityIds& ids, Organization& org, const OrganizationIds& known) {
  const auto field = org_map.get("devices");
  if (!field) return;
  const auto items = read_list(r, *field);
  if (!items) return;
  for (const Field& item : *items) {
    MapReader map(r, item, kDeviceKeys);
    if (!map.ok()) continue;
    Device device;
    std::string kind = "other";
    if (auto f = map.get("kind")) {
      if (auto text = read_choice(r, *f, kDeviceKinds)) {
        kind = *text;
        device.kind = *parse_device_kind(*text);
      }
    }
    read_id_and_name(r, map, kind == "other" ? "device" : kind, ids, device);
    if (auto f = map.get("site")) {
      if (auto site = read_nonempty_string(r, *f)) {
        device.site = canonical_reference(*site);
        if (!known.sites.contains(device.site)) {
          r.error(f->value_mark, f->path,
                  "unknown site `" + *site + "`: organization `" + org_name +
                      "` has no site with this id");
        }
      }
    }
    if (auto f = map.get("device_groups")) {
      if (auto groups = read_list(r, *f)) {
        for (const Field& group_field : *groups) {
          auto group = read_nonempty_string(r, group_field);
          if (!group) continue;
          const std::string id = canonical_reference(*group);
          if (!known.device_groups.contains(id)) {
            r.error(group_field.value_mark, group_field.path,
                    "unknown device group `" + *group + "`: organization `" + org_name +
                        "` has no device group with this id");
          }
          device.device_groups.push_back(id);
        }
      }
    }
    if (auto f = map.get("ssids")) {
      if (device.kind != DeviceKind::ap) {
        r.error(f->key_mark, f->path,
                "`ssids` applies only to devices of kind ap (this device is " + kind + ")");
      } else if (auto ssids = read_list(r, *f)) {
        for (const Field& ssid : *ssids) {
          if (auto name = read_nonempty_string(r, ssid)) device.ssids.push_back(*name);
        }
      }
    }
    if (auto f = map.get("snmp")) device.snmp = read_device_snmp(r, *f, config, untyped_sources);
    org.devices.push_back(std::move(device));
  }
}

void read_organization(const Reporter& r, const Field& item, Config& config,
                       const std::set<std::string>& untyped_sources, EntityIds& ids) {
  MapReader map(r, item, kOrganizationKeys);
  if (!map.ok()) return;
  Organization org;
  read_id_and_name(r, map, "organization", ids, org);
  OrganizationIds known;
  read_groups(r, map, "site_groups", "site group", ids, org.site_groups, known.site_groups);
  read_groups(r, map, "device_groups", "device group", ids, org.device_groups, known.device_groups);
  read_sites(r, map, org.name, ids, org, known);
  read_devices(r, map, org.name, config, untyped_sources, ids, org, known);
  config.inventory.organizations.push_back(std::move(org));
}

}  // namespace

void read_inventory_file(const Reporter& r, const YAML::Node& document, Config& config,
                         const std::set<std::string>& untyped_sources, EntityIds& ids) {
  MapReader top(r, Field::root(document), kInventoryKeys);
  const auto organizations = top.get("organizations");
  if (!organizations) return;
  const auto items = read_list(r, *organizations);
  if (!items) return;
  for (const Field& item : *items) read_organization(r, item, config, untyped_sources, ids);
}

}  // namespace slamon::config_detail
